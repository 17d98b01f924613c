package content_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	polku "polku"
	"polku/bot/content"
)

func builtinPlaces(t testing.TB) *content.Places {
	t.Helper()
	c, ds := content.Load(polku.Content())
	if c == nil {
		t.Fatalf("built-in content does not load:\n%s", ds)
	}
	if c.Places == nil {
		t.Fatal("the built-in content has no rules/places/")
	}
	return c.Places
}

// Every municipality of the classification is found by its Finnish and
// its Swedish name, as typed and without å, ä and ö.
func TestEveryMunicipalityByBothNames(t *testing.T) {
	p := builtinPlaces(t)
	if n := len(p.Municipalities); n != 308 {
		t.Errorf("%d municipalities, want the 308 of the 2026 classification", n)
	}
	areas := map[string]bool{}
	for _, m := range p.Municipalities {
		areas[m.Area] = true
		for _, name := range []string{m.Fi, m.Sv} {
			if got := p.Find(name).Found; got != m {
				t.Errorf("Find(%q) = %v, want %s (%s)", name, got, m.Fi, m.Code)
			}
		}
	}
	if len(areas) != 23 {
		t.Errorf("municipalities are in %d areas, want all 23", len(areas))
	}
}

func TestFindPlace(t *testing.T) {
	p := builtinPlaces(t)
	tests := []struct {
		text  string
		found string   // Finnish name of the one municipality meant
		maybe []string // or those asked back
	}{
		{"Tampere", "Tampere", nil},
		{"Tampereella", "Tampere", nil},
		{"asun tampereella", "Tampere", nil},
		{"Tampereelta", "Tampere", nil},
		{"Oulussa", "Oulu", nil},
		{"Helsingissä", "Helsinki", nil},
		{"helsingissa", "Helsinki", nil},
		{"Jomalassa", "Jomala", nil},
		{"i Vasa", "Vaasa", nil},
		{"jag bor i Jakobstad", "Pietarsaari", nil},
		{"Borgå", "Porvoo", nil},
		{"Rovaniemellä", "Rovaniemi", nil},
		{"Seinäjoella", "Seinäjoki", nil},
		{"Lahdessa", "Lahti", nil},
		{"Turussa", "Turku", nil},
		{"Kauniaisissa", "Kauniainen", nil},
		{"Nurmeksessa", "Nurmes", nil},
		{"Lappeenrannassa", "Lappeenranta", nil},
		{"Joensuussa", "Joensuu", nil},
		{"jyvaskyla", "Jyväskylä", nil},
		{"Jyväskylässä", "Jyväskylä", nil},
		{"Kemijärvellä", "Kemijärvi", nil},
		{"Pieksämäellä", "Pieksämäki", nil},
		{"Vihdissä", "Vihti", nil},
		{"Kuopiossa", "Kuopio", nil},
		{"I live in Oulu", "Oulu", nil},
		{"Mariehamn", "Maarianhamina", nil},
		{"Pedersöre", "Pedersören kunta", nil},
		{"Koski Tl", "Koski Tl", nil},
		{"Tamprere", "", []string{"Tampere"}},
		{"Jyväskylää", "Jyväskylä", nil},
		{"Rovanniemi", "", []string{"Rovaniemi"}},
		{"oulo", "", []string{"Oulu"}},
		{"Lahi", "", []string{"Lahti"}},
		{"espo", "", []string{"Espoo"}},
		{"Kemii", "", []string{"Kemi"}},
		{"Kemi Tornio", "", []string{"Kemi", "Tornio"}},
		{"ei kukaan", "", nil},
		{"kyllä", "", nil},
		{"", "", nil},
	}
	for _, tt := range tests {
		got := p.Find(tt.text)
		name := ""
		if got.Found != nil {
			name = got.Found.Fi
		}
		var maybe []string
		for _, m := range got.Maybe {
			maybe = append(maybe, m.Fi)
		}
		slices.Sort(maybe)
		slices.Sort(tt.maybe)
		if name != tt.found || !slices.Equal(maybe, tt.maybe) {
			t.Errorf("Find(%q) = %q, maybe %q; want %q, maybe %q", tt.text, name, maybe, tt.found, tt.maybe)
		}
	}
}

// Everyday words typed at the question are not taken for places.
func TestFindPlaceNotEveryWord(t *testing.T) {
	p := builtinPlaces(t)
	for _, text := range []string{"hello", "hei", "moi", "kiitos", "thanks", "tack", "en tiedä", "vet inte", "I don't know", "apua", "help", "töitä", "kotona", "maalla", "kaupungissa", "jossain", "somewhere",
		"terve", "perhe", "vanha", "kyllä", "ehkä", "kiva", "suomi", "koti", "kela", "moro", "talo", "huono", "hyvä"} {
		if m := p.Find(text); m.Found != nil || len(m.Maybe) > 0 {
			t.Errorf("Find(%q) = %v, maybe %v; want nothing", text, m.Found, m.Maybe)
		}
	}
}

// Typed text from anyone reaches Find: it never panics, names only
// municipalities of the list, never both finds one and asks about others,
// and asks about at most three.
func FuzzFindPlace(f *testing.F) {
	p := builtinPlaces(f)
	for _, s := range []string{"Tampereella", "i Vasa", "asun oulussa", "Tamprere", "Kemi Tornio", "", "ääää", "s:t karins", "Koski Tl", "\xff\xfe", strings.Repeat("helsinki ", 30)} {
		f.Add(s)
	}
	known := map[*content.Municipality]bool{}
	for _, m := range p.Municipalities {
		known[m] = true
	}
	f.Fuzz(func(t *testing.T, text string) {
		m := p.Find(text)
		if m.Found != nil && len(m.Maybe) > 0 {
			t.Fatalf("Find(%q) both found %s and asks about %d", text, m.Found.Fi, len(m.Maybe))
		}
		if m.Found != nil && !known[m.Found] {
			t.Fatalf("Find(%q) found a municipality not in the list", text)
		}
		if len(m.Maybe) > 3 && m.Found == nil && len(strings.Fields(text)) == 1 {
			t.Fatalf("Find(%q) asks about %d municipalities for one word", text, len(m.Maybe))
		}
		for _, mu := range m.Maybe {
			if !known[mu] {
				t.Fatalf("Find(%q) asks about a municipality not in the list", text)
			}
		}
	})
}

// The Big List of Naughty Strings, as typed answers: none is taken for a
// municipality.
func TestFindPlaceNaughtyStrings(t *testing.T) {
	p := builtinPlaces(t)
	b, err := os.ReadFile(filepath.Join("..", "testdata", "blns.json"))
	if err != nil {
		t.Fatal(err)
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	for _, s := range list {
		if m := p.Find(s); m.Found != nil {
			t.Errorf("Find(%q) = %s", s, m.Found.Fi)
		}
	}
}
