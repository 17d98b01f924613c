package store

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/redis/go-redis/v9"

	"polku/bot"
)

var _ bot.Store = (*Redis)(nil)

// Redis keeps sessions in Redis (single node, Sentinel or Cluster), so that
// they survive restarts and several bot processes can serve the same people.
//
// A person's keys are named by a keyed hash (HMAC-SHA-256 with a secret
// from the configuration) of their platform and user id, so a copy of the
// database does not reveal Telegram or Discord ids. The hash sits in braces,
// a Cluster hash tag, so everything of one person lives in one slot and can
// be changed or deleted in one step.
//
// Updates use optimistic concurrency: the session is written by a Lua
// script only if Redis still holds the bytes the update started from
// (compared by SHA-1), otherwise the script answers with what Redis holds
// and fn runs again on that. A small in-process cache of recent sessions
// means the common case — the person's previous message was handled by
// this process — costs one round trip: the write.
type Redis struct {
	c      redis.UniversalClient
	prefix string
	secret []byte
	ttl    time.Duration
	cache  *cache
	log    *slog.Logger
	// wait is how long the client waits for a reply; a write that Redis
	// only gets to later (it was paused, or slow) must not happen, because
	// the person was already told it failed.
	wait time.Duration
	// offset is Redis's clock minus ours, measured at start, so the
	// deadline a write carries means the same on both machines.
	offset time.Duration
	batch  batcher
}

// RedisOptions configure a Redis store.
type RedisOptions struct {
	// Prefix starts every key, so one Redis can serve other things too.
	Prefix string
	// Secret keys the hash that names a person's keys. It must be the same
	// on every replica and stay the same: a new secret loses every session.
	Secret []byte
	// TTL is how long a session lives after the person's last message.
	TTL time.Duration
	// CacheSize is how many sessions are cached in the process (0: 10000,
	// negative: none).
	CacheSize int
	Logger    *slog.Logger
}

// DefaultPrefix starts Polku's keys.
const DefaultPrefix = "polku:"

// MinSecretLen is the shortest key-hash secret accepted, in bytes.
const MinSecretLen = 16

// ErrLate is returned when Redis reached a write only after the deadline
// (it was paused or overloaded); nothing was written.
var ErrLate = errors.New("redis answered too late; nothing was written")

// ErrNoSecret is returned by NewRedis without a usable secret.
var ErrNoSecret = fmt.Errorf("the key secret must be at least %d bytes", MinSecretLen)

// NewRedis returns a store using client c. It loads the update script so
// that the first message does not pay for it.
func NewRedis(ctx context.Context, c redis.UniversalClient, o RedisOptions) (*Redis, error) {
	if len(o.Secret) < MinSecretLen {
		return nil, ErrNoSecret
	}
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.TTL <= 0 {
		o.TTL = bot.DefaultSessionTTL
	}
	if o.CacheSize == 0 {
		o.CacheSize = 10_000
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Redis{c: c, prefix: o.Prefix, secret: append([]byte(nil), o.Secret...), ttl: o.TTL, cache: newCache(o.CacheSize), log: o.Logger,
		wait: readTimeout(c)}
	if err := loadScripts(ctx, c); err != nil {
		return nil, fmt.Errorf("load scripts into redis: %w", err)
	}
	before := time.Now()
	t, err := c.Time(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("read redis's clock: %w", err)
	}
	rtt := time.Since(before)
	r.offset = t.Sub(before.Add(rtt / 2))
	return r, nil
}

// readTimeout is how long c waits for a reply.
func readTimeout(c redis.UniversalClient) time.Duration {
	d := DefaultReadTimeout
	switch c := c.(type) {
	case *redis.Client:
		d = c.Options().ReadTimeout
	case *redis.ClusterClient:
		d = c.Options().ReadTimeout
	}
	if d <= 0 {
		d = DefaultReadTimeout
	}
	return d
}

func loadScripts(ctx context.Context, c redis.UniversalClient) error {
	if cc, ok := c.(*redis.ClusterClient); ok {
		return cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			return casScript.Load(ctx, m).Err()
		})
	}
	return casScript.Load(ctx, c).Err()
}

// personTag is the hash tag of a person: every key of theirs contains it.
func (r *Redis) personTag(key string) string {
	m := hmac.New(sha256.New, r.secret)
	m.Write([]byte(key))
	return "{" + base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16]) + "}"
}

func (r *Redis) sessionKey(key string) string { return r.prefix + r.personTag(key) + ":s" }

// personKeys are every key Polku may keep for one person: forgetting them
// deletes them all in one command, which Cluster allows because they share
// a hash tag.
func (r *Redis) personKeys(key string) []string {
	return []string{r.sessionKey(key)}
}

// casScript writes a session only if Redis still holds what the update
// started from, and only before the sender stops waiting for the reply.
//
//	KEYS[1]  the session key
//	ARGV[1]  SHA-1 (hex) of the bytes the update read; "" when it read nothing
//	ARGV[2]  the new bytes; "" to write nothing and only renew the time to live
//	ARGV[3]  time to live in milliseconds
//	ARGV[4]  deadline, in microseconds of Redis's clock
//
// It returns {1} on success, {0, current bytes} or {0} (nothing there) when
// someone else wrote first, and {2} when the deadline has passed: a Redis
// that was paused or overloaded runs queued commands late, after the bot
// has told the person something went wrong, and such a write must not
// happen then.
//
// Reading TIME before a write needs the script's effects to be replicated,
// not the script: the default since Redis 5, and what replicate_commands
// asks for on older servers (on Redis 7 it does nothing).
var casScript = redis.NewScript(`
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
if tonumber(t[1]) * 1000000 + tonumber(t[2]) > tonumber(ARGV[4]) then
  return {2}
end
local cur = redis.call('GET', KEYS[1])
local sha = ''
if cur then sha = redis.sha1hex(cur) end
if sha ~= ARGV[1] then
  if cur then return {0, cur} end
  return {0}
end
if ARGV[2] ~= '' then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
elseif cur then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return {1}
`)

func sha1hex(b []byte) string {
	if b == nil {
		return ""
	}
	h := sha1.Sum(b)
	return hex.EncodeToString(h[:])
}

// cas runs casScript. It returns whether the write (or check) went through
// and, when it did not, what Redis holds (nil for nothing).
func (r *Redis) cas(ctx context.Context, k string, expected, next []byte) (bool, []byte, error) {
	deadline := time.Now().Add(r.wait)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	deadline = deadline.Add(r.offset)
	res, err := r.batch.run(r, &casCall{ctx: ctx, key: k, args: []any{sha1hex(expected), next, r.ttl.Milliseconds(), deadline.UnixMicro()}})
	if err != nil {
		return false, nil, err
	}
	if len(res) == 0 {
		return false, nil, errors.New("unexpected reply from the update script")
	}
	switch code, _ := res[0].(int64); code {
	case 1:
		return true, nil, nil
	case 2:
		return false, nil, ErrLate
	}
	if len(res) < 2 {
		return false, nil, nil
	}
	cur, _ := res[1].(string)
	return false, []byte(cur), nil
}

// maxRedisAttempts bounds how often one update retries after losing a race.
const maxRedisAttempts = 50

// backoff waits up to a few milliseconds, more after more lost races.
func backoff(ctx context.Context, attempt int) error {
	limit := time.Duration(min(1<<attempt, 64)) * 100 * time.Microsecond
	t := time.NewTimer(rand.N(limit) + 50*time.Microsecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Update implements bot.Store.
func (r *Redis) Update(ctx context.Context, key string, fn func(*bot.Session) error) error {
	k := r.sessionKey(key)
	// Start from the cached bytes, or from nothing: for a new person that is
	// right and costs one round trip; for a known one the script answers
	// with their session and the retry costs the second.
	cur, _ := r.cache.get(k)
	fresh := false // cur was read from Redis during this update
	for attempt := range maxRedisAttempts {
		if err := ctx.Err(); err != nil {
			return err
		}
		if attempt >= 2 {
			// Lost twice in a row: many messages for this person at once.
			// Wait a little, at random, so they stop colliding.
			if err := backoff(ctx, attempt); err != nil {
				return err
			}
		}
		s := r.decode(cur)
		if err := fn(s); err != nil {
			if fresh {
				return err
			}
			// fn answered without changing anything; make sure it read what
			// Redis holds (and renew the time to live, for activity)
			ok, now, cerr := r.cas(ctx, k, cur, nil)
			if cerr != nil {
				r.cache.remove(k)
				return fmt.Errorf("check session: %w", cerr)
			}
			if ok {
				return err
			}
			cur, fresh = now, true
			r.cache.put(k, now)
			continue
		}
		next := EncodeSession(s)
		ok, now, err := r.cas(ctx, k, cur, next)
		if err != nil {
			// the write may or may not have happened; read afresh next time
			r.cache.remove(k)
			return fmt.Errorf("save session: %w", err)
		}
		if ok {
			r.cache.put(k, next)
			return nil
		}
		cur, fresh = now, true
		r.cache.put(k, now)
	}
	return ErrContention
}

// decode reads stored bytes; nothing is a new session. Bytes that are not a
// session (written by something else, or damaged) start a new one, which
// the next write replaces, rather than failing the person forever.
func (r *Redis) decode(b []byte) *bot.Session {
	if b == nil {
		return &bot.Session{}
	}
	s, err := DecodeSession(b)
	if err != nil {
		r.log.Warn("stored session unreadable, starting anew", "err", err)
		return &bot.Session{}
	}
	return s
}

// Delete implements bot.Store: every key of the person goes in one command.
func (r *Redis) Delete(ctx context.Context, key string) error {
	keys := r.personKeys(key)
	for _, k := range keys {
		r.cache.remove(k)
	}
	if err := r.c.Del(ctx, keys...).Err(); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// TTL returns how long sessions live after the last message.
func (r *Redis) TTL() time.Duration { return r.ttl }

// SessionKey is the Redis key of the session stored under key, for tools
// and tests that look inside Redis.
func (r *Redis) SessionKey(key string) string { return r.sessionKey(key) }
