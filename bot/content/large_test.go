package content_test

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"polku"
	"polku/bot/content"
	"polku/bot/content/contenttest"
)

// largeFS is the small test content with a catalogue of services services
// and rules rules added: generated, not checked in, the size a national
// directory import (Suomi.fi, HSDS) could bring. Services spread over the
// kinds, areas, languages and tags; rules test every kind of condition.
// The catalogue is one file, or split into files as staff would keep a
// large one (by area, by organisation).
func largeFS(tb testing.TB, services, rules, files int) fstest.MapFS {
	tb.Helper()
	fsys := contenttest.BaseFS(tb)
	kinds := []string{"ohjaamo", "ngo_activity", "employment_services"}
	areas := []string{"helsinki", "pirkanmaa", "lappi", "koko-suomi"}
	var b strings.Builder
	b.WriteString("organizations:\n  - id: big-org\n    name: Iso järjestö\n    url: https://example.org\nservices:\n")
	for i := range services {
		fmt.Fprintf(&b, `  - id: gen-%d
    name: {fi: Palvelu %d, en: Service %d}
    organization: big-org
    kind: %s
    areas: [%s]
    languages: [%s]
    url: https://example.org/%d
    description: {fi: Kuvaus %d., en: Description %d.}
    how_to_start: {fi: Soita., en: Call.}
    tags: [tag-%d, group-%d]
    source: https://example.org
    checked: 2026-11-01
`, i, i, i, kinds[i%len(kinds)], areas[i%len(areas)], map[bool]string{true: "fi, en", false: "fi"}[i%3 == 0], i, i, i, i%100, i%10)
		if i%7 == 0 {
			fmt.Fprintf(&b, "    eligible: not known(age) or age < %d\n    eligibility: {fi: Alle %d-vuotiaille., en: Under %d.}\n", 20+i%40, 20+i%40, 20+i%40)
		}
	}
	fsys["rules/services/generated.yaml"] = &fstest.MapFile{Data: []byte(b.String())}
	if files > 1 {
		splitServices(fsys, "rules/services/generated.yaml", files)
	}
	conds := []string{
		`pace == "part_time"`, `"work" in wants`, `area == "lappi" and known(age) and age > 25`,
		`not has_helper`, `any(wants, # in ["study", "company"])`, `pace != "full_time" or area == "helsinki"`,
	}
	var r strings.Builder
	r.WriteString("rules:\n")
	for i := range rules {
		fmt.Fprintf(&r, "  - id: gen-rule-%d\n    when: '%s'\n    suggest: {tags: [tag-%d]}\n    score: %d\n    because: {fi: \"Sanoit: {pace}.\", en: \"You said: {pace}.\"}\n",
			i, conds[i%len(conds)], i%100, 1+i%3)
	}
	fsys["rules/generated-rules.yaml"] = &fstest.MapFile{Data: []byte(r.String())}
	return fsys
}

func loadLarge(tb testing.TB) *content.Content {
	tb.Helper()
	c, ds := content.Load(largeFS(tb, 10_000, 1_000, 1))
	if c == nil || ds.HasErrors() {
		tb.Fatalf("the large content does not load:\n%v", ds)
	}
	return c
}

// TestLargeContent: a generated catalogue loads and checks, and ranking
// finds services for a profile. (A tenth of the benchmarks' size, so that
// the race detector's run stays short.)
func TestLargeContent(t *testing.T) {
	c, ds := content.Load(largeFS(t, 1_000, 100, 3))
	if c == nil || ds.HasErrors() {
		t.Fatalf("the generated content does not load:\n%v", ds)
	}
	if len(c.Services) < 1_000 || len(c.Rules) < 100 {
		t.Fatalf("%d services, %d rules", len(c.Services), len(c.Rules))
	}
	if res := c.Suggest(fullProfile(c), "fi"); len(res.Suggestions) == 0 {
		t.Fatal("no suggestions")
	}
}

// fullProfile answers every question: the first value of each.
func fullProfile(c *content.Content) *content.Profile {
	p := c.NewProfile()
	for _, f := range c.Fields {
		switch {
		case f.Type == content.Int:
			p.Set(f, "28")
		case f.Enum():
			p.Set(f, f.Values[len(f.Values)-1])
		case f.Type == content.Bool:
			p.Set(f, "false")
		}
	}
	return p
}

// BenchmarkLoadLarge loads and checks 10,000 services and 1,000 rules.
func BenchmarkLoadLarge(b *testing.B) {
	for _, files := range []int{1, 20} {
		b.Run(fmt.Sprintf("files=%d", files), func(b *testing.B) {
			fsys := largeFS(b, 10_000, 1_000, files)
			b.ReportAllocs()
			for b.Loop() {
				if c, ds := content.Load(fsys); c == nil {
					b.Fatal(ds)
				}
			}
		})
	}
}

// splitServices moves the services of the catalogue file name into n
// files; the organisations stay in the first.
func splitServices(fsys fstest.MapFS, name string, n int) {
	head, items, _ := strings.Cut(string(fsys[name].Data), "services:\n")
	parts := strings.SplitAfter(items, "\n  - id: ")
	// SplitAfter leaves each "  - id: " at the end of the part before
	entries := make([]string, 0, len(parts))
	for i, p := range parts {
		if i > 0 {
			p = "  - id: " + p
		}
		entries = append(entries, strings.TrimSuffix(p, "\n  - id: ")+"\n")
	}
	per := (len(entries) + n - 1) / n
	for i := range n {
		chunk := entries[min(i*per, len(entries)):min((i+1)*per, len(entries))]
		data := "services:\n" + strings.Join(chunk, "")
		if i == 0 {
			data = head + data
		}
		fsys[fmt.Sprintf("rules/services/generated-%02d.yaml", i)] = &fstest.MapFile{Data: []byte(data)}
	}
	delete(fsys, name)
}

// BenchmarkSuggestLarge ranks 10,000 services with 1,000 rules for one
// profile.
func BenchmarkSuggestLarge(b *testing.B) {
	c := loadLarge(b)
	p := fullProfile(c)
	b.ReportAllocs()
	for b.Loop() {
		if res := c.SuggestTop(p, "fi", 5); len(res.Suggestions) == 0 {
			b.Fatal("no suggestions")
		}
	}
}

// TestSuggestTop: the best n are the first n of the whole ranking, with
// the same reasons, for many profiles of the built-in and a generated
// content.
func TestSuggestTop(t *testing.T) {
	for name, fsys := range map[string]fs.FS{"built-in": polku.Content(), "generated": largeFS(t, 2_000, 200, 1)} {
		c, ds := content.Load(fsys)
		if c == nil {
			t.Fatalf("%s: %v", name, ds)
		}
		rng := rand.New(rand.NewPCG(7, 7))
		for range 300 {
			p := c.NewProfile()
			for _, f := range c.Fields {
				switch {
				case rng.IntN(4) == 0: // not answered
				case f.Type == content.Int:
					p.Set(f, fmt.Sprint(15+rng.IntN(60)))
				case f.Type == content.Bool:
					p.Set(f, fmt.Sprint(rng.IntN(2) == 0))
				case f.Enum():
					p.Set(f, f.Values[rng.IntN(len(f.Values))])
				}
			}
			all := c.Suggest(p, "fi")
			for _, n := range []int{0, 1, 5} {
				top := c.SuggestTop(p, "fi", n)
				if top.Total != len(all.Suggestions) || all.Total != len(all.Suggestions) {
					t.Fatalf("%s: Total %d / %d, want %d", name, top.Total, all.Total, len(all.Suggestions))
				}
				want := all.Suggestions[:min(n, len(all.Suggestions))]
				if len(top.Suggestions) != len(want) {
					t.Fatalf("%s: %d best, want %d", name, len(top.Suggestions), len(want))
				}
				for i := range want {
					g, w := top.Suggestions[i], want[i]
					if g.Service != w.Service || g.Score != w.Score || !slices.Equal(g.Rules, w.Rules) || g.OtherLanguage != w.OtherLanguage || !slices.Equal(g.Unsure, w.Unsure) {
						t.Fatalf("%s: best %d = %s %d %d rules, want %s %d %d rules", name, i, g.Service.ID, g.Score, len(g.Rules), w.Service.ID, w.Score, len(w.Rules))
					}
				}
			}
		}
	}
}
