package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"polku/bot/content/contenttest"
)

// contentDir writes the base content into a fresh directory that the test may edit.
func contentDir(t *testing.T) string { return contenttest.BaseDir(t) }

// editFile replaces old with new in dir's file name, which must hold it.
func editFile(t *testing.T, dir, name, old, new string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %q", name, old)
	}
	if err := os.WriteFile(p, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// output is a writer that a test can wait on until some text appears.
type output struct {
	mu      sync.Mutex
	b       bytes.Buffer
	written chan struct{} // a token after each write
}

func newOutput() *output { return &output{written: make(chan struct{}, 1)} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	select {
	case o.written <- struct{}{}:
	default:
	}
	return o.b.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// waitFor returns once want has been written. The limit only turns a hang
// into a failure that shows what was written; nothing waits for it.
func (o *output) waitFor(t *testing.T, want string) {
	t.Helper()
	limit := time.After(20 * time.Second)
	for !strings.Contains(o.String(), want) {
		select {
		case <-o.written:
		case <-limit:
			t.Fatalf("waited 20 s for %q; got:\n%s", want, o.String())
		}
	}
}

// chatSession is polku chat running in-process, with a pipe for the
// person's keyboard.
type chatSession struct {
	t              *testing.T
	in             *io.PipeWriter
	stdout, stderr *output
	done           chan struct{} // closed when run has returned err
	err            error
}

func startChat(t *testing.T, args ...string) *chatSession {
	t.Helper()
	r, w := io.Pipe()
	s := &chatSession{t: t, in: w, stdout: newOutput(), stderr: newOutput(), done: make(chan struct{})}
	go func() {
		s.err = run(t.Context(), append([]string{"polku", "chat", "--lang", "en"}, args...), mapEnv(nil), r, s.stdout, s.stderr)
		r.Close()
		close(s.done)
	}()
	// a test that fails half-way still ends the chat and waits for it
	t.Cleanup(func() { w.Close(); <-s.done })
	return s
}

// say types a line; it returns once the console has read it.
func (s *chatSession) say(line string) {
	s.t.Helper()
	if _, err := io.WriteString(s.in, line+"\n"); err != nil {
		s.t.Fatalf("typing %q: %v", line, err)
	}
}

// end closes the input, as Ctrl-D does, and returns polku chat's result.
func (s *chatSession) end() error {
	s.in.Close()
	<-s.done
	return s.err
}

// fakeHangup makes polku chat take SIGHUP from the returned channel
// instead of from the process, for the duration of the test.
func fakeHangup(t *testing.T) chan<- os.Signal {
	hup := make(chan os.Signal)
	orig := notifyHangup
	notifyHangup = func() (<-chan os.Signal, func()) { return hup, func() {} }
	t.Cleanup(func() { notifyHangup = orig })
	return hup
}

// TestChatWatch: with --watch, saving a file reloads the content while
// someone is talking, and they continue in the new content.
func TestChatWatch(t *testing.T) {
	dir := contentDir(t)
	s := startChat(t, "--content", dir, "--watch")
	s.say("1, 2") // work and study
	s.say("2")    // part time
	s.stdout.waitFor(t, "Where do you live?")

	editFile(t, dir, "flows/jobseeker.yaml", "How old are you?", "How old are you now?")
	s.stderr.waitFor(t, "polku: content reloaded (version ")
	s.say("lappi")
	s.stdout.waitFor(t, "How old are you now?")

	if err := s.end(); err != nil {
		t.Fatalf("polku chat = %v\n%s", err, s.stderr)
	}
	if errs := s.stderr.String(); strings.Count(errs, "\n") != 1 {
		t.Errorf("stderr = %q, want the one reload line", errs)
	}
}

// TestChatHangup: SIGHUP reloads a content directory, keeps the working
// content when the edit is broken, and says why nothing happens with the
// built-in content.
func TestChatHangup(t *testing.T) {
	tests := []struct {
		name     string
		dir      bool   // start with --content DIR
		old, new string // the edit to flows/jobseeker.yaml
		stderr   string // what the signal gets, after the diagnostics of a broken edit
		want     string // the age question after the signal
	}{
		{"an edit", true, "How old are you?", "How old are you now?",
			"polku: content reloaded (version ", "How old are you now?"},
		{"a broken edit", true, "next: age", "next: aeg",
			"polku: the edit has 1 error; still using version ", "How old are you?"},
		{"the built-in content", false, "", "",
			"polku: the built-in content cannot change; start with --content DIR to edit live\n", "How old are you?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hup := fakeHangup(t)
			var args []string
			var dir string
			if tt.dir {
				dir = contentDir(t)
				args = []string{"--content", dir}
			}
			s := startChat(t, args...)
			s.say("1, 2")
			s.say("2")
			if tt.old != "" {
				editFile(t, dir, "flows/jobseeker.yaml", tt.old, tt.new)
			}
			hup <- syscall.SIGHUP
			s.stderr.waitFor(t, tt.stderr)
			s.say("helsinki")
			s.stdout.waitFor(t, tt.want)
			if err := s.end(); err != nil {
				t.Fatalf("polku chat = %v\n%s", err, s.stderr)
			}
			if tt.old == "next: age" {
				want := filepath.Join(dir, "flows", "jobseeker.yaml") + `:33:11: error: There is no step "aeg" in this flow`
				if !strings.HasPrefix(s.stderr.String(), want) {
					t.Errorf("stderr =\n%s\nwant the error's file:line:col first: %s", s.stderr, want)
				}
			}
		})
	}
}

func TestChatWatchNeedsDirectory(t *testing.T) {
	var out, errs bytes.Buffer
	err := run(t.Context(), []string{"polku", "chat", "--watch"}, mapEnv(nil), strings.NewReader(""), &out, &errs)
	if code := exitCode(err); code != 2 {
		t.Errorf("polku chat --watch = %v (exit %d), want a usage error (exit 2)", err, code)
	}
	if want := "--watch needs a content directory"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v, want it to say %q", err, want)
	}
	if out.Len() > 0 {
		t.Errorf("stdout = %q, want nothing: no conversation starts", out.String())
	}
}

func TestNotice(t *testing.T) {
	tests := []struct {
		interactive bool
		want        string
	}{
		{false, "polku: content reloaded (version abc)\n"},
		// on a terminal: off the prompt's line, and the prompt again
		{true, "\npolku: content reloaded (version abc)\n> "},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		notice(&b, tt.interactive, "polku: content reloaded (version abc)\n")
		if b.String() != tt.want {
			t.Errorf("notice(interactive=%v) wrote %q, want %q", tt.interactive, b.String(), tt.want)
		}
	}
}
