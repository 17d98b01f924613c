package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"polku/adapters/console"
	"polku/bot"
	"polku/bot/content/reload"
)

func runChat(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("lang", "", "the language to talk in: fi, sv or en (default: from $LANG, else fi)")
	dir := fs.String("content", getenv("POLKU_CONTENT"), "a content directory instead of the built-in content ($POLKU_CONTENT)")
	watch := fs.Bool("watch", false, "reload the content directory whenever one of its files changes")
	flowID := fs.String("flow", "", "the flow to talk through, e.g. volunteer (default: the content's start flow)")
	sc := storeFlags(fs, getenv)
	fs.Usage = func() {
		fmt.Fprintln(stderr, `Usage: polku chat [--lang fi|sv|en|fi-selko] [--flow ID] [--content DIR] [--redis URL]
       polku chat --content DIR --watch

Talk to Polku in this terminal: answer with an option's number or in your own
words. Type /help (/apua, /hjalp) for the commands. Answers can also be piped in,
one per line.

Editing live: with --content DIR, Polku loads the directory again when it gets
SIGHUP (kill -HUP PID), and with --watch whenever a file in it is saved. The
conversation goes on in the new content, with your answers kept. An edit with
errors is listed here, file:line:col, and changes nothing: Polku keeps using the
content that worked.

Examples:
  polku chat --lang sv                          in Swedish
  polku chat --lang fi-selko                    in plain Finnish (selkosuomi)
  polku chat --flow volunteer                   the questions for a volunteer
  printf '1, 2\n2\ntampere\n' | polku chat       answers piped in, one per line
  polku chat --content mycontent --watch        try edits as you save them
  REDIS_URL=redis://localhost:6379 polku chat   sessions kept in Redis (needs POLKU_KEY_SECRET)

Flags:`)
		fs.PrintDefaults()
	}
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return usageError{msg: "chat takes no arguments"}
	}
	if *watch && *dir == "" {
		return usageError{msg: "--watch needs a content directory: the built-in content cannot change; use --content DIR or set POLKU_CONTENT"}
	}
	// Reports of reloads and console failures come from two goroutines.
	errw := &lockedWriter{w: stderr}
	interactive := isTerminal(stdin) && writesToTerminal(stderr)
	hup, stopHup := notifyHangup()
	defer stopHup()
	var reloader *reload.Reloader
	if *dir != "" {
		// Made before the content is loaded: it takes note of the files
		// now, so that an edit saved during the load is not missed.
		reloader = reload.New(*dir, reload.Options{Trigger: hup, Watch: *watch, Report: func(r reload.Result) {
			var b bytes.Buffer
			r.Write(&b)
			notice(errw, interactive, b.String())
		}})
	}
	c, ds, err := loadContent(*dir, stderr, false)
	if err != nil {
		if _, ok := err.(contentError); ok {
			fmt.Fprintf(stderr, "polku chat: the content has %s; fix them and try again\n", countWords(ds))
			return errReported
		}
		return err
	}
	l := *lang
	if l == "" {
		l = langFromLocale(getenv("LC_ALL"), getenv("LC_MESSAGES"), getenv("LANG"))
	} else if code := c.MatchLanguage(l); code != "" {
		l = code // SV, sv_FI, sv-FI: Swedish
	} else {
		var codes []string
		for _, x := range c.Languages {
			codes = append(codes, x.Code)
		}
		return usageError{msg: fmt.Sprintf("--lang %s: the content speaks %s", l, strings.Join(codes, ", "))}
	}
	if *flowID != "" && c.Flow(*flowID) == nil {
		var ids []string
		for _, f := range c.Flows {
			ids = append(ids, f.ID)
		}
		return usageError{msg: fmt.Sprintf("--flow %s: the content's flows are %s", *flowID, strings.Join(ids, ", "))}
	}
	engine, closeEngine, err := sc.engine(ctx, c, nil)
	if err != nil {
		return err
	}
	defer closeEngine()

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // after cancel: deferred calls run last first
	defer cancel()
	if reloader != nil {
		wg.Go(func() { reloader.Run(ctx, engine) })
	} else {
		wg.Go(func() { refuseReload(ctx, hup, errw, interactive) })
	}
	return console.Run(ctx, flowHandler{engine, *flowID}, stdin, stdout, console.Options{Lang: l, Echo: !isTerminal(stdin), Err: errw})
}

// flowHandler asks for one flow in every message, so that the conversation
// begins, and starts over, in the flow chosen with --flow.
type flowHandler struct {
	e    *bot.Engine
	flow string
}

func (h flowHandler) Handle(ctx context.Context, m bot.Message) (bot.Reply, error) {
	m.Flow = h.flow
	return h.e.Handle(ctx, m)
}

// notifyHangup turns SIGHUP into reload triggers until stop is called. It
// is a variable so that tests can send the signal without signalling the
// test process.
//
// Catching SIGHUP means it no longer ends polku chat when its terminal
// closes; the console then reads the end of its input (or an error) and
// returns instead.
var notifyHangup = func() (hup <-chan os.Signal, stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	return ch, func() { signal.Stop(ch) }
}

// refuseReload answers SIGHUP when there is nothing to reload: saying so
// is kinder than a signal that seems to do nothing.
func refuseReload(ctx context.Context, hup <-chan os.Signal, w io.Writer, interactive bool) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			notice(w, interactive, "polku: the built-in content cannot change; start with --content DIR to edit live\n")
		}
	}
}

// notice writes text, which ends in a line break, to w in one write. On a
// terminal the person may be typing an answer after the "> " prompt: the
// text starts on a line of its own and the prompt is drawn again after it.
// What they typed is still read when they press Enter.
func notice(w io.Writer, interactive bool, text string) {
	if interactive {
		text = "\n" + text + "> "
	}
	io.WriteString(w, text)
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// writesToTerminal reports whether w is a terminal, where notices must not
// get in the way of the prompt; in a file or a pipe they are plain lines.
func writesToTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminal(f)
}

// langFromLocale turns a POSIX locale (fi_FI.UTF-8, sv_FI, en_US) into a
// language code; the engine falls back to Finnish for anything it lacks.
func langFromLocale(locales ...string) string {
	for _, l := range locales {
		if l == "" || l == "C" || l == "POSIX" || strings.HasPrefix(l, "C.") {
			continue
		}
		// language[_territory][.codeset][@modifier]: a locale may carry a
		// modifier without a territory (sr@latin), so cut at "@" too.
		code, _, _ := strings.Cut(l, "_")
		code, _, _ = strings.Cut(code, ".")
		code, _, _ = strings.Cut(code, "@")
		return strings.ToLower(code)
	}
	return ""
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
