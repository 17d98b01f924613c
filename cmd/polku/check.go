package main

import (
	"context"
	"flag"
	"fmt"
	"io"
)

func runCheck(_ context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: polku check [DIR]\n\nChecks a content directory (flows/ and rules/) and lists every problem as\nfile:line:col: what is wrong — how to fix it. Without DIR it checks\n$POLKU_CONTENT, or the built-in content.")
	}
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return usageError{"check takes one directory"}
	}
	dir := fs.Arg(0)
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
	fmt.Fprintf(stdout, "polku check: %s: %s — %d flow%s, %d questions, %d rules, %d services, %d languages\n",
		name, summary, len(c.Flows), plural(len(c.Flows)), questions, len(c.Rules), len(c.Services), len(c.Languages))
	return nil
}
