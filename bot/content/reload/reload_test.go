package reload_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"polku/bot"
	"polku/bot/content"
	"polku/bot/content/contenttest"
	"polku/bot/content/reload"
	"polku/bot/store"
)

var _ reload.Engine = (*bot.Engine)(nil)

// baseDir writes the base content into a fresh directory that the test may edit.
func baseDir(t testing.TB) string { return contenttest.BaseDir(t) }

func newEngine(t testing.TB, dir string) *bot.Engine {
	t.Helper()
	c, ds := content.Load(os.DirFS(dir))
	if c == nil {
		t.Fatalf("the base content does not load:\n%v", ds)
	}
	return bot.New(c, store.NewMemory(0), bot.Options{})
}

func readFile(t testing.TB, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t testing.TB, dir, name, data string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// edit replaces old with new in a file of dir, which must contain it.
func edit(t testing.TB, dir, name, old, new string) {
	t.Helper()
	s := readFile(t, dir, name)
	if !strings.Contains(s, old) {
		t.Fatalf("%s does not contain %q", name, old)
	}
	writeFile(t, dir, name, strings.Replace(s, old, new, 1))
}

// reports collects the results a Reloader reports.
type reports struct {
	mu  sync.Mutex
	got []reload.Result
}

func (r *reports) add(res reload.Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, res)
}

func (r *reports) all() []reload.Result {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]reload.Result(nil), r.got...)
}

// outcome names a result compactly for comparing sequences.
func outcome(res reload.Result) string {
	switch {
	case !res.Loaded:
		return "broken"
	case res.Version == res.Previous:
		return "unchanged"
	}
	return "loaded"
}

func outcomes(rs []reload.Result) string {
	var s []string
	for _, r := range rs {
		s = append(s, outcome(r))
	}
	return strings.Join(s, " ")
}

const interval = time.Second

// A step of an edit: something done to the files, then a wait in
// intervals. The tests act half-way between two looks, so that no action
// and no look happen at the same instant of the fake clock.
type step struct {
	do   func(t *testing.T, dir string)
	wait float64 // intervals
}

func TestWatch(t *testing.T) {
	jobseeker := "flows/jobseeker.yaml"
	tests := []struct {
		name  string
		steps []step
		want  string // the outcomes, in order
	}{
		{"a good edit replaces the content", []step{
			{func(t *testing.T, dir string) { edit(t, dir, jobseeker, "Missä asut?", "Missä asut nyt?") }, 2},
		}, "loaded"},
		{"a broken edit is reported, and a later fix reloads", []step{
			{func(t *testing.T, dir string) { edit(t, dir, jobseeker, "next: age", "next: aeg") }, 2},
			{func(t *testing.T, dir string) {}, 5}, // nothing changes: no second report
			{func(t *testing.T, dir string) { edit(t, dir, jobseeker, "next: aeg", "next: age") }, 2},
		}, "broken unchanged"},
		{"a half-written file is loaded again when the write ends", []step{
			{func(t *testing.T, dir string) {
				s := strings.Replace(readFile(t, dir, jobseeker), "Missä asut?", "Missä asut nyt?", 1)
				writeFile(t, dir, jobseeker, s[:len(s)/2])
			}, 2},
			{func(t *testing.T, dir string) { // the rest of the write
				s := strings.Replace(string(contenttest.BaseFS(t)[jobseeker].Data), "Missä asut?", "Missä asut nyt?", 1)
				writeFile(t, dir, jobseeker, s)
			}, 2},
		}, "broken loaded"},
		{"a burst of saves gives one reload", []step{
			// each look finds something new, so nothing loads until the
			// saving stops: no half-edited content in between
			{func(t *testing.T, dir string) { edit(t, dir, jobseeker, "next: age", "next: aeg") }, 1},
			{func(t *testing.T, dir string) {
				writeFile(t, dir, "flows/messages.yaml", readFile(t, dir, "flows/messages.yaml")+"# edited\n")
			}, 1},
			{func(t *testing.T, dir string) { edit(t, dir, jobseeker, "next: aeg", "next: age") }, 1},
			{func(t *testing.T, dir string) { edit(t, dir, jobseeker, "Missä asut?", "Missä asut nyt?") }, 3},
		}, "loaded"},
		{"saving the same bytes does nothing", []step{
			{func(t *testing.T, dir string) { writeFile(t, dir, jobseeker, readFile(t, dir, jobseeker)) }, 5},
		}, ""},
		{"an editor's swap and backup files do nothing", []step{
			{func(t *testing.T, dir string) {
				writeFile(t, dir, "flows/.jobseeker.yaml.swp", "junk")
				writeFile(t, dir, "flows/jobseeker.yaml~", "junk")
				writeFile(t, dir, "rules/4913", "")
			}, 5},
		}, ""},
		{"a new file is a change", []step{
			{func(t *testing.T, dir string) {
				writeFile(t, dir, "rules/services/more.yaml", readFile(t, dir, "rules/services/national.yaml"))
			}, 2},
		}, "broken"}, // the same ids twice
		{"a removed file is a change", []step{
			{func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "rules", "kinds.yaml")) }, 2},
		}, "broken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				dir := baseDir(t)
				e := newEngine(t, dir)
				first := e.Content().Version
				var rs reports
				r := reload.New(dir, reload.Options{Watch: true, Interval: interval, Report: rs.add})
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan struct{})
				go func() { r.Run(ctx, e); close(done) }()

				time.Sleep(interval / 2) // half-way between looks; the fake clock makes this exact
				for _, s := range tt.steps {
					s.do(t, dir)
					time.Sleep(time.Duration(s.wait * float64(interval)))
					synctest.Wait()
				}
				cancel()
				<-done

				got := rs.all()
				if o := outcomes(got); o != tt.want {
					t.Fatalf("reloads = %q, want %q", o, tt.want)
				}
				inUse := first
				for _, res := range got {
					checkResult(t, dir, res, inUse)
					inUse = res.Version
				}
				if v := e.Content().Version; v != inUse {
					t.Errorf("engine uses version %s, want %s", v, inUse)
				}
			})
		})
	}
}

// diagLine is a diagnostic as Result.Write prints it: file:line:col.
var diagLine = regexp.MustCompile(`(?m)^(.+\.yaml):(\d+):(\d+): error: `)

// checkResult checks what holds for every reload: a broken edit names its
// errors by file:line:col and keeps the content that was in use.
func checkResult(t *testing.T, dir string, res reload.Result, inUse string) {
	t.Helper()
	if res.Previous != inUse {
		t.Errorf("Previous = %s, want %s (the version in use)", res.Previous, inUse)
	}
	if res.Dir != dir {
		t.Errorf("Dir = %q, want %q", res.Dir, dir)
	}
	var b strings.Builder
	if err := res.Write(&b); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	if res.Loaded {
		if res.Diagnostics.HasErrors() {
			t.Errorf("loaded content with errors: %v", res.Diagnostics)
		}
		if strings.Count(text, "\n") != 1 || !strings.Contains(text, "polku: content reloaded (version "+res.Version) {
			t.Errorf("Write = %q, want one line naming version %s", text, res.Version)
		}
		return
	}
	if res.Version != inUse {
		t.Errorf("after a broken edit Version = %s, want the old %s", res.Version, inUse)
	}
	m := diagLine.FindStringSubmatch(text)
	if m == nil || !strings.HasPrefix(m[1], dir+string(filepath.Separator)) {
		t.Errorf("Write = %q, want diagnostics as %s/FILE:LINE:COL: error: …", text, dir)
	}
	if want := "; still using version " + inUse + "\n"; !strings.HasSuffix(text, want) {
		t.Errorf("Write = %q, want it to end with %q", text, want)
	}
}

// TestBrokenEditPosition pins the position of one broken edit, so that the
// diagnostics a reload prints are those of polku check.
func TestBrokenEditPosition(t *testing.T) {
	dir := baseDir(t)
	e := newEngine(t, dir)
	hup := make(chan os.Signal, 1)
	res := make(chan reload.Result, 1)
	r := reload.New(dir, reload.Options{Trigger: hup, Report: func(r reload.Result) { res <- r }})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { r.Run(ctx, e); close(done) }()
	defer func() { cancel(); <-done }()

	edit(t, dir, "flows/jobseeker.yaml", "next: age", "next: aeg")
	hup <- syscall.SIGHUP
	got := <-res
	var b strings.Builder
	got.Write(&b)
	want := filepath.Join(dir, "flows", "jobseeker.yaml") + `:33:11: error: There is no step "aeg" in this flow`
	if !strings.Contains(b.String(), want) {
		t.Errorf("Write =\n%s\nwant it to contain %q", b.String(), want)
	}
	if !strings.Contains(b.String(), "        next: aeg\n") || !strings.Contains(b.String(), "\n              ^^^\n") {
		t.Errorf("Write =\n%s\nwant the line quoted with a caret under aeg", b.String())
	}
}

// TestTrigger: a trigger (SIGHUP) reloads at once, whether or not the
// directory is watched, and without one nothing reloads unless watched.
func TestTrigger(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := baseDir(t)
		e := newEngine(t, dir)
		hup := make(chan os.Signal)
		var rs reports
		r := reload.New(dir, reload.Options{Trigger: hup, Interval: interval, Report: rs.add})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { r.Run(ctx, e); close(done) }()

		steps := []struct {
			name    string
			do      func()
			trigger bool
			want    string
		}{
			{"an edit alone", func() { edit(t, dir, "flows/jobseeker.yaml", "Missä asut?", "Missä asut nyt?") }, false, ""},
			{"then the signal", func() {}, true, "loaded"},
			{"the signal again", func() {}, true, "loaded unchanged"},
			{"a broken edit", func() { edit(t, dir, "flows/jobseeker.yaml", "next: age", "next: aeg") }, true, "loaded unchanged broken"},
			{"the fix", func() { edit(t, dir, "flows/jobseeker.yaml", "next: aeg", "next: age") }, true, "loaded unchanged broken unchanged"},
		}
		for _, s := range steps {
			s.do()
			if s.trigger {
				hup <- syscall.SIGHUP
			}
			time.Sleep(10 * interval) // not watched: time alone reloads nothing
			synctest.Wait()
			if got := outcomes(rs.all()); got != s.want {
				t.Fatalf("%s: reloads = %q, want %q", s.name, got, s.want)
			}
		}
		cancel()
		<-done
		if v, want := e.Content().Version, rs.all()[0].Version; v != want {
			t.Errorf("engine uses version %s, want %s", v, want)
		}
	})
}

// TestTriggerWhileWatching: a signal loads an edit at once, and the watcher
// does not load the same edit a second time.
func TestTriggerWhileWatching(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := baseDir(t)
		e := newEngine(t, dir)
		hup := make(chan os.Signal)
		var rs reports
		r := reload.New(dir, reload.Options{Trigger: hup, Watch: true, Interval: interval, Report: rs.add})
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { r.Run(ctx, e); close(done) }()

		time.Sleep(interval / 2)
		edit(t, dir, "flows/jobseeker.yaml", "Missä asut?", "Missä asut nyt?")
		time.Sleep(interval) // the watcher has seen the change, and waits for quiet
		hup <- syscall.SIGHUP
		time.Sleep(5 * interval)
		synctest.Wait()
		if got := outcomes(rs.all()); got != "loaded" {
			t.Errorf("reloads = %q, want one", got)
		}
		cancel()
		<-done
	})
}

// TestRunStops: Run returns when its context is done, leaving no goroutine
// or ticker behind (synctest.Test fails on a goroutine left in the bubble).
func TestRunStops(t *testing.T) {
	for _, o := range []reload.Options{
		{},
		{Watch: true, Interval: interval},
		{Watch: true, Trigger: make(chan os.Signal)}, // replaced in the bubble
	} {
		synctest.Test(t, func(t *testing.T) {
			if o.Trigger != nil {
				// a channel made outside the bubble would not block durably
				o.Trigger = make(chan os.Signal)
			}
			dir := baseDir(t)
			e := newEngine(t, dir)
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan struct{})
			go func() { reload.New(dir, o).Run(ctx, e); close(done) }()
			time.Sleep(3 * interval)
			synctest.Wait()
			select {
			case <-done:
				t.Fatalf("Run(%+v) returned before its context was done", o)
			default:
			}
			cancel()
			synctest.Wait()
			select {
			case <-done:
			default:
				t.Fatalf("Run(%+v) still runs after its context was cancelled", o)
			}
		})
	}
}

func TestResultWrite(t *testing.T) {
	tests := []struct {
		name string
		res  reload.Result
		want string
	}{
		{"loaded", reload.Result{Loaded: true, Version: "abc123", Previous: "def456"},
			"polku: content reloaded (version abc123)\n"},
		{"loaded with warnings", reload.Result{Loaded: true, Version: "abc123", Previous: "def456",
			Diagnostics: content.Diagnostics{{Severity: content.Warning}, {Severity: content.Warning}}},
			"polku: content reloaded (version abc123, 2 warnings)\n"},
		{"loaded, the same files", reload.Result{Loaded: true, Version: "abc123", Previous: "abc123",
			Diagnostics: content.Diagnostics{{Severity: content.Warning}}},
			"polku: content reloaded (version abc123, no changes, 1 warning)\n"},
		{"broken", reload.Result{Dir: "content", Version: "abc123", Previous: "abc123",
			Diagnostics: content.Diagnostics{{Severity: content.Error, Summary: "Unknown key", Subject: content.Range{File: "flows/x.yaml", Start: content.Pos{Line: 3, Col: 5}}}}},
			"content/flows/x.yaml:3:5: error: Unknown key\npolku: the edit has 1 error; still using version abc123\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			if err := tt.res.Write(&b); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("Write() = %q, want %q", b.String(), tt.want)
			}
		})
	}
}
