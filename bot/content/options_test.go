package content

import (
	"fmt"
	"strings"
	"testing"
)

// TestExclusiveOptionKey: exclusive is read on a multiple choice and
// refused on a single one.
func TestExclusiveOptionKey(t *testing.T) {
	const flow = "flows/jobseeker.yaml"
	c, ds := Load(baseWith(t, flow, "{value: company, label:", "{value: company, exclusive: true, label:"))
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
	_, ds = Load(baseWith(t, flow, "{value: part_time, label:", "{value: part_time, exclusive: true, label:"))
	if !strings.Contains(fmt.Sprint(ds), "Only an option of a multiple choice can be exclusive") {
		t.Errorf("exclusive on a single choice: %v, want an error", ds)
	}
}
