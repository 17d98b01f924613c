package content

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// Places is Finland's municipalities, each with its area and employment
// area (rules/places/), so that a person can answer "where do you live" by
// naming their municipality as they would say it: in Finnish or Swedish,
// inflected ("Tampereella", "i Vasa") or with a small typo, which is asked
// back rather than guessed.
type Places struct {
	Source          string // the classification the data comes from
	Dataset         string // the file it was taken from
	Year            int    // the classification's year
	Checked         string
	File            string
	Municipalities  []*Municipality
	EmploymentAreas []*EmploymentArea

	byCode map[string]*Municipality
	names  map[string][]int         // places in Municipalities by folded Finnish, Swedish and other names
	only   map[string]*Municipality // an area's municipality, for areas of one
	once   sync.Once
	index  *placeIndex
}

// Municipality is one municipality.
type Municipality struct {
	Code           string // Statistics Finland's three-digit code
	Fi, Sv         string // its names
	Area           string // a value of the area field
	EmploymentArea *EmploymentArea
	Languages      []string // official languages, the majority's first
	Aliases        []string // other ways people write it
}

// Name is the municipality's name in a conversation's language: Swedish
// for sv, Finnish otherwise (English uses the Finnish names).
func (m *Municipality) Name(lang string) string {
	if lang == "sv" {
		return m.Sv
	}
	return m.Fi
}

// EmploymentArea is one of the employment areas (työllisyysalue) that have
// organised public employment services since 2025, or Åland's own.
type EmploymentArea struct {
	Code   int
	Fi, Sv string
}

// Municipality returns the municipality with a code or a Finnish or
// Swedish name, or nil.
func (p *Places) Municipality(name string) *Municipality {
	if p == nil {
		return nil
	}
	if m := p.byCode[name]; m != nil {
		return m
	}
	if ms := p.names[strings.Join(placeWords(name), " ")]; len(ms) == 1 {
		return p.Municipalities[ms[0]]
	}
	return nil
}

// PlaceMatch is what typed text says about where a person lives.
type PlaceMatch struct {
	// Found is set when the text names exactly one municipality.
	Found *Municipality
	// Maybe lists municipalities the text may mean (a typo, or several
	// names): ask the person, never pick one for them.
	Maybe []*Municipality
}

// Find reads a municipality from typed text: "Tampere", "tampereella",
// "asun Oulussa", "i Vasa", "jyvaskyla". A text naming several
// municipalities, or none but close to some, gives Maybe.
func (p *Places) Find(text string) PlaceMatch {
	if p == nil || len(text) > 200 {
		return PlaceMatch{}
	}
	p.once.Do(p.build)
	words := placeWords(text)
	if len(words) == 0 || len(words) > 8 {
		return PlaceMatch{}
	}
	var found []int
	add := func(ms []int) {
		for _, i := range ms {
			if !slices.Contains(found, i) {
				found = append(found, i)
			}
		}
	}
	// the whole text, pairs of words (Koski Tl, Pedersören kunta), then
	// each word alone; a longer match covers the words it is made of
	covered := make([]bool, len(words))
	if ms := p.lookup(strings.Join(words, " ")); len(ms) > 0 && len(words) > 1 {
		add(ms)
		for i := range covered {
			covered[i] = true
		}
	}
	for i := 0; i+1 < len(words); i++ {
		if covered[i] || covered[i+1] {
			continue
		}
		if ms := p.lookup(words[i] + " " + words[i+1]); len(ms) > 0 {
			add(ms)
			covered[i], covered[i+1] = true, true
		}
	}
	for i, w := range words {
		if covered[i] || placeStopWords[w] {
			continue
		}
		add(p.lookup(w))
	}
	switch {
	case len(found) == 1:
		return PlaceMatch{Found: p.Municipalities[found[0]]}
	case len(found) > 1:
		return PlaceMatch{Maybe: p.byIndex(found)}
	}
	// nothing exact: names one letter away (two in long names), with the
	// same first letter ("hello" is not Pello), asked back; words of three
	// letters or fewer, and everyday words one letter from a name, are not
	best, bestD := []int(nil), 3
	for _, w := range words {
		n := len([]rune(w))
		if n < 4 || placeStopWords[w] || nearNames[w] {
			continue
		}
		limit := 1
		if n >= 9 {
			limit = 2
		}
		for _, f := range p.index.fuzzy {
			if abs(len([]rune(f.form))-n) > limit || f.form[0] != w[0] {
				continue
			}
			d := levenshtein(w, f.form)
			switch {
			case d > limit || d > bestD:
			case d < bestD:
				best, bestD = []int{f.m}, d
			case !slices.Contains(best, f.m):
				best = append(best, f.m)
			}
		}
	}
	if len(best) > 3 {
		best = best[:3]
	}
	return PlaceMatch{Maybe: p.byIndex(best)}
}

// ByCode returns the municipalities with these codes (as services list
// them), in that order.
func (p *Places) ByCode(codes []string) []*Municipality {
	if p == nil {
		return nil
	}
	out := make([]*Municipality, 0, len(codes))
	for _, c := range codes {
		if m := p.Municipality(c); m != nil {
			out = append(out, m)
		}
	}
	return out
}

func (p *Places) byIndex(idx []int) []*Municipality {
	out := make([]*Municipality, 0, len(idx))
	for _, i := range idx {
		out = append(out, p.Municipalities[i])
	}
	return out
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// placeStopWords are words around a place name in how people answer
// "where do you live": "asun Oulussa", "jag bor i Vasa", "I live in Oulu".
var placeStopWords = map[string]bool{
	"asun": true, "asustan": true, "olen": true, "oon": true, "ma": true, "mina": true, "kotoisin": true,
	"kunta": true, "kunnassa": true, "kaupunki": true, "kaupungissa": true, "lahella": true, "taalla": true,
	"jag": true, "bor": true, "i": true, "pa": true, "fran": true, "kommun": true, "stad": true, "nara": true,
	"in": true, "live": true, "im": true, "from": true, "near": true, "the": true, "city": true, "of": true, "at": true,
}

// nearNames are everyday words a letter away from a municipality's name
// (terve ~ Tervo, perhe ~ Perho, vanha ~ Vanda): never asked about.
var nearNames = map[string]bool{"terve": true, "perhe": true, "vanha": true}

// placeWords lower-cases and folds typed text into words of letters: å, ä
// and ö are read as a, a and o, so a keyboard without them finds the same
// place.
func placeWords(s string) []string {
	return strings.FieldsFunc(foldPlace(s), func(r rune) bool { return !unicode.IsLetter(r) && r != ':' })
}

func foldPlace(s string) string {
	return strings.Map(func(r rune) rune {
		switch r = unicode.ToLower(r); r {
		case 'ä', 'å', 'á', 'à', 'â':
			return 'a'
		case 'ö', 'ø', 'ó':
			return 'o'
		case 'é', 'è':
			return 'e'
		case 'ü':
			return 'y'
		case '-', '.', ',', '(', ')':
			return ' '
		}
		return r
	}, strings.TrimSpace(s))
}

// placeIndex finds municipalities by the inflected forms of their names,
// generated on first use.
type placeIndex struct {
	forms map[string][]int // generated inflected forms
	fuzzy []fuzzyForm      // what a typo is compared with
}

type fuzzyForm struct {
	form string
	m    int
}

// lookup finds a word: a name beats a generated form, so that a form of
// one name that happens to be another name (or an alias) never hides it.
func (p *Places) lookup(w string) []int {
	if ms := p.names[w]; len(ms) > 0 {
		return ms
	}
	return p.index.forms[w]
}

func put(m map[string][]int, key string, i int) {
	if !slices.Contains(m[key], i) {
		m[key] = append(m[key], i)
	}
}

// nameKeys are a municipality's names and aliases, folded as typed text is.
func (m *Municipality) nameKeys() []string {
	var keys []string
	for _, name := range append([]string{m.Fi, m.Sv}, m.Aliases...) {
		if key := strings.Join(placeWords(name), " "); key != "" {
			keys = append(keys, key)
		}
	}
	return keys
}

func (p *Places) build() {
	ix := &placeIndex{forms: map[string][]int{}}
	for i, m := range p.Municipalities {
		for j, key := range m.nameKeys() {
			ix.fuzzy = append(ix.fuzzy, fuzzyForm{key, i})
			for _, f := range finnishForms(key) {
				put(ix.forms, f, i)
				// typos are also caught in "in" and "at" of the Finnish name
				if j == 0 && (strings.HasSuffix(f, "ssa") || strings.HasSuffix(f, "lla")) {
					ix.fuzzy = append(ix.fuzzy, fuzzyForm{f, i})
				}
			}
			// Swedish names take only a genitive -s ("Vasas")
			put(ix.forms, key+"s", i)
		}
	}
	p.index = ix
}

// finnishEndings are the case endings people use about where they live and
// come from (in, at, from, to, of), with a (ä is folded to a).
var finnishEndings = []string{"ssa", "sta", "lla", "lta", "lle", "n", "na", "ksi", "sa", "hen", "hin", "seen", "a", "ta"}

// finnishForms generates the inflected forms of a (folded) Finnish place
// name: case endings on the last word's stems, with the consonant
// gradation and stem vowels Finnish nouns take. It over-generates on
// purpose — a form that is not a real word is never typed — but every real
// form of the common types is among them: Tampereella, Helsingissä,
// Oulussa, Rovaniemellä, Seinäjoella, Lahdessa, Turussa, Kauniaisissa,
// Nurmeksessa.
func finnishForms(name string) []string {
	head, last := "", name
	if i := strings.LastIndexByte(name, ' '); i >= 0 {
		head, last = name[:i+1], name[i+1:]
	}
	var stems []string
	addStem := func(s string) {
		if s != "" && !slices.Contains(stems, s) {
			stems = append(stems, s)
		}
	}
	switch {
	case strings.HasSuffix(last, "nen"): // Kauniainen: Kauniaisissa
		base := strings.TrimSuffix(last, "nen")
		addStem(base + "se")
		addStem(base + "si")
	case strings.HasSuffix(last, "s"): // Nurmes: Nurmeksessa, Muhos: Muhoksella
		base := strings.TrimSuffix(last, "s")
		addStem(base + "kse")
		addStem(base + "ks")
	case strings.HasSuffix(last, "t"): // Virrat: Virroilla (plural)
		base := strings.TrimSuffix(last, "t")
		addStem(base)
		addStem(strings.TrimSuffix(base, "a") + "oi")
		addStem(strings.TrimSuffix(base, "a") + "oj")
	default:
		addStem(last)
		switch {
		case strings.HasSuffix(last, "e"): // Tampere: Tampereella
			addStem(last + "e")
		case strings.HasSuffix(last, "i"): // Rovaniemi: Rovaniemellä
			addStem(strings.TrimSuffix(last, "i") + "e")
		}
	}
	for _, s := range slices.Clone(stems) {
		for _, w := range weakGrades(s) {
			addStem(w)
		}
	}
	var out []string
	for _, s := range stems {
		for _, e := range finnishEndings {
			out = append(out, head+s+e)
		}
		// illative: the stem's last vowel lengthened, Ouluun, Helsinkiin
		if r := []rune(s); len(r) > 0 && strings.ContainsRune("aeiouy", r[len(r)-1]) {
			out = append(out, head+s+string(r[len(r)-1])+"n")
		}
	}
	return out
}

// gradation pairs a strong consonant (cluster) before a stem's last vowel
// with its weak grade: Helsinki → Helsingi-, Turku → Turu-, Lahti → Lahde-.
var gradation = [][2]string{
	{"kk", "k"}, {"pp", "p"}, {"tt", "t"}, {"nk", "ng"}, {"mp", "mm"}, {"lt", "ll"}, {"nt", "nn"},
	{"rt", "rr"}, {"rk", "r"}, {"lk", "l"}, {"hk", "h"}, {"ht", "hd"}, {"t", "d"}, {"p", "v"}, {"k", ""},
}

func weakGrades(stem string) []string {
	r := []rune(stem)
	// the consonants before the final vowel(s)
	end := len(r)
	for end > 0 && strings.ContainsRune("aeiouy", r[end-1]) {
		end--
	}
	if end == len(r) || end == 0 {
		return nil
	}
	before, vowels := string(r[:end]), string(r[end:])
	var out []string
	for _, g := range gradation {
		if strings.HasSuffix(before, g[0]) {
			out = append(out, strings.TrimSuffix(before, g[0])+g[1]+vowels)
		}
	}
	return out
}

// loadPlaces reads a file of rules/places/.
func (l *loader) loadPlaces(f *contentFile) {
	if f.root == nil {
		return
	}
	m := l.fields(f.root, "places file", spec("places file", nil))
	if m == nil {
		return
	}
	if l.content.Places != nil {
		l.errorf(f.root, "There is more than one list of municipalities",
			fmt.Sprintf("Keep one file in rules/places/; %s is already read.", l.content.Places.File))
		return
	}
	p := &Places{File: f.path, byCode: map[string]*Municipality{}, names: map[string][]int{}}
	p.Source, _ = l.url(m["source"], "source")
	if n := m["dataset"]; n != nil {
		p.Dataset, _ = l.url(n, "dataset")
	}
	p.Year, _ = l.integer(m["year"], "year")
	p.Checked = l.date(m["checked"], "the date the list was taken")
	eas := map[int]*EmploymentArea{}
	for _, item := range l.list(m["employment_areas"], "employment areas") {
		em := l.fields(item, "employment area", spec("employment area", nil))
		if em == nil {
			continue
		}
		code, ok := l.integer(em["code"], "code")
		if !ok {
			continue
		}
		if eas[code] != nil {
			l.errorf(em["code"], fmt.Sprintf("The employment area %d is listed twice", code), "Keep it once.")
			continue
		}
		ea := &EmploymentArea{Code: code}
		ea.Fi, _ = l.scalar(em["fi"], "name")
		ea.Sv, _ = l.scalar(em["sv"], "name")
		eas[code] = ea
		p.EmploymentAreas = append(p.EmploymentAreas, ea)
	}
	codes := map[string]bool{}
	for _, item := range l.list(m["municipalities"], "municipalities") {
		mm := l.fields(item, "municipality", spec("municipality", nil))
		if mm == nil {
			continue
		}
		mu := &Municipality{}
		var ok bool
		if mu.Code, ok = l.scalar(mm["code"], "code"); !ok {
			continue
		}
		if codes[mu.Code] {
			l.errorf(mm["code"], fmt.Sprintf("The municipality %s is listed twice", mu.Code), "Keep it once.")
			continue
		}
		codes[mu.Code] = true
		mu.Fi, _ = l.scalar(mm["fi"], "name")
		mu.Sv, _ = l.scalar(mm["sv"], "name")
		mu.Area, _ = l.id(mm["area"], "area")
		if af := l.content.areaField; af != nil && mu.Area != "" && !af.values[mu.Area] && !l.profileBroken {
			l.errorf(mm["area"], fmt.Sprintf("%q is not an area", mu.Area),
				"Areas are the values of the area field in rules/profile.yaml."+didYouMean(mu.Area, af.Values))
		}
		if n := mm["employment_area"]; n != nil {
			if code, ok := l.integer(n, "employment area"); ok {
				if mu.EmploymentArea = eas[code]; mu.EmploymentArea == nil {
					l.errorf(n, fmt.Sprintf("There is no employment area %d", code), "List it under employment_areas: first.")
				}
			}
		}
		mu.Languages, _ = l.ids(mm["languages"], "language")
		for _, a := range l.list(mm["aliases"], "aliases") {
			if s, ok := l.scalar(a, "alias"); ok {
				mu.Aliases = append(mu.Aliases, s)
			}
		}
		p.byCode[mu.Code] = mu
		for _, key := range mu.nameKeys() {
			put(p.names, key, len(p.Municipalities))
		}
		p.Municipalities = append(p.Municipalities, mu)
	}
	count := map[string]int{}
	for _, m := range p.Municipalities {
		count[m.Area]++
	}
	p.only = map[string]*Municipality{}
	for _, m := range p.Municipalities {
		if count[m.Area] == 1 {
			p.only[m.Area] = m
		}
	}
	l.content.Places = p
}

// resolveMunicipalities checks the municipalities services name and keeps
// their codes.
func (l *loader) resolveMunicipalities() {
	p := l.content.Places
	for _, ps := range l.services {
		var codes []string
		for i, name := range ps.s.Municipalities {
			if p == nil {
				l.errorf(ps.municipalities[i], "There is no list of municipalities", "Add rules/places/municipalities.yaml (copy it from the built-in content).")
				return
			}
			mu := p.Municipality(name)
			if mu == nil {
				var names []string
				for _, m := range p.Municipalities {
					names = append(names, m.Fi)
				}
				l.errorf(ps.municipalities[i], fmt.Sprintf("%q is not a municipality", clip(name, 40)),
					"Write its Finnish or Swedish name as in rules/places/municipalities.yaml."+didYouMean(name, names))
				continue
			}
			if len(ps.s.Areas) > 0 && !ps.s.national && !slices.Contains(ps.s.Areas, mu.Area) {
				l.errorf(ps.municipalities[i], fmt.Sprintf("%s is in the area %s, which the service does not list", mu.Fi, mu.Area),
					fmt.Sprintf("Add %s to its areas, or check the municipality.", mu.Area))
			}
			codes = append(codes, mu.Code)
		}
		ps.s.Municipalities = codes
	}
}
