package content

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"unicode/utf8"
)

// Severity says whether a diagnostic blocks loading.
type Severity int

const (
	// Error makes the content unusable until it is fixed.
	Error Severity = iota
	// Warning points at something probably unintended; it never blocks a load.
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Pos is a position in a file. Line and Col are 1-based; Col counts characters.
type Pos struct {
	Line, Col int
}

// Range is the part of a file a diagnostic is about.
type Range struct {
	File       string // slash-separated path inside the content directory
	Start, End Pos    // End may be zero when only the start is known
}

// Diagnostic is one problem found in content, written for the staff member
// who has to fix it.
type Diagnostic struct {
	Severity Severity
	Summary  string // what is wrong, one short sentence without a final period
	Detail   string // how to fix it, in whole sentences
	Subject  Range
}

func (d Diagnostic) String() string {
	s := fmt.Sprintf("%s:%d:%d: %s: %s", d.Subject.File, d.Subject.Start.Line, d.Subject.Start.Col, d.Severity, d.Summary)
	if d.Detail != "" {
		s += " — " + d.Detail
	}
	return s
}

// Diagnostics is every problem of one load.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error; warnings never block.
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors counts the errors and warnings.
func (ds Diagnostics) Count() (errs, warnings int) {
	for _, d := range ds {
		if d.Severity == Error {
			errs++
		} else {
			warnings++
		}
	}
	return errs, warnings
}

// Sort orders diagnostics by file, line and column, keeping the order of
// diagnostics at the same place.
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Subject, ds[j].Subject
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Start.Line != b.Start.Line {
			return a.Start.Line < b.Start.Line
		}
		return a.Start.Col < b.Start.Col
	})
}

// Err returns nil when there are no errors, so that no typed nil escapes, and
// otherwise an error listing them.
func (ds Diagnostics) Err() error {
	if !ds.HasErrors() {
		return nil
	}
	return LoadError(ds)
}

// LoadError is returned when content has errors.
type LoadError Diagnostics

func (e LoadError) Error() string {
	var b strings.Builder
	n := 0
	for _, d := range e {
		if d.Severity != Error {
			continue
		}
		if n > 0 {
			b.WriteString("\n")
		}
		b.WriteString(d.String())
		n++
	}
	return b.String()
}

// Write prints diagnostics the way `polku check` shows them: one line per
// problem, then the line of the file it is about with a caret under the
// column. Files are read from fsys; prefix is put before every file name so
// that an editor can open it from the current directory.
func Write(w io.Writer, fsys fs.FS, prefix string, ds Diagnostics) error {
	lines := map[string][]string{}
	bw := bufio.NewWriter(w)
	for _, d := range ds {
		dd := d
		if prefix != "" {
			dd.Subject.File = path.Join(prefix, d.Subject.File)
		}
		fmt.Fprintln(bw, dd.String())
		src, ok := lines[d.Subject.File]
		if !ok && fsys != nil {
			b, err := fs.ReadFile(fsys, d.Subject.File)
			if err == nil {
				src = strings.Split(string(b), "\n")
			}
			lines[d.Subject.File] = src
		}
		l := d.Subject.Start.Line
		if l < 1 || l > len(src) {
			continue
		}
		line := strings.TrimRight(src[l-1], "\r")
		if !utf8.ValidString(line) || strings.TrimSpace(line) == "" {
			continue
		}
		fmt.Fprintf(bw, "    %s\n", strings.ReplaceAll(line, "\t", " "))
		col := d.Subject.Start.Col
		if col < 1 {
			col = 1
		}
		if n := utf8.RuneCountInString(line); col > n+1 {
			col = n + 1
		}
		width := 1
		if e := d.Subject.End; e.Line == l && e.Col > col {
			width = e.Col - col
		}
		fmt.Fprintf(bw, "    %s%s\n", strings.Repeat(" ", col-1), strings.Repeat("^", width))
	}
	return bw.Flush()
}
