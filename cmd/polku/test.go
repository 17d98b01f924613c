package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path"
	"regexp"

	"polku/bot/content"
	"polku/bot/flowtest"
)

func init() {
	register(command{name: "test", summary: "run the conversation tests in tests/", order: 30, run: runTest})
}

const testHelp = `Usage: polku test [--run PATTERN] [-v] [--cover] [--content DIR | DIR]

Runs the conversation tests in tests/*.yaml next to the content: each test is
a conversation with the bot — the person's answers, in order — and what must
be true at the end: the question reached, services that must or must not be
suggested, texts that must or must not be said. A failure shows where the
expectation is written (file:line:col), what was expected, what happened, and
the conversation up to that point. Exit code 1 when a test fails.

A test file:

  tests:
    - name: 19, Oulu, left vocational school
      lang: fi
      answers:
        - "1, 2"              # typed: option numbers, labels, words, commands
        - {press: part_time}  # a button: the option's value
        - oulu
        - "19"
      expect:
        step: helpers         # the question on screen at the end (end: suggestions)
        top: 3                # look at the first 3 suggestions
        suggested: [ohjaamo]
        not_suggested: [kela_ammatillinen_kuntoutus]
        says: ["Ohjaamo"]     # what the bot said (texts and cards, not button labels)

Examples:
  polku test                      the built-in content's tests
  polku test mycontent            the tests in mycontent/tests
  polku test --run Oulu -v        tests whose name contains Oulu, with their conversations
  polku test --cover              also list the rules that never fired and the
                                  services never shown in any test
`

func runTest(ctx context.Context, inv invocation) error {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(inv.stderr)
	dir := fs.String("content", inv.getenv("POLKU_CONTENT"), "a content directory instead of the built-in content ($POLKU_CONTENT)")
	pattern := fs.String("run", "", "run only the tests whose name matches this regular expression")
	verbose := fs.Bool("v", false, "show every test's conversation, not only failing ones")
	cover := fs.Bool("cover", false, "list the rules that never fired and the services never shown in the tests run")
	fs.Usage = func() { fmt.Fprint(inv.stderr, testHelp) }
	if done, err := parseFlags(fs, inv.args); done {
		return err
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return usageError{msg: "test takes one directory"}
	}
	if fs.NArg() == 1 {
		*dir = fs.Arg(0)
	}
	var match *regexp.Regexp
	if *pattern != "" {
		var err error
		if match, err = regexp.Compile("(?i)" + *pattern); err != nil {
			return usageError{msg: fmt.Sprintf("--run %q is not a regular expression: %v", *pattern, err)}
		}
	}
	c, ds, err := loadContent(*dir, inv.stdout, false)
	if err != nil {
		if _, ok := err.(contentError); ok {
			fmt.Fprintf(inv.stdout, "polku test: the content has %s; polku check shows them\n", countWords(ds))
			return errReported
		}
		return err
	}
	fsys, prefix := contentFS(*dir)
	cases, tds := c.LoadTests(fsys)
	if err := content.Write(inv.stdout, fsys, prefix, tds); err != nil {
		return err
	}
	if tds.HasErrors() {
		fmt.Fprintf(inv.stdout, "polku test: the tests have %s\n", countWords(tds))
		return errReported
	}
	if len(cases) == 0 {
		fmt.Fprintf(inv.stdout, "polku test: no tests in %s; write some in tests/*.yaml (polku test --help shows how)\n", path.Join(prefix, "tests"))
		return errReported
	}
	passed, failed := 0, 0
	fired, shown := map[string]bool{}, map[string]bool{}
	for _, tc := range cases {
		if match != nil && !match.MatchString(tc.Name) {
			continue
		}
		r := flowtest.Run(ctx, c, tc)
		for _, id := range r.Fired {
			fired[id] = true
		}
		for _, id := range r.Shown {
			shown[id] = true
		}
		where := fmt.Sprintf("%s:%d:%d", path.Join(prefix, tc.File), tc.Pos.Line, tc.Pos.Col)
		if r.Passed() {
			passed++
			fmt.Fprintf(inv.stdout, "ok   %s %q\n", where, tc.Name)
			if *verbose {
				transcript(inv.stdout, r)
			}
			continue
		}
		failed++
		fmt.Fprintf(inv.stdout, "FAIL %s %q\n", where, tc.Name)
		for _, f := range r.Failures {
			fmt.Fprintf(inv.stdout, "  %s:%d:%d: %s\n", path.Join(prefix, tc.File), f.Pos.Line, f.Pos.Col, f.Message)
		}
		transcript(inv.stdout, r)
	}
	if passed+failed == 0 {
		fmt.Fprintf(inv.stdout, "polku test: no test's name matches %q\n", *pattern)
		return errReported
	}
	if *cover {
		coverage(inv.stdout, c, prefix, fired, shown)
	}
	fmt.Fprintf(inv.stdout, "polku test: %d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return errReported
	}
	return nil
}

// coverage lists the rules whose condition never held when suggestions
// were shown, and the services never on a card, across the tests run: the
// paths no test walks.
func coverage(w io.Writer, c *content.Content, prefix string, fired, shown map[string]bool) {
	var rules, services []string
	for _, r := range c.Rules {
		if !fired[r.ID] {
			rules = append(rules, fmt.Sprintf("  %s:%d:%d %s", path.Join(prefix, r.File), r.Pos.Line, r.Pos.Col, r.ID))
		}
	}
	for _, s := range c.Services {
		if !shown[s.ID] {
			services = append(services, fmt.Sprintf("  %s:%d:%d %s", path.Join(prefix, s.File), s.Pos.Line, s.Pos.Col, s.ID))
		}
	}
	fmt.Fprintf(w, "coverage: %d of %d rules fired, %d of %d services shown\n",
		len(c.Rules)-len(rules), len(c.Rules), len(c.Services)-len(services), len(c.Services))
	if len(rules) > 0 {
		fmt.Fprintln(w, "rules that never fired:")
		for _, l := range rules {
			fmt.Fprintln(w, l)
		}
	}
	if len(services) > 0 {
		fmt.Fprintln(w, "services never shown:")
		for _, l := range services {
			fmt.Fprintln(w, l)
		}
	}
}

func transcript(w io.Writer, r flowtest.Result) {
	fmt.Fprintln(w, "  the conversation:")
	for _, l := range r.Transcript {
		fmt.Fprintln(w, "    "+l)
	}
}
