package ptv

import (
	"fmt"
	"io"
)

// Write prints the report: a line per entry that is new, updated, kept
// staff edits, skipped or made inactive, then the counts. Unchanged
// entries are only counted.
func (r *Report) Write(w io.Writer) error {
	var err error
	line := func(label string, items []string) {
		for _, it := range items {
			if err == nil {
				_, err = fmt.Fprintf(w, "%s: %s\n", label, it)
			}
		}
	}
	line("new", r.New)
	line("updated", r.Updated)
	line("kept staff edits", r.Kept)
	line("skipped", r.Skipped)
	line("made inactive", r.Inactive)
	line("made active", r.Reactivated)
	line("note", r.Notes)
	if err == nil {
		_, err = fmt.Fprintf(w, "%d new, %d updated, %d unchanged, %d with staff edits kept, %d skipped, %d made inactive\n",
			len(r.New), len(r.Updated), len(r.Unchanged), len(r.Kept), len(r.Skipped), len(r.Inactive))
	}
	return err
}
