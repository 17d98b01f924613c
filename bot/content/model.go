package content

import (
	"regexp"
	"strings"
	"sync"
)

// Content is one loaded, checked and compiled content directory. It is never
// changed after Load returns, so any number of conversations may use it at
// once; a reload builds a new Content and swaps it in whole.
type Content struct {
	// Version identifies the exact files loaded (a hash of their bytes).
	Version   string
	Languages []Language
	Start     *Flow // the flow a new conversation starts with
	Fields    []*Field
	Flows     []*Flow
	Rules     []*Rule
	Kinds     []*Kind
	Orgs      []*Organization
	Services  []*Service
	Commands  []*Command
	// Places is the list of municipalities with their areas, for reading
	// the answer to "where do you live"; nil when the content has none.
	Places *Places
	// Crisis finds what a person in crisis may type (flows/crisis.yaml);
	// nil when the content has none.
	Crisis *Crisis
	Files  []string // every content file read, slash-separated

	messages map[string]Text
	// langWords are the words that switch straight to a language (the
	// language's words in rules/profile.yaml), normalised or slash forms
	langWords map[string]string
	fields    map[string]*Field
	flows     map[string]*Flow
	services  map[string]*Service
	areaField *Field // the field named "area", if declared
	langField *Field // the field named "languages", if declared
	// serviceLangs is every language some service is given in; a person's
	// language outside it (e.g. "other") cannot filter the catalogue.
	serviceLangs map[string]bool
	// areaPos and langPos number the areas and languages services name,
	// for the bits of each service (see indexServices)
	areaPos, langPos map[string]int
	commandWords     map[string]commandWord
	umbrellaIdx      []int // their places in Services
	// allIdx, nationalIdx and areaIdx (by areaPos) list places in
	// Services: all, the national ones, and those each area can be shown
	allIdx, nationalIdx []int32
	areaIdx             [][]int32
	scratch             sync.Pool
}

// Language is one language the content is written in.
type Language struct {
	Code string // e.g. fi, sv, en, fi-selko
	Name string // its own name for itself, e.g. suomi
}

// Text is something a person reads, by language code.
type Text map[string]string

// In returns the text in lang, falling back to its base language (fi for
// fi-selko) and then to the first translation in alphabetical order, so a
// reply is never empty and never changes from one call to the next.
// Checked content has every language, so the fallbacks are for languages
// the content does not have.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok {
		return s
	}
	if base, _, ok := strings.Cut(lang, "-"); ok {
		if s, ok := t[base]; ok {
			return s
		}
	}
	first := ""
	for l := range t {
		if first == "" || l < first {
			first = l
		}
	}
	return t[first]
}

// FieldType is the type of a profile field.
type FieldType int

const (
	String FieldType = iota // one value (from Values, or typed text)
	Int                     // a whole number
	Bool                    // yes or no
	List                    // several values from Values
)

var fieldTypeNames = map[FieldType]string{String: "string", Int: "int", Bool: "bool", List: "list"}

func (t FieldType) String() string { return fieldTypeNames[t] }

// Field is a profile field: one thing a flow may learn about a person.
type Field struct {
	Name   string
	Type   FieldType
	Values []string // allowed values of a String or List field; empty for free text
	Label  Text
	Index  int // position in Profile
	File   string
	Pos    Pos

	values map[string]bool
	labels map[string]Text // value -> option label, from the flows
}

// Enum reports whether the field takes values from a fixed list.
func (f *Field) Enum() bool { return len(f.Values) > 0 }

// ValueLabel is how value of this field is shown to a person in lang: the
// label of the option that sets it, or the value itself.
func (f *Field) ValueLabel(value, lang string) string {
	if t, ok := f.labels[value]; ok {
		return t.In(lang)
	}
	return value
}

// Flow is one conversation: questions and where each answer leads.
type Flow struct {
	ID    string
	Title Text
	Start *Step
	Steps []*Step
	File  string
	Pos   Pos

	steps map[string]*Step
}

// Step returns the step with id, or nil.
func (f *Flow) Step(id string) *Step { return f.steps[id] }

// Step is one message or question of a flow.
type Step struct {
	ID       string
	Flow     *Flow
	Text     Text
	Hint     Text
	Field    *Field    // the field a question sets; nil for a message step
	Options  []*Option // for String, List and Bool fields
	Input    *Input    // for typed answers
	Required string    // why the question cannot be skipped; empty means it can
	Next     []*Branch
	File     string
	Pos      Pos

	// remaining is the largest number of questions from this step to the
	// end, this one included, for a progress hint.
	remaining int
}

// Question reports whether the step asks something.
func (s *Step) Question() bool { return s.Field != nil }

// Multi reports whether several options may be chosen.
func (s *Step) Multi() bool { return s.Field != nil && s.Field.Type == List }

// Remaining is the most questions left on any path from here, this one included.
func (s *Step) Remaining() int { return s.remaining }

// Option returns the option with value, or nil.
func (s *Step) Option(value string) *Option {
	for _, o := range s.Options {
		if o.Value == value {
			return o
		}
	}
	return nil
}

// Option is one choice of a question.
type Option struct {
	Value   string
	Label   Text
	Aliases []string // other words a person may type for it
	// Exclusive marks an option of a multiple choice that cannot go with
	// the others ("nothing in particular", "no one"): ticking it clears
	// them, and ticking another clears it.
	Exclusive bool
}

// Input describes a typed answer.
type Input struct {
	Min, Max  *int // Int fields
	MaxLength int  // String fields, in characters
	Pattern   *regexp.Regexp
	Error     Text // shown when the answer does not fit; may be nil
}

// Branch is one way out of a step; To is nil for the end of the flow.
type Branch struct {
	If *Expr // nil: always
	To *Step
}

// Kind is a kind of service (Ohjaamo, youth workshop, …).
type Kind struct {
	ID          string
	Name        Text
	Description Text // what it is
	Who         Text // who it suits
	Cost        Text // what it costs the person
	Gets        Text // what the person gets
	HowToStart  Text // the usual first step
	// Public is a public authority's kind of service: a person's own one
	// is never hidden because of language (they may ask for an interpreter).
	Public bool
	// Residents is a kind of service a municipality gives its own
	// residents (outreach youth work, employment services): one of another
	// municipality is no use to the person.
	Residents bool
	// Sources are the pages the kind's facts were read from, on Checked.
	Sources []string
	Checked string
	File    string
	Pos     Pos
}

// Organization runs services. Fields follow Open Referral HSDS.
type Organization struct {
	ID   string
	Name Text
	URL  string
	// Source, Checked and PageDate say where the organisation's facts were
	// read, when, and how old that page was (see Service).
	Source   string
	Checked  string
	PageDate string
	PTV      string // its id in Suomi.fi's service directory, when imported
	File     string
	Pos      Pos
}

// National is the area value of services for the whole country.
const National = "koko-suomi"

// Service is one catalogue entry. Fields follow Open Referral HSDS where
// one fits (application_process is HowToStart, assured_date is Checked).
type Service struct {
	ID          string
	Name        Text
	Org         *Organization
	Kind        *Kind
	Areas       []string
	Languages   []string
	URL         string
	Eligible    *Expr
	Eligibility Text
	// CheckIf, when true for a person, shows Eligibility as something to
	// check although Eligible holds: an age limit inside an age band (a
	// 29-year-old is in 25–29, "under 29" is not for them).
	CheckIf     *Expr
	Description Text
	HowToStart  Text
	Fees        Text
	Tags        []string
	Status      string
	// Umbrella marks a national entry that points to local ones (a
	// network\'s finder): it gives way to a local service of its kind.
	Umbrella bool
	// PTV is its id in Suomi.fi\'s service directory when it was imported
	// (polku import ptv); a re-import finds it by this id.
	PTV string
	// Address, Phone, Email and Hours are contact facts exactly as the
	// source states them; empty when it does not.
	Address string
	Phone   string
	Email   string
	Hours   Text
	// Municipalities are where the service is given (codes of
	// rules/places/), for ranking a person's own municipality first.
	Municipalities []string
	Source         string
	Checked        string // when the source was last read: 2006-01-02
	checkedDMY     string // the same as people write it: 7.12.2026
	PageDate       string // the source page's own date, if it shows one
	// Unverified says why the facts need checking before anyone relies on
	// them: a staff member's note, or that the source page is more than
	// two years older than Checked. Cards then tell the person to check.
	Unverified   string
	File         string
	Pos          Pos
	national     bool
	index        int
	areaSet      map[string]bool
	languagesSet map[string]bool
	areaBits     []uint64 // areaSet by Content.areaPos
	langBits     []uint64 // languagesSet by Content.langPos
}

// CheckedDMY is when the source was last read, as people in Finland write
// a date: 7.12.2026; "" when not known.
func (s *Service) CheckedDMY() string { return s.checkedDMY }

// Rule suggests services when its condition holds.
type Rule struct {
	ID       string
	When     *Expr // nil: always fires
	Kinds    []string
	Tags     []string
	Services []string
	Score    int
	Because  Text
	File     string
	Pos      Pos

	targets []*Service
	// targetIdx are the targets' places in the catalogue: ranking adds
	// up scores by them without reaching into each service (thousands of
	// them, scattered in memory)
	targetIdx []int32
}

// Targets returns the services the rule suggests, in catalogue order.
func (r *Rule) Targets() []*Service { return r.targets }

// Command is something a person can ask for at any point.
type Command struct {
	Name        string
	Words       map[string][]string // language -> words and slash forms
	Label       Text                // short, for a button
	Description Text                // for help and command menus
}

type commandWord struct {
	cmd  *Command
	lang string
}

// Field returns the profile field called name, or nil.
func (c *Content) Field(name string) *Field { return c.fields[name] }

// AreaField is the field that says where a person lives (area), or nil:
// services are filtered by it and municipalities answer it.
func (c *Content) AreaField() *Field { return c.areaField }

// LanguagesField is the field of the languages a person can use
// ("languages"), if declared: its labels name languages in each language.
func (c *Content) LanguagesField() *Field { return c.langField }

// Flow returns the flow with id, or nil.
func (c *Content) Flow(id string) *Flow { return c.flows[id] }

// Service returns the service with id, or nil.
func (c *Content) Service(id string) *Service { return c.services[id] }

// Message returns the text of a message key (see MessageKeys) in lang.
func (c *Content) Message(key, lang string) string { return c.messages[key].In(lang) }

// Language reports whether code is one of the content's languages.
// MatchLanguage is the content language a platform's or a locale's tag
// names — itself, or its base language (en-GB and en_US are en) — or ""
// when the content has none.
func (c *Content) MatchLanguage(tag string) string {
	tag = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(tag)), "_", "-")
	if tag == "" {
		return ""
	}
	if c.Language(tag) {
		return tag
	}
	if base, _, ok := strings.Cut(tag, "-"); ok && c.Language(base) {
		return base
	}
	return ""
}

func (c *Content) Language(code string) bool {
	for _, l := range c.Languages {
		if l.Code == code {
			return true
		}
	}
	return false
}

// Command returns the command called name, or nil.
func (c *Content) Command(name string) *Command {
	for _, cmd := range c.Commands {
		if cmd.Name == name {
			return cmd
		}
	}
	return nil
}
