package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"polku/bot/content"
)

const checkHelp = `Usage: polku check [DIR]

Checks a content directory (flows/, rules/ and tests/) and lists every
problem as file:line:col: what is wrong — how to fix it, with the line and a
mark under the place. Errors stop the content from being used; warnings
(a word to avoid, a step no one reaches, few suggestions for someone) are
for you to decide. Exit code 1 when there are errors.

Without DIR it checks --content DIR, $POLKU_CONTENT, or the built-in content.

It also warns about catalogue entries due for another look: a service or
organisation whose checked: date is older than --max-age, and an
organisation without a source.

Flags:
  --max-age AGE   how old checked: may be: 90d, 8w, 12mo or 1y (default 12mo)
  --today DATE    count ages from this day, e.g. to see what falls due by
                  then (default today, or $POLKU_TODAY)

Examples:
  polku check                 the built-in content
  polku check mycontent       a copy you are editing
  polku check --max-age 6mo   entries not checked in the last six months
  polku check && polku test   everything, then the conversation tests
`

func runCheck(_ context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	contentDir := fs.String("content", "", "the content directory, as DIR")
	maxAgeFlag := fs.String("max-age", "12mo", "how old checked: may be")
	todayFlag := fs.String("today", getenv("POLKU_TODAY"), "count ages from this day")
	fs.Usage = func() { fmt.Fprint(stderr, checkHelp) }
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return usageError{msg: "check takes one directory"}
	}
	maxAge, err := content.ParseAge(*maxAgeFlag)
	if err != nil {
		return usageError{msg: "check --max-age: " + err.Error()}
	}
	today := time.Now()
	if *todayFlag != "" {
		if today, err = time.Parse("2006-01-02", *todayFlag); err != nil {
			return usageError{msg: fmt.Sprintf("check --today: %q is not a date: write it as year-month-day, for example 2026-12-07", *todayFlag)}
		}
	}
	dir := fs.Arg(0)
	if dir == "" {
		dir = *contentDir
	}
	if dir == "" {
		dir = getenv("POLKU_CONTENT")
	}
	c, ds, err := loadContent(dir, stdout, true)
	if err != nil {
		if _, ok := err.(contentError); ok {
			fmt.Fprintf(stdout, "polku check: %s\n", countWords(ds))
			return errReported
		}
		return err
	}
	// the conversation tests are content too: their mistakes are reported
	// here as well, so polku check is the one command to run after an edit
	fsys, prefix := contentFS(dir)
	cases, tds := c.LoadTests(fsys)
	if err := content.Write(stdout, fsys, prefix, tds); err != nil {
		return err
	}
	if tds.HasErrors() {
		fmt.Fprintf(stdout, "polku check: the tests have %s\n", countWords(tds))
		return errReported
	}
	ds = append(ds, tds...)
	fds := c.Freshness(today, maxAge)
	if err := content.Write(stdout, fsys, prefix, fds); err != nil {
		return err
	}
	ds = append(ds, fds...)
	name := dir
	if name == "" {
		name = "built-in content"
	}
	questions := 0
	for _, f := range c.Flows {
		for _, s := range f.Steps {
			if s.Question() {
				questions++
			}
		}
	}
	_, warns := ds.Count()
	summary := "no problems"
	if warns > 0 {
		summary = fmt.Sprintf("no errors, %d warning%s", warns, plural(warns))
	}
	// every count gets its own plural: a one-language directory read "1 languages"
	fmt.Fprintf(stdout, "polku check: %s: %s — %d flow%s, %d question%s, %d rule%s, %d service%s, %d language%s, %d test%s\n",
		name, summary, len(c.Flows), plural(len(c.Flows)), questions, plural(questions), len(c.Rules), plural(len(c.Rules)),
		len(c.Services), plural(len(c.Services)), len(c.Languages), plural(len(c.Languages)), len(cases), plural(len(cases)))
	return nil
}
