package ptv

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"polku/bot/content"
)

// Options is what one import needs.
type Options struct {
	Input   *Input
	Inputs  []string         // the files and directories as the user named them, for the files' header
	Out     string           // the directory the catalogue files go in
	Content *content.Content // the content they join: its languages, kinds and municipalities
	Kinds   []KindRule       // the class → kind table, see KindTable
}

// Result is an import ready to write.
type Result struct {
	// Files is every catalogue file in Out after the import, by name;
	// Changed names those whose bytes differ from what is there now.
	Files   map[string][]byte
	Changed []string
	Report  Report
}

// Report says what an import did, for the person running it.
type Report struct {
	New, Updated, Unchanged []string // "ptv-…-0e5a1c4f (service): name"
	Kept                    []string // staff edits kept: "ptv-…: tags, fi-selko texts"
	Skipped                 []string // with the reason
	Inactive                []string // gone from PTV: status inactive
	Reactivated             []string // back in PTV: status inactive removed
	Notes                   []string
}

const (
	apiBase = "https://api.palvelutietovaranto.suomi.fi/api/v11/"
	// National is the area of a service for the whole country.
	national = "koko-suomi"
)

// keys PTV owns: taken fresh on every import. Texts among them keep the
// languages PTV does not give. Every other key is staff's.
var (
	ptvServiceKeys = []string{"id", "ptv", "name", "organization", "kind", "areas", "municipalities", "languages", "url",
		"address", "phone", "email", "hours", "description", "how_to_start", "source", "checked"}
	ptvOrgKeys = []string{"id", "ptv", "name", "url", "source", "checked"}
	textKeys   = []string{"name", "description", "how_to_start", "hours"}
)

type placed struct {
	file string
	m    *omap
	old  *omap // the entry as it was, nil for a new one
}

type planner struct {
	o     Options
	langs []string
	errs  Errors
	rep   Report

	files    []*oldFile
	oldOrgs  map[string]*placed // by PTV id
	oldSvcs  map[string]*placed
	orgIDs   map[string]bool // ids taken
	svcIDs   map[string]bool
	names    map[string]bool    // file names taken
	orgs     map[string]*placed // by PTV id: organisations written
	orgWhy   map[string]string  // by PTV id: why an organisation cannot be used
	services map[string]*placed
	skipped  map[string]bool // published services skipped this time
}

// Plan converts the input, merges it with the files in Out and lays out
// the files to write. It writes nothing. Errors (an unknown municipality
// code, a file in Out that cannot be read) come back together as Errors.
func Plan(o Options) (*Result, error) {
	p := &planner{o: o, oldOrgs: map[string]*placed{}, oldSvcs: map[string]*placed{}, orgIDs: map[string]bool{}, svcIDs: map[string]bool{},
		names: map[string]bool{}, orgs: map[string]*placed{}, orgWhy: map[string]string{}, services: map[string]*placed{}, skipped: map[string]bool{}}
	for _, l := range o.Content.Languages {
		p.langs = append(p.langs, l.Code)
	}
	p.rep.Notes = append(p.rep.Notes, o.Input.Notes...)
	p.files, p.errs = readExisting(o.Out)
	p.indexOld()
	for _, g := range slices.Sorted(maps.Keys(o.Input.Services)) {
		p.service(o.Input.Services[g])
	}
	p.retire()
	for _, g := range slices.Sorted(maps.Keys(o.Input.Organizations)) {
		if org := o.Input.Organizations[g]; org.Published && p.orgs[g] == nil && p.oldOrgs[g] == nil {
			p.rep.Skipped = append(p.rep.Skipped, fmt.Sprintf("organisation %s %q: none of its services were imported", g, orgName(org)))
		}
	}
	if err := p.errs.Err(); err != nil {
		return nil, err
	}
	return p.layout(), nil
}

// indexEntries records the ids an existing file's entries take, and the
// entries by their PTV id; a PTV id in two places is an error.
func (p *planner) indexEntries(file string, entries []*omap, what string, ids map[string]bool, byPTV map[string]*placed) {
	for _, m := range entries {
		ids[m.str("id")] = true
		if g := strings.ToLower(m.str("ptv")); g != "" {
			if prev := byPTV[g]; prev != nil {
				p.errs = append(p.errs, fmt.Errorf("%s: the %s ptv: %s is also in %s — keep one of them", file, what, g, prev.file))
				continue
			}
			byPTV[g] = &placed{file: file, m: m, old: m}
		}
	}
}

func (p *planner) indexOld() {
	for _, f := range p.files {
		p.names[f.name] = true
		p.indexEntries(f.name, f.orgs, "organisation", p.orgIDs, p.oldOrgs)
		p.indexEntries(f.name, f.services, "service", p.svcIDs, p.oldSvcs)
	}
}

// newID is prefix-slug-first 8 hex of the GUID, with more of the GUID
// when two would share one.
func newID(taken map[string]bool, name, guid string) string {
	hex := strings.ReplaceAll(guid, "-", "")
	for n := 8; ; n += 4 {
		id := "ptv-" + slug(name) + "-" + hex[:min(n, len(hex))]
		if !taken[id] || n >= len(hex) {
			taken[id] = true
			return id
		}
	}
}

func firstName(texts []Text) string {
	for _, typ := range []string{"Name", "AlternativeName"} {
		for _, lang := range []string{"fi", "sv", "en"} {
			for _, t := range texts {
				if t.Type == typ && t.Language == lang {
					return t.Value
				}
			}
		}
		for _, t := range texts {
			if t.Type == typ {
				return t.Value
			}
		}
	}
	return ""
}

func orgName(o *Organization) string { return firstName(o.Names) }

// org returns the organisation entry for a PTV id, making it from the
// input when needed, or why there is none.
func (p *planner) org(g, nameInService string) (*placed, string) {
	if e := p.orgs[g]; e != nil {
		return e, ""
	}
	if why, ok := p.orgWhy[g]; ok {
		return nil, why
	}
	old := p.oldOrgs[g]
	o := p.o.Input.Organizations[g]
	switch {
	case o != nil && o.Published:
		m := newMap()
		if old != nil {
			m.set("id", old.m.str("id"))
		} else {
			m.set("id", newID(p.orgIDs, orgName(o), g))
		}
		m.set("ptv", g)
		names := textMap(byLanguage(o.Names, p.langs, "Name"), p.langs)
		if len(names.keys) == 0 {
			names = textMap(byLanguage(o.Names, p.langs, "AlternativeName"), p.langs)
		}
		if len(names.keys) == 0 {
			p.orgWhy[g] = fmt.Sprintf("its organisation %s has no name in %s", g, strings.Join(p.langs, ", "))
			return nil, p.orgWhy[g]
		}
		m.set("name", names)
		url := pickPage(o.WebPages)
		if url == "" && old != nil {
			url = old.m.str("url") // PTV lost it; keep the one we had rather than none
		}
		if url == "" {
			p.orgWhy[g] = fmt.Sprintf("its organisation %q has no web page in PTV", orgName(o))
			return nil, p.orgWhy[g]
		}
		m.set("url", url)
		m.set("source", apiBase+"Organization/"+g)
		m.set("checked", o.Modified.Format("2006-01-02"))
		e := &placed{m: m}
		if old != nil {
			e.file, e.old = old.file, old.m
			p.merge(m, old.m, ptvOrgKeys, "organisation")
		} else {
			e.file = p.newFile(orgName(o), g)
		}
		p.orgs[g] = e
		return e, ""
	case old != nil:
		// not among the inputs: the entry stays as staff and the last
		// import left it
		p.orgs[g] = old
		return old, ""
	case o != nil:
		p.orgWhy[g] = fmt.Sprintf("its organisation %q is not published (%s)", orgName(o), o.Status)
	default:
		p.orgWhy[g] = fmt.Sprintf("its responsible organisation %q is not among the inputs — add %sOrganization/%s", nameInService, apiBase, g)
	}
	return nil, p.orgWhy[g]
}

func (p *planner) newFile(name, g string) string {
	f := "ptv-" + slug(name) + ".yaml"
	if p.names[f] {
		f = "ptv-" + slug(name) + "-" + strings.ReplaceAll(g, "-", "")[:8] + ".yaml"
	}
	p.names[f] = true
	return f
}

func (p *planner) skip(s *Service, why string) {
	p.skipped[s.ID] = true
	line := fmt.Sprintf("service %s %q: %s", s.ID, firstName(s.Names), why)
	if p.oldSvcs[s.ID] != nil {
		line += "; its entry is kept as it was"
	}
	p.rep.Skipped = append(p.rep.Skipped, line)
}

func (p *planner) service(s *Service) {
	if s.Status != "Published" {
		return // retire() makes an old entry inactive
	}
	old := p.oldSvcs[s.ID]
	// areas first: an unknown municipality is an error, whatever else is wrong
	areas, munis, why := p.areas(s)
	if why != "" {
		p.skip(s, why)
		return
	}
	var orgGUID, orgNameInService string
	for _, l := range s.Orgs {
		if l.Role == "Responsible" && l.ID != "" {
			orgGUID, orgNameInService = l.ID, l.Name
			break
		}
	}
	if orgGUID == "" {
		p.skip(s, "it has no Responsible organisation")
		return
	}
	names := textMap(byLanguage(s.Names, p.langs, "Name"), p.langs)
	if len(names.keys) == 0 {
		p.skip(s, "it has no name in "+strings.Join(p.langs, ", "))
		return
	}
	var langs []any
	for _, l := range s.Languages {
		if languageCode.MatchString(l) && !slices.Contains(langs, any(l)) {
			langs = append(langs, l)
		}
	}
	if len(langs) == 0 {
		p.skip(s, "it lists no languages it is given in")
		return
	}
	kind, _ := kindOf(p.o.Kinds, s.Classes)
	if kind == "" && (old == nil || old.m.str("kind") == "") {
		classes := "none"
		if len(s.Classes) > 0 {
			classes = strings.Join(s.Classes, ", ")
		}
		p.skip(s, fmt.Sprintf("no kind for its service classes (%s) — if one fits, add --kind CLASS=KIND", classes))
		return
	}
	desc := map[string]string{}
	for l, v := range byLanguage(s.Descriptions, p.langs, "Summary", "Description") {
		desc[l] = shorten(plainText(v))
	}
	if len(desc) == 0 {
		p.skip(s, "it has no Summary or Description in "+strings.Join(p.langs, ", "))
		return
	}
	org, why := p.org(orgGUID, orgNameInService)
	if org == nil {
		p.skip(s, why)
		return
	}

	// contact facts come from its one service location; with several,
	// one address would send people to the wrong door
	var loc *Channel
	var pages []WebPage
	nloc := 0
	for _, t := range []string{"WebPage", "EChannel", "ServiceLocation", "Phone", "PrintableForm"} {
		for _, l := range s.Channels {
			c := p.o.Input.Channels[l.ID]
			if c == nil || c.Status != "Published" || c.Type != t {
				continue
			}
			pages = append(pages, c.WebPages...)
			if t == "ServiceLocation" {
				loc = c
				nloc++
			}
		}
	}
	for _, l := range s.Channels {
		pages = append(pages, l.WebPages...)
	}
	if nloc > 1 {
		loc = nil
		p.rep.Notes = append(p.rep.Notes, fmt.Sprintf("service %s %q has %d service locations: no address, phone, e-mail or hours are taken from them", s.ID, firstName(s.Names), nloc))
	}
	url := pickPage(pages)
	if url == "" {
		url = org.m.str("url")
	}
	if url == "" {
		p.skip(s, "it has no web page, and neither has its organisation")
		return
	}

	m := newMap()
	if old != nil {
		m.set("id", old.m.str("id"))
	} else {
		m.set("id", newID(p.svcIDs, firstName(s.Names), s.ID))
	}
	m.set("ptv", s.ID)
	m.set("name", names)
	m.set("organization", org.m.str("id"))
	if kind != "" {
		m.set("kind", kind)
	}
	m.set("areas", areas)
	if len(munis) > 0 {
		m.set("municipalities", munis)
	}
	m.set("languages", langs)
	m.set("url", url)
	var tel string
	if loc != nil {
		if a := address(loc); a != "" {
			m.set("address", a)
		}
		if tel = phone(loc); tel != "" {
			m.set("phone", tel)
		}
		if e := email(loc); e != "" {
			m.set("email", e)
		}
		if h := hours(loc, p.langs); h != nil {
			m.set("hours", h)
		}
	}
	m.set("description", textMap(desc, p.langs))
	start := map[string]string{}
	for l, v := range byLanguage(s.Descriptions, p.langs, "UserInstruction") {
		start[l] = shorten(plainText(v))
	}
	for _, l := range names.keys {
		if start[l] == "" {
			start[l] = startText(l, tel, url)
		}
	}
	m.set("how_to_start", textMap(start, p.langs))
	m.set("source", apiBase+"Service/"+s.ID)
	m.set("checked", s.Modified.Format("2006-01-02"))

	e := &placed{m: m, file: org.file}
	if old != nil {
		e.file, e.old = old.file, old.m
		staff := old.m
		if old.m.str("status") == "inactive" {
			// the import set it when the service left PTV
			staff = copyMap(old.m)
			staff.del("status")
			p.rep.Reactivated = append(p.rep.Reactivated, fmt.Sprintf("%s: back in PTV, status: inactive removed", m.str("id")))
		}
		p.merge(m, staff, ptvServiceKeys, "service")
	}
	p.services[s.ID] = e
}

// areas maps a service's area to Polku's areas and municipalities.
func (p *planner) areas(s *Service) (areas, munis []any, why string) {
	switch s.AreaType {
	case "Nationwide", "NationwideExceptAlandIslands":
		return []any{national}, nil, ""
	case "LimitedType":
	case "":
		return nil, nil, "it has no areaType"
	default:
		return nil, nil, fmt.Sprintf("its areaType %q is not one Polku knows (Nationwide, NationwideExceptAlandIslands, LimitedType)", s.AreaType)
	}
	places := p.o.Content.Places
	if places == nil {
		return nil, nil, "the content has no list of municipalities (rules/places/) to place it with"
	}
	areaSet, muniSet := map[string]bool{}, map[string]bool{}
	bad := false
	for _, a := range s.Areas {
		if len(a.Municipalities) == 0 {
			return nil, nil, fmt.Sprintf("its area %s %s lists no municipalities", a.Type, a.Code)
		}
		for _, mu := range a.Municipalities {
			m := places.Municipality(mu.Code)
			if m == nil || m.Code != mu.Code {
				p.errs = append(p.errs, &Error{File: s.File, Path: mu.Path, Msg: fmt.Sprintf("unknown municipality code %q — PTV uses Statistics Finland's three-digit codes, as in rules/places/municipalities.yaml; is the list of municipalities out of date?", clip(mu.Code, 20))})
				bad = true
				continue
			}
			areaSet[m.Area] = true
			muniSet[m.Fi] = true
		}
	}
	if bad {
		return nil, nil, "" // reported as an error
	}
	if len(areaSet) == 0 {
		return nil, nil, "its areaType is LimitedType but it lists no areas"
	}
	for _, a := range slices.Sorted(maps.Keys(areaSet)) {
		areas = append(areas, a)
	}
	for _, m := range slices.Sorted(maps.Keys(muniSet)) {
		munis = append(munis, m)
	}
	return areas, munis, ""
}

// merge keeps in m what staff own of the old entry: its id (set by the
// caller), keys PTV does not own, texts in languages PTV does not give,
// and a kind that differs from the one the classes give.
func (p *planner) merge(m, old *omap, owned []string, what string) {
	var kept []string
	for _, k := range textKeys {
		nt, ok1 := m.vals[k].(*omap)
		ot, ok2 := old.vals[k].(*omap)
		if !ok1 || !ok2 {
			continue
		}
		for _, l := range ot.keys {
			if _, ok := nt.vals[l]; !ok {
				nt.set(l, ot.vals[l])
				kept = append(kept, l+" "+k)
			}
		}
	}
	if ok := old.str("kind"); ok != "" && ok != m.str("kind") {
		m.set("kind", ok)
		kept = append(kept, "kind "+ok)
	}
	for _, k := range old.keys {
		if !slices.Contains(owned, k) {
			m.set(k, old.vals[k])
			kept = append(kept, k)
		}
	}
	if old.str("id") != "" && len(kept) > 0 {
		p.rep.Kept = append(p.rep.Kept, fmt.Sprintf("%s (%s): %s", old.str("id"), what, strings.Join(kept, ", ")))
	}
}

// retire makes services that left PTV inactive.
func (p *planner) retire() {
	for _, g := range slices.Sorted(maps.Keys(p.oldSvcs)) {
		if p.services[g] != nil {
			continue
		}
		old := p.oldSvcs[g]
		if p.skipped[g] {
			p.services[g] = old
			continue
		}
		e := &placed{file: old.file, old: old.m, m: copyMap(old.m)}
		why := "no longer in PTV"
		if s := p.o.Input.Services[g]; s != nil {
			why = "no longer published in PTV (" + s.Status + ")"
		}
		if st := old.m.str("status"); st == "" || st == "active" {
			e.m.set("status", "inactive")
			p.rep.Inactive = append(p.rep.Inactive, fmt.Sprintf("%s: %s", old.m.str("id"), why))
		}
		p.services[g] = e
	}
}

func copyMap(m *omap) *omap {
	out := newMap()
	for _, k := range m.keys {
		out.set(k, m.vals[k])
	}
	return out
}

// layout puts every entry in its file and writes the files.
func (p *planner) layout() *Result {
	type file struct{ orgs, services []*omap }
	files := map[string]*file{}
	at := func(name string) *file {
		if files[name] == nil {
			files[name] = &file{}
		}
		return files[name]
	}
	report := func(e *placed, what string, order []string) {
		label := fmt.Sprintf("%s (%s)", e.m.str("id"), what)
		switch {
		case e.old == nil:
			p.rep.New = append(p.rep.New, label)
		case entryYAML(e.old, order) == entryYAML(e.m, order):
			p.rep.Unchanged = append(p.rep.Unchanged, label)
		default:
			p.rep.Updated = append(p.rep.Updated, label)
		}
	}
	for _, g := range slices.Sorted(maps.Keys(p.orgs)) {
		e := p.orgs[g]
		at(e.file).orgs = append(at(e.file).orgs, e.m)
		if e.m != e.old {
			report(e, "organisation", orgKeyOrder)
		}
	}
	for _, g := range slices.Sorted(maps.Keys(p.services)) {
		e := p.services[g]
		at(e.file).services = append(at(e.file).services, e.m)
		if e.m != e.old {
			report(e, "service", serviceKeyOrder)
		}
	}
	// entries of the old files that are not PTV's, and PTV organisations
	// no service of this import uses, stay where they were
	oldData := map[string][]byte{}
	for _, f := range p.files {
		oldData[f.name] = f.data
		for _, m := range f.orgs {
			if g := strings.ToLower(m.str("ptv")); g == "" || p.orgs[g] == nil {
				at(f.name).orgs = append(at(f.name).orgs, m)
			}
		}
		for _, m := range f.services {
			if m.str("ptv") == "" {
				at(f.name).services = append(at(f.name).services, m)
			}
		}
	}
	res := &Result{Files: map[string][]byte{}, Report: p.rep}
	for name, f := range files {
		byID := func(list []*omap) {
			sort.SliceStable(list, func(i, j int) bool { return list[i].str("id") < list[j].str("id") })
		}
		byID(f.orgs)
		byID(f.services)
		data := p.render(f.orgs, f.services)
		res.Files[name] = data
		if !bytes.Equal(data, oldData[name]) {
			res.Changed = append(res.Changed, name)
		}
	}
	for name, data := range oldData {
		if _, ok := res.Files[name]; !ok {
			res.Files[name] = data // an empty file: left as it is
		}
	}
	sort.Strings(res.Changed)
	return res
}

// header is at the top of every file written.
const header = `# Generated by polku import ptv from Suomi.fi's service directory (PTV),
# Open API v11, read from: %s
#
# Import again to refresh it. Entries are matched by their ptv: id, and the
# import keeps what staff own: an entry's id, a kind you changed, tags,
# eligible, eligibility, unverified, status, umbrella, fees, page_date, any
# other key the import does not write, and texts in languages PTV does not
# give (fi-selko; sv or en where PTV has none). Everything else comes from
# PTV on every import: correct it in PTV, not here. Comments and key order
# are not kept. A service that leaves PTV gets status: inactive, and loses
# it when it comes back; to hide a PTV service for good, use status: defunct.
`

func (p *planner) render(orgs, services []*omap) []byte {
	var e emitter
	fmt.Fprintf(&e.b, header, strings.Join(p.o.Inputs, ", "))
	if len(orgs) > 0 {
		e.line(0, "organizations:")
		for _, m := range orgs {
			e.item(2, m, orgKeyOrder)
		}
	}
	if len(services) > 0 {
		if len(orgs) > 0 {
			e.b.WriteByte('\n')
		}
		e.line(0, "services:")
		for i, m := range services {
			if i > 0 {
				e.b.WriteByte('\n')
			}
			e.item(2, m, serviceKeyOrder)
		}
	}
	return []byte(e.b.String())
}
