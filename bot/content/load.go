package content

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/expr-lang/expr/conf"
)

type loader struct {
	fsys    fs.FS
	content *Content
	diags   Diagnostics
	langs   []string
	exprCfg *conf.Config

	tagNodes map[string]*node // a service tag -> where it is first used
	kinds    map[string]*Kind
	orgs     map[string]*Organization
	rules    map[string]*Rule

	pendingStart *node // profile's start:, resolved once the flows are read

	// When a file of some kind could not be read, references to what it
	// defines are not checked: the one real error is enough.
	langsBroken, profileBroken, kindsBroken, catalogueBroken, flowsBroken bool

	brokenFields map[string]bool // fields defined, but with errors

	// imported is set while reading an entry imported from a directory
	// (ptv:): its texts may lack languages its source does not have
	imported bool

	services []pendingService // catalogue references, resolved once every file is read
	// byKey finds services by "k:" kind, "t:" tag and "s:" id, for
	// resolving rules; built once the catalogue is complete
	byKey map[string][]*Service

	texts []textRef // every text people read, for the style check
	avoid []avoidWord
	plain []plainLimits
}

// maxFileSize bounds one content file; real files are a few hundred kB at
// most, and a runaway file must not exhaust memory during a reload.
const maxFileSize = 8 << 20

// Load reads, checks and compiles the content in fsys (a directory holding
// flows/ and rules/). It returns every problem found, sorted by file and
// position; the Content is nil when any of them is an error.
func Load(fsys fs.FS) (c *Content, ds Diagnostics) {
	defer func() {
		// A panic here is a bug in Polku, but a reload must survive it and
		// keep the working content; the diagnostic says whom to tell.
		if r := recover(); r != nil {
			c = nil
			ds = append(ds, Diagnostic{Severity: Error, Summary: fmt.Sprintf("Polku could not load this content (internal error: %v)", r),
				Detail: "This is a bug in Polku, not in your content. Please report it with the files you changed.", Subject: Range{File: "rules/profile.yaml", Start: Pos{1, 1}}})
		}
	}()
	l := &loader{fsys: fsys, content: &Content{
		fields: map[string]*Field{}, flows: map[string]*Flow{}, services: map[string]*Service{},
		messages: map[string]Text{}, commandWords: map[string]commandWord{}, serviceLangs: map[string]bool{},
	}, brokenFields: map[string]bool{}, tagNodes: map[string]*node{}, kinds: map[string]*Kind{}, orgs: map[string]*Organization{}, rules: map[string]*Rule{}}
	l.load()
	l.diags.Sort()
	if l.diags.HasErrors() {
		return nil, l.diags
	}
	return l.content, l.diags
}

type contentFile struct {
	path string
	root *node // nil when the file could not be parsed

	// while reading: the source, what parsing it found, and where among
	// the other files' diagnostics that goes
	src   []byte
	diags []Diagnostic
	at    int
}

func (l *loader) load() {
	files := l.read()
	var profile *contentFile
	var kinds, messages, style, crisis []*contentFile
	var catalogue, rules, flows, places []*contentFile
	for _, f := range files {
		if f.root == nil {
			switch p := f.path; {
			case p == "rules/profile.yaml" || p == "rules/profile.yml":
				l.profileBroken, l.langsBroken = true, true
			case p == "rules/kinds.yaml" || p == "rules/kinds.yml":
				l.kindsBroken = true
			case strings.HasPrefix(p, "rules/services/"):
				l.catalogueBroken = true
			case strings.HasPrefix(p, "flows/"):
				l.flowsBroken = true
			}
		}
		switch p := f.path; {
		case p == "rules/profile.yaml" || p == "rules/profile.yml":
			profile = f
		case strings.HasPrefix(p, "rules/places/"):
			places = append(places, f)
		case p == "rules/kinds.yaml" || p == "rules/kinds.yml":
			kinds = append(kinds, f)
		case strings.HasPrefix(p, "rules/services/"):
			catalogue = append(catalogue, f)
		case strings.HasPrefix(p, "rules/"):
			rules = append(rules, f)
		case p == "flows/messages.yaml" || p == "flows/messages.yml":
			messages = append(messages, f)
		case p == "flows/style.yaml" || p == "flows/style.yml":
			style = append(style, f)
		case p == "flows/crisis.yaml" || p == "flows/crisis.yml":
			crisis = append(crisis, f)
		default:
			flows = append(flows, f)
		}
	}
	if profile == nil {
		l.profileBroken, l.langsBroken = true, true
		l.diags = append(l.diags, Diagnostic{Severity: Error, Summary: "There is no rules/profile.yaml",
			Detail:  "Every content directory needs rules/profile.yaml with the languages and the profile fields. Copy it from the built-in content to start.",
			Subject: Range{File: "rules/profile.yaml", Start: Pos{1, 1}}})
	} else if profile.root != nil {
		l.loadProfile(profile)
	}
	if len(kinds) == 0 && !l.kindsBroken {
		l.diags = append(l.diags, Diagnostic{Severity: Error, Summary: "There is no rules/kinds.yaml",
			Detail: "The catalogue's services each have a kind, listed in rules/kinds.yaml.", Subject: Range{File: "rules/kinds.yaml", Start: Pos{1, 1}}})
	}
	for _, f := range kinds {
		l.loadKinds(f)
	}
	for _, f := range places {
		l.loadPlaces(f)
	}
	for _, f := range catalogue {
		l.loadCatalogue(f)
	}
	l.resolveServices()
	l.resolveMunicipalities()
	if len(catalogue) == 0 {
		l.diags = append(l.diags, Diagnostic{Severity: Error, Summary: "The catalogue is empty",
			Detail: "Add services in files under rules/services/, for example rules/services/national.yaml.", Subject: Range{File: "rules/services/", Start: Pos{1, 1}}})
	}
	if len(messages) == 0 {
		l.diags = append(l.diags, Diagnostic{Severity: Error, Summary: "There is no flows/messages.yaml",
			Detail: "It holds what the bot says around the questions and its command words; copy it from the built-in content.", Subject: Range{File: "flows/messages.yaml", Start: Pos{1, 1}}})
	}
	for _, f := range messages {
		l.loadMessages(f)
	}
	for _, f := range flows {
		l.loadFlow(f)
	}
	for _, f := range rules {
		l.loadRules(f)
	}
	for _, f := range style {
		l.loadStyle(f)
	}
	for _, f := range crisis {
		l.loadCrisis(f)
	}
	if len(crisis) == 0 {
		l.diags = append(l.diags, Diagnostic{Severity: Warning, Summary: "There is no flows/crisis.yaml",
			Detail:  "Without it, Polku does not recognise a person in crisis (\"haluan kuolla\") and answers with the next question. Copy it from the built-in content.",
			Subject: Range{File: "flows/crisis.yaml", Start: Pos{1, 1}}})
	}
	l.finish(profile)
	// the walks through the flows and the style check are the two long
	// checks of a whole load: side by side, on two cores
	var outcomes Diagnostics
	var crash any
	done := make(chan struct{})
	walk := !l.diags.HasErrors()
	go func() {
		defer close(done)
		// a panic here must reach Load's recover, as in the rest of a load
		defer func() { crash = recover() }()
		if walk {
			outcomes = l.content.outcomes()
		}
	}()
	l.checkStyle()
	<-done
	if crash != nil {
		panic(crash)
	}
	l.diags = append(l.diags, outcomes...)
}

// read finds and parses every content file. Files are read in sorted order
// so that diagnostics and the version hash never depend on the file system.
func (l *loader) read() []*contentFile {
	var out []*contentFile
	h := sha256.New()
	for _, dir := range []string{"flows", "rules"} {
		err := fs.WalkDir(l.fsys, dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == dir {
					return err
				}
				l.diags = append(l.diags, Diagnostic{Severity: Error, Summary: "This file cannot be read: " + errText(err), Subject: Range{File: p, Start: Pos{1, 1}}})
				return nil
			}
			if d.IsDir() {
				return nil
			}
			ext := path.Ext(p)
			if ext != ".yaml" && ext != ".yml" {
				return nil
			}
			depth := strings.Count(p, "/")
			if depth > 1 && !strings.HasPrefix(p, "rules/services/") && !(depth == 2 && strings.HasPrefix(p, "rules/places/")) {
				l.diags = append(l.diags, Diagnostic{Severity: Warning, Summary: "This file is ignored",
					Detail:  "Only files directly in flows/ and rules/, files under rules/services/ and the list of municipalities in rules/places/ are read. Move it up one folder.",
					Subject: Range{File: p, Start: Pos{1, 1}}})
				return nil
			}
			info, err := d.Info()
			if err == nil && info.Size() > maxFileSize {
				l.diags = append(l.diags, Diagnostic{Severity: Error, Summary: "This file is too large to be content",
					Detail: fmt.Sprintf("Content files must be under %d MB; split it into several files.", maxFileSize>>20), Subject: Range{File: p, Start: Pos{1, 1}}})
				return nil
			}
			src, err := fs.ReadFile(l.fsys, p)
			if err != nil {
				l.diags = append(l.diags, Diagnostic{Severity: Error, Summary: "This file cannot be read: " + errText(err), Subject: Range{File: p, Start: Pos{1, 1}}})
				return nil
			}
			h.Write([]byte(p))
			h.Write([]byte{0})
			h.Write(src)
			h.Write([]byte{0})
			l.content.Files = append(l.content.Files, p)
			out = append(out, &contentFile{path: p, src: src, at: len(l.diags)})
			return nil
		})
		if err != nil {
			l.diags = append(l.diags, Diagnostic{Severity: Error, Summary: fmt.Sprintf("There is no %s/ folder", dir),
				Detail:  "A content directory holds two folders, flows/ and rules/. Point polku at the directory that contains them.",
				Subject: Range{File: dir + "/", Start: Pos{1, 1}}})
		}
	}
	l.content.Version = hex.EncodeToString(h.Sum(nil))[:12]
	parseAll(out)
	walked, done := l.diags, 0
	l.diags = nil
	for _, f := range out {
		l.diags = append(l.diags, walked[done:f.at]...)
		l.diags = append(l.diags, f.diags...)
		done = f.at
		f.src, f.diags = nil, nil
	}
	l.diags = append(l.diags, walked[done:]...)
	return out
}

// parseAll parses the files, as many at once as there are cores: reading
// YAML is most of loading a large catalogue, and each file is read on
// its own. Diagnostics stay with their file, in the files' order.
func parseAll(files []*contentFile) {
	// the largest first, so that no core is left with a big file at the end
	order := make([]*contentFile, len(files))
	copy(order, files)
	slices.SortStableFunc(order, func(a, b *contentFile) int { return len(b.src) - len(a.src) })
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(order) {
					return
				}
				f := order[i]
				f.root, f.diags = parseYAML(f.path, f.src)
			}
		})
	}
	wg.Wait()
}

// errText is an error without the path, which the diagnostic shows anyway.
func errText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// reserved names cannot be fields: expr would read them as operators or
// functions.
var reserved = []string{"and", "or", "not", "in", "matches", "contains", "startsWith", "endsWith", "true", "false", "nil",
	"let", "if", "else", "known", "len", "all", "any", "none", "one", "count", "filter", "map", "lower", "upper", "trim",
	"sum", "find", "abs", "max", "min", "int", "float", "string", "type", "now", "env", "end"}

var fieldNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

var languageCode = regexp.MustCompile(`^[a-z]{2,3}(-[a-z0-9]{2,8})?$`)

func (l *loader) loadProfile(f *contentFile) {
	m := l.fields(f.root, "profile", spec("profile", nil))
	if m == nil {
		l.profileBroken, l.langsBroken = true, true
		return
	}
	for _, item := range l.list(m["languages"], "languages") {
		var code, name string
		var at *node
		if item.kind == scalarNode {
			code, name, at = item.value, item.value, item
		} else {
			lm := l.fields(item, "language", spec("language", nil))
			if lm == nil || lm["code"] == nil || lm["name"] == nil {
				continue
			}
			at = lm["code"]
			var ok bool
			if code, ok = l.scalar(lm["code"], "language code"); !ok {
				continue
			}
			if name, ok = l.scalar(lm["name"], "language name"); !ok {
				continue
			}
			for _, w := range l.list(lm["words"], "words") {
				word, ok := l.scalar(w, "word")
				if !ok {
					continue
				}
				key := NormalizeText(word)
				if strings.HasPrefix(word, "/") && !slashPattern.MatchString(word) {
					l.errorf(w, fmt.Sprintf("%q cannot be a slash command", word), "Slash commands use only lower-case a–z, digits and _ (Telegram's rule), for example /selko.")
					continue
				}
				if key == "" {
					continue
				}
				if l.content.langWords == nil {
					l.content.langWords = map[string]string{}
				}
				l.content.langWords[key] = code
			}
		}
		if !languageCode.MatchString(code) {
			l.errorf(at, fmt.Sprintf("%q is not a language code", code), "Use a two-letter code such as fi, sv or en, optionally with a variant: fi-selko.")
			l.langsBroken = true
			continue
		}
		if contains(l.langs, code) {
			l.errorf(at, fmt.Sprintf("The language %q is listed twice", code), "Keep it once.")
			continue
		}
		l.langs = append(l.langs, code)
		l.content.Languages = append(l.content.Languages, Language{Code: code, Name: name})
	}
	if len(l.langs) == 0 {
		l.langsBroken = true
	}
	if len(l.langs) == 0 && m["languages"] != nil {
		l.errorf(m["languages"], "No languages are declared", "List the languages the content is written in, for example [fi, sv, en].")
	}
	fm := m["fields"]
	if fm != nil && fm.kind != mapNode {
		l.errorf(fm, "fields must list the profile fields by name", "Write each field as name: {type: …, label: …} on its own line under fields:.")
		fm = nil
	}
	if fm != nil {
		seen := map[string]*node{}
		for i, k := range fm.keys {
			name := k.value
			if prev, dup := seen[name]; dup {
				l.errorf(k, fmt.Sprintf("The field %q is defined twice", name), fmt.Sprintf("It is already defined on line %d. Keep one of them.", prev.pos.Line))
				continue
			}
			seen[name] = k
			if !fieldNamePattern.MatchString(name) || len(name) > 40 {
				l.errorf(k, fmt.Sprintf("%q is not a valid field name", clip(name, 40)), "Use lower-case letters, digits and _, starting with a letter (for example has_helper).")
				continue
			}
			if contains(reserved, name) {
				l.errorf(k, fmt.Sprintf("%q cannot be a field name", name), "It is a word of the expression language. Choose another name.")
				continue
			}
			if fld := l.loadField(name, k, fm.vals[i]); fld == nil {
				l.brokenFields[name] = true
			} else {
				fld.Index = len(l.content.Fields)
				fld.File = f.path
				l.content.Fields = append(l.content.Fields, fld)
				l.content.fields[name] = fld
			}
		}
	}
	if a := l.content.fields["area"]; a != nil {
		if a.Type != String || !a.Enum() {
			l.errorf(seen(fm, "area"), "The area field must be a string field with values", "Services list these values in their areas; write type: string and values: [helsinki, pirkanmaa, …].")
		} else {
			l.content.areaField = a
			if a.values[National] {
				l.errorf(seen(fm, "area"), fmt.Sprintf("%q cannot be a value of area", National),
					"It marks services for the whole country. A person who does not want to say where they live answers \"I'd rather not say\".")
			}
		}
	}
	if lf := l.content.fields["languages"]; lf != nil {
		if lf.Type != List {
			l.errorf(seen(fm, "languages"), "The languages field must be a list field", "A person may use several languages: write type: list.")
		} else {
			l.content.langField = lf
		}
	}
	if fm == nil {
		l.profileBroken = true
	}
	if len(l.content.Fields) > 0 {
		l.exprCfg = exprConfig(l.content.Fields, l.brokenFields)
	}
	if n := m["start"]; n != nil {
		l.pendingStart = n
	}
}

// seen finds the key node for name in a map node, for positions.
func seen(m *node, name string) *node {
	if m == nil {
		return nil
	}
	for _, k := range m.keys {
		if k.value == name {
			return k
		}
	}
	return m
}

func (l *loader) loadField(name string, key, n *node) *Field {
	m := l.fields(n, "field", spec("field", nil))
	if m == nil {
		return nil
	}
	fld := &Field{Name: name, Pos: key.pos, values: map[string]bool{}, labels: map[string]Text{}}
	ok := true
	if t, good := l.scalar(m["type"], "field type"); good {
		switch t {
		case "string":
			fld.Type = String
		case "int":
			fld.Type = Int
		case "bool":
			fld.Type = Bool
		case "list":
			fld.Type = List
		default:
			l.errorf(m["type"], fmt.Sprintf("%q is not a field type", t), "Use string, int, bool or list."+didYouMean(t, []string{"string", "int", "bool", "list"}))
			ok = false
		}
	} else {
		ok = false
	}
	if vn := m["values"]; vn != nil {
		vals, _ := l.ids(vn, "value")
		for _, v := range vals {
			fld.Values = append(fld.Values, v)
			fld.values[v] = true
		}
		if ok && (fld.Type == Int || fld.Type == Bool) {
			l.errorf(vn, fmt.Sprintf("A %s field cannot have values", fld.Type), "Only string and list fields take values from a list. Remove values:, or change the type.")
		}
		if len(fld.Values) == 0 && vn.kind == seqNode {
			l.errorf(vn, "The list of values is empty", "List the values this field can take, or remove values: for a typed answer.")
		}
	} else if ok && fld.Type == List {
		l.errorf(key, fmt.Sprintf("The list field %q has no values", name), "A list field holds choices: add values: [a, b, c].")
	}
	fld.Label = l.text(m["label"], "label", false, nil)
	if !ok {
		return nil
	}
	return fld
}

func (l *loader) loadKinds(f *contentFile) {
	if f.root == nil {
		return
	}
	m := l.fields(f.root, "kinds file", spec("kinds file", nil))
	if m == nil {
		return
	}
	for _, item := range l.list(m["kinds"], "kinds") {
		km := l.fields(item, "kind", spec("kind", nil))
		if km == nil {
			continue
		}
		id, ok := l.id(km["id"], "kind id")
		if !ok {
			continue
		}
		if prev := l.kinds[id]; prev != nil {
			l.errorf(km["id"], fmt.Sprintf("The kind %q is defined twice", id), fmt.Sprintf("It is already defined at %s:%d. Keep one of them.", prev.File, prev.Pos.Line))
			continue
		}
		k := &Kind{ID: id, File: f.path, Pos: km["id"].pos}
		k.Name = l.text(km["name"], "kind name", false, nil)
		for _, kt := range []struct {
			key string
			t   *Text
		}{{"description", &k.Description}, {"who", &k.Who}, {"cost", &k.Cost}, {"gets", &k.Gets}, {"how_to_start", &k.HowToStart}} {
			if d := km[kt.key]; d != nil {
				*kt.t = l.text(d, kt.key, false, nil)
			}
		}
		if n := km["public"]; n != nil {
			k.Public, _ = l.boolean(n, "public")
		}
		if n := km["for_residents"]; n != nil {
			k.Residents, _ = l.boolean(n, "for_residents")
		}
		for _, n := range l.list(km["sources"], "sources") {
			if u, ok := l.url(n, "source"); ok {
				k.Sources = append(k.Sources, u)
			}
		}
		k.Checked = l.date(km["checked"], "the date someone last read the sources")
		l.kinds[id] = k
		l.content.Kinds = append(l.content.Kinds, k)
	}
}
