package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/script")

// TestMain lets the scripts run `exec polku …`: testscript puts a copy of
// this test binary named polku on $PATH, and running it calls main, so the
// scripts test the exit codes and messages a person really gets.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"polku": main})
}

// TestScripts runs testdata/script/*.txtar. With -update, a failing
// `cmp stdout want.txt` rewrites want.txt inside the script: review the diff.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		UpdateScripts:       *update,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		// polku check counts the age of catalogue facts from this day, so
		// that the scripts' results do not change with the calendar
		Setup: func(env *testscript.Env) error {
			env.Setenv("POLKU_TODAY", "2026-12-07")
			return nil
		},
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"bytes":       cmdBytes,
			"status":      cmdStatus,
			"basecontent": cmdBaseContent,
			"telegram":    cmdTelegram,
		},
	})
}

// cmdBaseContent writes the small, stable base content (the loader's
// testdata/base) into each directory given, under the files a script
// already wrote there, so scripts need only write what they change:
//
//	basecontent DIR...
func cmdBaseContent(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: basecontent DIR...")
	}
	// go test runs in the package's directory
	base := os.DirFS(filepath.Join("..", "..", "bot", "content", "testdata", "base"))
	for _, dir := range args {
		err := fs.WalkDir(base, ".", func(name string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			p := ts.MkAbs(filepath.Join(dir, filepath.FromSlash(name)))
			if _, err := os.Stat(p); err == nil {
				return nil // the script's own version wins
			}
			data, err := fs.ReadFile(base, name)
			if err != nil {
				return err
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			return os.WriteFile(p, data, 0o644)
		})
		if err != nil {
			ts.Fatalf("basecontent: %v", err)
		}
	}
}

// cmdStatus runs a program like exec and checks its exit status, which
// `exec` and `! exec` cannot tell apart (1 for content errors, 2 for usage):
//
//	status N program [args...]
//
// stdout and stderr can be checked afterwards as after exec.
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! status")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: status N program [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("status: %q is not an exit status", args[0])
	}
	got := 0
	var exit *exec.ExitError
	switch err := ts.Exec(args[1], args[2:]...); {
	case err == nil:
	case errors.As(err, &exit):
		got = exit.ExitCode()
	default:
		ts.Fatalf("%s: %v", args[1], err)
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// cmdBytes writes input no txtar section can hold (NUL bytes, invalid
// UTF-8, a line of 200 000 characters):
//
//	bytes SRC DST
//
// Each line of SRC is a Go string literal, optionally repeated with "* N":
//
//	"1\n"
//	"\xff\xfe a\x00b\n"
//	"x" * 200000
//
// Their values are written to DST one after another; line breaks are only
// those written as \n, so input can end in the middle of a line. Empty lines
// and lines starting with # are skipped.
func cmdBytes(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! bytes")
	}
	if len(args) != 2 {
		ts.Fatalf("usage: bytes SRC DST")
	}
	var b strings.Builder
	for i, line := range strings.Split(ts.ReadFile(args[0]), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, n, err := parseBytesLine(line)
		if err != nil {
			ts.Fatalf("%s:%d: %v", args[0], i+1, err)
		}
		b.WriteString(strings.Repeat(s, n))
	}
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(b.String()), 0o666))
}

// parseBytesLine reads `"text"` or `"text" * N`.
func parseBytesLine(line string) (string, int, error) {
	lit, err := strconv.QuotedPrefix(line)
	if err != nil {
		return "", 0, fmt.Errorf("want a Go string literal: %s", line)
	}
	s, err := strconv.Unquote(lit)
	if err != nil {
		return "", 0, err
	}
	rest := strings.TrimSpace(line[len(lit):])
	if rest == "" {
		return s, 1, nil
	}
	count, ok := strings.CutPrefix(rest, "*")
	n, err := strconv.Atoi(strings.TrimSpace(count))
	if !ok || err != nil || n < 0 {
		return "", 0, fmt.Errorf("want `* N` after the string, got %q", rest)
	}
	return s, n, nil
}

func TestParseBytesLine(t *testing.T) {
	tests := []struct {
		name, in string
		want     string
		n        int
		err      bool
	}{
		{"plain", `"1\n"`, "1\n", 1, false},
		{"bytes", `"\xff\x00"`, "\xff\x00", 1, false},
		{"repeat", `"ab" * 3`, "ab", 3, false},
		{"repeat no spaces", `"x"*2`, "x", 2, false},
		{"not quoted", `abc`, "", 0, true},
		{"bad count", `"x" * many`, "", 0, true},
		{"negative", `"x" * -1`, "", 0, true},
		{"trailing junk", `"x" y`, "", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, n, err := parseBytesLine(tt.in)
			if (err != nil) != tt.err {
				t.Fatalf("parseBytesLine(%q) error = %v, want error %v", tt.in, err, tt.err)
			}
			if s != tt.want || n != tt.n {
				t.Errorf("parseBytesLine(%q) = %q, %d; want %q, %d", tt.in, s, n, tt.want, tt.n)
			}
		})
	}
}

func TestLangFromLocale(t *testing.T) {
	tests := []struct {
		name    string
		locales []string // LC_ALL, LC_MESSAGES, LANG
		want    string
	}{
		{"finnish", []string{"", "", "fi_FI.UTF-8"}, "fi"},
		{"swedish in finland", []string{"", "", "sv_FI.UTF-8"}, "sv"},
		{"no codeset", []string{"", "", "sv_FI"}, "sv"},
		{"language only", []string{"", "", "en"}, "en"},
		{"language and codeset", []string{"", "", "en.UTF-8"}, "en"},
		{"modifier", []string{"", "", "fi_FI@euro"}, "fi"},
		{"modifier without territory", []string{"", "", "sv@euro"}, "sv"},
		{"upper case", []string{"", "", "SV_FI"}, "sv"},
		{"LC_ALL first", []string{"en_GB.UTF-8", "fi_FI.UTF-8", "sv_FI.UTF-8"}, "en"},
		{"LC_MESSAGES before LANG", []string{"", "sv_SE.UTF-8", "fi_FI.UTF-8"}, "sv"},
		{"C is no language", []string{"", "", "C"}, ""},
		{"C.UTF-8 is no language", []string{"", "", "C.UTF-8"}, ""},
		{"POSIX is no language", []string{"", "", "POSIX"}, ""},
		{"C skipped for LANG", []string{"C", "", "sv_FI.UTF-8"}, "sv"},
		{"nothing set", []string{"", "", ""}, ""},
		{"no arguments", nil, ""},
		// The engine falls back to Finnish for a language it does not speak.
		{"other language", []string{"", "", "de_DE.UTF-8"}, "de"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := langFromLocale(tt.locales...); got != tt.want {
				t.Errorf("langFromLocale(%q) = %q, want %q", tt.locales, got, tt.want)
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"success", nil, 0},
		{"usage", usageError{msg: "unknown command"}, 2},
		{"printed usage", usageError{msg: "flag provided but not defined: -x", printed: true}, 2},
		{"wrapped usage", fmt.Errorf("chat: %w", usageError{msg: "bad flag"}), 2},
		{"content errors", errReported, 1},
		{"content error", contentError{errors.New("the content has 1 error")}, 1},
		{"other failure", errors.New("content directory: no such file"), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exitCode(tt.err); got != tt.want {
				t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

// A usage error the flag package printed must not be printed again, and
// must still exit 2.
func TestUsageErrorPrinted(t *testing.T) {
	printed := usageError{msg: "flag provided but not defined: -x", printed: true}
	if !errors.Is(printed, errReported) {
		t.Errorf("errors.Is(%#v, errReported) = false, want true", printed)
	}
	fresh := usageError{msg: "chat takes no arguments"}
	if errors.Is(fresh, errReported) {
		t.Errorf("errors.Is(%#v, errReported) = true, want false", fresh)
	}
}
