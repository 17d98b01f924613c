package content

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestKindFreshness: a kind without sources is warned about, and one whose
// sources were read longer ago than the limit is due for another look.
func TestKindFreshness(t *testing.T) {
	c, ds := Load(baseWith(t, "rules/kinds.yaml", "  - id: ngo_activity\n",
		"  - id: ngo_activity\n    sources: [https://example.fi/jarjestot]\n    checked: 2025-01-15\n"))
	if c == nil {
		t.Fatal(ds)
	}
	today := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	got := fmt.Sprint(c.Freshness(today, Age{N: 12, Unit: "mo"}))
	for _, want := range []string{
		`The kind "ohjaamo" has no sources`,
		`The kind "ngo_activity" was last checked 2025-01-15, 22 months ago`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Freshness = %s\nwant %q", got, want)
		}
	}
	if strings.Contains(got, `"ngo_activity" has no sources`) {
		t.Errorf("a kind with sources is reported without: %s", got)
	}
	if got := fmt.Sprint(c.Freshness(today, Age{N: 3, Unit: "y"})); strings.Contains(got, "ngo_activity") {
		t.Errorf("within three years ngo_activity is not due: %s", got)
	}
}
