package content

import (
	"fmt"
	"strings"
	"testing"
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
