package content

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

var serviceStatuses = []string{"active", "inactive", "defunct", "temporarily_closed"}

var urlPattern = regexp.MustCompile(`^https?://[^\s/$.?#][^\s]*$`)

// phonePattern accepts numbers as Finnish sources write them: digits in
// groups, an optional + and country code, and at least five digits.
var phonePattern = regexp.MustCompile(`^\+?[0-9](?:[ -]?[0-9]){4,15}$`)

var emailPattern = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[a-z]{2,}$`)

// staleAfter is how much older than its reading a source page may be
// before its facts are treated as unverified.
const staleAfter = 2 * 365 * 24 * time.Hour

func pageTooOld(pageDate, checked string) bool {
	p, err1 := time.Parse("2006-01-02", pageDate)
	c, err2 := time.Parse("2006-01-02", checked)
	return err1 == nil && err2 == nil && c.Sub(p) > staleAfter
}

// matching reads an optional text that must match pattern; "" when it is
// missing or does not. what names it, and aWhat with its article.
func (l *loader) matching(n *node, what, aWhat string, pattern *regexp.Regexp, how string) string {
	if n == nil {
		return ""
	}
	v, ok := l.scalar(n, what)
	if !ok {
		return ""
	}
	if !pattern.MatchString(v) {
		l.errorf(n, fmt.Sprintf("%q is not %s", clip(v, 60), aWhat), how)
		return ""
	}
	return v
}

// date reads an optional year-month-day.
func (l *loader) date(n *node, what string) string {
	if n == nil {
		return ""
	}
	d, ok := l.scalar(n, "date")
	if !ok {
		return ""
	}
	if _, err := time.Parse("2006-01-02", d); err != nil {
		l.errorf(n, fmt.Sprintf("%q is not a date", clip(d, 40)), fmt.Sprintf("Write %s as year-month-day, for example 2026-11-23.", what))
		return ""
	}
	return d
}

func (l *loader) url(n *node, what string) (string, bool) {
	s, ok := l.scalar(n, what)
	if !ok {
		return "", false
	}
	if !urlPattern.MatchString(s) {
		l.errorf(n, fmt.Sprintf("%q is not a web address", clip(s, 60)), "Write the full address, starting with https://.")
		return "", false
	}
	// a source is cited as it was read; only addresses people open matter
	if strings.HasPrefix(s, "http://") && what != "source" && what != "dataset" {
		l.warnf(n, "This address is not secure (http://)", "Use https:// if the site supports it.")
	}
	return s, true
}

func (l *loader) loadCatalogue(f *contentFile) {
	if f.root == nil {
		return
	}
	m := l.fields(f.root, "catalogue file", spec("catalogue file", map[string]string{"rules": "Rules go in files directly under rules/, not in rules/services/.",
		"organisations": "Write organizations with a z, as in Open Referral HSDS."}))
	if m == nil {
		return
	}
	for _, item := range l.list(m["organizations"], "organizations") {
		om := l.fields(item, "organization", spec("organization", nil))
		if om == nil {
			continue
		}
		id, ok := l.id(om["id"], "organization id")
		if !ok {
			continue
		}
		if prev := l.orgs[id]; prev != nil {
			l.errorf(om["id"], fmt.Sprintf("The organization %q is defined twice", id), fmt.Sprintf("It is already defined at %s:%d. Keep one of them.", prev.File, prev.Pos.Line))
			continue
		}
		o := &Organization{ID: id, File: f.path, Pos: om["id"].pos}
		if n := om["ptv"]; n != nil {
			o.PTV, _ = l.scalar(n, "PTV id")
		}
		l.imported = o.PTV != ""
		o.Name = l.text(om["name"], "organization name", true, nil)
		l.imported = false
		o.URL, _ = l.url(om["url"], "web address")
		if d := om["description"]; d != nil {
			l.text(d, "description", false, nil)
		}
		if n := om["source"]; n != nil {
			o.Source, _ = l.url(n, "source")
		}
		o.Checked = l.date(om["checked"], "the date someone last read the source")
		o.PageDate = l.date(om["page_date"], "the date the source page shows")
		l.orgs[id] = o
		l.content.Orgs = append(l.content.Orgs, o)
	}
	for _, item := range l.list(m["services"], "services") {
		sm := l.fields(item, "service", spec("service", map[string]string{"application_process": "Polku calls it how_to_start.", "service_areas": "Polku calls it areas.",
			"organization_id": "Polku calls it organization.", "assured_date": "Polku calls it checked.", "eligibility_description": "Polku calls it eligibility."}))
		if sm == nil {
			continue
		}
		id, ok := l.id(sm["id"], "service id")
		if !ok {
			continue
		}
		if prev := l.content.services[id]; prev != nil {
			l.errorf(sm["id"], fmt.Sprintf("The service %q is defined twice", id), fmt.Sprintf("It is already defined at %s:%d. Give each service its own id.", prev.File, prev.Pos.Line))
			continue
		}
		s := &Service{ID: id, File: f.path, Pos: sm["id"].pos, Status: "active", areaSet: map[string]bool{}, languagesSet: map[string]bool{}}
		if n := sm["ptv"]; n != nil {
			s.PTV, _ = l.scalar(n, "PTV id")
		}
		l.imported = s.PTV != ""
		s.Name = l.text(sm["name"], "service name", true, nil)
		s.URL, _ = l.url(sm["url"], "web address")
		s.Description = l.text(sm["description"], "description", false, nil)
		s.HowToStart = l.text(sm["how_to_start"], "how_to_start", false, nil)
		if n := sm["fees"]; n != nil {
			s.Fees = l.text(n, "fees", false, nil)
		}
		if n := sm["eligibility"]; n != nil {
			s.Eligibility = l.text(n, "eligibility", false, nil)
		}
		if n := sm["status"]; n != nil {
			if st, ok := l.scalar(n, "status"); ok {
				if !contains(serviceStatuses, st) {
					l.errorf(n, fmt.Sprintf("%q is not a service status", st), "Use one of: "+strings.Join(serviceStatuses, ", ")+"."+didYouMean(st, serviceStatuses))
				} else {
					s.Status = st
				}
			}
		}
		s.Source, _ = l.url(sm["source"], "source")
		s.Checked = l.date(sm["checked"], "the date someone last read the source")
		if d, err := time.Parse("2006-01-02", s.Checked); err == nil {
			s.checkedDMY = fmt.Sprintf("%d.%d.%d", d.Day(), d.Month(), d.Year())
		}
		s.PageDate = l.date(sm["page_date"], "the date the source page shows")
		if n := sm["unverified"]; n != nil {
			if why, ok := l.scalar(n, "note"); ok {
				s.Unverified = why
			}
		}
		if s.Unverified == "" && s.PageDate != "" && s.Checked != "" && pageTooOld(s.PageDate, s.Checked) {
			s.Unverified = fmt.Sprintf("the source page is dated %s, more than two years before it was read", s.PageDate)
		}
		if n := sm["address"]; n != nil {
			s.Address, _ = l.scalar(n, "address")
		}
		s.Phone = l.matching(sm["phone"], "phone number", "a phone number", phonePattern,
			"Write it as the source does, with digits, spaces and an optional leading +, for example 040 123 4567 or +358 9 2525 0111.")
		s.Email = l.matching(sm["email"], "e-mail address", "an e-mail address", emailPattern, "Write it as name@example.fi.")
		if n := sm["umbrella"]; n != nil {
			s.Umbrella, _ = l.boolean(n, "umbrella")
		}
		if n := sm["hours"]; n != nil {
			s.Hours = l.text(n, "hours", true, nil)
		}
		var muniNodes []*node
		for _, item := range l.list(sm["municipalities"], "municipalities") {
			if name, ok := l.scalar(item, "municipality"); ok {
				muniNodes = append(muniNodes, item)
				s.Municipalities = append(s.Municipalities, name)
			}
		}
		langs, langNodes := l.ids(sm["languages"], "language")
		for i, code := range langs {
			if !languageCode.MatchString(code) {
				l.errorf(langNodes[i], fmt.Sprintf("%q is not a language code", code), "Use two-letter codes such as fi, sv, en, ru, so, ar.")
				continue
			}
			s.Languages = append(s.Languages, code)
			s.languagesSet[code] = true
			l.content.serviceLangs[code] = true
		}
		if len(langs) == 0 && sm["languages"] != nil {
			l.errorf(sm["languages"], "The service lists no languages", "List the languages the service is given in, for example [fi, sv].")
		}
		tags, tagNodes := l.ids(sm["tags"], "tag")
		s.Tags = tags
		for i, t := range tags {
			if l.tagNodes[t] == nil {
				l.tagNodes[t] = tagNodes[i]
			}
		}
		areas, areaNodes := l.ids(sm["areas"], "area")
		s.Areas = areas
		if len(areas) == 0 && sm["areas"] != nil {
			l.errorf(sm["areas"], "The service lists no areas", fmt.Sprintf("List where it is available, or [%s] for the whole country.", National))
		}
		for _, a := range areas {
			s.areaSet[a] = true
			if a == National {
				s.national = true
			}
		}
		l.imported = false
		s.index = len(l.content.Services)
		if s.Umbrella {
			l.content.umbrellaIdx = append(l.content.umbrellaIdx, s.index)
		}
		l.content.Services = append(l.content.Services, s)
		l.content.services[id] = s
		l.services = append(l.services, pendingService{s: s, org: sm["organization"], kind: sm["kind"], areas: areaNodes, municipalities: muniNodes, eligible: sm["eligible"], checkIf: sm["check_if"]})
	}
}

type pendingService struct {
	s     *Service
	org   *node
	kind  *node
	areas []*node
	// municipalities are resolved against rules/places/ once it is read
	municipalities []*node
	eligible       *node
	checkIf        *node
}

// resolveServices checks the catalogue's references once every catalogue
// file has been read: an organization may be defined in another file.
func (l *loader) resolveServices() {
	for _, p := range l.services {
		if id, ok := l.id(p.org, "organization id"); ok {
			if p.s.Org = l.orgs[id]; p.s.Org == nil && !l.catalogueBroken {
				l.errorf(p.org, fmt.Sprintf("There is no organization %q", id),
					"Define it under organizations: in a file in rules/services/."+didYouMean(id, mapKeys(l.orgs)))
			}
		}
		if id, ok := l.id(p.kind, "kind"); ok {
			if p.s.Kind = l.kinds[id]; p.s.Kind == nil && !l.kindsBroken {
				l.errorf(p.kind, fmt.Sprintf("There is no kind %q", id), "Kinds are listed in rules/kinds.yaml."+didYouMean(id, mapKeys(l.kinds)))
			}
		}
		if af := l.content.areaField; af != nil && !l.profileBroken {
			for i, a := range p.s.Areas {
				if a != National && !af.values[a] {
					l.errorf(p.areas[i], fmt.Sprintf("%q is not an area", a),
						fmt.Sprintf("Areas are the values of the area field in rules/profile.yaml, or %s for the whole country.%s", National, didYouMean(a, append(af.Values, National))))
				}
			}
		}
		if p.eligible != nil {
			p.s.Eligible = l.compileExpr(p.eligible, "eligibility condition")
			if p.s.Eligibility == nil {
				l.errorf(p.eligible, "The service has an eligible condition but no eligibility text",
					"Add eligibility: with a sentence per language saying who the service is for; people see it when Polku cannot tell whether it fits them.")
			}
		}
		if p.checkIf != nil {
			p.s.CheckIf = l.compileExpr(p.checkIf, "check_if condition")
			if p.s.Eligibility == nil {
				l.errorf(p.checkIf, "The service has check_if but no eligibility text",
					"check_if shows the eligibility text as something to check; add eligibility: with a sentence per language.")
			}
		}
	}
}

func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
