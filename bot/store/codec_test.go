package store

import (
	"errors"
	"reflect"
	"strconv"
	"testing"

	"polku/bot"
	"polku/bot/content"
)

func TestCodecRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		s    bot.Session
	}{
		{"empty", bot.Session{}},
		{"first contact", bot.Session{Lang: "fi", Flow: "jobseeker", Started: 1700000000, Updated: 1700000000, Seen: []string{"1"}}},
		{"answers", bot.Session{Lang: "sv", Flow: "jobseeker", Started: 1700000000, Updated: 1700000500,
			Answers: []content.Answer{{Step: "wants", Value: "work,study"}, {Step: "age", Skip: true}, {Step: "note", Value: "ääkkösiä 🙂 \x00 \xff"}}}},
		{"picked and asking", bot.Session{Picked: []string{"a", "b"}, Asking: "_lang"}},
		{"presets", bot.Session{Flow: "jobseeker", Preset: []content.Answer{{Step: "area", Value: "pirkanmaa"}, {Step: "x", Skip: true}}, Seen: []string{"5"}}},
		{"telegram ids", bot.Session{Seen: []string{"912345678", "912345690", "912345601", "912400000"}}},
		{"discord snowflakes", bot.Session{Seen: []string{"1176543210987654321", "1176543210987654999"}}},
		{"descending ids", bot.Session{Seen: []string{"900", "5", "18446744073709551615", "0"}}},
		{"ids that are not canonical numbers", bot.Session{Seen: []string{"007", "12"}}},
		{"text ids", bot.Session{Seen: []string{"console-1", "x"}}},
		{"negative id", bot.Session{Seen: []string{"-5"}}},
		{"started after updated", bot.Session{Started: 200, Updated: 100}},
		{"negative times", bot.Session{Started: -5, Updated: -1}},
		{"asked for a person", bot.Session{Flow: "jobseeker", Asking: bot.HandoffStep, Handoff: &bot.HandoffState{Stage: bot.HandoffConsent, Leave: []string{"area", bot.LanguageStep}, Since: 1700000000}}},
		{"waiting for a volunteer, with presets", bot.Session{Preset: []content.Answer{{Step: "area", Value: "lappi"}},
			Handoff: &bot.HandoffState{Stage: bot.HandoffWaiting, Case: "c0ffee", Since: 1700000001, Last: "1700000001000-0"}}},
		{"talking to a volunteer", bot.Session{Seen: []string{"12", "13"}, Handoff: &bot.HandoffState{Stage: bot.HandoffTalking, Case: "c0ffee"}}},
		{"a municipality", bot.Session{Lang: "fi", Flow: "jobseeker", Place: "837", Answers: []content.Answer{{Step: "area", Value: "pirkanmaa"}}, Seen: []string{"7"}}},
		{"a municipality while waiting", bot.Session{Place: "091", Handoff: &bot.HandoffState{Stage: bot.HandoffWaiting, Case: "c0ffee"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := EncodeSession(&tt.s)
			got, err := DecodeSession(b)
			if err != nil {
				t.Fatalf("DecodeSession(EncodeSession(s)) = %v", err)
			}
			want := tt.s
			if want.Updated < 0 {
				// times before 1970 are not stored; Polku never writes them
				want.Started -= want.Updated
				want.Updated = 0
			}
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("round trip =\n%+v\nwant\n%+v", *got, want)
			}
		})
	}
}

func TestCodecRefusesCorruptBytes(t *testing.T) {
	good := EncodeSession(&bot.Session{Lang: "fi", Flow: "jobseeker", Answers: []content.Answer{{Step: "wants", Value: "work"}}, Seen: []string{"5"}})
	tests := map[string][]byte{
		"empty":            {},
		"version 0":        {0},
		"future version":   {2, 0, 0, 0, 0, 0, 0, 0, 0},
		"cut short":        good[:len(good)-1],
		"trailing garbage": append(append([]byte{}, good...), 0),
		"huge count":       {1, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"huge string":      {1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"json":             []byte(`{"l":"fi"}`),
		"bad seen mode":    {1, 0, 0, 0, 0, 0, 0, 0, 7, 1, 1, 'x'},
	}
	for name, b := range tests {
		t.Run(name, func(t *testing.T) {
			if s, err := DecodeSession(b); !errors.Is(err, ErrCorrupt) {
				t.Errorf("DecodeSession(%q) = %+v, %v; want ErrCorrupt", b, s, err)
			}
		})
	}
}

// FuzzDecodeSession: stored bytes come from outside the process. Decoding
// must never panic, and whatever decodes must encode back to the same bytes.
func FuzzDecodeSession(f *testing.F) {
	f.Add(EncodeSession(&bot.Session{}))
	f.Add(EncodeSession(&bot.Session{Lang: "fi", Flow: "jobseeker", Started: 1, Updated: 2,
		Answers: []content.Answer{{Step: "a", Value: "b"}, {Step: "c", Skip: true}}, Picked: []string{"x"}, Seen: []string{"10", "12"}}))
	f.Add(EncodeSession(&bot.Session{Seen: []string{"a", "b"}}))
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0})
	f.Add(EncodeSession(&bot.Session{Handoff: &bot.HandoffState{Stage: bot.HandoffWaiting, Case: "c", Leave: []string{"a"}}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSession(b)
		if err != nil {
			return
		}
		again, err := DecodeSession(EncodeSession(s))
		if err != nil || !reflect.DeepEqual(again, s) {
			t.Fatalf("decoded %+v, which does not survive a round trip (%v)", s, err)
		}
	})
}

// realistic is a session after a whole conversation: the built-in flow's
// seven questions plus one more answer, and the eight update ids Telegram
// sent for them.
func realistic(answers int) *bot.Session {
	all := []content.Answer{
		{Step: "wants", Value: "work,study"}, {Step: "pace", Value: "part_time"}, {Step: "area", Value: "pirkanmaa"},
		{Step: "age", Value: "24"}, {Step: "helpers", Value: "no_one"}, {Step: "in_the_way", Value: "coping,little_experience"},
		{Step: "languages", Value: "fi,en"}, {Step: "study_level", Skip: true},
	}
	s := &bot.Session{Lang: "fi", Flow: "jobseeker", Started: 1795400000, Updated: 1795400312, Answers: all[:answers]}
	id := 912345678
	for i := range 8 {
		id += 1 + i*37 // other people's updates come in between
		s.Seen = append(s.Seen, strconv.Itoa(id))
	}
	return s
}

func TestSessionSize(t *testing.T) {
	for _, n := range []int{7, 8} {
		size := len(EncodeSession(realistic(n)))
		t.Logf("a session after %d answers: %d bytes", n, size)
		if size >= 200 {
			t.Errorf("a session after %d answers takes %d bytes, want under 200", n, size)
		}
	}
}

// TestSeenRoundTrip: update ids are stored as numbers only when that
// gives back the same text; any other id survives as text.
func TestSeenRoundTrip(t *testing.T) {
	for _, seen := range [][]string{
		{"0", "1", "912345678", "18446744073709551615"},
		{"007"}, {"1", "01"}, {"+1"}, {"1_0"}, {"18446744073709551616"}, {"-1"}, {""}, {"1", "x"},
	} {
		s := &bot.Session{Seen: seen}
		got, err := DecodeSession(EncodeSession(s))
		if err != nil || !reflect.DeepEqual(got.Seen, seen) {
			t.Errorf("Seen %q came back as %q (%v)", seen, got.Seen, err)
		}
	}
}

// A session without a municipality is written exactly as before (version
// 1), so older replicas read it; one with a municipality is version 2, and
// a version 2 without one is corrupt.
func TestCodecPlaceVersion(t *testing.T) {
	plain := bot.Session{Lang: "fi", Flow: "jobseeker", Answers: []content.Answer{{Step: "area", Value: "lappi"}}}
	b := EncodeSession(&plain)
	if b[0] != 1 {
		t.Errorf("a session without a place is written as version %d, want 1", b[0])
	}
	withPlace := plain
	withPlace.Place = "698"
	b2 := EncodeSession(&withPlace)
	if b2[0] != 2 {
		t.Errorf("a session with a place is written as version %d, want 2", b2[0])
	}
	if len(b2) != len(b)+1+len("698") {
		t.Errorf("the place costs %d bytes, want its length and its text (%d)", len(b2)-len(b), 1+len("698"))
	}
	// version 2 with an empty place where the place goes: after the
	// version (1), Updated and Started (1 each, both 0), Lang "fi" (3),
	// Flow "jobseeker" (10) and Asking "" (1)
	const afterAsking = 1 + 1 + 1 + 3 + 10 + 1
	bad := append(append([]byte{2}, b[1:afterAsking]...), 0)
	bad = append(bad, b[afterAsking:]...)
	if _, err := DecodeSession(bad); !errors.Is(err, ErrCorrupt) {
		t.Errorf("version 2 without a place: err = %v, want ErrCorrupt", err)
	}
}
