package content_test

import (
	"testing"

	"polku"
	"polku/bot/content"
)

// BenchmarkLoad reads, checks and compiles the built-in content: the cost
// of a start and of every reload.
func BenchmarkLoad(b *testing.B) {
	fsys := polku.Content()
	b.ReportAllocs()
	for b.Loop() {
		if c, ds := content.Load(fsys); c == nil {
			b.Fatal(ds)
		}
	}
}

// BenchmarkSuggest ranks the catalogue for a profile with every question
// answered.
func BenchmarkSuggest(b *testing.B) {
	c, ds := content.Load(polku.Content())
	if c == nil {
		b.Fatal(ds)
	}
	p := c.NewProfile()
	for _, f := range c.Fields {
		switch {
		case f.Type == content.Int:
			p.Set(f, "24")
		case f.Enum():
			p.Set(f, f.Values[0])
		case f.Type == content.Bool:
			p.Set(f, "true")
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if res := c.Suggest(p, "fi"); len(res.Suggestions) == 0 {
			b.Fatal("no suggestions")
		}
	}
}
