package content

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"polku"
	"polku/bot/content/contenttest"
)

// TestSchemaFilesAreCurrent: the schemas in schema/ are what the format
// description generates; run with -update after changing the format.
func TestSchemaFilesAreCurrent(t *testing.T) {
	for _, sf := range SchemaFiles {
		file := filepath.Join("..", "..", "schema", sf.Name)
		got := sf.Schema()
		if *update {
			if err := os.WriteFile(file, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run go test ./bot/content -update)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what the format generates; run go test ./bot/content -update and commit it", file)
		}
	}
}

func compileSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	out := map[string]*jsonschema.Schema{}
	for _, sf := range SchemaFiles {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(sf.Schema()))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource(sf.Name, doc); err != nil {
			t.Fatal(err)
		}
		s, err := c.Compile(sf.Name)
		if err != nil {
			t.Fatalf("%s does not compile as a JSON Schema: %v", sf.Name, err)
		}
		out[sf.Name] = s
	}
	return out
}

// schemaFor says which schema applies to a content file, as the
// yaml-language-server lines in the files say.
func schemaFor(p string) string {
	switch {
	case p == "rules/profile.yaml":
		return "profile.json"
	case p == "rules/kinds.yaml":
		return "kinds.json"
	case strings.HasPrefix(p, "rules/services/"):
		return "services.json"
	case strings.HasPrefix(p, "rules/places/"):
		return "places.json"
	case strings.HasPrefix(p, "rules/"):
		return "rules.json"
	case p == "flows/messages.yaml":
		return "messages.json"
	case p == "flows/style.yaml":
		return "style.json"
	case p == "flows/crisis.yaml":
		return "crisis.json"
	case strings.HasPrefix(p, "flows/"):
		return "flow.json"
	case strings.HasPrefix(p, "tests/"):
		return "tests.json"
	}
	return ""
}

// asJSON reads YAML the way an editor's schema check sees it: as JSON
// values.
func asJSON(t *testing.T, src []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(src, &v); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestContentMatchesSchemas validates every file of the built-in and the
// base test content against its schema with a JSON Schema validator, and
// checks that each built-in file names its schema for the editor.
func TestContentMatchesSchemas(t *testing.T) {
	schemas := compileSchemas(t)
	for name, fsys := range map[string]fs.FS{"built-in": polku.Content(), "base": contenttest.BaseFS(t)} {
		n := 0
		err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || path.Ext(p) != ".yaml" {
				return err
			}
			which := schemaFor(p)
			if which == "" {
				t.Errorf("%s %s: no schema says what it is", name, p)
				return nil
			}
			src, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			n++
			if err := schemas[which].Validate(asJSON(t, src)); err != nil {
				t.Errorf("%s %s does not match %s:\n%v", name, p, which, err)
			}
			if name == "built-in" {
				want := "# yaml-language-server: $schema=" + strings.Repeat("../", strings.Count(p, "/")) + "schema/" + which
				if first, _, _ := strings.Cut(string(src), "\n"); first != want {
					t.Errorf("%s begins %q, want %q", p, first, want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n < 6 {
			t.Errorf("%s: only %d files validated", name, n)
		}
	}
}

// TestSchemasRefuseMistakes: the validator does find what the schemas
// forbid, so the test above could fail.
func TestSchemasRefuseMistakes(t *testing.T) {
	schemas := compileSchemas(t)
	tests := []struct{ schema, yaml string }{
		{"flow.json", "flow: x\nsteps:\n  - id: a\n    text: {fi: A}\n    nxet: end\n"},
		{"flow.json", "flow: x\nsteps:\n  - id: a\n    text: hello\n"},
		{"flow.json", "flow: Bad Id\nsteps: []\n"},
		{"profile.json", "languages: [fi]\nfields:\n  pace: {type: text, label: {fi: Tahti}}\n"},
		{"services.json", "services:\n  - id: s\n    name: S\n    url: example.org\n"},
		{"rules.json", "rules:\n  - id: r\n    suggest: {kind: [x]}\n    because: {fi: x}\n"},
		{"messages.json", "messages: {}\ncommands: {}\n"},
		{"tests.json", "tests:\n  - name: t\n    answers: [{click: x}]\n    expect: {}\n"},
	}
	for _, tt := range tests {
		if err := schemas[tt.schema].Validate(asJSON(t, []byte(tt.yaml))); err == nil {
			t.Errorf("%s accepts:\n%s", tt.schema, tt.yaml)
		}
	}
}
