package bot_test

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"polku/bot"
	"polku/bot/content"
)

// placesContent is the base content with a few municipalities and the
// services a person's municipality decides: Ohjaamos and an employment
// area office that are their municipalities' own (for_residents), an
// umbrella that gives way to them, and contact facts on a card.
func placesContent(t testing.TB) *content.Content {
	t.Helper()
	fsys := baseFS(t)
	fsys["rules/places/municipalities.yaml"] = &fstest.MapFile{Data: []byte(`source: https://data.stat.fi/api/classifications/v2/classifications
year: 2026
checked: 2026-12-07
employment_areas:
  - {code: 8, fi: Helsinki, sv: Helsingfors}
  - {code: 39, fi: Tampereen seutu, sv: Tammerforsregionen}
  - {code: 33, fi: Rovaseutu, sv: Rovaniemiregionen}
  - {code: 22, fi: Meri-Lappi, sv: Havslappland}
municipalities:
  - {code: "091", fi: Helsinki, sv: Helsingfors, area: helsinki, employment_area: 8, languages: [fi, sv]}
  - {code: "837", fi: Tampere, sv: Tammerfors, area: pirkanmaa, employment_area: 39, languages: [fi]}
  - {code: "536", fi: Nokia, sv: Nokia, area: pirkanmaa, employment_area: 39, languages: [fi]}
  - {code: "698", fi: Rovaniemi, sv: Rovaniemi, area: lappi, employment_area: 33, languages: [fi]}
  - {code: "240", fi: Kemi, sv: Kemi, area: lappi, employment_area: 22, languages: [fi]}
  - {code: "320", fi: Kemijärvi, sv: Kemijärvi, area: lappi, employment_area: 33, languages: [fi]}
`)}
	fsys["rules/kinds.yaml"] = &fstest.MapFile{Data: []byte(`kinds:
  - id: ohjaamo
    name: {fi: Ohjaamo, en: Ohjaamo}
    for_residents: true
  - id: ngo_activity
    name: {fi: Järjestötoiminta, en: NGO activity}
  - id: employment_services
    name: {fi: Työllisyyspalvelut, en: Employment services}
    public: true
    for_residents: true
  - id: club
    name: {fi: Kerho, en: Club}
`)}
	fsys["rules/places-rules.yaml"] = &fstest.MapFile{Data: []byte(`rules:
  - id: local
    when: known(area)
    suggest: {tags: [local]}
    score: 5
    because: {fi: Lähellä sinua., en: Near you.}
`)}
	fsys["rules/services/local.yaml"] = &fstest.MapFile{Data: []byte(`organizations:
  - {id: city, name: Kaupunki, url: https://example.fi, source: https://example.fi, checked: 2026-12-01}
services:
  - id: finder
    name: {fi: Ohjaamot kartalla, en: Ohjaamos on a map}
    organization: city
    kind: ohjaamo
    umbrella: true
    areas: [koko-suomi]
    languages: [fi, en]
    url: https://example.fi/ohjaamot
    description: {fi: Etsi lähin., en: Find the nearest.}
    how_to_start: {fi: Katso kartta., en: See the map.}
    tags: [local]
    source: https://example.fi/ohjaamot
    checked: 2026-12-01
  - id: tampere-ohjaamo
    name: {fi: Ohjaamo Tampere, en: Ohjaamo Tampere}
    organization: city
    kind: ohjaamo
    areas: [pirkanmaa]
    municipalities: [Tampere]
    languages: [fi, en]
    url: https://example.fi/tampere
    address: Esimerkkikatu 1, 33100 Tampere
    phone: 040 000 0000
    email: ohjaamo@example.fi
    hours: {fi: ma–pe 10–16, en: Mon–Fri 10–16}
    description: {fi: Ohjaamo., en: Ohjaamo.}
    how_to_start: {fi: Tule käymään., en: Drop in.}
    tags: [local]
    source: https://example.fi/tampere
    checked: 2026-12-01
  - id: nokia-ohjaamo
    name: {fi: Ohjaamo Nokia, en: Ohjaamo Nokia}
    organization: city
    kind: ohjaamo
    areas: [pirkanmaa]
    municipalities: [Nokia]
    languages: [fi, en]
    url: https://example.fi/nokia
    description: {fi: Ohjaamo., en: Ohjaamo.}
    how_to_start: {fi: Tule käymään., en: Drop in.}
    tags: [local]
    source: https://example.fi/nokia
    checked: 2026-12-01
    page_date: 2019-05-01
  - id: tampere-office
    name: {fi: Tampereen seudun työllisyysalue, en: Tampere region employment area}
    organization: city
    kind: employment_services
    areas: [pirkanmaa]
    municipalities: [Tampere, Nokia]
    languages: [fi]
    url: https://example.fi/tyo
    description: {fi: Työllisyyspalvelut., en: Employment services.}
    how_to_start: {fi: Ilmoittaudu., en: Register.}
    tags: [local]
    source: https://example.fi/tyo
    checked: 2026-12-01
  - id: pirkanmaa-club
    name: {fi: Kerho, en: Club}
    organization: city
    kind: club
    areas: [pirkanmaa]
    municipalities: [Nokia]
    languages: [fi]
    url: https://example.fi/kerho
    description: {fi: Kerho., en: Club.}
    how_to_start: {fi: Tule., en: Come.}
    tags: [local]
    source: https://example.fi/kerho
    checked: 2026-12-01
`)}
	return loadDir(t, fsys)
}

func cardIDs(s *bot.Suggestions) []string {
	if s == nil {
		return nil
	}
	var ids []string
	for _, c := range s.Cards {
		ids = append(ids, c.Service)
	}
	return ids
}

// toArea walks the base flow to the question of where one lives.
func toArea(t *testing.T, c *conv) {
	t.Helper()
	c.say("hei")
	c.say("3") // company: straight to the area
	c.wantStep("area")
}

// finish answers age and helper and returns the suggestions.
func finish(t *testing.T, c *conv) *bot.Suggestions {
	t.Helper()
	c.say("20")
	r := c.press("false")
	if r.Suggestions == nil {
		t.Fatalf("no suggestions at the end; reply %+v", r)
	}
	return r.Suggestions
}

// A municipality typed in any common form answers the area question, the
// person is told which area it is, and its own services come first; other
// municipalities' own services are left out, and the umbrella gives way.
func TestPlaceTyped(t *testing.T) {
	for _, typed := range []string{"Tampereella", "asun tampereella", "Tammerfors", "i Tammerfors", "TAMPEREELTA"} {
		t.Run(typed, func(t *testing.T) {
			c := newConv(t, placesContent(t))
			toArea(t, c)
			r := c.say(typed)
			c.wantStep("age")
			if r.Answered == nil || r.Answered.Answer != "Pirkanmaa" {
				t.Errorf("answered %+v, want Pirkanmaa", r.Answered)
			}
			if want := "fi place_found"; !slices.ContainsFunc(r.Notes, func(n string) bool { return strings.HasPrefix(n, "Tampere: ") }) {
				t.Errorf("notes %q, want %s naming Tampere and its area", r.Notes, want)
			}
			if got := c.session().Place; got != "837" {
				t.Errorf("session place = %q, want 837 (Tampere)", got)
			}
			ids := cardIDs(finish(t, c))
			for _, want := range []string{"tampere-ohjaamo", "tampere-office"} {
				if !slices.Contains(ids, want) {
					t.Errorf("cards %v lack %s, Tampere's own", ids, want)
				}
			}
			for _, not := range []string{"nokia-ohjaamo", "finder"} {
				if slices.Contains(ids, not) {
					t.Errorf("cards %v include %s: another municipality's own service, or an umbrella with a local one shown", ids, not)
				}
			}
			// of equal scores, Tampere's own come before an open local
			// service in another municipality (Nokia's club)
			if i, j := slices.Index(ids, "pirkanmaa-club"), slices.Index(ids, "tampere-office"); i < 0 || i < j {
				t.Errorf("cards %v: want Nokia's club after Tampere's own services", ids)
			}
		})
	}
}

// A pressed area says nothing of the municipality: the municipalities' own
// services are left out (they may be another municipality's), the
// umbrella is shown, and the person is asked for their municipality —
// which, typed after the suggestions, shows them again with its own.
func TestPlaceByButtonThenTyped(t *testing.T) {
	c := newConv(t, placesContent(t))
	toArea(t, c)
	c.press("pirkanmaa")
	if c.session().Place != "" {
		t.Errorf("a pressed area set the place %q", c.session().Place)
	}
	s := finish(t, c)
	ids := cardIDs(s)
	for _, not := range []string{"tampere-ohjaamo", "nokia-ohjaamo", "tampere-office"} {
		if slices.Contains(ids, not) {
			t.Errorf("cards %v include %s without a municipality", ids, not)
		}
	}
	if !slices.Contains(ids, "finder") {
		t.Errorf("cards %v lack the umbrella, which stands in for the local ones", ids)
	}
	if !slices.Contains(s.Notes, "Kerro kuntasi.") {
		t.Errorf("notes %q, want the question for the municipality", s.Notes)
	}
	r := c.say("Nokialla")
	ids = cardIDs(r.Suggestions)
	if !slices.Contains(ids, "nokia-ohjaamo") || slices.Contains(ids, "tampere-ohjaamo") {
		t.Errorf("after typing Nokia at the end: cards %v, want Nokia's Ohjaamo and not Tampere's", ids)
	}
	if got := c.session().Place; got != "536" {
		t.Errorf("session place = %q, want 536 (Nokia)", got)
	}
	c.wantStep(bot.EndStep)
	// a municipality of another area changes the area answer
	r = c.say("Rovaniemellä")
	if got := c.session().Answers; !slices.Contains(got, content.Answer{Step: "area", Value: "lappi"}) {
		t.Errorf("answers %+v, want area lappi", got)
	}
	if ids := cardIDs(r.Suggestions); slices.Contains(ids, "nokia-ohjaamo") {
		t.Errorf("cards %v after moving to Rovaniemi still show Nokia", ids)
	}
}

// A near miss is asked back with a button, never taken silently; the
// button, a typed yes, or the name typed again answers.
func TestPlaceDidYouMean(t *testing.T) {
	c := newConv(t, placesContent(t))
	toArea(t, c)
	r := c.say("Tampreella")
	c.wantStep("area")
	if len(r.Notes) == 0 || !strings.HasPrefix(r.Notes[0], "Tarkoititko Tampere") {
		t.Fatalf("notes %q, want did-you-mean Tampere", r.Notes)
	}
	if first := r.Question.Options[0]; first.ID != "pirkanmaa" || first.Label != "Tampere" {
		t.Errorf("first option %+v, want Tampere answering pirkanmaa", first)
	}
	c.press("pirkanmaa")
	c.wantStep("age")
	if c.session().Place != "837" {
		t.Errorf("the offered municipality's button set place %q, want 837", c.session().Place)
	}

	c = newConv(t, placesContent(t))
	toArea(t, c)
	c.say("Rovanniemi")
	c.say("kyllä")
	c.wantStep("age")
	if c.session().Place != "698" {
		t.Errorf("yes to Rovaniemi set place %q, want 698", c.session().Place)
	}

	// the offer is made once: anything else is read afresh
	c = newConv(t, placesContent(t))
	toArea(t, c)
	c.say("Rovanniemi")
	r = c.say("hmm")
	c.wantStep("area")
	if len(c.session().Picked) != 0 {
		t.Errorf("the offer outlived the next answer: picked %v", c.session().Picked)
	}
	if r.Question.Options[0].ID != "helsinki" {
		t.Errorf("options after a new answer start %+v, want the areas again", r.Question.Options[0])
	}

	// two municipalities of one area: one button naming both, and the
	// area's own option is not offered a second time
	c = newConv(t, placesContent(t))
	toArea(t, c)
	r = c.say("Kemi tai Kemijärvi")
	if first := r.Question.Options[0]; first.ID != "lappi" || first.Label != "Kemi, Kemijärvi" {
		t.Errorf("first option %+v, want Kemi, Kemijärvi answering lappi", first)
	}
	seen := map[string]bool{}
	for _, o := range r.Question.Options {
		if seen[o.ID] {
			t.Errorf("option %q offered twice: %v", o.ID, optionIDs(r.Question))
		}
		seen[o.ID] = true
	}
}

// Going back from a typed municipality and pressing another area forgets
// the municipality.
func TestPlaceForgottenOnBack(t *testing.T) {
	c := newConv(t, placesContent(t))
	toArea(t, c)
	c.say("Tampereella")
	c.press(content.CmdBack)
	c.wantStep("area")
	c.press("helsinki")
	if got := c.session().Place; got != "" {
		t.Errorf("place %q after choosing Helsinki, want none", got)
	}
	c.cmd(content.CmdMyData)
	if strings.Contains(notes(c.last), "Tampere") {
		t.Errorf("my data still names Tampere: %q", c.last.Notes)
	}
}

// What is stored about the person names the municipality they typed.
func TestPlaceInMyData(t *testing.T) {
	c := newConv(t, placesContent(t))
	toArea(t, c)
	c.say("Tampereella")
	r := c.cmd(content.CmdMyData)
	if !strings.Contains(notes(r), "• Kunta: Tampere") {
		t.Errorf("my data = %q, want the municipality", r.Notes)
	}
}

// A card shows the contact facts its source gave, when they were
// checked, and a warning when its source is old; a person's own public
// service in a language they do not use is shown with an interpreter note.
func TestCardFacts(t *testing.T) {
	c := newConv(t, placesContent(t))
	c.send(bot.Message{Text: "hello", Lang: "en"})
	c.say("3")
	c.say("Tampereella")
	s := finish(t, c)
	var ohjaamo, office *bot.Card
	for i := range s.Cards {
		switch s.Cards[i].Service {
		case "tampere-ohjaamo":
			ohjaamo = &s.Cards[i]
		case "tampere-office":
			office = &s.Cards[i]
		}
	}
	if ohjaamo == nil || office == nil {
		t.Fatalf("cards %v lack Tampere's Ohjaamo or office", cardIDs(s))
	}
	want := []bot.Contact{
		{Kind: "address", Label: "Address", Value: "Esimerkkikatu 1, 33100 Tampere"},
		{Kind: "phone", Label: "Phone", Value: "040 000 0000"},
		{Kind: "email", Label: "E-mail", Value: "ohjaamo@example.fi"},
		{Kind: "hours", Label: "Hours", Value: "Mon–Fri 10–16"},
	}
	if !slices.Equal(ohjaamo.Contact, want) {
		t.Errorf("contact = %+v, want %+v", ohjaamo.Contact, want)
	}
	if ohjaamo.Checked != "Checked 1.12.2026." {
		t.Errorf("checked = %q", ohjaamo.Checked)
	}
	if !slices.Contains(office.Caveats, "Languages: suomi. You may ask for an interpreter.") {
		t.Errorf("office caveats = %q, want the interpreter note (it serves in Finnish only)", office.Caveats)
	}
	if got := office.Contact; len(got) != 1 || got[0].Kind != "where" || got[0].Value != "Tampere and Nokia" {
		t.Errorf("office contact = %+v, want where: Tampere (the person's own first) and Nokia", got)
	}
}

// Facts from a page more than two years older than its reading tell the
// person to check them.
func TestCardUnverified(t *testing.T) {
	c := newConv(t, placesContent(t))
	toArea(t, c)
	c.say("Nokialla")
	s := finish(t, c)
	for _, card := range s.Cards {
		if card.Service == "nokia-ohjaamo" {
			if !slices.Contains(card.Caveats, "Tarkista tiedot.") {
				t.Errorf("caveats %q, want the unverified note (page from 2019)", card.Caveats)
			}
			return
		}
	}
	t.Fatalf("cards %v lack Nokia's Ohjaamo", cardIDs(s))
}
