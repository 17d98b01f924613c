package reload

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"time"

	"polku/bot/content"
)

// Engine is what a Reloader needs of the engine; *bot.Engine has both
// methods, and is safe to swap content in while it handles messages.
type Engine interface {
	Content() *content.Content
	SetContent(*content.Content)
}

// DefaultInterval is how often a watched directory is looked at.
const DefaultInterval = 500 * time.Millisecond

// Options configure a Reloader. The zero value reloads on nothing.
type Options struct {
	// Trigger asks for a reload with every value it delivers.
	// signal.Notify can feed it SIGHUP directly; tests send on it.
	Trigger <-chan os.Signal
	// Watch reloads when the content files change.
	Watch bool
	// Interval is how often the files are looked at when watching;
	// DefaultInterval when 0. A change is loaded at the first look that
	// finds the files as the look before did, so an editor saving several
	// files, or one file in several writes, gives one reload.
	Interval time.Duration
	// Report is told the outcome of every reload, on Run's goroutine.
	Report func(Result)
}

// Result is the outcome of one reload.
type Result struct {
	Dir string // the content directory
	// Loaded says the new content replaced the old. When false the edit
	// has errors and the engine still uses Previous.
	Loaded            bool
	Version, Previous string              // the versions in use after and before
	Diagnostics       content.Diagnostics // file names relative to Dir
}

// Reloader reloads one content directory into an engine.
type Reloader struct {
	dir string
	o   Options

	seen    [sha256.Size]byte // the files at the last look
	pending bool              // they changed since the last reload
}

// New returns a reloader for the content directory dir. When watching, it
// takes note of the files at once: call it before loading the content that
// Run will replace, so that an edit saved in between is not missed.
func New(dir string, o Options) *Reloader {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	r := &Reloader{dir: dir, o: o}
	if o.Watch {
		r.seen = fingerprint(os.DirFS(dir))
	}
	return r
}

// Run reloads into e on every trigger and, when watching, on every change
// of the files, until ctx is done. It returns only then, having stopped
// everything it started. Call it once per Reloader.
func (r *Reloader) Run(ctx context.Context, e Engine) {
	var tick <-chan time.Time
	if r.o.Watch {
		t := time.NewTicker(r.o.Interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.o.Trigger:
			r.reload(e)
		case <-tick:
			// Wait for one quiet interval after a change: a half-saved
			// file is then usually whole, and a burst of saves is one
			// change. If a look still catches a file half-written, the
			// rest of the write is a change again and reloads again.
			switch fp := fingerprint(os.DirFS(r.dir)); {
			case fp != r.seen:
				r.seen, r.pending = fp, true
			case r.pending:
				r.reload(e)
			}
		}
	}
}

func (r *Reloader) reload(e Engine) {
	fsys := os.DirFS(r.dir)
	if r.o.Watch {
		// Before loading: a write during the load makes the next look
		// differ, and that reloads again.
		r.seen, r.pending = fingerprint(fsys), false
	}
	prev := e.Content()
	res := Result{Dir: r.dir, Previous: prev.Version, Version: prev.Version}
	c, ds := content.Load(fsys)
	res.Diagnostics = ds
	if c != nil {
		e.SetContent(c)
		res.Loaded, res.Version = true, c.Version
	}
	if r.o.Report != nil {
		r.o.Report(res)
	}
}

// maxHashed bounds what is read of one file per look. Content rejects
// larger files anyway; for those, size and time stand in for the bytes.
const maxHashed = 8 << 20

// fingerprint sums the content files in fsys: their names and bytes, and
// anything that could not be read. It looks at the files content.Load reads
// (*.yaml and *.yml under flows/ and rules/), so an editor's swap and
// backup files do not cause reloads; modification times are left out, so
// a save that changes nothing does not either.
func fingerprint(fsys fs.FS) [sha256.Size]byte {
	h := sha256.New()
	for _, dir := range []string{"flows", "rules"} {
		_ = fs.WalkDir(fsys, dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				fmt.Fprintf(h, "%s\x00error\x00", p)
				return nil
			}
			if ext := path.Ext(p); d.IsDir() || ext != ".yaml" && ext != ".yml" {
				return nil
			}
			fmt.Fprintf(h, "%s\x00", p)
			info, err := d.Info()
			if err == nil && info.Size() > maxHashed {
				fmt.Fprintf(h, "%d %d\x00", info.Size(), info.ModTime().UnixNano())
				return nil
			}
			f, err := fsys.Open(p)
			if err != nil {
				fmt.Fprint(h, "error\x00")
				return nil
			}
			defer f.Close()
			n, err := io.Copy(h, io.LimitReader(f, maxHashed))
			fmt.Fprintf(h, "\x00%d %v\x00", n, err != nil)
			return nil
		})
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// Write prints the result for a person at a terminal or reading a log: one
// line when the content loaded, or the diagnostics (each with the file,
// line and column, and the line it is about) and a line saying the working
// content stays.
func (res Result) Write(w io.Writer) error {
	var b bytes.Buffer
	errs, warns := res.Diagnostics.Count()
	switch {
	case !res.Loaded:
		if err := content.Write(&b, os.DirFS(res.Dir), res.Dir, res.Diagnostics); err != nil {
			return err
		}
		fmt.Fprintf(&b, "polku: the edit has %d error%s; still using version %s\n", errs, plural(errs), res.Previous)
	case res.Version == res.Previous:
		fmt.Fprintf(&b, "polku: content reloaded (version %s, no changes%s)\n", res.Version, warnings(warns))
	default:
		fmt.Fprintf(&b, "polku: content reloaded (version %s%s)\n", res.Version, warnings(warns))
	}
	// one write, so that the lines are not torn apart by other output
	_, err := w.Write(b.Bytes())
	return err
}

func warnings(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d warning%s", n, plural(n))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
