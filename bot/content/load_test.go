package content

import (
	"bytes"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/tools/txtar"

	"polku/bot/content/contenttest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// baseFS is a small valid content directory that the broken cases change.
func baseFS(t testing.TB) fstest.MapFS { return contenttest.BaseFS(t) }

func TestLoadBase(t *testing.T) {
	c, ds := Load(baseFS(t))
	if len(ds) > 0 {
		t.Errorf("Load(testdata/base) reported problems:\n%v", ds)
	}
	if c == nil {
		t.Fatal("Load(testdata/base) = nil content")
	}
	if got := len(c.Services); got != 5 {
		t.Errorf("services = %d, want 5", got)
	}
	if c.Start == nil || c.Start.ID != "jobseeker" {
		t.Errorf("start flow = %v, want jobseeker", c.Start)
	}
}

// TestBroken loads each testdata/broken/*.txtar — files that replace or
// remove files of the base content — and compares what `polku check` would
// print with the .diag golden next to it. Run with -update to rewrite the
// goldens, then review the diff.
func TestBroken(t *testing.T) {
	cases, _ := filepath.Glob("testdata/broken/*.txtar")
	if len(cases) < 15 {
		t.Fatalf("found %d broken cases, want at least 15", len(cases))
	}
	for _, file := range cases {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			fsys := baseFS(t)
			for _, line := range strings.Split(string(ar.Comment), "\n") {
				if p, ok := strings.CutPrefix(line, "rm "); ok {
					delete(fsys, strings.TrimSpace(p))
				}
			}
			for _, f := range ar.Files {
				fsys[f.Name] = &fstest.MapFile{Data: f.Data}
			}
			c, ds := Load(fsys)
			if !ds.HasErrors() && !strings.Contains(string(ar.Comment), "warnings only") {
				t.Errorf("Load found no error")
			}
			if ds.HasErrors() && c != nil {
				t.Errorf("Load returned content despite errors")
			}
			for _, d := range ds {
				if d.Subject.File == "" || d.Subject.Start.Line < 1 || d.Subject.Start.Col < 1 {
					t.Errorf("diagnostic without a position: %v", d)
				}
				if strings.Contains(d.Summary, "internal error") {
					t.Errorf("internal error: %v", d)
				}
			}
			var buf bytes.Buffer
			if err := Write(&buf, fsys, "", ds); err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(file, ".txtar") + ".diag"
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got := buf.String(); got != string(want) {
				t.Errorf("diagnostics differ from %s (run go test -update and review the diff)\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
		})
	}
}

// baseWith is the base content with old replaced by new in one file.
func baseWith(t *testing.T, file, old, new string) fstest.MapFS {
	t.Helper()
	fsys := maps.Clone(baseFS(t))
	data := string(fsys[file].Data)
	if !strings.Contains(data, old) {
		t.Fatalf("the base %s has no %q to replace", file, old)
	}
	fsys[file] = &fstest.MapFile{Data: []byte(strings.Replace(data, old, new, 1))}
	return fsys
}
