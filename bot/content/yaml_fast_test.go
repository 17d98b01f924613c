package content

import (
	"bytes"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"polku"
)

// agreeSeeds are YAML texts on which the two readers must agree: every file
// of the built-in and base content, every file of the broken cases, and the
// corners of scalar styles and positions.
func agreeSeeds(t testing.TB) map[string][]byte {
	seeds := map[string][]byte{}
	for name, fsys := range map[string]fs.FS{"builtin": polku.Content(), "base": baseFS(t)} {
		err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || filepath.Ext(p) != ".yaml" {
				return err
			}
			b, err := fs.ReadFile(fsys, p)
			seeds[name+"/"+p] = b
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	cases, _ := filepath.Glob("testdata/broken/*.txtar")
	for _, file := range cases {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, af := range ar.Files {
			seeds[file+"/"+af.Name] = af.Data
		}
	}
	for i, s := range []string{
		"x: plain   \ny: 'single'  \nz: \"double\" \t\n",
		"x:\ny: ~\nz: null\nw: Null\n",
		"a: true\nb: False\nc: TRUE\nd: yes\ne: off\n",
		"a: 12\nb: -3\nc: 0x1F\nd: 0o17\ne: 1_000\nf: 012\ng: +5\n",
		"a: 1.5\nb: .5\nc: 1e3\nd: .inf\ne: -.Inf\nf: .nan\n",
		"checked: 2026-12-07\npage_date: 2025-01-31T10:00:00Z\n",
		"x: |\n  a\n   b\n\n  c\ny: >-\n  a\n  b\n\n  c\nz: |+\n  k\n\n",
		"x: |2\n   a\n  b\n",
		"x: [a, 'b', \"c\", {d: e}]\ny: {f: [1, 2], g: }\n",
		"- a\n- - b\n  - c\n- d: e\n  f: g\n-\n",
		"x:\n- a\n- b\ny:\n  - c\n",
		"x: a\n  b\n\n  c\n",
		"x: 'a\n\n  b'\n",
		"x: \"a\\\n  b\"\n",
		"ä: ö\nåland: 'Jomala'   \n",
		"x: a # comment\n# comment\ny: b\n",
		"? a\n: b\n",
		"x: {a: 1,\n  b: 2}\n",
		"'quoted key': 1\n\"double key\": 2\n",
		"x: -\ny: - a\n",
		"x: a: b\n",
		"",
		"# only a comment\n",
		"---\nx: 1\n...\n",
		"x: 1\r\ny: 2\r\n",
		// found by FuzzFastReaderAgrees: the bare tag, a comment glued to a
		// block header, goccy's place for a text continued by "-00", an
		// empty kept block at the end
		"! 00000000", "|#0", "0: 00\n  -00", "|+1",
		// and text after the top value, which only reading on finds
		"0 #\n0", "- a\nb", "{a: 1}\nb", "[a]\n- b",
		// colons in texts of a flow map or list
		"\r0", "a: b\rc: d\r\n", "|\n å ", "x: |\n  a  \n  b \n", "0000\n\n       \n000", " 0: …\n  -\n ", "00000: {0: 0\n0}", "0:\n 0X0: 00", "0: 0\n -0", "00000: {0: [0:]}", "0: 0\n - #", "0: 0\n -\n 0", "000:\n 0000: {0: [0:0]}", "x: a\n  b # c\ny: 1 # d\n", "a: 0B1\nb: 0O7\nc: +0x1F\n", "x: [a,\n  b]\n", "x: 'a\n  \n  b'\n", "{00:: 0}", "{a: b:c}", "[a:b, https://x.fi/y]", "{fi: https://x.fi, sv: 'x'}", "x: a:b\n",
	} {
		seeds[fmt.Sprintf("snippet %d", i)] = []byte(s)
	}
	return seeds
}

// TestFastReaderAgrees checks that every file the fast reader takes reads
// the same with the careful one: the same tree, texts, styles and
// positions. (Files it refuses go to the careful reader anyway.)
func TestFastReaderAgrees(t *testing.T) {
	fast := 0
	for name, src := range agreeSeeds(t) {
		if agree(t, name, src) {
			fast++
		}
	}
	// the built-in content must all take the fast path, or loading is slow
	if fast < 30 {
		t.Errorf("the fast reader took %d files, want all of the built-in content", fast)
	}
	for name, src := range agreeSeeds(t) {
		if strings.HasPrefix(name, "builtin/") {
			if parseFast(&source{file: name, lines: strings.Split(string(src), "\n")}, src) == nil {
				t.Errorf("%s: the fast reader refused a built-in file", name)
			}
		}
	}
}

func FuzzFastReaderAgrees(f *testing.F) {
	for _, src := range agreeSeeds(f) {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		// The two readers must agree on files shaped like content: keys
		// and list items, one per line, with words for values. Outside
		// that (control characters, "0:0" in brackets, a word alone on a
		// line) goccy has corner cases of its own that fuzzing finds one
		// after another, where yaml.v3 follows the spec; there the fast
		// reader must only build a tree that lies inside the file.
		if !contentShaped(src) {
			if n := parseFast(&source{file: "fuzz", lines: strings.Split(string(src), "\n")}, src); n != nil {
				checkPositions(t, n, src)
			}
			return
		}
		agree(t, "fuzz", src)
	})
}

// contentShaped reports text whose every line is blank, a comment, a key
// ("name: value", "name:") or a list item ("- …"), in plain words: no
// control characters, no tag or anchor, no flow brackets.
func contentShaped(src []byte) bool {
	if bytes.ContainsFunc(src, func(r rune) bool { return r < ' ' && r != '\n' }) || bytes.ContainsAny(src, "[]{}!&*|>%@`\"'") {
		return false
	}
	for line := range strings.SplitSeq(string(src), "\n") {
		t := strings.TrimLeft(line, " ")
		for strings.HasPrefix(t, "- ") {
			t = strings.TrimLeft(t[2:], " ")
		}
		key, value, isKey := strings.Cut(t, ":")
		switch {
		case t == "" || t == "-" || strings.HasPrefix(t, "#"):
		case isKey && key != "" && !strings.ContainsAny(key, " #?-:") && (value == "" || value[0] == ' ') && !strings.Contains(value, ": "):
		default:
			return false
		}
	}
	return true
}

// checkPositions checks that every node the fast reader built is inside
// the file.
func checkPositions(t *testing.T, n *node, src []byte) {
	lines := bytes.Count(src, []byte("\n")) + 1
	var walk func(*node)
	walk = func(n *node) {
		if n.pos.Line < 1 || n.pos.Line > lines || n.pos.Col < 1 {
			t.Fatalf("a node at %v in a file of %d lines: %q", n.pos, lines, src)
		}
		for i := range n.keys {
			walk(n.keys[i])
			walk(n.vals[i])
		}
		for _, it := range n.items {
			walk(it)
		}
	}
	walk(n)
}

// agree compares the readers on src and reports whether the fast one took
// it.
func agree(t *testing.T, name string, src []byte) bool {
	t.Helper()
	src = bytes.TrimPrefix(src, []byte("\ufeff"))
	s := &source{file: name, lines: strings.Split(string(src), "\n")}
	fast := parseFast(s, src)
	if fast == nil {
		return false
	}
	careful, ds := parseCareful(&source{file: name, lines: s.lines}, src)
	if len(ds) > 0 {
		t.Errorf("%s: the fast reader took a file the careful one reports:\n%v\n%q", name, ds, src)
		return true
	}
	if d := treeDiff(fast, careful, "root"); d != "" {
		t.Errorf("%s: the readers disagree at %s\n%q", name, d, src)
	}
	return true
}

// fastIsRight reports a plain scalar that the fast reader places where its
// text starts and the careful one does not: goccy misplaces some plain
// texts of several lines.
func fastIsRight(fast, careful *node) bool {
	if fast.kind != scalarNode || fast.style != plainStyle || fast.value == "" {
		return false
	}
	first, _, _ := strings.Cut(fast.value, " ")
	first, _, _ = strings.Cut(first, "\n")
	if strings.HasPrefix(textAt(fast.src, fast.pos), first) && !strings.HasPrefix(textAt(careful.src, careful.pos), first) {
		return true
	}
	// goccy puts a text of several lines where a later line of it starts
	line := strings.TrimSpace(textAt(fast.src, fast.pos))
	return careful.pos.Line > fast.pos.Line && line != "" && strings.HasPrefix(fast.value, line)
}

func textAt(s *source, p Pos) string {
	if p.Line < 1 || p.Line > len(s.lines) {
		return ""
	}
	r := []rune(s.lines[p.Line-1])
	if p.Col < 1 || p.Col > len(r) {
		return ""
	}
	return string(r[p.Col-1:])
}

func treeDiff(a, b *node, at string) string {
	if a == nil || b == nil {
		if a != b {
			return at + ": one side is missing"
		}
		return ""
	}
	if a.kind != b.kind || a.tag != b.tag || a.value != b.value || a.style != b.style || a.pos != b.pos && !fastIsRight(a, b) {
		return fmt.Sprintf("%s: fast {kind %d tag %q value %q style %q at %v}, careful {kind %d tag %q value %q style %q at %v}",
			at, a.kind, a.tag, a.value, a.style, a.pos, b.kind, b.tag, b.value, b.style, b.pos)
	}
	if len(a.keys) != len(b.keys) || len(a.items) != len(b.items) {
		return fmt.Sprintf("%s: %d keys and %d items against %d and %d", at, len(a.keys), len(a.items), len(b.keys), len(b.items))
	}
	for i := range a.keys {
		if d := treeDiff(a.keys[i], b.keys[i], fmt.Sprintf("%s.key[%d]", at, i)); d != "" {
			return d
		}
		if d := treeDiff(a.vals[i], b.vals[i], at+"."+a.keys[i].value); d != "" {
			return d
		}
	}
	for i := range a.items {
		if d := treeDiff(a.items[i], b.items[i], fmt.Sprintf("%s[%d]", at, i)); d != "" {
			return d
		}
	}
	return ""
}
