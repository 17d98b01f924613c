package content

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"
)

// The decoding helpers check one YAML node against what a content file
// expects and report every mismatch in words a staff member can act on.

func (l *loader) diag(sev Severity, n *node, summary, detail string) {
	r := Range{Start: Pos{1, 1}}
	if n != nil {
		r = n.rng()
	}
	l.diags = append(l.diags, Diagnostic{Severity: sev, Summary: summary, Detail: detail, Subject: r})
}

func (l *loader) errorf(n *node, summary, detail string) { l.diag(Error, n, summary, detail) }
func (l *loader) warnf(n *node, summary, detail string)  { l.diag(Warning, n, summary, detail) }

// keySpec lists the keys a map may have. hints explain keys that belong
// somewhere else.
type keySpec struct {
	required []string
	optional []string
	hints    map[string]string
}

// fields checks that n is a map with the keys of spec and returns its values
// by key. It reports unknown keys (with a "did you mean"), duplicate keys and
// missing required keys, and returns nil when n is not a map at all.
func (l *loader) fields(n *node, what string, spec keySpec) map[string]*node {
	if n == nil {
		return nil // a missing key, already reported by the map that should hold it
	}
	if n.kind != mapNode {
		l.errorf(n, fmt.Sprintf("Expected %s here (keys with values), but found %s", article(what), describe(n)),
			fmt.Sprintf("Write %s as key: value lines, for example %s: … on its own line.", article(what), firstOr(spec.required, "id")))
		return nil
	}
	allowed := append(append([]string{}, spec.required...), spec.optional...)
	out := make(map[string]*node, len(n.keys))
	seen := make(map[string]*node, len(n.keys))
	misspelt := map[string]bool{}
	for i, k := range n.keys {
		name := k.value
		if first, dup := seen[name]; dup {
			l.errorf(k, fmt.Sprintf("The key %q appears twice in this %s", name, what),
				fmt.Sprintf("It is already set on line %d. Keep one of them.", first.pos.Line))
			continue
		}
		seen[name] = k
		if !contains(allowed, name) {
			detail := fmt.Sprintf("%s can have: %s.", capital(article(what)), strings.Join(allowed, ", "))
			if h, ok := spec.hints[name]; ok {
				detail = h
			} else if m := closest(name, allowed); m != "" {
				detail += fmt.Sprintf(" Did you mean %q?", m)
				misspelt[m] = true
				out[misspeltKey+m] = k
			}
			l.errorf(k, fmt.Sprintf("Unknown key %q in %s", name, article(what)), detail)
			continue
		}
		out[name] = n.vals[i]
	}
	for _, r := range spec.required {
		if _, ok := seen[r]; !ok && !misspelt[r] {
			l.errorf(n, fmt.Sprintf("This %s has no %q", what, r), fmt.Sprintf("Add %s: to it.", r))
		}
	}
	return out
}

// misspeltKey marks, in the map fields returns, a key reported as a
// misspelling of another: checks that would say the other key is missing
// stay quiet rather than repeat the same mistake.
const misspeltKey = "~"

func describe(n *node) string {
	if n == nil {
		return "nothing"
	}
	return n.describe()
}

func firstOr(s []string, def string) string {
	if len(s) > 0 {
		return s[0]
	}
	return def
}

func article(what string) string {
	if what == "" {
		return what
	}
	switch what[0] {
	case 'a', 'e', 'i', 'o', 'u':
		return "an " + what
	}
	return "a " + what
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// scalar returns the text of a scalar node.
func (l *loader) scalar(n *node, what string) (string, bool) {
	if n == nil {
		return "", false
	}
	if n.kind != scalarNode {
		l.errorf(n, fmt.Sprintf("Expected %s, but found %s", what, describe(n)), fmt.Sprintf("Write the %s on the same line, after the colon.", what))
		return "", false
	}
	return n.value, true
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// id returns an identifier: lower-case letters, digits, _ and -.
func (l *loader) id(n *node, what string) (string, bool) {
	s, ok := l.scalar(n, what)
	if !ok {
		return "", false
	}
	if len(s) > 64 || !idPattern.MatchString(s) {
		detail := "Use lower-case letters a–z, digits, _ and -, starting with a letter or digit (for example few_hours_week)."
		if strings.HasPrefix(s, "_") {
			detail = "Names starting with _ are reserved for Polku itself. " + detail
		}
		l.errorf(n, fmt.Sprintf("%q is not a valid %s", clip(s, 40), what), detail)
		return "", false
	}
	return s, true
}

func (l *loader) boolean(n *node, what string) (bool, bool) {
	if n.kind != scalarNode || n.tag != "bool" {
		l.errorf(n, fmt.Sprintf("The %s must be true or false, but it is %s", what, describe(n)), "Write true or false, without quotes.")
		return false, false
	}
	return n.value == "true", true
}

func (l *loader) integer(n *node, what string) (int, bool) {
	if n == nil {
		return 0, false
	}
	if n.kind != scalarNode || n.tag != "int" {
		l.errorf(n, fmt.Sprintf("The %s must be a whole number, but it is %s", what, describe(n)), "Write digits only, without quotes, for example 3.")
		return 0, false
	}
	var v int
	if _, err := fmt.Sscan(n.value, &v); err != nil || v > 1_000_000 || v < -1_000_000 {
		l.errorf(n, fmt.Sprintf("The %s is not a usable number", what), "Write a whole number between -1000000 and 1000000.")
		return 0, false
	}
	return v, true
}

// list returns the items of a list node. A single value where a list is
// expected is reported with how to write a list.
func (l *loader) list(n *node, what string) []*node {
	if n == nil || n.kind == nullNode {
		return nil
	}
	if n.kind != seqNode {
		l.errorf(n, fmt.Sprintf("The %s must be a list, but it is %s", what, describe(n)),
			"Write a list in brackets, [a, b], or one item per line starting with \"- \".")
		return nil
	}
	return n.items
}

// ids returns a list of identifiers with their nodes, reporting duplicates.
func (l *loader) ids(n *node, what string) ([]string, []*node) {
	var out []string
	var nodes []*node
	for _, item := range l.list(n, what+"s") {
		id, ok := l.id(item, what)
		if !ok {
			continue
		}
		if contains(out, id) {
			l.errorf(item, fmt.Sprintf("%q is listed twice", id), "Keep it once.")
			continue
		}
		out = append(out, id)
		nodes = append(nodes, item)
	}
	return out, nodes
}

var placeholderPattern = regexp.MustCompile(`\{([^{}\s]*)\}`)

// text decodes a localised text: a map from language code to text. When
// plain is true a single string is accepted too and used in every language
// (for proper names). placeholders lists the {names} the text may use.
func (l *loader) text(n *node, what string, plain bool, placeholders []string) Text {
	if n == nil {
		return nil
	}
	if n.kind == scalarNode && plain {
		if strings.TrimSpace(n.value) == "" {
			l.errorf(n, fmt.Sprintf("The %s is empty", what), "Write the text after the colon.")
			return nil
		}
		t := Text{}
		for _, lang := range l.langs {
			t[lang] = n.value
		}
		if len(l.langs) == 0 {
			t[""] = n.value
		}
		return t
	}
	if n.kind != mapNode {
		example := "fi: …, sv: …, en: …"
		if len(l.langs) > 0 {
			example = strings.Join(l.langs, ": …, ") + ": …"
		}
		l.errorf(n, fmt.Sprintf("The %s must have a text for each language, but it is %s", what, describe(n)),
			fmt.Sprintf("Write one line per language, for example {%s}.", example))
		return nil
	}
	t := Text{}
	for i, k := range n.keys {
		lang := k.value
		v := n.vals[i]
		if _, dup := t[lang]; dup {
			l.errorf(k, fmt.Sprintf("The language %q appears twice in this %s", lang, what), "Keep one of them.")
			continue
		}
		if l.checkLangs() && !contains(l.langs, lang) {
			l.errorf(k, fmt.Sprintf("%q is not one of the content's languages", lang),
				fmt.Sprintf("rules/profile.yaml declares: %s.%s", strings.Join(l.langs, ", "), didYouMean(lang, l.langs)))
			continue
		}
		s, ok := l.scalar(v, "text")
		if !ok {
			continue
		}
		if strings.TrimSpace(s) == "" {
			l.errorf(v, fmt.Sprintf("The %s in %s is empty", what, lang), "Write the text, or ask a translator for it.")
			continue
		}
		if !utf8.ValidString(s) {
			continue
		}
		l.checkPlaceholders(v, s, what, placeholders)
		l.texts = append(l.texts, textRef{lang: lang, value: s, n: v})
		t[lang] = s
	}
	var missing []string
	for _, lang := range l.langs {
		if !l.checkLangs() {
			break
		}
		if _, ok := t[lang]; !ok {
			missing = append(missing, lang)
		}
	}
	if len(missing) > 0 && !hasLangKeyErrors(n, l.langs) {
		if l.imported && len(t) > 0 {
			// an imported entry has what its source has: people reading a
			// missing language get another (Text.In), and staff are told
			l.warnf(n, fmt.Sprintf("The %s has no translation in %s", what, joinAnd(missing)),
				fmt.Sprintf("This entry was imported (ptv:), and its source has no %s text; people reading %s see another language until you add %s.", joinAnd(missing), joinAnd(missing), strings.Join(missing, ": …, ")+": …"))
		} else {
			l.errorf(n, fmt.Sprintf("The %s has no translation in %s", what, joinAnd(missing)),
				fmt.Sprintf("Add %s — the content declares %s in rules/profile.yaml.", strings.Join(missing, ": …, ")+": …", strings.Join(l.langs, ", ")))
		}
	}
	return t
}

// hasLangKeyErrors reports a misspelt language key, which was already
// reported with a "did you mean"; saying the translation is missing too
// would only repeat it.
func hasLangKeyErrors(n *node, langs []string) bool {
	for _, k := range n.keys {
		if !contains(langs, k.value) && didYouMean(k.value, langs) != "" {
			return true
		}
	}
	return false
}

// anyPlaceholder turns placeholder checks off: the profile is broken, so
// which fields exist is not known and every report would be a guess.
var anyPlaceholder = []string{"*"}

// checkLangs reports whether texts can be checked against the declared
// languages: not when the list itself is broken, or every text would repeat
// the profile's error.
func (l *loader) checkLangs() bool { return len(l.langs) > 0 && !l.langsBroken }

func (l *loader) checkPlaceholders(n *node, s, what string, allowed []string) {
	if len(allowed) == 1 && allowed[0] == "*" {
		return
	}
	for _, m := range placeholderPattern.FindAllStringSubmatchIndex(s, -1) {
		name := s[m[2]:m[3]]
		if contains(allowed, name) {
			continue
		}
		at := &node{kind: scalarNode, pos: n.posAt(utf8.RuneCountInString(s[:m[0]])), src: n.src}
		if len(allowed) == 0 {
			l.errorf(at, fmt.Sprintf("The %s cannot use {%s}", what, name), "Only rule reasons (because), the texts of message steps and some messages have placeholders. Remove the braces.")
			continue
		}
		sorted := append([]string{}, allowed...)
		sort.Strings(sorted)
		l.errorf(at, fmt.Sprintf("Unknown placeholder {%s}", name),
			fmt.Sprintf("The %s can use: %s.%s", what, "{"+strings.Join(sorted, "}, {")+"}", didYouMean(name, allowed)))
	}
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
