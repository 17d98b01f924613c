package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"polku/adapters/console"
	"polku/bot"
)

func runChat(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lang := fs.String("lang", "", "the language to talk in: fi, sv or en (default: from $LANG, else fi)")
	dir := fs.String("content", getenv("POLKU_CONTENT"), "a content directory instead of the built-in content ($POLKU_CONTENT)")
	sc := storeFlags(fs, getenv)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: polku chat [--lang fi|sv|en] [--content DIR] [--redis URL]\n\nTalk to Polku in this terminal: answer with an option's number or in your own\nwords. Type /help (/apua, /hjalp) for the commands. Answers can also be piped in,\none per line.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return usageError{msg: err.Error(), printed: true}
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return usageError{msg: "chat takes no arguments"}
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
	} else if !c.Language(l) {
		var codes []string
		for _, x := range c.Languages {
			codes = append(codes, x.Code)
		}
		return usageError{msg: fmt.Sprintf("--lang %s: the content speaks %s", l, strings.Join(codes, ", "))}
	}
	st, ttl, closeStore, err := sc.open(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer closeStore()
	engine := bot.New(c, st, bot.Options{SessionTTL: ttl})
	return console.Run(ctx, engine, stdin, stdout, console.Options{Lang: l, Echo: !isTerminal(stdin), Err: stderr})
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
