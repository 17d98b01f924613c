package bot_test

import (
	"strings"
	"testing"

	"polku/bot"
	"polku/bot/store"
)

// TestLanguagesNamedInThePersonsLanguage: a card says which languages a
// service is given in with the names of the conversation's language.
func TestLanguagesNamedInThePersonsLanguage(t *testing.T) {
	c := builtin(t)
	e := bot.New(c, store.NewMemory(0), bot.Options{})
	for _, tt := range []struct{ lang, want, not string }{
		{"en", "Finnish", "suomi"},
		{"sv", "finska", "Finnish"},
	} {
		p := c.NewProfile()
		p.Set(c.AreaField(), "pirkanmaa")
		p.Set(c.LanguagesField(), tt.lang)
		var caveats []string
		for _, card := range e.Suggestions(p, tt.lang).Cards {
			caveats = append(caveats, card.Caveats...)
		}
		all := strings.Join(caveats, "\n")
		if !strings.Contains(all, tt.want) || strings.Contains(all, tt.not) {
			t.Errorf("%s: caveats %q, want languages named %q, not %q", tt.lang, all, tt.want, tt.not)
		}
	}
}
