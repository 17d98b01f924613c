package content

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"testing/fstest"
)

// TestCheckIf: check_if marks a service whose limit falls inside the
// person's answer; it needs an eligibility text to show.
func TestCheckIf(t *testing.T) {
	fsys := maps.Clone(baseFS(t))
	var file, svc string
	for name, f := range fsys {
		if strings.HasPrefix(name, "rules/services/") && strings.Contains(string(f.Data), "eligibility:") {
			file = name
			break
		}
	}
	if file == "" {
		t.Fatal("the base catalogue has no service with an eligibility text")
	}
	data := string(fsys[file].Data)
	i := strings.Index(data, "eligibility:")
	indent := data[strings.LastIndex(data[:i], "\n")+1 : i]
	svc = data[:i] + "check_if: age >= 29\n" + indent + data[i:]
	fsys[file] = &fstest.MapFile{Data: []byte(svc)}
	c, ds := Load(fsys)
	if c == nil {
		t.Fatalf("check_if with an eligibility text: %v", ds)
	}
	var marked *Service
	for _, s := range c.Services {
		if s.CheckIf != nil {
			marked = s
		}
	}
	if marked == nil {
		t.Fatal("no service has check_if")
	}
	p := c.NewProfile()
	if got := marked.CheckIf.Eval(p); got != Unknown {
		t.Errorf("check_if with the age not known = %v, want unknown", got)
	}
	p.Set(c.Field("age"), "29")
	if got := marked.CheckIf.Eval(p); got != True {
		t.Errorf("check_if with the age known = %v, want true", got)
	}

	// without an eligibility text there is nothing to check: an error
	noText := strings.Replace(svc, "eligibility:", "description_not:", 1)
	fsys[file] = &fstest.MapFile{Data: []byte(noText)}
	if _, ds := Load(fsys); !strings.Contains(fmt.Sprint(ds), "check_if but no eligibility text") {
		t.Errorf("check_if without eligibility: %v", ds)
	}
}
