package content

import (
	"fmt"
	"maps"
	"strings"
	"testing"
	"testing/fstest"
)

// TestExclusiveOptionKey: exclusive is read on a multiple choice and
// refused on a single one.
func TestExclusiveOptionKey(t *testing.T) {
	fsys := maps.Clone(baseFS(t))
	flow := string(fsys["flows/jobseeker.yaml"].Data)
	multi := strings.Replace(flow, "{value: company, label:", "{value: company, exclusive: true, label:", 1)
	single := strings.Replace(flow, "{value: part_time, label:", "{value: part_time, exclusive: true, label:", 1)
	if multi == flow || single == flow {
		t.Fatal("the base flow changed: no option to mark")
	}
	fsys["flows/jobseeker.yaml"] = &fstest.MapFile{Data: []byte(multi)}
	c, ds := Load(fsys)
	if c == nil {
		t.Fatalf("exclusive on a multiple choice: %v", ds)
	}
	var marked []string
	for _, o := range c.Flow("jobseeker").Step("wants").Options {
		if o.Exclusive {
			marked = append(marked, o.Value)
		}
	}
	if len(marked) != 1 || marked[0] != "company" {
		t.Errorf("exclusive options of wants = %v, want company", marked)
	}
	fsys["flows/jobseeker.yaml"] = &fstest.MapFile{Data: []byte(single)}
	if _, ds := Load(fsys); !strings.Contains(fmt.Sprint(ds), "Only an option of a multiple choice can be exclusive") {
		t.Errorf("exclusive on a single choice: %v, want an error", ds)
	}
}
