package content

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"unicode/utf8"
)

// crisisContent is the base content with flows/crisis.yaml replaced.
func crisisContent(t *testing.T, file string) (*Content, Diagnostics) {
	t.Helper()
	fsys := maps.Clone(baseFS(t))
	fsys["flows/crisis.yaml"].Data = []byte(file)
	return Load(fsys)
}

func TestCrisisMatch(t *testing.T) {
	c, ds := crisisContent(t, `phrases:
  - lang: fi
    match: [haluan kuolla, "itsemurh*", "haluan … elää", en jaksa enää]
    except: ["kuol* nauru*"]
  - lang: en
    match: [dont want to live, kms]
    except: [cut myself a]
`)
	if c == nil || len(ds) > 0 {
		t.Fatalf("Load: %v", ds)
	}
	if n := c.Crisis.Phrases(); n != 6 {
		t.Errorf("Phrases() = %d, want 6", n)
	}
	tests := []struct {
		text string
		lang string // "" for no match
	}{
		{"haluan kuolla", "fi"},
		{"HALUAN KUOLLA!!!", "fi"},
		{"no mä haluan kuolla, ihan oikeesti", "fi"},
		{"en jaksa enaa", "fi"},                 // without ä
		{"en  jaksa\n\tenää", "fi"},             // any white space
		{"en jaksa, enää.", "fi"},               // punctuation between words
		{"itsemurha-ajatuksia", "fi"},           // a * word, hyphen
		{"mietin itsemurhaa", "fi"},             // inflected
		{"haluan vain elää", "fi"},              // … lets one word come between
		{"haluan niin kovin paljon elää", "fi"}, // and three
		{"I don't want to live", "en"},          // the apostrophe is dropped
		{"I don’t want to live", "en"},          // a typographic one too
		{"kms", "en"},
		{"haluan kuolla nauruun", ""},               // the look-alike shares "kuolla"
		{"haluan kuulla", ""},                       // one letter off is another word
		{"haluan niin kovin kovin paljon elää", ""}, // four words between are too many
		{"itse murha", ""},                          // two words are not the * word
		{"en jaksa", ""},
		{"kmsx", ""}, // a word without * is the whole word
		{"", ""},
		{"   ", ""},
	}
	for _, tt := range tests {
		lang, ok := c.Crisis.Match(tt.text)
		if ok != (tt.lang != "") || lang != tt.lang {
			t.Errorf("Match(%q) = %q, %v; want %q", tt.text, lang, ok, tt.lang)
		}
	}
	var none *Crisis
	if _, ok := none.Match("haluan kuolla"); ok {
		t.Error("a nil Crisis matched")
	}
}

func TestCrisisDiagnostics(t *testing.T) {
	tests := []struct {
		name, file string
		want       string // in the one diagnostic's summary
	}{
		{"gap first", "phrases:\n  - lang: fi\n    match: [… kuolla]\n", "cannot start with …"},
		{"gap last", "phrases:\n  - lang: fi\n    match: [haluan …]\n", "cannot end with …"},
		{"short stem", "phrases:\n  - lang: fi\n    match: [\"kuo*\"]\n", "too short a beginning"},
		{"star inside", "phrases:\n  - lang: fi\n    match: [\"ku*olla\"]\n", "is not one word"},
		{"only punctuation", "phrases:\n  - lang: fi\n    match: [\"!!\"]\n", "is not one word"},
		{"empty", "phrases:\n  - lang: fi\n    match: [\"  \"]\n", "The phrase is empty"},
		{"twice", "phrases:\n  - lang: fi\n    match: [haluan kuolla, HALUAN  KUOLLA]\n", "listed twice"},
		{"unknown language", "phrases:\n  - lang: fin\n    match: [haluan kuolla]\n", `No text is in "fin"`},
		{"no match key", "phrases:\n  - lang: fi\n", "match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ds := crisisContent(t, tt.file)
			var found []string
			for _, d := range ds {
				if d.Subject.File == "flows/crisis.yaml" {
					found = append(found, d.Summary)
				}
			}
			if len(found) != 1 || !strings.Contains(found[0], tt.want) {
				t.Errorf("diagnostics on flows/crisis.yaml = %q, want one about %q", found, tt.want)
			}
		})
	}
	// and a content without the file is warned about, not refused
	fsys := maps.Clone(baseFS(t))
	delete(fsys, "flows/crisis.yaml")
	c, ds := Load(fsys)
	if c == nil || c.Crisis != nil || !strings.Contains(fmt.Sprint(ds), "There is no flows/crisis.yaml") {
		t.Errorf("without flows/crisis.yaml: content %v, diagnostics %v; want it loaded, with a warning", c != nil, ds)
	}
}

// FuzzCrisisMatch checks, on any typed text, that matching never fails and
// does not depend on case, ä/a, or other words around the phrase.
func FuzzCrisisMatch(f *testing.F) {
	c, ds := Load(baseFS(f))
	if c == nil || c.Crisis == nil {
		f.Fatal(ds)
	}
	for _, s := range []string{"haluan kuolla", "EN JAKSA ENÄÄ", "itsemurha", "haluan kuolla nauruun", "I want to die", "", "ä", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		lang, ok := c.Crisis.Match(text)
		if ok != (lang != "") {
			t.Fatalf("Match(%q) = %q, %v", text, lang, ok)
		}
		low := strings.ToLower(text)
		if _, lowOK := c.Crisis.Match(low); lowOK != ok && utf8.RuneCountInString(low) == utf8.RuneCountInString(text) {
			t.Errorf("Match(%q) = %v but Match of its lower case = %v", text, ok, lowOK)
		}
		if ok {
			if _, around := c.Crisis.Match("a " + text + " b"); !around {
				t.Errorf("Match(%q) found a phrase, but not with words around it", text)
			}
		}
	})
}
