package content

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

type ruleNodes struct {
	kinds, tags, services []*node
}

func (l *loader) loadRules(f *contentFile) {
	if f.root == nil {
		return
	}
	m := l.fields(f.root, "rules file", spec("rules file", map[string]string{"services": "Services go in files under rules/services/.", "organizations": "Organizations go in files under rules/services/.",
		"fields": "Profile fields go in rules/profile.yaml.", "kinds": "Kinds go in rules/kinds.yaml."}))
	if m == nil {
		return
	}
	for _, item := range l.list(m["rules"], "rules") {
		rm := l.fields(item, "rule", spec("rule", map[string]string{"if": "A rule's condition is written when:.", "reason": "Write the reason as because:.", "why": "Write the reason as because:."}))
		if rm == nil || rm["id"] == nil {
			continue
		}
		id, ok := l.id(rm["id"], "rule id")
		if !ok {
			continue
		}
		if prev := l.rules[id]; prev != nil {
			l.errorf(rm["id"], fmt.Sprintf("The rule %q is defined twice", id), fmt.Sprintf("It is already defined at %s:%d. Give each rule its own id.", prev.File, prev.Pos.Line))
			continue
		}
		r := &Rule{ID: id, File: f.path, Pos: rm["id"].pos, Score: 1}
		if w := rm["when"]; w != nil {
			r.When = l.compileExpr(w, "condition")
		}
		if s := rm["score"]; s != nil {
			r.Score, _ = l.integer(s, "score")
			if r.Score == 0 {
				l.warnf(s, "A score of 0 changes nothing", "Use a positive score to suggest, a negative one to push services down.")
			}
		}
		placeholders := anyPlaceholder
		if !l.profileBroken && len(l.brokenFields) == 0 {
			placeholders = fieldNames(l.content.fields)
		}
		r.Because = l.text(rm["because"], "because", false, placeholders)
		if sn := rm["suggest"]; sn != nil {
			sm := l.fields(sn, "suggest", spec("suggest", map[string]string{"kind": "Write kinds: with a list.", "service": "Write services: with a list.", "tag": "Write tags: with a list."}))
			if sm != nil {
				var nodes ruleNodes
				r.Kinds, nodes.kinds = l.ids(sm["kinds"], "kind")
				r.Tags, nodes.tags = l.ids(sm["tags"], "tag")
				r.Services, nodes.services = l.ids(sm["services"], "service id")
				if len(r.Kinds)+len(r.Tags)+len(r.Services) == 0 {
					l.errorf(sn, "The rule suggests nothing", "Under suggest: list kinds:, tags: or services:.")
				}
				l.resolveRule(r, nodes)
			}
		}
		l.rules[id] = r
		l.content.Rules = append(l.content.Rules, r)
	}
}

func (l *loader) resolveRule(r *Rule, n ruleNodes) {
	for i, k := range r.Kinds {
		if l.kinds[k] == nil && !l.kindsBroken {
			l.errorf(n.kinds[i], fmt.Sprintf("There is no kind %q", k), "Kinds are listed in rules/kinds.yaml."+didYouMean(k, mapKeys(l.kinds)))
		}
	}
	for i, t := range r.Tags {
		if l.tagNodes[t] == nil && !l.catalogueBroken {
			l.warnf(n.tags[i], fmt.Sprintf("No service has the tag %q", t), "The rule suggests nothing through it."+didYouMean(t, mapKeys(l.tagNodes)))
		}
	}
	for i, s := range r.Services {
		if l.content.services[s] == nil && !l.catalogueBroken {
			l.errorf(n.services[i], fmt.Sprintf("There is no service %q", s), "Services are defined in rules/services/."+didYouMean(s, mapKeys(l.content.services)))
		}
	}
	// the targets, in catalogue order, through an index: a national
	// catalogue has thousands of services and a thousand rules
	if l.byKey == nil {
		l.byKey = map[string][]*Service{}
		for _, s := range l.content.Services {
			l.byKey["s:"+s.ID] = append(l.byKey["s:"+s.ID], s)
			if s.Kind != nil {
				l.byKey["k:"+s.Kind.ID] = append(l.byKey["k:"+s.Kind.ID], s)
			}
			for _, t := range s.Tags {
				l.byKey["t:"+t] = append(l.byKey["t:"+t], s)
			}
		}
	}
	var keys []string
	for _, id := range r.Services {
		keys = append(keys, "s:"+id)
	}
	for _, k := range r.Kinds {
		keys = append(keys, "k:"+k)
	}
	for _, t := range r.Tags {
		keys = append(keys, "t:"+t)
	}
	for _, k := range keys {
		r.targets = append(r.targets, l.byKey[k]...)
	}
	slices.SortFunc(r.targets, func(a, b *Service) int { return cmp.Compare(a.index, b.index) })
	r.targets = slices.Compact(r.targets)
	r.targetIdx = make([]int32, len(r.targets))
	for i, t := range r.targets {
		r.targetIdx[i] = int32(t.index)
	}
}

func anyIn(a, b []string) bool {
	for _, x := range a {
		if contains(b, x) {
			return true
		}
	}
	return false
}

// finish resolves what needs everything loaded and runs the checks that
// look at the content as a whole.
func (l *loader) finish(profile *contentFile) {
	c := l.content
	if n := l.pendingStart; n != nil {
		if id, ok := l.id(n, "flow id"); ok {
			if c.Start = c.flows[id]; c.Start == nil && !l.flowsBroken {
				l.errorf(n, fmt.Sprintf("There is no flow %q", id), "start: names the flow new conversations begin with (the flow: of a file in flows/)."+didYouMean(id, mapKeys(c.flows)))
			}
		}
	} else if len(c.Flows) > 0 {
		c.Start = c.Flows[0]
	}
	if len(c.Flows) == 0 && profile != nil && !l.flowsBroken {
		l.diags = append(l.diags, Diagnostic{Severity: Error, Summary: "There are no flows", Detail: "Add a conversation flow in flows/, for example flows/jobseeker.yaml.",
			Subject: Range{File: "flows/", Start: Pos{1, 1}}})
	}
	suggested := map[*Service]bool{}
	for _, r := range c.Rules {
		for _, t := range r.targets {
			suggested[t] = true
		}
	}
	for _, s := range c.Services {
		if s.Status == "active" && !suggested[s] && len(c.Rules) > 0 && !l.kindsBroken && !l.catalogueBroken {
			l.diags = append(l.diags, Diagnostic{Severity: Warning, Summary: fmt.Sprintf("No rule suggests the service %q", s.ID),
				Detail: "It will never be shown. Add its kind, one of its tags or its id to a rule's suggest:.", Subject: Range{File: s.File, Start: s.Pos}})
		}
	}
	c.indexServices()
}

// indexServices numbers the areas and languages and gives each service
// theirs as bits, so that ranking thousands of services compares bits
// rather than looking strings up in maps.
func (c *Content) indexServices() {
	c.areaPos, c.langPos = map[string]int{}, map[string]int{}
	for _, s := range c.Services {
		for a := range s.areaSet {
			if _, ok := c.areaPos[a]; !ok {
				c.areaPos[a] = len(c.areaPos)
			}
		}
		for l := range s.languagesSet {
			if _, ok := c.langPos[l]; !ok {
				c.langPos[l] = len(c.langPos)
			}
		}
	}
	for _, s := range c.Services {
		s.areaBits = make([]uint64, (len(c.areaPos)+63)/64)
		for a := range s.areaSet {
			i := c.areaPos[a]
			s.areaBits[i/64] |= 1 << (i % 64)
		}
		s.langBits = make([]uint64, (len(c.langPos)+63)/64)
		for l := range s.languagesSet {
			i := c.langPos[l]
			s.langBits[i/64] |= 1 << (i % 64)
		}
	}
	// for each area, the places of the services that can be suggested
	// there (its own and the national ones), in catalogue order
	c.allIdx = make([]int32, len(c.Services))
	c.areaIdx = make([][]int32, len(c.areaPos))
	c.nationalIdx = nil
	for i, s := range c.Services {
		c.allIdx[i] = int32(i)
		if s.national {
			c.nationalIdx = append(c.nationalIdx, int32(i))
		}
		for a := range c.areaIdx {
			if s.national || has(s.areaBits, a) {
				c.areaIdx[a] = append(c.areaIdx[a], int32(i))
			}
		}
	}
}

// has reports bit i of bits; -1 is never set.
func has(bits []uint64, i int) bool { return i >= 0 && bits[i/64]&(1<<(i%64)) != 0 }

func pos(m map[string]int, key string) int {
	if i, ok := m[key]; ok {
		return i
	}
	return -1
}

// Suggestion is one service suggested to a person, with the trace of why.
type Suggestion struct {
	Service *Service
	Score   int
	Rules   []*Rule // the rules that chose it, highest score first
	// CheckLimit is set when the service's check_if holds: its eligibility
	// is to be checked, though the person's answers fit it as far as known.
	CheckLimit bool
	// Unsure lists the fields the service's eligibility depends on that the
	// person has not answered: it may or may not fit them.
	Unsure []*Field
	// OtherLanguage is set when the person's languages are not known and
	// the service is not given in the language of the conversation.
	OtherLanguage bool
	// Interpreter is set for the person's own public local service (their
	// county's or municipality's) when it is not given in a language they
	// named, or in the conversation's: it is shown all the same, since
	// they may ask for an interpreter there.
	Interpreter bool
	// Here is set for a service in the municipality the person named;
	// Elsewhere for a local service in other municipalities than theirs.
	Here, Elsewhere bool
}

// rankScratch holds a ranking's scores by catalogue place.
type rankScratch struct {
	score []int
	hit   []bool
}

// fitter decides whether a service fits a person: the checks of ranking
// apart from scores.
type fitter struct {
	c                *Content
	p                *Profile
	place            *Municipality
	personLangs      []string
	areaBit, chatBit int
}

// fit returns why s is left out for the person ("" when it fits), the
// fields its eligibility needs that the person did not answer, and whether
// it is their own public service in a language they did not name.
func (f *fitter) fit(s *Service) (reason string, unsure []*Field, interpreter bool) {
	c, p := f.c, f.p
	// the person's own county or municipality is never hidden by
	// language: local, public, and in their (known) area
	ownPublic := s.Kind != nil && s.Kind.Public && !s.national && f.areaBit >= 0
	switch {
	case s.Status != "active":
		return "status", nil, false
	case c.areaField != nil && !s.national && !has(s.areaBits, f.areaBit):
		return "area", nil, false
	case s.Kind != nil && s.Kind.Residents && !s.national && len(s.Municipalities) > 0 &&
		(f.place == nil || !slices.Contains(s.Municipalities, f.place.Code)):
		// a municipality's own service, for its residents: only for someone
		// who named one of its municipalities
		return "municipality", nil, false
	case len(f.personLangs) > 0 && !anyIn(f.personLangs, s.Languages) && !ownPublic:
		return "language", nil, false
	case s.Eligible != nil:
		switch s.Eligible.Eval(p) {
		case False:
			return "eligibility", nil, false
		case Unknown:
			for _, fl := range s.Eligible.Fields {
				if !p.Known(fl) {
					unsure = append(unsure, fl)
				}
			}
		}
	}
	if ownPublic {
		if len(f.personLangs) > 0 {
			interpreter = !anyIn(f.personLangs, s.Languages)
		} else {
			interpreter = !has(s.langBits, f.chatBit)
		}
	}
	return "", unsure, interpreter
}

// elsewhere reports a service given in municipalities other than the one
// the person named.
func (f *fitter) elsewhere(s *Service) bool {
	return f.place != nil && len(s.Municipalities) > 0 && !slices.Contains(s.Municipalities, f.place.Code)
}

// RuleResult is one rule's condition for a profile.
type RuleResult struct {
	Rule  *Rule
	Value Tri
}

// Exclusion is a service a rule chose but that was left out, and why.
type Exclusion struct {
	Service *Service
	Reason  string // "area", "municipality", "language", "eligibility", "status", "local" (an umbrella gave way)
}

// Result is the outcome of ranking for one profile: the suggestions in
// order, and the whole trace for staff tools.
type Result struct {
	Suggestions []Suggestion
	// Total is how many services are suggested in all (SuggestTop shows
	// only the best of them).
	Total       int
	Rules       []RuleResult
	Excluded    []Exclusion
	AreaUnknown bool // the area is not known, so only national services were considered
	// AskPlace is set when a municipality's own service in the person's
	// area was left out because they did not name their municipality.
	AskPlace bool
}

// Suggest evaluates every rule against the profile, adds up scores per
// service, leaves out services that do not fit (area, languages,
// eligibility) and ranks the rest: every one, each with the rules that
// chose it, and what was left out and why (for staff tools). lang is the
// language of the conversation.
func (c *Content) Suggest(p *Profile, lang string) *Result { return c.rank(p, lang, -1, 0) }

// SuggestTop is Suggest for the best n only (the cards a person is shown),
// which it finds without ranking the whole catalogue; Excluded is left
// empty and Total counts every service that would be suggested.
func (c *Content) SuggestTop(p *Profile, lang string, n int) *Result {
	return c.rank(p, lang, max(n, 0), 0)
}

// countAtLeast counts the services that would be suggested, up to k: the
// checks of a whole flow ask only "none?" and "fewer than three?".
func (c *Content) countAtLeast(p *Profile, lang string, k int) int {
	return c.rank(p, lang, 0, k).Total
}

// rank is Suggest (n < 0) and SuggestTop (n ≥ 0); with stopAt > 0 it stops
// counting there.
func (c *Content) rank(p *Profile, lang string, n, stopAt int) *Result {
	all := n < 0
	res := &Result{Rules: make([]RuleResult, len(c.Rules))}
	// the scores are scratch: taken from a pool and put back cleared, since
	// a person's last answer ranks the whole catalogue
	sc, _ := c.scratch.Get().(*rankScratch)
	if sc == nil || len(sc.score) != len(c.Services) {
		sc = &rankScratch{score: make([]int, len(c.Services)), hit: make([]bool, len(c.Services))}
	}
	defer func() {
		clear(sc.score)
		clear(sc.hit)
		c.scratch.Put(sc)
	}()
	score, hit := sc.score, sc.hit
	var chosen [][]*Rule // for every service: only when all are ranked
	if all {
		chosen = make([][]*Rule, len(c.Services))
	}
	var fired []*Rule
	for i, r := range c.Rules {
		v := True
		if r.When != nil {
			v = r.When.Eval(p)
		}
		res.Rules[i] = RuleResult{Rule: r, Value: v}
		if v != True {
			continue
		}
		fired = append(fired, r)
		for _, i := range r.targetIdx {
			score[i] += r.Score
			hit[i] = true
			if all {
				chosen[i] = append(chosen[i], r)
			}
		}
	}
	var area string
	var buf [8]string
	if c.areaField != nil {
		if v := p.AppendValues(buf[:0], c.areaField); len(v) > 0 {
			area = v[0]
		} else {
			res.AreaUnknown = true
		}
	}
	var personLangs []string
	if c.langField != nil {
		for _, l := range p.AppendValues(buf[:0], c.langField) {
			if c.serviceLangs[l] {
				personLangs = append(personLangs, l)
			}
		}
	}
	chatLang, _, _ := strings.Cut(lang, "-")
	areaBit, chatBit := pos(c.areaPos, area), pos(c.langPos, chatLang)
	f := fitter{c: c, p: p, place: p.Place(), personLangs: personLangs, areaBit: areaBit, chatBit: chatBit}
	// an umbrella (a network's national finder) gives way to a local
	// service of its kind that the person is suggested at least as
	// strongly, in their own municipality when they named it
	var umbrellaKinds []*Kind // the kinds of the umbrellas suggested
	var localBest []int       // by umbrellaKinds: the best score of a local service of that kind
	for _, i := range c.umbrellaIdx {
		if s := c.Services[i]; hit[i] && score[i] > 0 && !slices.Contains(umbrellaKinds, s.Kind) {
			umbrellaKinds = append(umbrellaKinds, s.Kind)
		}
	}
	// the services that can fit: all of them when every one is explained,
	// else the national ones and those of the person's area
	cands := c.allIdx
	if !all && c.areaField != nil {
		cands = c.nationalIdx
		if areaBit >= 0 {
			cands = c.areaIdx[areaBit]
		}
	}
	if len(umbrellaKinds) > 0 {
		localBest = make([]int, len(umbrellaKinds))
		for _, i32 := range cands {
			i, s := int(i32), c.Services[i32]
			if !hit[i] || score[i] <= 0 || s.national {
				continue
			}
			k := slices.Index(umbrellaKinds, s.Kind)
			if k < 0 || score[i] <= localBest[k] {
				continue
			}
			if !f.elsewhere(s) {
				if reason, _, _ := f.fit(s); reason == "" {
					localBest[k] = score[i]
				}
			}
		}
	}
	for _, i32 := range cands {
		i, s := int(i32), c.Services[i32]
		if !hit[i] || !all && score[i] <= 0 {
			continue
		}
		reason, unsure, interpreter := f.fit(s)
		if reason == "municipality" && f.place == nil && score[i] > 0 {
			res.AskPlace = true
		}
		if k := slices.Index(umbrellaKinds, s.Kind); reason == "" && s.Umbrella && k >= 0 && localBest[k] >= score[i] && score[i] > 0 {
			reason = "local"
		}
		if reason != "" {
			if all {
				res.Excluded = append(res.Excluded, Exclusion{Service: s, Reason: reason})
			}
			continue
		}
		if score[i] <= 0 {
			continue
		}
		res.Total++
		if stopAt > 0 && res.Total >= stopAt {
			break
		}
		sg := Suggestion{Service: s, Score: score[i], Unsure: unsure, Interpreter: interpreter,
			CheckLimit:    s.CheckIf != nil && s.CheckIf.Eval(p) == True,
			OtherLanguage: !interpreter && len(personLangs) == 0 && !has(s.langBits, chatBit),
			Here:          f.place != nil && slices.Contains(s.Municipalities, f.place.Code),
			Elsewhere:     !s.national && f.elsewhere(s)}
		if all {
			sg.Rules = chosen[i]
			sortRules(sg.Rules)
			res.Suggestions = append(res.Suggestions, sg)
			continue
		}
		// keep the best n, in order: insertion into a short list
		at := len(res.Suggestions)
		for at > 0 && compareSuggestions(sg, res.Suggestions[at-1]) < 0 {
			at--
		}
		if at < n {
			if res.Suggestions == nil {
				// room for the one inserted past the n kept
				res.Suggestions = make([]Suggestion, 0, n+1)
			}
			res.Suggestions = slices.Insert(res.Suggestions, at, sg)
			if len(res.Suggestions) > n {
				res.Suggestions = res.Suggestions[:n]
			}
		}
	}
	if all {
		sortSuggestions(res.Suggestions)
		return res
	}
	// the reasons, for the few shown: the fired rules that target each
	for i := range res.Suggestions {
		s := res.Suggestions[i].Service
		for _, r := range fired {
			if _, ok := slices.BinarySearch(r.targetIdx, int32(s.index)); ok {
				res.Suggestions[i].Rules = append(res.Suggestions[i].Rules, r)
			}
		}
		sortRules(res.Suggestions[i].Rules)
	}
	return res
}

func sortRules(rs []*Rule) {
	slices.SortStableFunc(rs, func(a, b *Rule) int { return cmp.Compare(b.Score, a.Score) })
}

// sortSuggestions ranks by score, then by nearness (a concrete local first
// step is more useful), then services in the conversation's language, then
// catalogue order, so the result never depends on map order.
func sortSuggestions(ss []Suggestion) { slices.SortFunc(ss, compareSuggestions) }

func compareSuggestions(a, b Suggestion) int {
	if a.Score != b.Score {
		return cmp.Compare(b.Score, a.Score)
	}
	if c := cmp.Compare(nearness(a), nearness(b)); c != 0 {
		return c
	}
	if a.OtherLanguage != b.OtherLanguage {
		if a.OtherLanguage {
			return 1
		}
		return -1
	}
	return cmp.Compare(a.Service.index, b.Service.index)
}

// nearness orders services of equal score: in the person's own
// municipality, then local to their area, then national, then local but in
// another municipality than the one they named.
func nearness(s Suggestion) int {
	switch {
	case s.Here:
		return 0
	case s.Elsewhere:
		return 3
	case s.Service.national:
		return 2
	}
	return 1
}
