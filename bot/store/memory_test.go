package store

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"polku/bot"
	"polku/bot/store/storetest"
)

func TestMemoryContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) bot.Store { return NewMemory(0) })
}

// TestMemoryTTL runs in a synctest bubble, where time.Now is virtual, so
// the 30-day expiry is tested without waiting.
func TestMemoryTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		m := NewMemory(time.Hour)
		set := func() {
			if err := m.Update(ctx, "k", func(s *bot.Session) error { s.Lang = "fi"; return nil }); err != nil {
				t.Fatal(err)
			}
		}
		set()
		time.Sleep(59 * time.Minute)
		set() // activity refreshes the time to live
		time.Sleep(59 * time.Minute)
		if m.Len() != 1 {
			t.Fatalf("session expired although it was refreshed 59 minutes ago")
		}
		time.Sleep(2 * time.Minute)
		if n := m.Len(); n != 0 {
			t.Errorf("Len() = %d an hour after the last update, want 0", n)
		}
		var lang string
		_ = m.Update(ctx, "k", func(s *bot.Session) error { lang = s.Lang; return nil })
		if lang != "" {
			t.Errorf("expired session still read as lang %q", lang)
		}
	})
}
