package ptv

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// omap is a YAML mapping that keeps its keys' order: entries as read from
// staff's files, and as written.
type omap struct {
	keys []string
	vals map[string]any
}

func newMap() *omap { return &omap{vals: map[string]any{}} }

func (m *omap) set(k string, v any) {
	if _, ok := m.vals[k]; !ok {
		m.keys = append(m.keys, k)
	}
	m.vals[k] = v
}

func (m *omap) get(k string) (any, bool) {
	v, ok := m.vals[k]
	return v, ok
}

func (m *omap) str(k string) string {
	s, _ := m.vals[k].(string)
	return s
}

func (m *omap) del(k string) {
	if _, ok := m.vals[k]; !ok {
		return
	}
	delete(m.vals, k)
	m.keys = slices.DeleteFunc(m.keys, func(s string) bool { return s == k })
}

// Key orders, as in the built-in catalogue; keys the import does not know
// (staff's) follow in the order staff wrote them.
var (
	orgKeyOrder     = []string{"id", "ptv", "name", "url", "description", "source", "checked", "page_date"}
	serviceKeyOrder = []string{"id", "ptv", "name", "organization", "kind", "areas", "municipalities", "languages", "url",
		"address", "phone", "email", "hours", "eligible", "eligibility", "description", "how_to_start", "fees", "tags",
		"status", "umbrella", "source", "checked", "page_date", "unverified"}
	langOrder = []string{"fi", "sv", "en", "fi-selko"}
)

// sorted returns m's keys in order: the given ones first, the rest as they were.
func (m *omap) sorted(order []string) []string {
	var out []string
	for _, k := range order {
		if _, ok := m.vals[k]; ok {
			out = append(out, k)
		}
	}
	for _, k := range m.keys {
		if !slices.Contains(order, k) {
			out = append(out, k)
		}
	}
	return out
}

var (
	plainID   = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
	plainDate = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	plainURL  = regexp.MustCompile(`^https?://[A-Za-z0-9._~:/?&=%+@-]+$`)
	// words YAML 1.1 readers take for booleans and null
	yamlWords = map[string]bool{"y": true, "n": true, "yes": true, "no": true, "on": true, "off": true, "true": true, "false": true, "null": true}
)

// scalar writes a string so that any YAML reader reads it back as the same
// string: ids, dates, GUIDs and web addresses plain, everything else in
// double quotes (Go's escapes are YAML's too).
func scalar(s string) string {
	if (plainID.MatchString(s) && !yamlWords[s]) || plainDate.MatchString(s) || guidPattern.MatchString(s) || plainURL.MatchString(s) {
		return s
	}
	return strconv.Quote(s)
}

// emitter writes YAML in one fixed layout, so that the same catalogue is
// always the same bytes.
type emitter struct {
	b strings.Builder
}

func (e *emitter) line(indent int, s string) {
	e.b.WriteString(strings.Repeat(" ", indent))
	e.b.WriteString(s)
	e.b.WriteByte('\n')
}

func isLangMap(m *omap) bool {
	if len(m.keys) == 0 {
		return false
	}
	for _, k := range m.keys {
		if _, ok := m.vals[k].(string); !ok || !languageCode.MatchString(k) {
			return false
		}
	}
	return true
}

func inline(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "null", true
	case string:
		return scalar(v), true
	case bool:
		return strconv.FormatBool(v), true
	case int64:
		return strconv.FormatInt(v, 10), true
	case uint64:
		return strconv.FormatUint(v, 10), true
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), true
	case []any:
		parts := make([]string, 0, len(v))
		for _, it := range v {
			s, ok := inline(it)
			if !ok {
				return "", false
			}
			parts = append(parts, s)
		}
		return "[" + strings.Join(parts, ", ") + "]", true
	case *omap:
		if len(v.keys) == 0 {
			return "{}", true
		}
	}
	return "", false
}

// value writes "key: value" at indent.
func (e *emitter) value(indent int, key string, v any, order []string) {
	if s, ok := inline(v); ok {
		e.line(indent, key+": "+s)
		return
	}
	e.line(indent, key+":")
	switch v := v.(type) {
	case []any:
		for _, it := range v {
			e.item(indent+2, it, nil)
		}
	case *omap:
		if isLangMap(v) {
			order = langOrder
		}
		for _, k := range v.sorted(order) {
			e.value(indent+2, k, v.vals[k], nil)
		}
	default:
		panic(fmt.Sprintf("ptv: cannot write %T", v))
	}
}

// item writes one list item at indent.
func (e *emitter) item(indent int, v any, order []string) {
	m, ok := v.(*omap)
	if !ok || len(m.keys) == 0 {
		if s, ok := inline(v); ok {
			e.line(indent, "- "+s)
			return
		}
		e.line(indent, "-")
		for _, it := range v.([]any) {
			e.item(indent+2, it, nil)
		}
		return
	}
	for i, k := range m.sorted(order) {
		var sub emitter
		sub.value(indent+2, k, m.vals[k], nil)
		s := sub.b.String()
		if i == 0 {
			s = strings.Repeat(" ", indent) + "- " + s[indent+2:]
		}
		e.b.WriteString(s)
	}
}

// entryYAML is one entry as written, for telling whether it changed.
func entryYAML(m *omap, order []string) string {
	var e emitter
	e.item(0, m, order)
	return e.b.String()
}
