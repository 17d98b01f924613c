package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"polku/bot/content"
)

func init() {
	register(command{name: "schema", summary: "write JSON Schemas of the content files, for your editor", order: 70, run: runSchema})
}

const schemaHelp = `Usage: polku schema [--out DIR]

Writes a JSON Schema for every kind of content file into DIR (default: schema),
so that an editor checks content as you type: VS Code with the YAML extension
(by Red Hat) then offers the keys, explains each one when you point at it, and
underlines mistakes in red.

A content file names its schema on its first line; for a copy of the content
in mycontent/ with the schemas written by polku schema --out mycontent/schema:

  mycontent/flows/*.yaml           # yaml-language-server: $schema=../schema/flow.json
  mycontent/flows/messages.yaml    # yaml-language-server: $schema=../schema/messages.json
  mycontent/flows/style.yaml       # yaml-language-server: $schema=../schema/style.json
  mycontent/rules/profile.yaml     # yaml-language-server: $schema=../schema/profile.json
  mycontent/rules/kinds.yaml       # yaml-language-server: $schema=../schema/kinds.json
  mycontent/rules/*.yaml           # yaml-language-server: $schema=../schema/rules.json
  mycontent/rules/services/*.yaml  # yaml-language-server: $schema=../../schema/services.json
  mycontent/tests/*.yaml           # yaml-language-server: $schema=../schema/tests.json

The built-in content already has these lines. polku check remains the full
check: the schemas know the keys and their kinds, polku check also knows which
fields, steps and services exist.

Example:
  polku schema --out mycontent/schema
`

func runSchema(_ context.Context, inv invocation) error {
	fs := flag.NewFlagSet("schema", flag.ContinueOnError)
	fs.SetOutput(inv.stderr)
	out := fs.String("out", "schema", "the directory to write the schemas to")
	fs.Usage = func() { fmt.Fprint(inv.stderr, schemaHelp) }
	if done, err := parseFlags(fs, inv.args); done {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return usageError{msg: "schema takes no arguments; use --out DIR"}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	for _, sf := range content.SchemaFiles {
		p := filepath.Join(*out, sf.Name)
		if err := os.WriteFile(p, sf.Schema(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(inv.stdout, "%-24s for %s\n", p, sf.Files)
	}
	return nil
}
