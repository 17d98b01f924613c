// Command polku is Polku's one binary: talk to the bot in a terminal, check
// content, and (in later versions) serve Telegram and Discord.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

func main() {
	err := run(context.Background(), os.Args, os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	if err != nil {
		if !errors.Is(err, errReported) {
			fmt.Fprintln(os.Stderr, "polku:", err)
		}
		os.Exit(exitCode(err))
	}
}

// env reads configuration; tests pass a map instead of os.Getenv.
type env func(string) string

// errReported is returned when the problem has been printed already (the
// content's diagnostics, a flag error) and only the exit code remains.
var errReported = errors.New("reported")

// usageError is a mistake in how polku was called: exit code 2. printed
// says the flag package has written it already, with the usage.
type usageError struct {
	msg     string
	printed bool
}

func (e usageError) Error() string { return e.msg }

// Is makes a printed usage error count as errReported, so that main does
// not repeat what the flag package just wrote ("flag provided but not
// defined: -x" appeared twice).
func (e usageError) Is(target error) bool { return e.printed && target == errReported }

// contentError means the content has errors: exit code 1.
type contentError struct{ error }

// exitCode is the process's exit status for what run returned: 0 for nil
// (a caller may pass any result straight to os.Exit), 2 for usage
// mistakes, 1 for everything else.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// command is one subcommand of polku. Each lives in a file of its own and
// registers itself in init, so adding one never touches this file.
type command struct {
	name    string
	summary string // what it does, for the overview
	order   int    // its place in the overview
	run     func(ctx context.Context, inv invocation) error
}

// invocation is what a subcommand gets: its arguments and the process's
// surroundings, so tests can run any subcommand in-process.
type invocation struct {
	args           []string
	getenv         env
	stdin          io.Reader
	stdout, stderr io.Writer
}

var commands = map[string]command{}

func register(c command) { commands[c.name] = c }

func init() {
	register(command{name: "chat", summary: "talk to Polku in this terminal", order: 10,
		run: func(ctx context.Context, inv invocation) error {
			return runChat(ctx, inv.args, inv.getenv, inv.stdin, inv.stdout, inv.stderr)
		}})
	register(command{name: "check", summary: "check content for mistakes", order: 20,
		run: func(ctx context.Context, inv invocation) error {
			return runCheck(ctx, inv.args, inv.getenv, inv.stdout, inv.stderr)
		}})
}

func usage() string {
	var b strings.Builder
	b.WriteString("Polku helps people find the right support path to work, study or meaningful activity.\n\nUsage:\n")
	cmds := make([]command, 0, len(commands))
	for _, c := range commands {
		cmds = append(cmds, c)
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].order < cmds[j].order })
	width := len("help")
	for _, c := range cmds {
		width = max(width, len(c.name))
	}
	line := func(name, summary string) { fmt.Fprintf(&b, "  polku %-*s   %s\n", width, name, summary) }
	for _, c := range cmds {
		line(c.name, c.summary)
	}
	line("help", "show this help")
	b.WriteString("\nEvery command explains itself: polku COMMAND --help.\n")
	b.WriteString(`
Environment:
  POLKU_CONTENT   a content directory instead of the built-in one (flows/ and rules/)
  LANG            the language polku chat starts in, when --lang is not given
  REDIS_URL       keep sessions in Redis (see the README)

Docs: docs/content.md describes the content files.
`)
	return b.String()
}

func run(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(args) < 2 {
		fmt.Fprint(stderr, usage())
		return usageError{msg: "no command given"}
	}
	name, rest := args[1], args[2:]
	if c, ok := commands[name]; ok {
		return c.run(ctx, invocation{args: rest, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr})
	}
	switch name {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage())
		return nil
	}
	fmt.Fprint(stderr, usage())
	return usageError{msg: fmt.Sprintf("unknown command %q", name)}
}

// parseFlags parses a subcommand's flags. done says the subcommand should
// return err at once: nil after -h (help is a request, not a mistake:
// exit 0), a usage error the flag package has already printed otherwise.
func parseFlags(fs *flag.FlagSet, args []string) (done bool, err error) {
	switch err := fs.Parse(args); {
	case err == nil:
		return false, nil
	case errors.Is(err, flag.ErrHelp):
		return true, nil
	default:
		return true, usageError{msg: err.Error(), printed: true}
	}
}
