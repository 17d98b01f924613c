// Package storetest is the contract every bot.Store implementation must
// meet. Each implementation's tests call Run with a constructor.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"polku/bot"
	"polku/bot/content"
)

// Run runs the contract suite. newStore returns an empty store; it is
// called once per subtest.
func Run(t *testing.T, newStore func(t *testing.T) bot.Store) {
	t.Run("NewSessionIsEmpty", func(t *testing.T) { testNew(t, newStore(t)) })
	t.Run("UpdateSaves", func(t *testing.T) { testSaves(t, newStore(t)) })
	t.Run("RoundTripEveryField", func(t *testing.T) { testRoundTrip(t, newStore(t)) })
	t.Run("ErrorSavesNothing", func(t *testing.T) { testError(t, newStore(t)) })
	t.Run("KeysAreSeparate", func(t *testing.T) { testSeparate(t, newStore(t)) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, newStore(t)) })
	t.Run("ConcurrentUpdatesLoseNothing", func(t *testing.T) { testConcurrent(t, newStore(t)) })
	t.Run("RetryGetsFreshCopy", func(t *testing.T) { testRetryFresh(t, newStore(t)) })
	t.Run("CanceledContext", func(t *testing.T) { testCanceled(t, newStore(t)) })
}

func get(t *testing.T, s bot.Store, key string) *bot.Session {
	t.Helper()
	var out *bot.Session
	errRead := errors.New("read only")
	err := s.Update(context.Background(), key, func(sess *bot.Session) error {
		out = sess.Clone()
		return errRead
	})
	if !errors.Is(err, errRead) {
		t.Fatalf("Update(%q) = %v, want the fn's error back", key, err)
	}
	return out
}

func testNew(t *testing.T, s bot.Store) {
	got := get(t, s, "test:new")
	if !reflect.DeepEqual(got, &bot.Session{}) {
		t.Errorf("new session = %+v, want empty", got)
	}
}

func testSaves(t *testing.T, s bot.Store) {
	ctx := context.Background()
	err := s.Update(ctx, "test:saves", func(sess *bot.Session) error {
		sess.Lang = "sv"
		sess.Answers = append(sess.Answers, content.Answer{Step: "wants", Value: "work"})
		return nil
	})
	if err != nil {
		t.Fatalf("Update = %v", err)
	}
	got := get(t, s, "test:saves")
	if got.Lang != "sv" || len(got.Answers) != 1 || got.Answers[0].Value != "work" {
		t.Errorf("saved session = %+v, want lang sv and one answer", got)
	}
}

func testRoundTrip(t *testing.T, s bot.Store) {
	want := &bot.Session{
		Lang: "fi", Flow: "jobseeker",
		Answers: []content.Answer{{Step: "wants", Value: "work,study"}, {Step: "age", Skip: true}, {Step: "note", Value: "ääkkösiä \"quoted\" \\ and 🙂"}},
		Picked:  []string{"a", "b"}, Asking: "_lang", Seen: []string{"1", "2"},
		Preset:  []content.Answer{{Step: "area", Value: "pirkanmaa"}},
		Started: 1700000000, Updated: 1700000100,
	}
	err := s.Update(context.Background(), "test:roundtrip", func(sess *bot.Session) error {
		*sess = *want.Clone()
		return nil
	})
	if err != nil {
		t.Fatalf("Update = %v", err)
	}
	if got := get(t, s, "test:roundtrip"); !reflect.DeepEqual(got, want) {
		t.Errorf("session after round trip =\n%+v\nwant\n%+v", got, want)
	}
}

func testError(t *testing.T, s bot.Store) {
	ctx := context.Background()
	boom := errors.New("boom")
	err := s.Update(ctx, "test:error", func(sess *bot.Session) error {
		sess.Lang = "en"
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want %v", err, boom)
	}
	if got := get(t, s, "test:error"); got.Lang != "" {
		t.Errorf("session after a failed fn = %+v, want nothing saved", got)
	}
}

func testSeparate(t *testing.T, s bot.Store) {
	ctx := context.Background()
	for _, k := range []string{"telegram:1", "discord:1"} {
		k := k
		if err := s.Update(ctx, k, func(sess *bot.Session) error { sess.Flow = k; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"telegram:1", "discord:1"} {
		if got := get(t, s, k); got.Flow != k {
			t.Errorf("session %q has flow %q, want its own", k, got.Flow)
		}
	}
}

func testDelete(t *testing.T, s bot.Store) {
	ctx := context.Background()
	if err := s.Update(ctx, "test:del", func(sess *bot.Session) error { sess.Lang = "fi"; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "test:del"); err != nil {
		t.Fatalf("Delete = %v", err)
	}
	if got := get(t, s, "test:del"); !reflect.DeepEqual(got, &bot.Session{}) {
		t.Errorf("session after Delete = %+v, want empty", got)
	}
	if err := s.Delete(ctx, "test:never-existed"); err != nil {
		t.Errorf("Delete of a missing key = %v, want nil", err)
	}
}

// testConcurrent appends from many goroutines at once: with optimistic
// concurrency every append must survive, none twice.
func testConcurrent(t *testing.T, s bot.Store) {
	const workers, each = 8, 25
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				step := fmt.Sprintf("w%d-%d", w, i)
				errs <- s.Update(ctx, "test:concurrent", func(sess *bot.Session) error {
					sess.Answers = append(sess.Answers, content.Answer{Step: step})
					return nil
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Update = %v", err)
		}
	}
	got := get(t, s, "test:concurrent")
	seen := map[string]int{}
	for _, a := range got.Answers {
		seen[a.Step]++
	}
	if len(got.Answers) != workers*each || len(seen) != workers*each {
		t.Errorf("after %d concurrent appends the session has %d answers (%d distinct), want %d", workers*each, len(got.Answers), len(seen), workers*each)
	}
}

// testRetryFresh makes an update lose a race on purpose: while its fn runs
// the first time, another update saves. The retry must see the other
// update's change and not the first attempt's.
func testRetryFresh(t *testing.T, s bot.Store) {
	ctx := context.Background()
	key := "test:retry"
	if err := s.Update(ctx, key, func(sess *bot.Session) error { sess.Lang = "fi"; return nil }); err != nil {
		t.Fatal(err)
	}
	calls := 0
	err := s.Update(ctx, key, func(sess *bot.Session) error {
		calls++
		if calls == 1 {
			sess.Picked = append(sess.Picked, "first-attempt")
			// another message for the same person is saved meanwhile
			if err := s.Update(ctx, key, func(other *bot.Session) error { other.Flow = "other"; return nil }); err != nil {
				return err
			}
		}
		sess.Answers = append(sess.Answers, content.Answer{Step: "mine"})
		return nil
	})
	if err != nil {
		t.Fatalf("Update = %v", err)
	}
	if calls != 2 {
		t.Errorf("fn ran %d times, want 2 (the first attempt lost the race)", calls)
	}
	got := get(t, s, key)
	if got.Flow != "other" || len(got.Answers) != 1 || len(got.Picked) != 0 {
		t.Errorf("session = %+v, want the other update's flow, one answer and nothing from the lost attempt", got)
	}
}

func testCanceled(t *testing.T, s bot.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	called := false
	err := s.Update(ctx, "test:canceled", func(*bot.Session) error { called = true; return nil })
	if err == nil {
		t.Errorf("Update with a canceled context = nil, want an error")
	}
	if called && err == nil {
		t.Errorf("a canceled update saved")
	}
}
