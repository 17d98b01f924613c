package content_test

import (
	"slices"
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
	for _, text := range []string{"hello", "hei", "moi", "kiitos", "thanks", "tack", "en tiedä", "vet inte", "I don't know", "apua", "help", "töitä", "kotona", "maalla", "kaupungissa", "jossain", "somewhere"} {
		if m := p.Find(text); m.Found != nil || len(m.Maybe) > 0 {
			t.Errorf("Find(%q) = %v, maybe %v; want nothing", text, m.Found, m.Maybe)
		}
	}
}
