package content

// The content format is described once, here: which keys each kind of
// object has, which are required, what their values are, and a sentence
// for staff about each. The loader checks keys against it and the JSON
// Schemas that editors use (polku schema) are generated from it, so the
// two can never disagree about a key.

type valueKind int

const (
	vString      valueKind = iota // any text
	vID                           // lower-case id: letters, digits, _ and -
	vIDList                       // a list of ids
	vStringList                   // a list of texts
	vText                         // a text per language
	vName                         // one text for every language, or a text per language
	vExpr                         // an expression
	vURL                          // a web address
	vDate                         // year-month-day
	vInt                          // a whole number
	vFieldType                    // string, int, bool or list
	vStatus                       // a service's status
	vObject                       // an object of format ref
	vList                         // a list of objects of format ref
	vMap                          // names mapped to objects of format ref
	vNext                         // a step id, or a list of branches
	vOptionValue                  // an id, or true/false for a yes/no field
	vLanguages                    // language codes, or {code, name} objects
	vWords                        // command words per language
	vMessages                     // every message key, each a text per language
	vCommands                     // every command name, each a command object
	vAnswers                      // a conversation test's answers
	vBool                         // true or false
)

type keyFormat struct {
	name     string
	required bool
	kind     valueKind
	ref      string // the format of nested objects (vObject, vList, vMap)
	doc      string
}

type objectFormat struct {
	doc  string
	keys []keyFormat
}

// formats describes every kind of object in content files, by the name
// diagnostics use for it.
var formats = map[string]objectFormat{
	"profile": {doc: "rules/profile.yaml: the languages of the content, the flow conversations start with, and every field a flow may set.", keys: []keyFormat{
		{"languages", true, vLanguages, "language", "The languages the content is written in; the first is the default. Every text must have each of them."},
		{"start", false, vID, "", "The flow a new conversation starts with (the flow: of a file in flows/). Default: the first flow."},
		{"fields", true, vMap, "field", "Every field a question may set, by name: lower-case letters, digits and _."},
	}},
	"language": {doc: "A language of the content.", keys: []keyFormat{
		{"code", true, vString, "", "A language code such as fi, sv or en, with an optional variant: fi-selko."},
		{"name", true, vString, "", "The language's name for itself, shown when choosing a language: suomi, svenska, English."},
		{"words", false, vStringList, "", "Words that switch straight to this language, typed as the whole message: /selko, selkosuomi, helppo suomi."},
	}},
	"field": {doc: "A profile field: one thing a flow may learn about a person.", keys: []keyFormat{
		{"type", true, vFieldType, "", "string (one value), list (several values), int (a whole number) or bool (yes/no)."},
		{"values", false, vIDList, "", "For string and list fields, the values the field can take. Leave it out of a string field for a typed answer."},
		{"label", true, vText, "", "How the field is named to the person: in \"what do you know about me\" and in explanations."},
	}},
	"kinds file": {doc: "rules/kinds.yaml: the kinds of service.", keys: []keyFormat{
		{"kinds", true, vList, "kind", "Every kind of service the catalogue uses."},
	}},
	"kind": {doc: "A kind of service, such as Ohjaamo or youth workshop.", keys: []keyFormat{
		{"id", true, vID, "", "The kind's id, used by services (kind:) and rules (suggest: kinds:)."},
		{"name", true, vText, "", "The kind's name."},
		{"description", false, vText, "", "What this kind of service is, in plain words."},
		{"who", false, vText, "", "Who it suits, in plain words."},
		{"cost", false, vText, "", "What it costs the person, and whether they keep their benefits."},
		{"gets", false, vText, "", "What the person gets from it."},
		{"how_to_start", false, vText, "", "The usual first step, for any service of this kind."},
		{"for_residents", false, vBool, "", "true for a municipality's service for its own residents (outreach youth work, employment services): a service that lists municipalities is then shown only to people who live in one of them, or who did not say which municipality."},
		{"public", false, vBool, "", "true for a public authority's service (the wellbeing county's, the municipality's): a person's own one is shown even when it does not list their language, with a note that they may ask for an interpreter."},
		{"sources", false, vStringList, "", "The addresses of the pages the kind's facts were read from; polku check warns about a kind without them."},
		{"checked", false, vDate, "", "The date someone last read the sources, year-month-day."},
	}},
	"catalogue file": {doc: "A file in rules/services/: organisations and the services they run. Names follow Open Referral HSDS where one fits.", keys: []keyFormat{
		{"organizations", false, vList, "organization", "Organisations that run the services."},
		{"services", false, vList, "service", "Services people can be suggested."},
	}},
	"organization": {doc: "An organisation that runs services.", keys: []keyFormat{
		{"id", true, vID, "", "The organisation's id, used by services (organization:)."},
		{"name", true, vName, "", "The organisation's name: one text, or one per language."},
		{"url", true, vURL, "", "The organisation's own web site."},
		{"description", false, vText, "", "What the organisation does."},
		{"ptv", false, vString, "", "Its id in Suomi.fi's service directory (PTV), when imported by polku import ptv."},
		{"source", false, vURL, "", "The page the organisation's facts were read from."},
		{"checked", false, vDate, "", "When someone last read that page: year-month-day."},
		{"page_date", false, vDate, "", "The date the page itself shows (published or updated), if it shows one: facts from a page more than two years older than checked are treated as unverified."},
	}},
	"service": {doc: "A service people can be suggested.", keys: []keyFormat{
		{"id", true, vID, "", "The service's id, used by rules (suggest: services:) and in tests."},
		{"name", true, vName, "", "The service's name: one text, or one per language."},
		{"organization", true, vID, "", "The id of the organisation that runs it."},
		{"kind", true, vID, "", "The id of its kind, from rules/kinds.yaml."},
		{"areas", true, vIDList, "", "Where it is available: values of the area field, or koko-suomi for the whole country."},
		{"languages", true, vIDList, "", "Languages it is given in: fi, sv, en, …"},
		{"url", true, vURL, "", "Its web page."},
		{"eligible", false, vExpr, "", "Who it is for, as an expression. It leaves the service out only when certainly false."},
		{"check_if", false, vExpr, "", "When this is true, the card asks the person to check the eligibility text: for a limit that falls inside an answer, such as \"under 29\" for the age band 25–29 (check_if: age_band == \"age_25_29\")."},
		{"eligibility", false, vText, "", "Who it is for, in words: shown when Polku cannot tell whether it fits (required with eligible)."},
		{"description", true, vText, "", "What it is and what the person gets, in plain words."},
		{"how_to_start", true, vText, "", "The concrete first step: whom to contact, how."},
		{"fees", false, vText, "", "What it costs the person, e.g. Free of charge."},
		{"tags", false, vIDList, "", "Tags that rules can suggest by (suggest: tags:)."},
		{"status", false, vStatus, "", "active (the default), inactive, defunct or temporarily_closed; only active services are suggested."},
		{"ptv", false, vString, "", "Its id in Suomi.fi's service directory (PTV), when imported by polku import ptv: a re-import updates the entry with this id and keeps what staff added. Its texts may lack languages PTV does not have (a warning)."},
		{"umbrella", false, vBool, "", "true for a national entry that points people to local ones (a network's finder, such as ohjaamot.fi): it is left out when a local service of its kind is suggested to the person."},
		{"address", false, vString, "", "Where to go, exactly as the source gives it: street, postcode and town. Leave it out when the source does not give one."},
		{"phone", false, vString, "", "A phone number the source gives for this service, e.g. 040 123 4567 or +358 40 123 4567. Never a person's own number."},
		{"email", false, vString, "", "An e-mail address the source gives for this service (not a person's own)."},
		{"hours", false, vName, "", "Opening or walk-in hours as the source states them: one text, or one per language."},
		{"municipalities", false, vStringList, "", "The municipalities where it is given, by their Finnish or Swedish name (rules/places/): people who name their municipality see it first."},
		{"source", true, vURL, "", "The page the facts were read from."},
		{"checked", true, vDate, "", "When someone last read the source: year-month-day. polku check warns when it is older than --max-age."},
		{"page_date", false, vDate, "", "The date the source page itself shows (published or updated), if it shows one: facts from a page more than two years older than checked are treated as unverified."},
		{"unverified", false, vString, "", "Why the facts need checking before anyone relies on them (e.g. \"address from a 2019 report\"). The card tells the person to check them first."},
	}},
	"places file": {doc: "rules/places/municipalities.yaml: every municipality with its area and employment area, from a public classification.", keys: []keyFormat{
		{"source", true, vURL, "", "The classification the list comes from."},
		{"dataset", false, vURL, "", "The file it was taken from."},
		{"year", true, vInt, "", "The classification's year."},
		{"checked", true, vDate, "", "When the list was taken: year-month-day."},
		{"employment_areas", false, vList, "employment area", "The employment areas, with their codes."},
		{"municipalities", true, vList, "municipality", "Every municipality."},
	}},
	"employment area": {doc: "An employment area (työllisyysalue).", keys: []keyFormat{
		{"code", true, vInt, "", "Its code in the classification."},
		{"fi", true, vString, "", "Its Finnish name."},
		{"sv", true, vString, "", "Its Swedish name."},
	}},
	"municipality": {doc: "A municipality.", keys: []keyFormat{
		{"code", true, vString, "", "Its three-digit code, in quotes: \"091\"."},
		{"fi", true, vString, "", "Its Finnish name."},
		{"sv", true, vString, "", "Its Swedish name."},
		{"area", true, vID, "", "Its area: a value of the area field in rules/profile.yaml."},
		{"employment_area", false, vInt, "", "The code of its employment area."},
		{"languages", false, vIDList, "", "Its official languages, the majority's first."},
		{"aliases", false, vStringList, "", "Other ways people write it, e.g. forms the generated inflections miss."},
	}},
	"rules file": {doc: "A file in rules/: suggestion rules.", keys: []keyFormat{
		{"rules", true, vList, "rule", "Rules that suggest services."},
	}},
	"rule": {doc: "A rule: when its condition is certainly true it suggests services, with a reason.", keys: []keyFormat{
		{"id", true, vID, "", "The rule's id, shown when staff ask why a service was suggested."},
		{"when", false, vExpr, "", "The condition, an expression over the profile. Without it the rule fires for everyone."},
		{"suggest", true, vObject, "suggest", "What the rule suggests: kinds, tags or services."},
		{"score", false, vInt, "", "How strongly (default 1); negative pushes services down."},
		{"because", true, vText, "", "The reason shown to the person; {field} is replaced by their own answer."},
	}},
	"suggest": {doc: "What a rule suggests.", keys: []keyFormat{
		{"kinds", false, vIDList, "", "Every service of these kinds."},
		{"tags", false, vIDList, "", "Every service with one of these tags."},
		{"services", false, vIDList, "", "These services, by id."},
	}},
	"flow": {doc: "A file in flows/: one conversation.", keys: []keyFormat{
		{"flow", true, vID, "", "The flow's id."},
		{"title", false, vText, "", "The flow's name for staff tools."},
		{"start", false, vID, "", "The first step; default: the first step listed."},
		{"steps", true, vList, "step", "The messages and questions of the flow."},
	}},
	"step": {doc: "A message or a question of a flow.", keys: []keyFormat{
		{"id", true, vID, "", "The step's id, used by next: and in tests."},
		{"text", true, vText, "", "What the person reads: the question or the message."},
		{"sets", false, vID, "", "The profile field the answer sets. Without it the step is a message."},
		{"hint", false, vText, "", "A line under the question."},
		{"options", false, vList, "option", "The choices, for string, list and yes/no fields. \"I'd rather not say\" is added automatically."},
		{"input", false, vObject, "input", "A typed answer, for number fields and text fields without values."},
		{"required", false, vString, "", "Why this question cannot be skipped; without it \"I'd rather not say\" is offered."},
		{"next", false, vNext, "branch", "Where the flow goes next: a step id, end, or a list of branches with if:."},
	}},
	"option": {doc: "One choice of a question.", keys: []keyFormat{
		{"value", true, vOptionValue, "", "The value it gives the field: one of the field's values, or true/false for a yes/no field."},
		{"label", true, vText, "", "The button's text: short enough for a phone."},
		{"aliases", false, vStringList, "", "Other words a person might type for it, e.g. municipality names."},
		{"exclusive", false, vBool, "", "true for an option of a multiple choice that cannot go with the others, such as \"nothing in particular\" or \"no one\": ticking it clears the others, and ticking another clears it."},
	}},
	"input": {doc: "A typed answer.", keys: []keyFormat{
		{"min", false, vInt, "", "The smallest number accepted (number fields)."},
		{"max", false, vInt, "", "The largest number accepted (number fields)."},
		{"max_length", false, vInt, "", "The most characters accepted (text fields); default 200."},
		{"pattern", false, vString, "", "A regular expression the whole answer must match (text fields)."},
		{"error", false, vText, "", "What the person sees when the answer does not fit."},
	}},
	"branch": {doc: "One way out of a step.", keys: []keyFormat{
		{"if", false, vExpr, "", "The condition; the branch is taken only when it is certainly true. The last branch has none."},
		{"to", true, vID, "", "The next step's id, or end to finish and show the suggestions."},
	}},
	"messages file": {doc: "flows/messages.yaml: what the bot says around the questions, and the words that work as commands.", keys: []keyFormat{
		{"messages", true, vMessages, "", "Every message, by key; docs/content.md lists when each is said."},
		{"commands", true, vCommands, "command", "Every command with its words, button label and description."},
	}},
	"command": {doc: "A command a person can give at any point.", keys: []keyFormat{
		{"words", true, vWords, "", "Words and slash forms per language that start it, matched as the whole message."},
		{"label", true, vText, "", "A short button text."},
		{"description", true, vText, "", "What it does, for help and command menus."},
	}},
	"style file": {doc: "flows/style.yaml: words to avoid in what people read, and limits for plain-language variants. polku check warns about what does not fit.", keys: []keyFormat{
		{"avoid", false, vList, "word to avoid", "Words that stigmatise or that people do not understand, each with the wording to use instead."},
		{"plain", false, vList, "plain language", "Limits for a plain-language variant of the content, such as selkosuomi (fi-selko)."},
	}},
	"crisis file": {doc: "flows/crisis.yaml: what a person in crisis may type, per language. Typed text that holds one of these phrases gets the crisis message (112 and the crisis lines) at once, at any question, in any language.", keys: []keyFormat{
		{"phrases", true, vList, "crisis phrases", "The phrases of one language each."},
	}},
	"crisis phrases": {doc: "The crisis phrases of one language, and harmless look-alikes.", keys: []keyFormat{
		{"lang", true, vString, "", "The language (fi also covers fi-selko). Every language's phrases are looked for in every conversation."},
		{"match", true, vStringList, "", "Phrases: words in order (upper or lower case, ä and a alike, punctuation ignored); a * at the end of a word finds every word beginning so (itsemurh*), and … between two words lets up to three other words come between (haluan … kuolla)."},
		{"except", false, vStringList, "", "Harmless look-alikes, written the same way: a phrase that shares a word with one of these is not a crisis (kuol* nauru* keeps \"haluan kuolla nauruun\" from matching \"haluan kuolla\")."},
	}},
	"word to avoid": {doc: "A word to avoid, and what to say instead.", keys: []keyFormat{
		{"words", true, vStringList, "", "The beginnings that the word's forms share, lower case: syrjäyty finds syrjäytynyt, syrjäytyneille, …; a phrase of several words is found as written."},
		{"lang", false, vString, "", "Only texts in this language (fi also covers fi-selko); without it, every language."},
		{"use", true, vString, "", "The wording to use instead."},
		{"why", false, vString, "", "Why the word is avoided, for the staff member who meets the warning."},
	}},
	"plain language": {doc: "Limits for the texts of a plain-language variant.", keys: []keyFormat{
		{"lang", true, vString, "", "The plain-language variant's code, e.g. fi-selko."},
		{"sentence_words", false, vInt, "", "The most words in a sentence; default 12."},
		{"word_length", false, vInt, "", "The most letters in a word (words joined with - are not counted); default 20."},
	}},
	"tests file": {doc: "A file in tests/: conversation tests that `polku test` runs.", keys: []keyFormat{
		{"tests", true, vList, "test", "The tests in this file."},
	}},
	"test": {doc: "One conversation and what must be true after it.", keys: []keyFormat{
		{"name", true, vString, "", "What the test is about, e.g. a person: \"19, Oulu, left vocational school\"."},
		{"lang", false, vString, "", "The language of the conversation; default the content's first."},
		{"flow", false, vID, "", "The flow; default the one conversations start with."},
		{"answers", true, vAnswers, "", "What the person sends, in order: typed text (\"2\", \"tampere\", \"/takaisin\"), or {press: value} for a button."},
		{"expect", true, vObject, "expect", "What must be true at the end."},
	}},
	"expect": {doc: "What must be true at the end of a test conversation.", keys: []keyFormat{
		{"step", false, vID, "", "The question on screen at the end, or end when the suggestions were shown."},
		{"top", false, vInt, "", "How many of the first suggestions suggested: and not_suggested: look at; default all shown."},
		{"suggested", false, vIDList, "", "Services that must be among the suggestions."},
		{"not_suggested", false, vIDList, "", "Services that must not be among them."},
		{"says", false, vStringList, "", "Texts that must appear somewhere in the bot's replies."},
		{"not_says", false, vStringList, "", "Texts that must not appear in them."},
	}},
}

// spec returns the key check for a kind of object.
func spec(name string, hints map[string]string) keySpec {
	f, ok := formats[name]
	if !ok {
		panic("content: no format for " + name)
	}
	s := keySpec{hints: hints}
	for _, k := range f.keys {
		if k.required {
			s.required = append(s.required, k.name)
		} else {
			s.optional = append(s.optional, k.name)
		}
	}
	return s
}
