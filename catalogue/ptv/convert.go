package ptv

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// KindRule maps a PTV service class (palveluluokka) to a Polku kind.
type KindRule struct {
	Class string // P28.3
	Kind  string // youth_workshop; "" removes the class from the table
	Why   string // what the class is, for the help and the reader of this file
}

// DefaultKinds is the built-in table, most specific class first: a service
// is given the kind of the first rule that matches any of its classes
// (a youth workshop is also classed "subsidised employment" and "work
// ability"; it is a youth workshop). Classes not here are left out on
// purpose and such services are skipped, never guessed:
//
//   - P10.3 working-life rules and P10.5 occupational safety are not a
//     next step towards work;
//   - P10.4 work ability and vocational rehabilitation is given by Kela,
//     pension insurers and wellbeing counties alike, each a different kind;
//   - P10.6 benefits for the unemployed are money, not a service to start;
//   - P28.1, P28.2, P28.6 and P28.7 are youth work in general (youth
//     centres, hobbies, international exchanges).
//
// Map them for your services with --kind, e.g. --kind P10.4=kela_vocational_rehab.
var DefaultKinds = []KindRule{
	{"P28.5", "ohjaamo", "Ohjaamot and other youth information and guidance services"},
	{"P28.4", "outreach_youth_work", "Outreach youth work"},
	{"P28.3", "youth_workshop", "Youth workshop activities"},
	{"P10.8", "unemployed_association", "Organisations of the unemployed and peer support"},
	{"P4.8", "rehab_work_activity", "Support for jobseekers: rehabilitative work activity and the social services of employment services"},
	{"P10.7", "job_coaching", "Supported (subsidised) employment"},
	{"P10.1", "employment_services", "Jobseeking and jobs"},
	{"P10.2", "employment_services", "Career guidance and career planning"},
	{"P6.4", "study_guidance", "Career guidance and guidance counselling (education)"},
	{"P4.12", "ngo_activity", "Peer and voluntary activities in social services"},
	{"P4.11", "language_integration", "Integration"},
	{"P22.3", "language_integration", "Language courses"},
	{"P15.1", "debt_housing_advice", "Financial and debt advice for individuals"},
}

// KindTable is the table with overrides put first, in the order given; an
// override with an empty kind removes its class.
func KindTable(overrides []KindRule) []KindRule {
	var out []KindRule
	seen := map[string]bool{}
	for _, r := range overrides {
		if !seen[r.Class] {
			seen[r.Class] = true
			if r.Kind != "" {
				out = append(out, r)
			}
		}
	}
	for _, r := range DefaultKinds {
		if !seen[r.Class] {
			out = append(out, r)
		}
	}
	return out
}

// kindOf is the kind of the first rule matching one of the classes, and
// the class it came from.
func kindOf(table []KindRule, classes []string) (kind, class string) {
	for _, r := range table {
		if slices.Contains(classes, r.Class) {
			return r.Kind, r.Class
		}
	}
	return "", ""
}

var classPattern = regexp.MustCompile(`^P[0-9]+(\.[0-9]+)*$`)

// ParseKind reads a --kind value: CLASS=KIND.
func ParseKind(s string) (KindRule, error) {
	class, kind, ok := strings.Cut(s, "=")
	class, kind = strings.TrimSpace(class), strings.TrimSpace(kind)
	if !ok || !classPattern.MatchString(class) {
		return KindRule{}, fmt.Errorf("--kind %s: write a service class and a kind, e.g. --kind P10.8=unemployed_association", s)
	}
	if kind != "" && !plainID.MatchString(kind) {
		return KindRule{}, fmt.Errorf("--kind %s: %q is not a kind id (lower-case letters, digits, _ and -)", s, kind)
	}
	return KindRule{Class: class, Kind: kind, Why: "--kind"}, nil
}

var languageCode = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{2,8})?$`)

// slug is a name as an id part: lower case, Finnish and Swedish letters
// without their dots, words joined with -, at most 40 characters.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'ä', 'å', 'á', 'à', 'â':
			r = 'a'
		case 'ö', 'ø', 'ó', 'ô':
			r = 'o'
		case 'é', 'è', 'ê', 'ë':
			r = 'e'
		case 'ü', 'ú':
			r = 'u'
		case 'š':
			r = 's'
		case 'ž':
			r = 'z'
		}
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	out := b.String()
	if len(out) > 40 {
		out = out[:40]
		if i := strings.LastIndexByte(out, '-'); i > 10 {
			out = out[:i]
		}
		out = strings.TrimRight(out, "-")
	}
	if out == "" || !(out[0] >= 'a' && out[0] <= 'z') {
		out = "x" + out
	}
	return out
}

// plainText turns PTV's small Markdown (paragraphs on lines, "* item" and
// "1. item" lists, "### heading") into running text for a card: list
// items are joined with commas after the line that introduces them.
func plainText(s string) string {
	var out []string
	var list []string
	flush := func() {
		if len(list) > 0 {
			item := strings.Join(list, ", ")
			if n := len(out); n > 0 && strings.HasSuffix(out[n-1], ":") {
				out[n-1] += " " + item
			} else {
				out = append(out, item)
			}
			list = nil
		}
	}
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		line = strings.Join(strings.Fields(line), " ")
		if line == "" {
			continue
		}
		if rest, ok := listItem(line); ok {
			list = append(list, strings.TrimRight(rest, ".;,"))
			continue
		}
		flush()
		line = strings.TrimLeft(line, "# ")
		out = append(out, line)
	}
	flush()
	for i, p := range out {
		if !strings.ContainsAny(p[len(p)-1:], ".!?:…") {
			out[i] = p + "."
		}
	}
	return strings.Join(out, " ")
}

var numbered = regexp.MustCompile(`^[0-9]+\. `)

func listItem(line string) (string, bool) {
	if rest, ok := strings.CutPrefix(line, "* "); ok {
		return rest, true
	}
	if rest, ok := strings.CutPrefix(line, "- "); ok {
		return rest, true
	}
	if loc := numbered.FindStringIndex(line); loc != nil {
		return line[loc[1]:], true
	}
	return "", false
}

// maxText is about how long a card's text may be.
const maxText = 400

// shorten cuts a text at the last sentence end within maxText characters;
// without one, at a word, with an ellipsis.
func shorten(s string) string {
	r := []rune(s)
	if len(r) <= maxText {
		return s
	}
	head := string(r[:maxText])
	best := -1
	for _, end := range []string{". ", "! ", "? "} {
		if i := strings.LastIndex(head+" ", end); i > best {
			best = i
		}
	}
	if best > maxText/4 {
		return strings.TrimSpace(head[:best+1])
	}
	if i := strings.LastIndexByte(head, ' '); i > 0 {
		head = head[:i]
	}
	return strings.TrimRight(head, " ,;:") + "…"
}

// byLanguage picks, for each language, the first text of one of the types
// (in the order of types).
func byLanguage(texts []Text, langs []string, types ...string) map[string]string {
	out := map[string]string{}
	for _, typ := range types {
		for _, t := range texts {
			if t.Type == typ && slices.Contains(langs, t.Language) && out[t.Language] == "" {
				out[t.Language] = t.Value
			}
		}
	}
	return out
}

// textMap is a text per language, in the content's language order.
func textMap(t map[string]string, langs []string) *omap {
	m := newMap()
	for _, l := range langs {
		if v := t[l]; v != "" {
			m.set(l, v)
		}
	}
	return m
}

// pick prefers Finnish, then the first given.
func pickPage(pages []WebPage) string {
	for _, p := range pages {
		if p.Language == "fi" && urlPattern.MatchString(p.URL) {
			return p.URL
		}
	}
	for _, p := range pages {
		if urlPattern.MatchString(p.URL) {
			return p.URL
		}
	}
	return ""
}

func pickLang(ts []LangText) string {
	for _, t := range ts {
		if t.Language == "fi" {
			return t.Value
		}
	}
	if len(ts) > 0 {
		return ts[0].Value
	}
	return ""
}

// the loader's patterns: what it would refuse is left out here
var (
	urlPattern   = regexp.MustCompile(`^https?://[^\s/$.?#][^\s]*$`)
	phonePattern = regexp.MustCompile(`^\+?[0-9](?:[ -]?[0-9]){4,15}$`)
	emailPattern = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[a-z]{2,}$`)
)

// address is a visiting address as one line: "Esimerkkikatu 12 B, 00000
// Esimerkkikaupunki". PTV stores post offices in capitals.
func address(c *Channel) string {
	for _, a := range c.Addresses {
		if a.Type != "Location" && a.Type != "Visiting" {
			continue
		}
		street := pickLang(a.Street)
		if street == "" {
			continue
		}
		s := street
		if a.StreetNumber != "" {
			s += " " + a.StreetNumber
		}
		town := strings.TrimSpace(a.PostalCode + " " + titleCase(pickLang(a.PostOffice)))
		if town != "" {
			s += ", " + town
		}
		return s
	}
	return ""
}

// titleCase writes HELSINKI as Helsinki and MÄNTTÄ-VILPPULA as
// Mänttä-Vilppula; a name not in capitals is left as it is.
func titleCase(s string) string {
	if s != strings.ToUpper(s) {
		return s
	}
	rs := []rune(strings.ToLower(s))
	for i := range rs {
		if i == 0 || rs[i-1] == ' ' || rs[i-1] == '-' {
			rs[i] = unicode.ToUpper(rs[i])
		}
	}
	return string(rs)
}

// phone is the channel's first phone number (not a text-message or fax
// number), Finnish first: "+358 400000000" as PTV gives it.
func phone(c *Channel) string {
	var best *Phone
	for i, p := range c.Phones {
		if (p.Type == "Phone" || p.Type == "") && p.Number != "" && (best == nil || best.Language != "fi" && p.Language == "fi") {
			best = &c.Phones[i]
		}
	}
	if best == nil {
		return ""
	}
	s := best.Number
	if best.Prefix != "" {
		s = best.Prefix + " " + best.Number
	}
	if !phonePattern.MatchString(s) {
		return ""
	}
	return s
}

func email(c *Channel) string {
	if e := pickLang(c.Emails); emailPattern.MatchString(e) {
		return e
	}
	return ""
}

var weekdays = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

var dayNames = map[string][]string{
	"fi": {"ma", "ti", "ke", "to", "pe", "la", "su"},
	"sv": {"mån", "tis", "ons", "tors", "fre", "lör", "sön"},
	"en": {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"},
}

// hours writes regular opening hours as "ma–to 8–15.30, pe 8–14", in each
// of fi, sv and en the content has, or nothing when they are not simple:
// one set of weekly hours in force for now, one opening a day, no
// appointments, no round-the-clock. Exceptional hours (holidays) are
// short-lived and left out; anything else is better read on the service's
// page than guessed at here.
func hours(c *Channel, langs []string) *omap {
	var week *ServiceHour
	for i, h := range c.Hours {
		switch h.Type {
		case "Exceptional":
		case "DaysOfTheWeek":
			if week != nil {
				return nil
			}
			week = &c.Hours[i]
		default:
			return nil
		}
	}
	if week == nil || week.ValidTo != "" || week.IsClosed || week.AlwaysOpen || week.Reservation || len(week.Opening) == 0 {
		return nil
	}
	type span struct{ from, to string }
	days := make([]*span, 7)
	for _, o := range week.Opening {
		d := slices.Index(weekdays, o.DayFrom)
		if d < 0 || (o.DayTo != "" && o.DayTo != o.DayFrom) || days[d] != nil {
			return nil
		}
		from, ok1 := clock(o.From)
		to, ok2 := clock(o.To)
		if !ok1 || !ok2 || from >= to {
			return nil
		}
		days[d] = &span{from, to}
	}
	m := newMap()
	for _, lang := range langs {
		names := dayNames[lang]
		if names == nil {
			continue
		}
		var parts []string
		for d := 0; d < 7; {
			if days[d] == nil {
				d++
				continue
			}
			e := d
			for e+1 < 7 && days[e+1] != nil && *days[e+1] == *days[d] {
				e++
			}
			ds := names[d]
			if e > d {
				ds += "–" + names[e]
			}
			parts = append(parts, ds+" "+timeIn(days[d].from, lang)+"–"+timeIn(days[d].to, lang))
			d = e + 1
		}
		m.set(lang, strings.Join(parts, ", "))
	}
	if len(m.keys) == 0 {
		return nil
	}
	return m
}

// clock reads "08:00:00" as "08:00".
func clock(s string) (string, bool) {
	if len(s) < 5 || s[2] != ':' {
		return "", false
	}
	h, m := s[:2], s[3:5]
	for _, c := range h + m {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	if h > "24" || m > "59" {
		return "", false
	}
	return h + ":" + m, true
}

// timeIn writes "08:00" as 8 in Finnish and Swedish (8.30 with minutes)
// and 8:00 in English, as the built-in catalogue does.
func timeIn(t, lang string) string {
	h, m := strings.TrimPrefix(t[:2], "0"), t[3:]
	if h == "" {
		h = "0"
	}
	if lang == "en" {
		return h + ":" + m
	}
	if m == "00" {
		return h
	}
	return h + "." + m
}

// startText is how_to_start for a language PTV gives no instructions in.
func startText(lang, phone, url string) string {
	switch lang {
	case "fi":
		if phone != "" {
			return fmt.Sprintf("Soita numeroon %s tai katso lisätiedot palvelun sivulta: %s", phone, url)
		}
		return "Katso palvelun sivulta, miten pääset alkuun ja miten otat yhteyttä: " + url
	case "sv":
		if phone != "" {
			return fmt.Sprintf("Ring %s eller läs mer på tjänstens sida: %s", phone, url)
		}
		return "Läs på tjänstens sida hur du kommer i gång och hur du kontaktar den: " + url
	case "en":
		if phone != "" {
			return fmt.Sprintf("Call %s or read more on the service's page: %s", phone, url)
		}
		return "See the service's page for how to start and how to get in touch: " + url
	}
	return ""
}
