package bot

// Message is one thing a person sent, normalised by an adapter.
type Message struct {
	Platform string // console, telegram, discord, web, …
	User     string // the person's id on that platform; never shown or logged
	// UpdateID is the platform's id for this delivery. Platforms redeliver
	// after timeouts; a message whose id was seen recently is not handled
	// again. Empty when the platform never redelivers.
	UpdateID string

	Text   string  // what the person typed
	Choice *Choice // a pressed button or menu item
	// Command is a command chosen from a menu or a button (named by package
	// content: content.CmdBack, …); Arg is its argument, such as a language
	// code.
	Command string
	Arg     string

	// Lang is the platform's idea of the person's language (for example
	// Telegram's language_code), used at first contact only.
	Lang string
	// Flow names the flow a first contact or a restart begins, when not the
	// content's start flow: a volunteer's flow, or a test of another flow.
	Flow string
	// Unsupported names input the bot cannot read: sticker, photo, voice, …
	// or UnsupportedEdited for an edited message.
	Unsupported string
}

// UnsupportedEdited marks an edited message: the person is asked to send a
// new one rather than told the bot reads only text.
const UnsupportedEdited = "edited"

// Choice is a pressed option of a Question.
type Choice struct {
	Flow   string
	Step   string
	Option string // Option.ID
	// Many are options of a multiple choice chosen at once, as a select
	// menu sends them; they answer the question (Option is then unused).
	Many []string
}

// Reply is what the engine answers, for an adapter to render natively:
// numbers in the console, buttons on Telegram, components on Discord. The
// parts are meant to be shown in field order.
type Reply struct {
	Lang string
	// Answered, when set, says the previous question was answered: an
	// adapter that can edit messages shows the answer in place and removes
	// that question's buttons.
	Answered *Answered
	Notes    []string // short texts, each its own paragraph or message
	// Suggestions are the end of a flow.
	Suggestions *Suggestions
	// Question is what the person can answer now; nil when nothing waits.
	Question *Question
	// Redraw says Question replaces the question on screen instead of
	// being sent anew (an option was ticked in a multiple choice).
	Redraw bool
	// PrevUpdate and LastUpdate are the update the session had last
	// remembered before this one came, and after it was handled (this
	// one's id when it changed the session). An adapter that keeps
	// something of a chat in its own memory — the message showing the open
	// question — keeps LastUpdate with it and trusts it only while the
	// next reply's PrevUpdate is the same: with several replicas behind a
	// webhook, another replica may have talked with the person meanwhile.
	PrevUpdate, LastUpdate string
}

// Answered describes an answered question.
type Answered struct {
	Flow, Step string
	Question   string // the question's text
	Answer     string // the chosen option's label, the typed answer, or "I'd rather not say"
}

// Reserved option ids; content ids never start with _.
const (
	DeclineID = "_skip"  // "I'd rather not say"
	DoneID    = "_done"  // finishes a multiple choice
	AgainID   = "_again" // shows the suggestions again
)

// Ids of the engine's own questions.
const (
	LanguageStep = "_lang"
	EndStep      = "_end"
)

// Question is something the person can answer now.
type Question struct {
	Flow, Step string
	Text       string
	Hint       string
	Options    []Option
	Multi      bool // several options may be ticked, then Done
	// Input says the answer is typed (a number or a text); options are
	// then alternatives such as "I'd rather not say", not numbered choices.
	Input bool
	// Nav are commands offered next to the question, such as Back.
	Nav []Option
	// Number is this question's place in the flow and Total the most it can
	// have, for a progress hint; both 0 for the engine's own questions.
	Number, Total int
}

// Option is one choice of a Question.
type Option struct {
	ID      string // the value, DeclineID, DoneID, AgainID, or a language code
	Label   string
	Command string // when set, choosing the option runs this command instead
	// Selected is set for options ticked so far in a multiple choice.
	Selected bool
}

// Suggestions end a flow: a few services, each with why and how to start.
type Suggestions struct {
	Intro      string
	Cards      []Card
	Notes      []string // e.g. why only national services are shown
	Why        string   // heading for Card.Why
	HowToStart string   // heading for Card.HowToStart
}

// Card is one suggested service.
type Card struct {
	Service      string // catalogue id
	Name         string
	Organization string
	Kind         string
	URL          string
	Description  string
	Why          []string // reasons, from the person's own answers
	Caveats      []string // what to check: eligibility not known, other language
	HowToStart   string
	Fees         string
	// Contact lines as the source gives them, each with its label in the
	// person's language ("Puhelin", "040 123 4567"); empty when unknown.
	Contact []Contact
	Checked string  // "Details checked 7.12.2026.", in the person's language
	Trace   []Trace // which rules chose it: only from Engine.Suggestions, for staff tools
}

// Contact is one way to reach a service: its address, phone, e-mail or
// hours.
type Contact struct {
	Kind  string // address, phone, email or hours
	Label string // in the person's language
	Value string
}

// Trace is one rule that chose a service, and the answers it read.
type Trace struct {
	Rule    string
	Score   int
	Answers []string // field=value, field=? when unknown
}
