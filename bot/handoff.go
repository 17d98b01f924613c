package bot

import (
	"context"
	"errors"
	"time"
)

// A person may ask to talk to a person: a volunteer of an NGO. The engine
// asks their consent to share a summary of their answers, files a Case at
// a Desk, passes on what they write while the case is open, and stays
// quiet meanwhile. Volunteers work the desk from elsewhere (a Discord
// server); what they do comes back to the person's platform as
// HandoffEvents, which the adapter there hands to Engine.HandoffEvent.

// Case is one person's request to talk to a volunteer. It carries what the
// person agreed to share and nothing else: never their name, handle or
// platform id beyond what is needed to reach them again.
type Case struct {
	ID       string
	Platform string // where the person is, to relay answers back
	User     string // their id there; only the relay reads it
	Lang     string // the language they use, for the volunteers
	Summary  []Line // what they agreed to share, in their language
	Opened   time.Time
}

// Line is one part of a case's summary: a question's label and the
// person's answer, in plain words.
type Line struct {
	Label string
	Value string
}

// Desk is where cases go. The engine files and relays; it is declared here,
// where it is used, and implemented by package bot/handoff.
type Desk interface {
	// Open files a new case; volunteers see its summary.
	Open(ctx context.Context, c Case) error
	// Relay passes on what the person wrote. id identifies the message
	// (platform update id), so relaying it again after a failure changes
	// nothing.
	Relay(ctx context.Context, caseID, id, text string) error
	// Close ends the case from the person's side: they cancelled the
	// request, ended the conversation, or asked to be forgotten. It may be
	// called for a case already closed.
	Close(ctx context.Context, caseID string, why CloseReason) error
}

// CloseReason says why the person's side closed a case.
type CloseReason string

const (
	ClosedCancelled CloseReason = "cancelled" // before a volunteer took it
	ClosedEnded     CloseReason = "ended"     // the person ended the conversation
	ClosedForgotten CloseReason = "forgotten" // the person asked to be forgotten
)

// HandoffEvent is something that happened on the volunteers' side, for the
// person.
type HandoffEvent struct {
	Kind     HandoffKind
	Case     string
	Platform string
	User     string
	Text     string // for HandoffMessage: what the volunteer wrote
	// ID identifies the event, so that handling it twice (a restart
	// between handling and acknowledging) sends nothing twice.
	ID string
}

// HandoffKind is what a HandoffEvent reports.
type HandoffKind string

const (
	HandoffClaimed HandoffKind = "claimed" // a volunteer took the case
	HandoffMessage HandoffKind = "message" // a volunteer wrote to the person
	HandoffEnded   HandoffKind = "ended"   // a volunteer ended the conversation
	// HandoffNobody: nobody took the case in the time promised; the person
	// is told honestly, offered other places to turn to, and may wait on.
	HandoffNobody HandoffKind = "nobody"
)

// ErrNoCase is returned for an event about a case the person no longer has
// (they cancelled it, or were forgotten): nothing is sent.
var ErrNoCase = errors.New("the person has no such case open")
