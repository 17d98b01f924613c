package store

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Timeouts for talking to Redis, unless the address says otherwise: a hung
// Redis must not hang a conversation. A message is answered within about
// the dial or read timeout even when Redis does not answer at all.
const (
	DefaultDialTimeout  = 2 * time.Second
	DefaultReadTimeout  = time.Second
	DefaultWriteTimeout = time.Second
	DefaultPoolTimeout  = 2 * time.Second
)

// OpenRedis returns a client for a Redis address:
//
//	redis://[user:password@]host:6379[/db]                 one server
//	rediss://…                                             the same over TLS
//	redis+sentinel://[user:password@]host:26379[,host2:26379…]?master_name=NAME[&password=…]
//	                                                       servers watched by Sentinel
//	redis+cluster://[user:password@]host:7000[,host2:7001…] a Redis Cluster
//	rediss+sentinel://…, rediss+cluster://…                over TLS
//
// Query parameters set go-redis options (dial_timeout=3s, read_timeout=2s,
// pool_size=20, …). Errors never contain the address, which may hold a
// password.
func OpenRedis(address string) (redis.UniversalClient, error) {
	scheme, rest, ok := strings.Cut(address, "://")
	if !ok || rest == "" {
		return nil, errors.New("it must look like redis://host:6379 (see the README for Sentinel and Cluster)")
	}
	base, kind, _ := strings.Cut(scheme, "+")
	if base != "redis" && base != "rediss" {
		return nil, fmt.Errorf("unknown scheme %q: use redis://, rediss://, redis+sentinel:// or redis+cluster://", clipScheme(scheme))
	}
	// Several hosts may be listed with commas, which net/url does not
	// accept: keep the first as the host and give go-redis the others as
	// addr= parameters.
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	userinfo, hostList := "", authority
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo, hostList = authority[:i+1], authority[i+1:]
	}
	hosts := strings.Split(hostList, ",")
	if len(hosts) > 1 && kind == "" {
		return nil, errors.New("several hosts need redis+sentinel:// or redis+cluster://")
	}
	u, err := url.Parse(base + "://" + userinfo + hosts[0] + tail)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("it cannot be read: %v", scrub(err.Error(), address))
	}
	if len(hosts) > 1 {
		q := u.Query()
		for _, h := range hosts[1:] {
			if h = strings.TrimSpace(h); h != "" {
				q.Add("addr", h)
			}
		}
		u.RawQuery = q.Encode()
	}
	if u.Hostname() == "" {
		return nil, errors.New("it names no host")
	}
	q := u.Query()
	set := func(name string) bool { return q.Has(name) }
	switch kind {
	case "":
		o, err := redis.ParseURL(u.String())
		if err != nil {
			return nil, fmt.Errorf("it cannot be used: %s", scrub(err.Error(), address))
		}
		applyDefaults(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout, set)
		o.MaxRetries, o.ContextTimeoutEnabled = -1, true
		return redis.NewClient(o), nil
	case "cluster":
		o, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return nil, fmt.Errorf("it cannot be used: %s", scrub(err.Error(), address))
		}
		applyDefaults(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout, set)
		o.MaxRetries, o.ContextTimeoutEnabled = -1, true
		if base == "rediss" && o.TLSConfig != nil {
			o.TLSConfig.MinVersion = tls.VersionTLS12
		}
		return redis.NewClusterClient(o), nil
	case "sentinel":
		if !set("master_name") {
			return nil, errors.New("redis+sentinel:// needs ?master_name=NAME, the name Sentinel knows the servers by")
		}
		o, err := redis.ParseFailoverURL(u.String())
		if err != nil {
			return nil, fmt.Errorf("it cannot be used: %s", scrub(err.Error(), address))
		}
		applyDefaults(&o.DialTimeout, &o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout, set)
		o.MaxRetries, o.ContextTimeoutEnabled = -1, true
		return redis.NewFailoverClient(o), nil
	}
	return nil, fmt.Errorf("unknown scheme %q: use redis://, rediss://, redis+sentinel:// or redis+cluster://", clipScheme(scheme))
}

// Retries are off (MaxRetries -1) whatever the address says: a write whose
// reply was lost would be sent again and then look like a conflict with
// itself. Store.Update retries on its own terms instead.

func applyDefaults(dial, read, write, pool *time.Duration, set func(string) bool) {
	for _, d := range []struct {
		p    *time.Duration
		name string
		def  time.Duration
	}{{dial, "dial_timeout", DefaultDialTimeout}, {read, "read_timeout", DefaultReadTimeout},
		{write, "write_timeout", DefaultWriteTimeout}, {pool, "pool_timeout", DefaultPoolTimeout}} {
		if !set(d.name) {
			*d.p = d.def
		}
	}
}

func clipScheme(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}

// scrub removes the password of address from a message, should a library
// ever quote it.
func scrub(msg, address string) string {
	if u, err := url.Parse(address); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "REDACTED")
		}
	}
	if u, err := url.Parse(address); err == nil {
		if p := u.Query().Get("password"); p != "" {
			msg = strings.ReplaceAll(msg, p, "REDACTED")
		}
	}
	return msg
}

// RedisLogger routes go-redis's own messages (reconnects, Sentinel
// failovers) to log at debug level, so they neither clutter standard error
// nor go unseen when debugging. Install it with redis.SetLogger.
type RedisLogger struct{ Log *slog.Logger }

// Printf implements go-redis's logging interface.
func (l RedisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.Log.DebugContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...))
}
