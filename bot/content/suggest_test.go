package content

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

// Variants of the base content for the suggestion tests, by name: files
// added to it or replacing its own.
var suggestContent = map[string]map[string]string{
	"base": nil,
	// extra adds a local service whose eligibility reads two fields and an
	// inactive service (both before the base catalogue: extra.yaml sorts
	// before national.yaml), a rule that ties lappi-workshop with the
	// national services, and a rule with a negative score.
	"extra": {
		"rules/services/extra.yaml": `services:
  - id: youth-desk
    name: Nuorten piste
    organization: ohjaamot
    kind: ohjaamo
    areas: [helsinki, pirkanmaa]
    languages: [fi, en]
    url: https://ohjaamot.fi
    eligible: age < 30 and not has_helper
    eligibility: {fi: Alle 30-vuotiaille ilman tukea., en: For people under 30 without support.}
    description: {fi: Piste., en: A desk.}
    how_to_start: {fi: Tule., en: Come.}
    tags: [youth]
    source: https://ohjaamot.fi
    checked: 2026-11-01
  - id: closed-club
    name: Kerho
    organization: ohjaamot
    kind: ngo_activity
    areas: [koko-suomi]
    languages: [fi]
    url: https://ohjaamot.fi
    description: {fi: Kerho., en: A club.}
    how_to_start: {fi: Tule., en: Come.}
    tags: [youth]
    status: inactive
    source: https://ohjaamot.fi
    checked: 2026-11-01
`,
		"rules/test.yaml": `rules:
  - id: youth
    when: known(wants)
    suggest: {tags: [youth]}
    because: {fi: Nuorille., en: For young people.}
  - id: local
    when: area == "lappi"
    suggest: {services: [lappi-workshop]}
    because: {fi: Lähellä., en: Near you.}
  - id: helped
    when: has_helper
    suggest: {services: [register]}
    score: -1
    because: {fi: Sinua jo autetaan., en: Someone helps you already.}
`,
	},
	// languages adds the languages field to the profile.
	"languages": {
		"rules/profile.yaml": `languages:
  - {code: fi, name: suomi}
  - {code: en, name: English}
start: jobseeker
fields:
  wants:
    type: list
    values: [work, study, company]
    label: {fi: Toiveet, en: Wishes}
  pace:
    type: string
    values: [few_hours_week, part_time, full_time]
    label: {fi: Tahti, en: Pace}
  area:
    type: string
    values: [helsinki, pirkanmaa, lappi]
    label: {fi: Alue, en: Area}
  age:
    type: int
    label: {fi: Ikä, en: Age}
  has_helper:
    type: bool
    label: {fi: Onko apua, en: Someone helps}
  languages:
    type: list
    values: [fi, sv, en, other]
    label: {fi: Kielet, en: Languages}
`,
	},
	// required makes the first question of the flow required.
	"required": {
		"flows/jobseeker.yaml": `flow: jobseeker
steps:
  - id: wants
    sets: wants
    required: Without knowing what you want, nothing can be suggested.
    text: {fi: Mitä haluaisit?, en: What would you like?}
    options:
      - {value: work, label: {fi: Töitä, en: Work}}
      - {value: study, label: {fi: Opiskella, en: Study}}
    next: helper
  - id: helper
    sets: has_helper
    text: {fi: Auttaako joku jo?, en: Does someone help you already?}
    options:
      - {value: true, label: {fi: Kyllä, en: Yes}}
      - {value: false, label: {fi: Ei, en: No}}
    next: end
`,
	},
}

// loadVariant loads a variant of the base content by name, once per test
// binary: Content never changes after Load, so tests may share it.
func loadVariant(t *testing.T, name string) *Content {
	t.Helper()
	variantsMu.Lock()
	defer variantsMu.Unlock()
	if c, ok := loadedVariants[name]; ok {
		return c
	}
	files, ok := suggestContent[name]
	if !ok {
		t.Fatalf("no content variant %q", name)
	}
	fsys := baseFS(t)
	for p, data := range files {
		fsys[p] = &fstest.MapFile{Data: []byte(data)}
	}
	c, ds := Load(fsys)
	if ds.HasErrors() {
		t.Fatalf("Load(%s content) reported errors:\n%v", name, ds)
	}
	loadedVariants[name] = c
	return c
}

var (
	variantsMu     sync.Mutex
	loadedVariants = map[string]*Content{}
)

// ranked writes suggestions as id:score, in order.
func ranked(ss []Suggestion) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, fmt.Sprintf("%s:%d", s.Service.ID, s.Score))
	}
	return out
}

// excluded writes exclusions as id:reason, in order.
func excluded(es []Exclusion) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.Service.ID+":"+e.Reason)
	}
	return out
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		name         string
		content      string
		set          answers
		declined     []string
		lang         string
		want         []string // id:score, in order
		wantExcluded []string // id:reason
		areaUnknown  bool
	}{
		{name: "nothing known, ties in catalogue order", content: "base", lang: "fi",
			want: []string{"ohjaamo:1", "register:1", "peer-group:1", "work-trial:1"}, areaUnknown: true},
		{name: "nothing known, a service not in the chat's language last among ties", content: "base", lang: "en",
			want: []string{"ohjaamo:1", "register:1", "work-trial:1", "peer-group:1"}, areaUnknown: true},
		{name: "chat language with a variant", content: "base", lang: "en-gb",
			want: []string{"ohjaamo:1", "register:1", "work-trial:1", "peer-group:1"}, areaUnknown: true},
		{name: "scores add up", content: "base", lang: "fi", set: answers{"pace": "few_hours_week", "wants": "company", "area": "lappi"},
			want: []string{"peer-group:6", "lappi-workshop:5", "ohjaamo:1", "register:1", "work-trial:1"}},
		{name: "local service shown in its area", content: "base", lang: "fi", set: answers{"pace": "few_hours_week", "area": "lappi"},
			want: []string{"peer-group:4", "lappi-workshop:3", "ohjaamo:1", "register:1", "work-trial:1"}},
		{name: "local service left out in another area", content: "base", lang: "fi", set: answers{"pace": "few_hours_week", "area": "helsinki"},
			want:         []string{"peer-group:4", "ohjaamo:1", "register:1", "work-trial:1"},
			wantExcluded: []string{"lappi-workshop:area"}},
		{name: "unknown area: only national services", content: "base", lang: "fi", set: answers{"pace": "few_hours_week"},
			want:         []string{"peer-group:4", "ohjaamo:1", "register:1", "work-trial:1"},
			wantExcluded: []string{"lappi-workshop:area"}, areaUnknown: true},
		{name: "declined area: only national services", content: "base", lang: "fi", set: answers{"pace": "few_hours_week"}, declined: []string{"area"},
			want:         []string{"peer-group:4", "ohjaamo:1", "register:1", "work-trial:1"},
			wantExcluded: []string{"lappi-workshop:area"}, areaUnknown: true},
		{name: "eligibility false leaves a service out", content: "base", lang: "fi", set: answers{"age": "35", "area": "helsinki"},
			want:         []string{"register:1", "peer-group:1", "work-trial:1"},
			wantExcluded: []string{"ohjaamo:eligibility"}},
		{name: "eligibility true keeps a service", content: "base", lang: "fi", set: answers{"age": "25", "area": "helsinki"},
			want: []string{"ohjaamo:1", "register:1", "peer-group:1", "work-trial:1"}},
		{name: "a rule that is unknown does not fire", content: "base", lang: "fi", set: answers{"area": "lappi"}, declined: []string{"pace", "wants"},
			want: []string{"ohjaamo:1", "register:1", "peer-group:1", "work-trial:1"}},

		{name: "tie: local before national", content: "extra", lang: "fi", set: answers{"area": "lappi"},
			want: []string{"lappi-workshop:1", "ohjaamo:1", "register:1", "peer-group:1", "work-trial:1"}},
		{name: "tie: local before national, then the chat's language", content: "extra", lang: "en", set: answers{"area": "lappi"},
			want: []string{"lappi-workshop:1", "ohjaamo:1", "register:1", "work-trial:1", "peer-group:1"}},
		{name: "a negative score takes a service out", content: "extra", lang: "fi", set: answers{"has_helper": "true", "area": "lappi"},
			want: []string{"lappi-workshop:1", "ohjaamo:1", "peer-group:1", "work-trial:1"}},
		{name: "unknown eligibility keeps a service, inactive left out", content: "extra", lang: "fi", set: answers{"wants": "work", "area": "helsinki"},
			want:         []string{"youth-desk:1", "ohjaamo:1", "register:1", "peer-group:1", "work-trial:1"},
			wantExcluded: []string{"closed-club:status"}},
		{name: "eligibility false despite an unknown field", content: "extra", lang: "fi", set: answers{"wants": "work", "area": "helsinki", "age": "35"},
			want:         []string{"register:1", "peer-group:1", "work-trial:1"},
			wantExcluded: []string{"youth-desk:eligibility", "closed-club:status", "ohjaamo:eligibility"}},
		{name: "eligibility false from the other field", content: "extra", lang: "fi", set: answers{"wants": "work", "area": "helsinki", "has_helper": "true"},
			want:         []string{"ohjaamo:1", "peer-group:1", "work-trial:1"},
			wantExcluded: []string{"youth-desk:eligibility", "closed-club:status"}},
		{name: "area checked before eligibility", content: "extra", lang: "fi", set: answers{"wants": "work", "age": "35"},
			want:         []string{"register:1", "peer-group:1", "work-trial:1"},
			wantExcluded: []string{"youth-desk:area", "closed-club:status", "ohjaamo:eligibility"}, areaUnknown: true},

		{name: "languages unknown: nothing left out", content: "languages", lang: "en",
			want: []string{"ohjaamo:1", "register:1", "work-trial:1", "peer-group:1"}, areaUnknown: true},
		{name: "languages known: a service in none of them left out", content: "languages", lang: "en", set: answers{"languages": "en"},
			want:         []string{"ohjaamo:1", "register:1", "work-trial:1"},
			wantExcluded: []string{"peer-group:language"}, areaUnknown: true},
		{name: "languages known: one of them is enough", content: "languages", lang: "en", set: answers{"languages": "en,fi"},
			want: []string{"ohjaamo:1", "register:1", "peer-group:1", "work-trial:1"}, areaUnknown: true},
		{name: "languages known: the chat's language no longer matters", content: "languages", lang: "en", set: answers{"languages": "fi"},
			want: []string{"ohjaamo:1", "register:1", "peer-group:1", "work-trial:1"}, areaUnknown: true},
		{name: "languages no service uses cannot filter", content: "languages", lang: "en", set: answers{"languages": "other,sv"},
			want: []string{"ohjaamo:1", "register:1", "work-trial:1", "peer-group:1"}, areaUnknown: true},
		{name: "languages declined: nothing left out", content: "languages", lang: "en", declined: []string{"languages"},
			want: []string{"ohjaamo:1", "register:1", "work-trial:1", "peer-group:1"}, areaUnknown: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := loadVariant(t, tt.content)
			p := profile(t, c, tt.set, tt.declined...)
			res := c.Suggest(p, tt.lang)
			if got := ranked(res.Suggestions); !slices.Equal(got, tt.want) {
				t.Errorf("Suggest(%v, declined %v, %q) = %q, want %q", tt.set, tt.declined, tt.lang, got, tt.want)
			}
			want := tt.wantExcluded
			if want == nil {
				want = []string{}
			}
			if got := excluded(res.Excluded); !slices.Equal(got, want) {
				t.Errorf("Suggest(%v, declined %v, %q).Excluded = %q, want %q", tt.set, tt.declined, tt.lang, got, want)
			}
			if res.AreaUnknown != tt.areaUnknown {
				t.Errorf("Suggest(%v, declined %v, %q).AreaUnknown = %v, want %v", tt.set, tt.declined, tt.lang, res.AreaUnknown, tt.areaUnknown)
			}
		})
	}
}

// TestSuggestUnsure: a service whose eligibility is unknown stays, and
// lists the fields it depends on that the person has not answered.
func TestSuggestUnsure(t *testing.T) {
	tests := []struct {
		name       string
		set        answers
		declined   []string
		wantUnsure []string // nil: the service is not suggested
	}{
		{"both fields unknown", answers{"wants": "work", "area": "helsinki"}, nil, []string{"age", "has_helper"}},
		{"one field known", answers{"wants": "work", "area": "helsinki", "age": "25"}, nil, []string{"has_helper"}},
		{"declined counts as unknown", answers{"wants": "work", "area": "helsinki", "has_helper": "false"}, []string{"age"}, []string{"age"}},
		{"both fields known", answers{"wants": "work", "area": "helsinki", "age": "25", "has_helper": "false"}, nil, []string{}},
		{"false whatever the unknown field", answers{"wants": "work", "area": "helsinki", "age": "30"}, nil, nil},
	}
	c := loadVariant(t, "extra")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.Suggest(profile(t, c, tt.set, tt.declined...), "fi")
			var s *Suggestion
			for i := range res.Suggestions {
				if res.Suggestions[i].Service.ID == "youth-desk" {
					s = &res.Suggestions[i]
				}
			}
			switch {
			case s == nil && tt.wantUnsure != nil:
				t.Fatalf("Suggest(%v) left out youth-desk: %q", tt.set, excluded(res.Excluded))
			case s != nil && tt.wantUnsure == nil:
				t.Fatalf("Suggest(%v) suggested youth-desk, want it left out", tt.set)
			case s == nil:
				return
			}
			got := []string{}
			for _, f := range s.Unsure {
				got = append(got, f.Name)
			}
			if !slices.Equal(got, tt.wantUnsure) {
				t.Errorf("Suggest(%v, declined %v): youth-desk Unsure = %q, want %q", tt.set, tt.declined, got, tt.wantUnsure)
			}
		})
	}
}

// TestSuggestTrace: Result.Rules holds every rule's value in content order,
// and each suggestion the rules that chose it, highest score first.
func TestSuggestTrace(t *testing.T) {
	tests := []struct {
		name      string
		content   string
		set       answers
		declined  []string
		wantRules []string          // rule:value, in content order
		wantWhy   map[string]string // service -> its rules, highest score first
	}{
		{name: "nothing known", content: "base",
			wantRules: []string{"everyone:true", "gentle:unknown", "company:unknown"},
			wantWhy:   map[string]string{"ohjaamo": "everyone", "peer-group": "everyone"}},
		{name: "everything fires", content: "base", set: answers{"pace": "few_hours_week", "wants": "company", "area": "lappi"},
			wantRules: []string{"everyone:true", "gentle:true", "company:true"},
			wantWhy:   map[string]string{"peer-group": "gentle company everyone", "lappi-workshop": "gentle company", "register": "everyone"}},
		{name: "false rules", content: "base", set: answers{"pace": "part_time", "wants": "work"},
			wantRules: []string{"everyone:true", "gentle:false", "company:false"},
			wantWhy:   map[string]string{"peer-group": "everyone"}},
		{name: "declined answers", content: "base", declined: []string{"pace", "wants"},
			wantRules: []string{"everyone:true", "gentle:unknown", "company:unknown"}},
		{name: "a negative rule is last", content: "extra", set: answers{"has_helper": "true", "wants": "work"},
			wantRules: []string{"everyone:true", "gentle:unknown", "company:false", "youth:true", "local:unknown", "helped:true"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := loadVariant(t, tt.content)
			res := c.Suggest(profile(t, c, tt.set, tt.declined...), "fi")
			var got []string
			for _, r := range res.Rules {
				got = append(got, r.Rule.ID+":"+r.Value.String())
			}
			if !slices.Equal(got, tt.wantRules) {
				t.Errorf("Suggest(%v).Rules = %q, want %q", tt.set, got, tt.wantRules)
			}
			for id, want := range tt.wantWhy {
				i := slices.IndexFunc(res.Suggestions, func(s Suggestion) bool { return s.Service.ID == id })
				if i < 0 {
					t.Errorf("Suggest(%v) did not suggest %s", tt.set, id)
					continue
				}
				var why []string
				for _, r := range res.Suggestions[i].Rules {
					why = append(why, r.ID)
				}
				if got := strings.Join(why, " "); got != want {
					t.Errorf("Suggest(%v): rules for %s = %q, want %q", tt.set, id, got, want)
				}
			}
		})
	}
}

// TestSuggestOtherLanguage: OtherLanguage marks a service not given in the
// chat's language, only while the person's languages are not known.
func TestSuggestOtherLanguage(t *testing.T) {
	tests := []struct {
		name string
		set  answers
		lang string
		want []string // services with OtherLanguage set
	}{
		{"chat in fi", nil, "fi", []string{}},
		{"chat in en", nil, "en", []string{"peer-group"}},
		{"languages known", answers{"languages": "fi"}, "en", []string{}},
		{"languages no service uses", answers{"languages": "other"}, "en", []string{"peer-group"}},
	}
	c := loadVariant(t, "languages")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.Suggest(profile(t, c, tt.set), tt.lang)
			got := []string{}
			for _, s := range res.Suggestions {
				if s.OtherLanguage {
					got = append(got, s.Service.ID)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Suggest(%v, %q): OtherLanguage for %q, want %q", tt.set, tt.lang, got, tt.want)
			}
		})
	}
}

// walkState sums up a Walk for comparison.
func walkState(w *Walk) string {
	var answered []string
	for i, a := range w.Answers {
		if w.Steps[i].ID != a.Step {
			answered = append(answered, fmt.Sprintf("MISMATCH(%s≠%s)", w.Steps[i].ID, a.Step))
		}
		v := a.Value
		if a.Skip {
			v = "(skip)"
		}
		answered = append(answered, a.Step+"="+v)
	}
	var passed []string
	for _, s := range w.Passed {
		passed = append(passed, s.ID)
	}
	at := "end"
	if w.Step != nil {
		at = w.Step.ID
	}
	return fmt.Sprintf("answered [%s] passed [%s] at %s", strings.Join(answered, " "), strings.Join(passed, " "), at)
}

func TestReplay(t *testing.T) {
	tests := []struct {
		name         string
		content      string
		answers      []Answer
		want         string
		wantKnown    answers  // field -> value in the profile
		wantDeclined []string // fields declined
		wantUnknown  []string // fields neither known nor declined
	}{
		{name: "no answers", content: "base",
			want:        "answered [] passed [hello] at wants",
			wantUnknown: []string{"wants", "pace", "area", "age", "has_helper"}},
		{name: "every answer", content: "base",
			answers:   []Answer{{Step: "wants", Value: "work"}, {Step: "pace", Value: "part_time"}, {Step: "area", Value: "lappi"}, {Step: "age", Value: "20"}, {Step: "helper", Value: "true"}},
			want:      "answered [wants=work pace=part_time area=lappi age=20 helper=true] passed [] at end",
			wantKnown: answers{"wants": "work", "pace": "part_time", "area": "lappi", "age": "20", "has_helper": "true"}},
		{name: "answers in another order", content: "base",
			answers:   []Answer{{Step: "age", Value: "20"}, {Step: "wants", Value: "study"}},
			want:      "answered [wants=study] passed [] at area",
			wantKnown: answers{"wants": "study"}, wantUnknown: []string{"age", "area"}},
		{name: "an answer off the path is dropped", content: "base",
			answers:     []Answer{{Step: "wants", Value: "study"}, {Step: "pace", Value: "part_time"}, {Step: "area", Value: "lappi"}},
			want:        "answered [wants=study area=lappi] passed [] at age",
			wantKnown:   answers{"wants": "study", "area": "lappi"},
			wantUnknown: []string{"pace"}},
		{name: "an answer to a step that no longer exists is dropped", content: "base",
			answers:   []Answer{{Step: "wants", Value: "study"}, {Step: "mood", Value: "good"}},
			want:      "answered [wants=study] passed [] at area",
			wantKnown: answers{"wants": "study"}},
		{name: "an option that no longer exists stops there", content: "base",
			answers:     []Answer{{Step: "wants", Value: "study"}, {Step: "area", Value: "oulu"}, {Step: "age", Value: "20"}},
			want:        "answered [wants=study] passed [] at area",
			wantUnknown: []string{"area", "age"}},
		{name: "a number out of range stops there", content: "base",
			answers:     []Answer{{Step: "wants", Value: "study"}, {Step: "area", Value: "lappi"}, {Step: "age", Value: "120"}, {Step: "helper", Value: "true"}},
			want:        "answered [wants=study area=lappi] passed [] at age",
			wantUnknown: []string{"age", "has_helper"}},
		{name: "not a number", content: "base",
			answers: []Answer{{Step: "wants", Value: "study"}, {Step: "area", Value: "lappi"}, {Step: "age", Value: "twenty"}},
			want:    "answered [wants=study area=lappi] passed [] at age"},
		{name: "a list answer with a value twice", content: "base",
			answers:     []Answer{{Step: "wants", Value: "work,work"}},
			want:        "answered [] passed [hello] at wants",
			wantUnknown: []string{"wants"}},
		{name: "a list answer with an unknown value", content: "base",
			answers: []Answer{{Step: "wants", Value: "work,travel"}},
			want:    "answered [] passed [hello] at wants"},
		{name: "an empty list answer", content: "base",
			answers: []Answer{{Step: "wants", Value: ""}},
			want:    "answered [] passed [hello] at wants"},
		{name: "a list answer of several values", content: "base",
			answers:   []Answer{{Step: "wants", Value: "company,work"}},
			want:      "answered [wants=company,work] passed [] at pace",
			wantKnown: answers{"wants": "company,work"}},
		{name: "a bool answer that is not true or false", content: "base",
			answers: []Answer{{Step: "wants", Value: "study"}, {Step: "area", Value: "lappi"}, {Step: "age", Value: "20"}, {Step: "helper", Value: "yes"}},
			want:    "answered [wants=study area=lappi age=20] passed [] at helper"},
		{name: "declining leaves the field unknown but declined", content: "base",
			answers:      []Answer{{Step: "wants", Value: "work"}, {Step: "pace", Skip: true}},
			want:         "answered [wants=work pace=(skip)] passed [] at area",
			wantKnown:    answers{"wants": "work"},
			wantDeclined: []string{"pace"}},
		{name: "declining takes the path of unknown", content: "base",
			answers:      []Answer{{Step: "wants", Skip: true}, {Step: "pace", Value: "part_time"}},
			want:         "answered [wants=(skip)] passed [] at area",
			wantDeclined: []string{"wants"}, wantUnknown: []string{"pace"}},
		{name: "declining everything reaches the end", content: "base",
			answers:      []Answer{{Step: "wants", Skip: true}, {Step: "area", Skip: true}, {Step: "age", Skip: true}, {Step: "helper", Skip: true}},
			want:         "answered [wants=(skip) area=(skip) age=(skip) helper=(skip)] passed [] at end",
			wantDeclined: []string{"wants", "area", "age", "has_helper"}},
		{name: "a skip wins over its value", content: "base",
			answers:      []Answer{{Step: "wants", Value: "work", Skip: true}},
			want:         "answered [wants=(skip)] passed [] at area",
			wantDeclined: []string{"wants"}},
		{name: "a required question refuses a skip", content: "required",
			answers:     []Answer{{Step: "wants", Skip: true}, {Step: "helper", Value: "true"}},
			want:        "answered [] passed [] at wants",
			wantUnknown: []string{"wants", "has_helper"}},
		{name: "a required question takes an answer", content: "required",
			answers:      []Answer{{Step: "wants", Value: "study"}, {Step: "helper", Skip: true}},
			want:         "answered [wants=study helper=(skip)] passed [] at end",
			wantKnown:    answers{"wants": "study"},
			wantDeclined: []string{"has_helper"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := loadVariant(t, tt.content)
			w := c.Replay(c.Start, tt.answers)
			if got := walkState(w); got != tt.want {
				t.Errorf("Replay(%v) = %s, want %s", tt.answers, got, tt.want)
			}
			if w.Done() != (w.Step == nil) {
				t.Errorf("Replay(%v).Done() = %v with Step %v", tt.answers, w.Done(), w.Step)
			}
			for name, want := range tt.wantKnown {
				f := c.Field(name)
				if got := strings.Join(w.Profile.Values(f), ListSep); got != want || w.Profile.Declined(f) {
					t.Errorf("Replay(%v): %s = %q (declined %v), want %q", tt.answers, name, got, w.Profile.Declined(f), want)
				}
			}
			for _, name := range tt.wantDeclined {
				f := c.Field(name)
				if w.Profile.Known(f) || !w.Profile.Declined(f) {
					t.Errorf("Replay(%v): %s known %v, declined %v; want unknown and declined", tt.answers, name, w.Profile.Known(f), w.Profile.Declined(f))
				}
			}
			for _, name := range tt.wantUnknown {
				f := c.Field(name)
				if w.Profile.Known(f) || w.Profile.Declined(f) {
					t.Errorf("Replay(%v): %s known %v, declined %v; want neither", tt.answers, name, w.Profile.Known(f), w.Profile.Declined(f))
				}
			}
		})
	}
}

// TestStepApplySkip: Apply refuses a skip of a required question without
// changing the profile, and records a skip of any other as declined.
func TestStepApplySkip(t *testing.T) {
	c := loadVariant(t, "required")
	f := c.Start
	wants, helper := f.Step("wants"), f.Step("helper")
	if wants.Required == "" || helper.Required != "" {
		t.Fatalf("Required = %q and %q, want a reason and none", wants.Required, helper.Required)
	}
	p := c.NewProfile()
	if wants.Apply(p, Answer{Step: "wants", Skip: true}) {
		t.Errorf("Apply(skip) to required question = true, want false")
	}
	if p.Declined(wants.Field) || p.Known(wants.Field) {
		t.Errorf("after a refused skip: declined %v, known %v; want neither", p.Declined(wants.Field), p.Known(wants.Field))
	}
	if !helper.Apply(p, Answer{Step: "helper", Skip: true}) {
		t.Errorf("Apply(skip) to optional question = false, want true")
	}
	if !p.Declined(helper.Field) || p.Known(helper.Field) {
		t.Errorf("after a skip: declined %v, known %v; want declined and unknown", p.Declined(helper.Field), p.Known(helper.Field))
	}
	if helper.Apply(p, Answer{Step: "wants", Value: "true"}) {
		t.Errorf("Apply of another step's answer = true, want false")
	}
	if !helper.Apply(p, Answer{Step: "helper", Value: "false"}) || p.Declined(helper.Field) || !p.Known(helper.Field) {
		t.Errorf("an answer after a skip: declined %v, known %v; want known and not declined", p.Declined(helper.Field), p.Known(helper.Field))
	}
}

// TestReplayThenSuggest: the profile a replay builds is the one suggestions
// are made for.
func TestReplayThenSuggest(t *testing.T) {
	c := loadVariant(t, "base")
	w := c.Replay(c.Start, []Answer{{Step: "wants", Value: "work,company"}, {Step: "pace", Value: "few_hours_week"}, {Step: "area", Value: "lappi"}, {Step: "age", Value: "40"}, {Step: "helper", Skip: true}})
	if !w.Done() {
		t.Fatalf("Replay stopped at %s, want the end", w.Step.ID)
	}
	res := c.Suggest(w.Profile, "fi")
	want := []string{"peer-group:6", "lappi-workshop:5", "register:1", "work-trial:1"}
	if got := ranked(res.Suggestions); !slices.Equal(got, want) {
		t.Errorf("Suggest(replayed profile) = %q, want %q", got, want)
	}
	if got, want := excluded(res.Excluded), []string{"ohjaamo:eligibility"}; !slices.Equal(got, want) {
		t.Errorf("Suggest(replayed profile).Excluded = %q, want %q", got, want)
	}
}
