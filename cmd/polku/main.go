// Command polku is Polku's one binary: talk to the bot in a terminal, check
// content, and (in later versions) serve Telegram and Discord.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
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

const usage = `Polku helps people find the right support path to work, study or meaningful activity.

Usage:
  polku chat  [--lang fi|sv|en] [--content DIR]   talk to Polku in this terminal
  polku check [DIR]                               check content for mistakes
  polku help                                      show this help

Environment:
  POLKU_CONTENT   a content directory instead of the built-in one (flows/ and rules/)
  LANG            the language polku chat starts in, when --lang is not given

Docs: docs/content.md describes the content files.
`

func run(ctx context.Context, args []string, getenv env, stdin io.Reader, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(args) < 2 {
		fmt.Fprint(stderr, usage)
		return usageError{msg: "no command given"}
	}
	cmd, rest := args[1], args[2:]
	switch cmd {
	case "chat":
		return runChat(ctx, rest, getenv, stdin, stdout, stderr)
	case "check":
		return runCheck(ctx, rest, getenv, stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{msg: fmt.Sprintf("unknown command %q", cmd)}
}
