package content

import (
	"io"
	"io/fs"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/tools/txtar"

	"polku"
)

// fuzzTargets are the files a fuzzed file may replace: every file of the
// base content, and new files in each folder. The first byte of the input
// chooses one.
func fuzzTargets(base fstest.MapFS) []string {
	targets := slices.Sorted(maps.Keys(base))
	return append(targets, "flows/extra.yaml", "rules/extra.yaml", "rules/services/extra.yaml")
}

// fuzzTarget returns the index in targets for a file of another content
// directory: the same path, or a new file in the same folder.
func fuzzTarget(targets []string, name string) byte {
	if i := slices.Index(targets, name); i >= 0 {
		return byte(i)
	}
	extra := path.Join(path.Dir(name), "extra.yaml")
	if i := slices.Index(targets, extra); i >= 0 {
		return byte(i)
	}
	return byte(len(targets) - 1)
}

// checkDiags fails the test for a diagnostic that is an internal error (a
// recovered panic) or has no place to point at.
func checkDiags(t *testing.T, fsys fs.FS, ds Diagnostics) {
	t.Helper()
	for _, d := range ds {
		if strings.Contains(d.Summary, "internal error") {
			t.Fatalf("Load panicked: %v", d)
		}
		if d.Subject.File == "" || d.Subject.Start.Line < 1 || d.Subject.Start.Col < 1 {
			t.Errorf("diagnostic without a position: %v", d)
		}
		if d.Summary == "" {
			t.Errorf("diagnostic without a summary: %v", d)
		}
	}
	// what polku check prints must not fail either
	if err := Write(io.Discard, fsys, "content", ds); err != nil {
		t.Errorf("Write: %v", err)
	}
}

// useContent runs what a conversation does with freshly loaded content.
func useContent(t *testing.T, c *Content) {
	t.Helper()
	if c.Start == nil {
		t.Fatalf("Load returned content without a start flow")
	}
	w := c.Replay(c.Start, nil)
	if w.Flow != c.Start || w.Profile == nil {
		t.Errorf("Replay(start, nil) = flow %v, profile %v", w.Flow, w.Profile)
	}
	for _, l := range append(c.Languages, Language{Code: "xx"}) {
		c.Suggest(c.NewProfile(), l.Code)
		c.Suggest(w.Profile, l.Code)
	}
}

func FuzzLoad(f *testing.F) {
	base := baseFS(f)
	targets := fuzzTargets(base)
	if len(targets) > 255 {
		f.Fatalf("%d targets do not fit in a byte", len(targets))
	}
	// seeds: every file of the built-in content and of the base content
	embedded := polku.Content()
	err := fs.WalkDir(embedded, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(embedded, p)
		if err != nil {
			return err
		}
		f.Add(append([]byte{fuzzTarget(targets, p)}, b...))
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	for i, name := range targets[:len(base)] {
		f.Add(append([]byte{byte(i)}, base[name].Data...))
	}
	// and every file of the broken cases
	cases, _ := filepath.Glob("testdata/broken/*.txtar")
	if len(cases) == 0 {
		f.Fatal("no testdata/broken/*.txtar")
	}
	for _, file := range cases {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, af := range ar.Files {
			f.Add(append([]byte{fuzzTarget(targets, af.Name)}, af.Data...))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		fsys := maps.Clone(base)
		fsys[targets[int(data[0])%len(targets)]] = &fstest.MapFile{Data: data[1:]}
		c, ds := Load(fsys)
		checkDiags(t, fsys, ds)
		if ds.HasErrors() {
			if c != nil {
				t.Fatalf("Load returned content despite errors:\n%v", ds)
			}
			return
		}
		if c == nil {
			t.Fatalf("Load returned no content and no error:\n%v", ds)
		}
		useContent(t, c)
	})
}

// exprSeeds collects every when, if and eligible of a content directory.
func exprSeeds(t testing.TB, fsys fs.FS) []string {
	var out []string
	var walk func(n *node)
	walk = func(n *node) {
		if n == nil {
			return
		}
		for i, k := range n.keys {
			if v := n.vals[i]; v.kind == scalarNode && (k.value == "when" || k.value == "if" || k.value == "eligible") {
				out = append(out, v.value)
			}
			walk(n.vals[i])
		}
		for _, item := range n.items {
			walk(item)
		}
	}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".yaml" {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		root, _ := parseYAML(p, b)
		walk(root)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fullProfiles answer every field of the base profile, in different ways.
var fullProfiles = []answers{
	{"wants": "work,study", "pace": "part_time", "area": "lappi", "age": "25", "has_helper": "true"},
	{"wants": "company", "pace": "few_hours_week", "area": "helsinki", "age": "45", "has_helper": "false"},
	{"wants": "study,company,work", "pace": "full_time", "area": "pirkanmaa", "age": "15", "has_helper": "false"},
}

func FuzzExpr(f *testing.F) {
	base := baseFS(f)
	seeds := append(exprSeeds(f, polku.Content()), exprSeeds(f, base)...)
	if len(seeds) < 3 {
		f.Fatalf("found %d expressions in the content, want more", len(seeds))
	}
	seeds = append(seeds,
		`not known(age) or age < 30`,
		`any(wants, # in ["work", "study"]) and len(wants) >= 2`,
		`(has_helper ? age : 20) / (age - 25) > 1.5 ?? false`,
		`none([age >= 30, has_helper], #) or 30 in [age, 30]`,
		`lower(trim(pace)) matches "^part" and pace startsWith "p" or pace endsWith "e" or pace contains "_"`,
		`count(wants, one(wants, # == "work")) % 2 == 1 and -age < 0`,
		`[age, 1] != [30, 1] || "a" + "b" == "ab" && !(age <= 3)`,
	)
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		fsys := maps.Clone(base)
		fsys["rules/probe.yaml"] = probeFile(yamlQuote(src))
		c, ds := Load(fsys)
		checkDiags(t, fsys, ds)
		if c == nil {
			if !ds.HasErrors() {
				t.Fatalf("Load returned no content and no error:\n%v", ds)
			}
			return
		}
		var e *Expr
		for _, r := range c.Rules {
			if r.ID == probeRule {
				e = r.When
			}
		}
		if e == nil {
			t.Fatalf("when: %q compiled to nothing without an error", src)
		}
		empty := e.Eval(c.NewProfile())
		// Knowing more can only settle an unknown: a condition true or
		// false with nothing known stays so whatever the answers, unless
		// it asks what is known (known, ??).
		monotone := !strings.Contains(src, "known") && !strings.Contains(src, "??")
		for _, set := range fullProfiles {
			full := e.Eval(profile(t, c, set))
			if monotone && empty != Unknown && full != empty {
				t.Errorf("Eval(%q) = %v with nothing known but %v with %v", src, empty, full, set)
			}
		}
	})
}
