package bot

import (
	"context"
	"errors"
	"slices"

	"polku/bot/content"
)

// Session is what Polku keeps about one person: where they are and what
// they answered. It holds no names and no message text, only answers.
// Field tags are short because sessions are stored by the million.
type Session struct {
	Lang    string           `json:"l,omitempty"`
	Flow    string           `json:"f,omitempty"`
	Answers []content.Answer `json:"a,omitempty"`
	// Picked holds the options ticked so far in a multiple choice.
	Picked []string `json:"p,omitempty"`
	// Preset holds answers given in advance by a start link (an NGO's QR
	// code naming the area), applied when their question comes up.
	Preset []content.Answer `json:"ps,omitempty"`
	// Asking is an engine question in progress (LanguageStep) that takes
	// the next answer instead of the flow.
	Asking string `json:"q,omitempty"`
	// Place is the municipality (its code) the person typed when asked
	// where they live; kept only while their area answer is its area, so
	// that services there come first.
	Place string `json:"pl,omitempty"`
	// Seen holds the most recent platform update ids, newest last, so a
	// redelivered update is not handled twice. It is saved in the same
	// atomic write as the answer it produced.
	Seen []string `json:"u,omitempty"`
	// Handoff is the person's request to talk to a volunteer, from the
	// moment they ask until it ends; nil when talking to the bot.
	Handoff *HandoffState `json:"h,omitempty"`
	Started int64         `json:"t0,omitempty"` // unix seconds
	Updated int64         `json:"t,omitempty"`
}

// HandoffState is where a request to talk to a volunteer stands.
type HandoffState struct {
	Stage HandoffStage `json:"s"`
	// Leave names the parts of the summary the person chose not to share:
	// step ids, or LanguageStep for their language.
	Leave []string `json:"x,omitempty"`
	Case  string   `json:"c,omitempty"` // from HandoffWaiting on
	Since int64    `json:"t,omitempty"` // unix seconds the stage began
	// Last is the id of the last volunteers' event handled: events come in
	// order, and one handled again (a restart before it was acknowledged)
	// is recognised and not sent twice.
	Last string `json:"e,omitempty"`
}

// HandoffStage is a step of a request to talk to a volunteer.
type HandoffStage string

const (
	HandoffConsent HandoffStage = "consent" // shown what would be shared, asked
	HandoffWaiting HandoffStage = "waiting" // the case is open, nobody has it yet
	HandoffTalking HandoffStage = "talking" // a volunteer has it; the bot is quiet
)

// seenLimit is how many update ids a session remembers: enough for a burst
// of taps and a platform's redelivery of the last few (platforms redeliver
// what was not acknowledged, which is the newest), and small enough to keep
// a stored session under 200 bytes.
const seenLimit = 8

func (s *Session) seen(id string) bool { return id != "" && slices.Contains(s.Seen, id) }

// lastSeen is the last update remembered, "" when none is.
func (s *Session) lastSeen() string {
	if len(s.Seen) == 0 {
		return ""
	}
	return s.Seen[len(s.Seen)-1]
}

func (s *Session) remember(id string) {
	if id == "" {
		return
	}
	s.Seen = append(s.Seen, id)
	if len(s.Seen) > seenLimit {
		s.Seen = append(s.Seen[:0], s.Seen[len(s.Seen)-seenLimit:]...)
	}
}

// Clone returns a deep copy.
func (s *Session) Clone() *Session {
	c := *s
	c.Answers = slices.Clone(s.Answers)
	c.Picked = slices.Clone(s.Picked)
	c.Preset = slices.Clone(s.Preset)
	c.Seen = slices.Clone(s.Seen)
	if s.Handoff != nil {
		h := *s.Handoff
		h.Leave = slices.Clone(s.Handoff.Leave)
		c.Handoff = &h
	}
	return &c
}

// Store keeps sessions. Implementations must be safe for concurrent use by
// several processes (bot replicas) as well as goroutines.
type Store interface {
	// Update loads the session at key (an empty Session when there is
	// none), lets fn change it and saves it atomically, refreshing its
	// time to live. fn may run more than once when another message for the
	// same key is saved in between; each run gets a fresh copy. When fn
	// returns an error nothing is saved and Update returns that error.
	Update(ctx context.Context, key string, fn func(*Session) error) error
	// Delete removes everything stored under key at once. Deleting a key
	// that does not exist is not an error.
	Delete(ctx context.Context, key string) error
}

// ErrDuplicate is returned by Engine.Handle for an update it has already
// handled; the adapter should acknowledge it and send nothing.
var ErrDuplicate = errors.New("update already handled")

// ErrNoUser is returned for a message without a platform or user id.
var ErrNoUser = errors.New("message has no platform or user")
