package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"polku/bot/store/redistest"
)

func mapEnv(m map[string]string) env { return func(k string) string { return m[k] } }

// TestChatKeepsSessionsInRedis: with REDIS_URL set, a conversation survives
// the end of polku chat and continues in the next run.
func TestChatKeepsSessionsInRedis(t *testing.T) {
	srv := redistest.Start(t)
	getenv := mapEnv(map[string]string{"REDIS_URL": srv.URL(), "POLKU_KEY_SECRET": "test-secret-0123456789"})
	chat := func(input string) string {
		t.Helper()
		var out, errs bytes.Buffer
		if err := run(context.Background(), []string{"polku", "chat", "--lang", "en"}, getenv, strings.NewReader(input), &out, &errs); err != nil {
			t.Fatalf("polku chat: %v\n%s", err, errs.String())
		}
		return out.String()
	}
	chat("1\n1, 2\n2\n")
	out := chat("/mydata\n")
	for _, want := range []string{"What you would like: A job and To study", "Pace that suits you: Part-time", "(4/8) Where do you live?"} {
		if !strings.Contains(out, want) {
			t.Errorf("the second run does not show %q:\n%s", want, out)
		}
	}
	if keys := srv.Client(t).Keys(context.Background(), "polku:{*").Val(); len(keys) != 1 {
		t.Errorf("session keys in Redis = %v, want the one person's", keys)
	}
	// the chat counted the conversation too, and wrote it when it ended
	if keys := srv.Client(t).Keys(context.Background(), "polku:stats:*").Val(); len(keys) != 1 {
		t.Errorf("stats keys in Redis = %v, want one for today", keys)
	}
}

func TestStoreSettings(t *testing.T) {
	const password = "Pa55wordCanary"
	secret := "test-secret-0123456789"
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		want     string
	}{
		{"address not a URL", nil, map[string]string{"REDIS_URL": "localhost:6379", "POLKU_KEY_SECRET": secret}, 2, "REDIS_URL: it must look like redis://host:6379"},
		{"the flag is named when it was used", []string{"--redis", "redis://u:" + password + "@host:notaport"}, map[string]string{"POLKU_KEY_SECRET": secret}, 2, "--redis: it cannot be read"},
		{"unknown scheme", nil, map[string]string{"REDIS_URL": "postgres://u:" + password + "@x", "POLKU_KEY_SECRET": secret}, 2, `REDIS_URL: unknown scheme "postgres"`},
		{"sentinel without a master name", nil, map[string]string{"REDIS_URL": "redis+sentinel://a:26379,b:26379", "POLKU_KEY_SECRET": secret}, 2, "REDIS_URL: redis+sentinel:// needs ?master_name=NAME"},
		{"no secret", nil, map[string]string{"REDIS_URL": "redis://127.0.0.1:6379"}, 2, "POLKU_KEY_SECRET must be set"},
		{"short secret", nil, map[string]string{"REDIS_URL": "redis://127.0.0.1:6379", "POLKU_KEY_SECRET": "short"}, 2, "POLKU_KEY_SECRET must be set"},
		{"nobody listens", nil, map[string]string{"REDIS_URL": "redis://:" + password + "@127.0.0.1:1", "POLKU_KEY_SECRET": secret}, 1, "REDIS_URL: cannot use Redis"},
		{"bad time to live", nil, map[string]string{"POLKU_SESSION_TTL": "forever"}, 2, `POLKU_SESSION_TTL: "forever" is not a duration`},
		{"too short time to live", []string{"--session-ttl", "5s"}, nil, 2, `--session-ttl: "5s" is not a duration of at least a minute`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			args := append([]string{"polku", "chat"}, tt.args...)
			start := time.Now()
			err := run(context.Background(), args, mapEnv(tt.env), strings.NewReader(""), &out, &errs)
			if code := exitCode(err); code != tt.wantCode {
				t.Fatalf("exit code %d (%v), want %d", code, err, tt.wantCode)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to start with %q", err, tt.want)
			}
			if strings.Contains(err.Error()+out.String()+errs.String(), password) {
				t.Errorf("the output shows the password: %v", err)
			}
			if elapsed := time.Since(start); elapsed > 10*time.Second {
				t.Errorf("giving up took %v", elapsed)
			}
		})
	}
}

func TestParseTTL(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"30d", 30 * 24 * time.Hour, true}, {"1d", 24 * time.Hour, true}, {"720h", 720 * time.Hour, true}, {"90m", 90 * time.Minute, true},
		{"0d", 0, false}, {"-1d", 0, false}, {"d", 0, false}, {"30", 0, false}, {"30s", 0, false}, {"5000d", 0, false}, {"", 0, false},
	}
	for _, tt := range tests {
		got, err := parseTTL(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("parseTTL(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
