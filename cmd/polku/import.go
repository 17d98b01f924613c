package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"polku"
	"polku/bot/content"
	"polku/catalogue/ptv"
)

func init() {
	register(command{name: "import", summary: "turn Suomi.fi's service directory (PTV) into catalogue files", order: 50, run: runImport})
}

const importHelp = `Usage: polku import SOURCE ...

Turns services listed elsewhere into catalogue files under rules/services/.
Sources:
  ptv   Suomi.fi's service directory (Palvelutietovaranto), Open API v11 JSON

polku import SOURCE --help explains each.
`

const importPTVHelp = `Usage: polku import ptv FILE|DIR ... --out DIR [--content DIR] [--kind CLASS=KIND ...] [--dry-run]

Turns Suomi.fi service directory (PTV) Open API v11 JSON into catalogue
files: one ptv-<organisation>.yaml per responsible organisation in --out,
with the organisation and its services.

Input: .json files, or directories of them (read recursively), each holding
one Service, ServiceChannel or Organization, an array of them, or a page
{pageNumber, pageSize, pageCount, itemList: [...]}, as
https://api.palvelutietovaranto.suomi.fi/api/v11/ returns them. Save the
responsible organisations (Organization/{id}) and the service locations
(ServiceChannel/{id}) with the services: services get their address, phone,
e-mail and opening hours from their one service location.

Only published services are imported, each with the kind its service class
gives (below); a service with no such class is skipped and listed, never
guessed. Everything that could not be read is listed at once, with its file
and JSON path, and then nothing is written.

Re-importing updates the files, matching entries by their ptv: id. What
staff own survives: an entry's id, a kind you changed, tags, eligible,
eligibility, unverified, status, umbrella, fees, other keys the import
does not write, and texts in languages PTV lacks (fi-selko). A service no
longer among the inputs gets status: inactive.

Before writing, the content is loaded with the new files as polku check
would; with errors, they are listed and nothing is written. The files are
written together or not at all.

Flags:
  --out DIR           where the files go, normally CONTENT/rules/services/ptv
                      (required); it should hold only the import's files
  --content DIR       the content the files join, to check them with and to
                      take its languages, kinds and municipalities from
                      (default $POLKU_CONTENT, else the content directory
                      --out is in, else the built-in content)
  --kind CLASS=KIND   give services of a PTV service class a kind: before
                      the built-in table, repeatable; CLASS= removes a class
  --dry-run           show what would change, write nothing

Service classes and their kinds, the first that matches wins:
%s
Examples:
  polku import ptv ptv-json --out mycontent/rules/services/ptv
  polku import ptv ptv-json --out mycontent/rules/services/ptv --dry-run
  polku import ptv ptv-json/service.json ptv-json/organization.json --out mycontent/rules/services/ptv --kind P28.3=ngo_activity --dry-run
  polku import ptv ptv-json --content mycontent --out mycontent/rules/services/ptv
`

func kindTableHelp() string {
	var b strings.Builder
	for _, r := range ptv.DefaultKinds {
		fmt.Fprintf(&b, "  %-6s %-24s %s\n", r.Class, r.Kind, r.Why)
	}
	return b.String()
}

func runImport(ctx context.Context, inv invocation) error {
	if len(inv.args) == 0 {
		fmt.Fprint(inv.stderr, importHelp)
		return usageError{msg: "import needs a source: ptv"}
	}
	switch src := inv.args[0]; src {
	case "ptv":
		return runImportPTV(ctx, inv)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(inv.stderr, importHelp)
		return nil
	default:
		fmt.Fprint(inv.stderr, importHelp)
		return usageError{msg: fmt.Sprintf("import: unknown source %q; the sources are: ptv", src)}
	}
}

func runImportPTV(_ context.Context, inv invocation) error {
	fset := flag.NewFlagSet("import ptv", flag.ContinueOnError)
	fset.SetOutput(inv.stderr)
	out := fset.String("out", "", "the directory the files go in")
	contentDir := fset.String("content", inv.getenv("POLKU_CONTENT"), "the content the files join")
	dryRun := fset.Bool("dry-run", false, "write nothing")
	var overrides []ptv.KindRule
	fset.Func("kind", "CLASS=KIND", func(s string) error {
		r, err := ptv.ParseKind(s)
		if err == nil {
			overrides = append(overrides, r)
		}
		return err
	})
	fset.Usage = func() { fmt.Fprintf(inv.stderr, importPTVHelp, kindTableHelp()) }
	// flags may come after the inputs, as in the examples
	var inputs []string
	args := inv.args[1:]
	for {
		if done, err := parseFlags(fset, args); done {
			return err
		}
		if fset.NArg() == 0 {
			break
		}
		inputs = append(inputs, fset.Arg(0))
		args = fset.Args()[1:]
	}
	if len(inputs) == 0 || *out == "" {
		fset.Usage()
		return usageError{msg: "import ptv needs input files or directories and --out DIR"}
	}

	base, prefix, dir, err := importBase(*contentDir, *out)
	if err != nil {
		return err
	}
	c, ds := ptv.LoadBase(base, dir)
	if c == nil {
		_ = content.Write(inv.stderr, ptv.Overlay(base, dir, nil), prefix, errorsOnly(ds))
		fmt.Fprintf(inv.stderr, "polku import ptv: the content it joins (%s) has %s; fix them first (polku check)\n", contentName(prefix), countWords(ds))
		return errReported
	}
	for _, r := range overrides {
		if r.Kind != "" && !hasKind(c, r.Kind) {
			return usageError{msg: fmt.Sprintf("--kind %s=%s: there is no kind %q in %s (rules/kinds.yaml)", r.Class, r.Kind, r.Kind, contentName(prefix))}
		}
	}

	in, err := ptv.ReadPaths(inputs)
	var res *ptv.Result
	if err == nil {
		res, err = ptv.Plan(ptv.Options{Input: in, Inputs: inputs, Out: *out, Content: c, Kinds: ptv.KindTable(overrides)})
	}
	if err != nil {
		var errs ptv.Errors
		if !errors.As(err, &errs) {
			errs = ptv.Errors{err}
		}
		for _, e := range errs {
			fmt.Fprintln(inv.stderr, e)
		}
		fmt.Fprintf(inv.stderr, "polku import ptv: %d error%s; nothing was written\n", len(errs), plural(len(errs)))
		return errReported
	}

	_, ds, fsys := ptv.Check(base, dir, res)
	if ds.HasErrors() {
		_ = content.Write(inv.stderr, fsys, prefix, errorsOnly(ds))
		fmt.Fprintf(inv.stderr, "polku import ptv: with the imported files the content would have %s; nothing was written\n", countWords(ds))
		return errReported
	}
	if err := res.Report.Write(inv.stdout); err != nil {
		return err
	}
	warns := 0
	for _, d := range ds {
		if strings.HasPrefix(d.Subject.File, dir+"/") {
			warns++
		}
	}
	if warns > 0 {
		fmt.Fprintf(inv.stdout, "the new files have %d warning%s (such as texts in languages PTV does not give); polku check lists them\n", warns, plural(warns))
	}
	switch {
	case *dryRun:
		fmt.Fprintf(inv.stdout, "polku import ptv: dry run: %d file%s would change in %s; nothing was written\n", len(res.Changed), plural(len(res.Changed)), *out)
	case len(res.Changed) == 0:
		fmt.Fprintf(inv.stdout, "polku import ptv: %s is up to date\n", *out)
	default:
		if err := res.Write(*out); err != nil {
			return fmt.Errorf("import ptv: %w", err)
		}
		fmt.Fprintf(inv.stdout, "polku import ptv: wrote %s to %s\n", strings.Join(res.Changed, ", "), *out)
	}
	return nil
}

// importBase finds the content the imported files join and where --out is
// in it: --content, else a content directory that --out is inside (so
// that an import into mycontent/rules/services/ptv is checked with
// mycontent), else the built-in content, with the files at
// rules/services/ptv.
func importBase(contentDir, out string) (fsys fs.FS, prefix, dir string, err error) {
	absOut, err := filepath.Abs(out)
	if err != nil {
		return nil, "", "", err
	}
	if contentDir == "" {
		for d := filepath.Dir(absOut); ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "rules", "profile.yaml")); err == nil {
				if wd, err := os.Getwd(); err == nil {
					if rel, err := filepath.Rel(wd, d); err == nil {
						d = rel
					}
				}
				contentDir = d
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	if contentDir == "" {
		return polku.Content(), "", "rules/services/ptv", nil
	}
	if info, err := os.Stat(contentDir); err != nil {
		return nil, "", "", fmt.Errorf("content directory: %w", err)
	} else if !info.IsDir() {
		return nil, "", "", fmt.Errorf("content directory %s is not a directory", contentDir)
	}
	absContent, err := filepath.Abs(contentDir)
	if err != nil {
		return nil, "", "", err
	}
	rel, err := filepath.Rel(absContent, absOut)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return os.DirFS(contentDir), contentDir, "rules/services/ptv", nil // --out is elsewhere
	}
	rel = filepath.ToSlash(rel)
	if !strings.HasPrefix(rel, "rules/services/") {
		return nil, "", "", usageError{msg: fmt.Sprintf("--out %s: polku reads the catalogue only under %s; import into a folder of its own there, such as %s",
			out, filepath.Join(contentDir, "rules", "services"), filepath.Join(contentDir, "rules", "services", "ptv"))}
	}
	return os.DirFS(contentDir), contentDir, rel, nil
}

func contentName(prefix string) string {
	if prefix == "" {
		return "the built-in content"
	}
	return prefix
}

func hasKind(c *content.Content, id string) bool {
	for _, k := range c.Kinds {
		if k.ID == id {
			return true
		}
	}
	return false
}

func errorsOnly(ds content.Diagnostics) content.Diagnostics {
	var out content.Diagnostics
	for _, d := range ds {
		if d.Severity == content.Error {
			out = append(out, d)
		}
	}
	return out
}
