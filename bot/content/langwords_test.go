package content

import (
	"fmt"
	"strings"
	"testing"

	"polku"
)

// TestLanguageWords: a language's words switch straight to it, typed as
// the whole message or as a slash word, in any case; a word that is also a
// command word is an error.
func TestLanguageWords(t *testing.T) {
	const en = "{code: en, name: English}"
	c, ds := Load(baseWith(t, "rules/profile.yaml", en, "{code: en, name: English, words: [/english, in english]}"))
	if c == nil {
		t.Fatal(ds)
	}
	for _, text := range []string{"in english", "In English!", "/english", "/English"} {
		cmd, arg, _ := c.ParseCommand(text)
		if cmd == nil || cmd.Name != CmdLanguage || arg != "en" {
			t.Errorf("ParseCommand(%q) = %v, %q; want the language command with en", text, cmd, arg)
		}
	}
	if cmd, _, _ := c.ParseCommand("in english please"); cmd != nil {
		t.Errorf("a longer message is not a language word: got %s", cmd.Name)
	}
	_, ds = Load(baseWith(t, "rules/profile.yaml", en, "{code: en, name: English, words: [/kieli]}"))
	if !strings.Contains(fmt.Sprint(ds), `"/kieli" already switches to the language en`) {
		t.Errorf("a language word that is a command word: %v, want an error", ds)
	}
}

// TestSlashWordsWithLetters: Swedish commands typed with å, ä and ö find
// their a–z slash words.
func TestSlashWordsWithLetters(t *testing.T) {
	c, ds := Load(polku.Content())
	if c == nil {
		t.Fatal(ds)
	}
	for text, want := range map[string]string{"/glöm": CmdForget, "/hjälp": CmdHelp, "/språk": CmdLanguage, "/människa": CmdPerson, "/GLÖM": CmdForget} {
		if cmd, _, _ := c.ParseCommand(text); cmd == nil || cmd.Name != want {
			t.Errorf("ParseCommand(%q) = %v, want %s", text, cmd, want)
		}
	}
}
