package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"polku/bot/content"
	"polku/bot/content/flowgraph"
)

func init() {
	register(command{name: "graph", summary: "draw the flows as a diagram", order: 40,
		run: func(ctx context.Context, inv invocation) error {
			return runGraph(ctx, inv.args, inv.getenv, inv.stdout, inv.stderr)
		}})
}

const graphUsage = "Usage: polku graph [DIR] [--flow NAME] [--format mermaid|dot|svg] [--lang CODE] [--out FILE]" + `

Draws the conversation flows as a diagram: every step with its text, each
question's options, and arrows showing where each answer leads, labelled with
their if: conditions ("otherwise" for the last branch). Messages are yellow,
"+" marks the "I'd rather not say" option Polku adds by itself, "!" a
required question, and a step no path leads to is grey and dashed, marked
"unreachable". Without DIR it draws $POLKU_CONTENT, or the built-in content.

Formats:
  mermaid  (the default) text that GitHub and GitLab show as a diagram: paste
           it into an issue, a comment or a README.md between two lines,
             ` + "```mermaid" + `
             (what polku graph printed)
             ` + "```" + `
  svg      a picture: open it in any web browser. Needs nothing installed.
  dot      for Graphviz: dot -Tpng flow.dot -o flow.png

--out FILE.svg, FILE.dot or FILE.mmd chooses the format by itself; --out
FILE.md writes Mermaid inside the ` + "```mermaid" + ` lines, ready to commit. Without
--flow every flow is drawn, one after another in the same output: one below
the other in an SVG, each in its own box (subgraph) in Mermaid and DOT.

Examples:
  polku graph --format svg --out flow.svg        then open flow.svg in a browser
  polku graph --out flow.svg --lang sv           the same, in Swedish
  polku graph --flow jobseeker                   Mermaid, to paste into GitHub
  polku graph path/to/dir --out flow.svg         a copy you are editing

Flags:`

// graphFormats are the formats polku graph writes, by name.
var graphFormats = map[string]func(io.Writer, ...*flowgraph.Graph) error{
	"mermaid": flowgraph.Mermaid,
	"dot":     flowgraph.DOT,
	"svg":     flowgraph.SVG,
}

// graphExtensions choose a format from --out when --format is not given.
var graphExtensions = map[string]string{
	".mmd": "mermaid", ".mermaid": "mermaid", ".md": "mermaid", ".markdown": "mermaid",
	".dot": "dot", ".gv": "dot",
	".svg": "svg",
}

func runGraph(_ context.Context, args []string, getenv env, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("graph", flag.ContinueOnError)
	fs.SetOutput(stderr)
	flowName := fs.String("flow", "", "draw only this flow (default: every flow)")
	format := fs.String("format", "", "mermaid, dot or svg (default: from --out's extension, else mermaid)")
	lang := fs.String("lang", "", "the language of the texts, e.g. fi, sv, en (default: the content's first language)")
	out := fs.String("out", "", "write to this file instead of the terminal")
	dirFlag := fs.String("content", getenv("POLKU_CONTENT"), "a content directory instead of the built-in content ($POLKU_CONTENT)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, graphUsage)
		fs.PrintDefaults()
	}
	// Flags may come after DIR too (polku graph mydir --format svg), as
	// people write them: the flag package stops at the first argument.
	var positional []string
	for {
		if done, err := parseFlags(fs, args); done {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(positional) > 1 {
		fs.Usage()
		return usageError{msg: "graph takes one directory"}
	}
	dir := *dirFlag
	if len(positional) == 1 {
		contentSet := false
		fs.Visit(func(f *flag.Flag) { contentSet = contentSet || f.Name == "content" })
		if contentSet && positional[0] != *dirFlag {
			return usageError{msg: fmt.Sprintf("graph: two content directories, %s and --content %s: give one", positional[0], *dirFlag)}
		}
		dir = positional[0]
	}

	name := *format
	if name == "" {
		ext := strings.ToLower(filepath.Ext(*out))
		switch ext {
		case ".png", ".jpg", ".jpeg", ".gif", ".pdf", ".webp":
			return usageError{msg: fmt.Sprintf("--out %s: polku graph cannot write %s; write --out %s and open it in a browser, or use Graphviz (see polku graph --help)",
				*out, strings.TrimPrefix(ext, "."), strings.TrimSuffix(*out, filepath.Ext(*out))+".svg")}
		}
		if name = graphExtensions[ext]; name == "" {
			name = "mermaid"
		}
	}
	write := graphFormats[strings.ToLower(name)]
	if write == nil {
		msg := fmt.Sprintf("--format %s: choose mermaid, dot or svg", name)
		switch strings.ToLower(name) {
		case "png", "jpg", "jpeg", "pdf":
			msg += "; for a picture use svg and open it in a browser"
		case "graphviz", "gv":
			msg += "; for Graphviz use dot"
		case "mmd", "md", "markdown", "github", "gitlab":
			msg += "; for GitHub and GitLab use mermaid"
		}
		return usageError{msg: msg}
	}

	c, ds, err := loadContent(dir, stderr, false)
	if err != nil {
		if _, ok := err.(contentError); ok {
			fmt.Fprintf(stderr, "polku graph: the content has %s; fix them and try again (polku check lists them too)\n", countWords(ds))
			return errReported
		}
		return err
	}
	if *lang != "" && !c.Language(*lang) {
		var codes []string
		for _, l := range c.Languages {
			codes = append(codes, l.Code)
		}
		return usageError{msg: fmt.Sprintf("--lang %s: the content speaks %s", *lang, strings.Join(codes, ", "))}
	}
	flows := c.Flows
	if *flowName != "" {
		f := c.Flow(*flowName)
		if f == nil {
			return usageError{msg: graphNoFlow(c, *flowName)}
		}
		flows = []*content.Flow{f}
	}
	var gs []*flowgraph.Graph
	for _, f := range flows {
		gs = append(gs, flowgraph.Build(c, f, *lang))
	}

	// Drawn whole before anything is written, so a failure never leaves
	// half a file.
	var b bytes.Buffer
	ext := strings.ToLower(filepath.Ext(*out))
	markdown := strings.ToLower(name) == "mermaid" && (ext == ".md" || ext == ".markdown")
	if markdown {
		// a Markdown file GitHub and GitLab show as it is
		b.WriteString("```mermaid\n")
	}
	if err := write(&b, gs...); err != nil {
		return err
	}
	if markdown {
		b.WriteString("```\n")
	}
	if *out == "" {
		_, err := stdout.Write(b.Bytes())
		return err
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o666); err != nil {
		return err
	}
	hint := ""
	switch strings.ToLower(name) {
	case "svg":
		hint = ": open it in a web browser"
	case "mermaid":
		hint = ": paste it into GitHub or GitLab between ```mermaid and ```"
		if markdown {
			hint = ": GitHub and GitLab show it as a diagram"
		}
	case "dot":
		hint = fmt.Sprintf(": dot -Tpng %s -o %s.png draws it", *out, strings.TrimSuffix(*out, filepath.Ext(*out)))
	}
	fmt.Fprintf(stderr, "polku graph: wrote %d flow%s to %s%s\n", len(gs), plural(len(gs)), *out, hint)
	return nil
}

// graphNoFlow says there is no flow called name, which flows there are,
// and which one was probably meant.
func graphNoFlow(c *content.Content, name string) string {
	var ids []string
	for _, f := range c.Flows {
		ids = append(ids, f.ID)
	}
	msg := fmt.Sprintf("--flow %s: there is no flow %q (flows: %s)", name, name, strings.Join(ids, ", "))
	if best := content.Closest(name, ids); best != "" {
		msg += fmt.Sprintf("; did you mean %q?", best)
	}
	return msg
}
