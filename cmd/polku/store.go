package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"polku/bot"
	"polku/bot/content"
	"polku/bot/store"
)

// storeConfig is where sessions live: Redis when an address is given,
// memory otherwise.
type storeConfig struct {
	fs     *flag.FlagSet
	getenv env
	redis  string
	prefix string
	ttl    string
	// client is the Redis client open ensured, for others that keep
	// things in the same Redis (the volunteers' desk); nil with memory.
	client redis.UniversalClient
}

func storeFlags(fs *flag.FlagSet, getenv env) *storeConfig {
	c := &storeConfig{fs: fs, getenv: getenv}
	fs.StringVar(&c.redis, "redis", getenv("REDIS_URL"), "keep sessions in Redis at this address ($REDIS_URL); memory when empty")
	fs.StringVar(&c.prefix, "redis-prefix", or(getenv("POLKU_REDIS_PREFIX"), store.DefaultPrefix), "start of every Redis key ($POLKU_REDIS_PREFIX)")
	fs.StringVar(&c.ttl, "session-ttl", or(getenv("POLKU_SESSION_TTL"), "30d"), "how long a session lives after the last message, e.g. 30d or 12h ($POLKU_SESSION_TTL)")
	return c
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// source names where a setting came from, for error messages: the flag when
// it was given, else the environment variable.
func (c *storeConfig) source(flagName, envName string) string {
	given := false
	c.fs.Visit(func(f *flag.Flag) {
		if f.Name == flagName {
			given = true
		}
	})
	if given {
		return "--" + flagName
	}
	return envName
}

// parseTTL reads a duration in Go's form (720h, 90m) or in days (30d).
func parseTTL(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(strings.TrimSpace(s), "d"); ok {
		n, err := strconv.Atoi(days)
		if err == nil && n > 0 && n <= 3650 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
		return 0, fmt.Errorf("%q is not a number of days between 1 and 3650", s)
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < time.Minute {
		return 0, fmt.Errorf("%q is not a duration of at least a minute: write e.g. 30d or 12h", s)
	}
	return d, nil
}

// open returns the store and how long sessions live, and a function that
// closes what it opened. Errors name the setting that is wrong and never
// contain the Redis address, which may hold a password.
func (c *storeConfig) open(ctx context.Context, log *slog.Logger) (bot.Store, time.Duration, func(), error) {
	ttl, err := parseTTL(c.ttl)
	if err != nil {
		return nil, 0, nil, usageError{msg: c.source("session-ttl", "POLKU_SESSION_TTL") + ": " + err.Error()}
	}
	if c.redis == "" {
		return store.NewMemory(ttl), ttl, func() {}, nil
	}
	from := c.source("redis", "REDIS_URL")
	secret := c.getenv("POLKU_KEY_SECRET")
	if len(secret) < store.MinSecretLen {
		return nil, 0, nil, usageError{msg: fmt.Sprintf("POLKU_KEY_SECRET must be set to at least %d characters when sessions are kept in Redis: "+
			"people's keys are a keyed hash of their platform id, so that a copy of the database does not reveal who they are. "+
			"Generate one with `openssl rand -hex 32` and use the same one on every replica", store.MinSecretLen)}
	}
	redis.SetLogger(store.RedisLogger{Log: log})
	client, err := store.OpenRedis(c.redis)
	if err != nil {
		return nil, 0, nil, usageError{msg: from + ": " + err.Error()}
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := store.NewRedis(ctx, client, store.RedisOptions{Prefix: c.prefix, Secret: []byte(secret), TTL: ttl, Logger: log})
	if err != nil {
		client.Close()
		if errors.Is(err, context.DeadlineExceeded) {
			err = errors.New("no answer in 10 s")
		}
		return nil, 0, nil, fmt.Errorf("%s: cannot use Redis: %w", from, err)
	}
	c.client = client
	return s, ttl, func() { client.Close() }, nil
}

// engine opens the store and the counter and returns an engine using them,
// and a function that closes both (writing what is counted but not yet in
// Redis). The engine logs to log; nil logs nothing. more, when given, adds
// to the engine's options once the store is open (and c.client set).
func (c *storeConfig) engine(ctx context.Context, content *content.Content, log *slog.Logger, more ...func(*bot.Options) error) (*bot.Engine, func(), error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	st, ttl, closeStore, err := c.open(ctx, log)
	if err != nil {
		return nil, nil, err
	}
	counter, closeCounter, err := c.openCounter(log)
	if err != nil {
		closeStore()
		return nil, nil, err
	}
	o := bot.Options{Logger: log, SessionTTL: ttl, Counter: counter}
	for _, f := range more {
		if err := f(&o); err != nil {
			closeCounter()
			closeStore()
			return nil, nil, err
		}
	}
	e := bot.New(content, st, o)
	return e, func() { closeCounter(); closeStore() }, nil
}
