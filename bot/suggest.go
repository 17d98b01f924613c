package bot

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"polku/bot/content"
)

// showSuggestions puts the ranked suggestions for the person's answers in
// the reply: at most MaxSuggestions, each with its reasons in the person's
// own words, what to check, and how to start.
func (t *turn) showSuggestions() {
	res := t.c.SuggestTop(t.w.Profile, t.lang(), MaxSuggestions)
	sg := &Suggestions{Intro: t.say("suggestions"), Why: t.say("why"), HowToStart: t.say("how_to_start")}
	if len(res.Suggestions) == 0 {
		sg.Intro = t.say("no_suggestions")
	}
	for i, s := range res.Suggestions {
		if i == MaxSuggestions {
			break
		}
		sg.Cards = append(sg.Cards, t.card(s))
	}
	if res.AreaUnknown {
		sg.Notes = append(sg.Notes, t.say("area_unknown"))
	}
	if res.AskPlace {
		sg.Notes = append(sg.Notes, t.say("ask_place"))
	}
	// every result screen ends with where to turn in a crisis
	sg.Notes = append(sg.Notes, t.say("crisis_footer"))
	t.reply.Suggestions = sg
}

func (t *turn) card(s content.Suggestion) Card {
	lang := t.lang()
	sv := s.Service
	c := Card{Service: sv.ID, Name: sv.Name.In(lang), URL: sv.URL, Description: sv.Description.In(lang), HowToStart: sv.HowToStart.In(lang)}
	if sv.Org != nil {
		c.Organization = sv.Org.Name.In(lang)
	}
	if sv.Kind != nil {
		c.Kind = sv.Kind.Name.In(lang)
	}
	if sv.Fees != nil {
		c.Fees = sv.Fees.In(lang)
	}
	for _, r := range s.Rules {
		why := t.format(r.Because.In(lang), t.aboutRule(r))
		if !slices.Contains(c.Why, why) {
			c.Why = append(c.Why, why)
		}
		if !t.trace {
			continue
		}
		tr := Trace{Rule: r.ID, Score: r.Score}
		if r.When != nil {
			for _, f := range r.When.Fields {
				v := "?"
				if vals := t.w.Profile.Values(f); vals != nil {
					v = strings.Join(vals, content.ListSep)
				}
				tr.Answers = append(tr.Answers, f.Name+"="+v)
			}
		}
		c.Trace = append(c.Trace, tr)
	}
	if len(s.Unsure) > 0 && sv.Eligibility != nil {
		var labels []string
		for _, f := range s.Unsure {
			labels = append(labels, strings.ToLower(f.Label.In(lang)))
		}
		c.Caveats = append(c.Caveats, t.format(t.say("check_eligibility"), map[string]string{
			"eligibility": sv.Eligibility.In(lang), "fields": t.join(labels)}))
	} else if s.CheckLimit && sv.Eligibility != nil {
		c.Caveats = append(c.Caveats, t.format(t.say("check_limit"), map[string]string{"eligibility": sv.Eligibility.In(lang)}))
	}
	if s.OtherLanguage || s.Interpreter {
		var names []string
		for _, code := range sv.Languages {
			names = append(names, t.languageName(code))
		}
		key := "serves_languages"
		if s.Interpreter {
			key = "interpreter"
		}
		c.Caveats = append(c.Caveats, t.format(t.say(key), map[string]string{"languages": t.join(names)}))
	}
	places := t.placeNames(sv.Municipalities)
	if sv.Unverified != "" {
		c.Caveats = append(c.Caveats, t.say("unverified"))
	}
	if sv.Address != "" {
		places = "" // the address names the town
	}
	for _, ct := range []struct{ kind, value string }{{"where", places}, {"address", sv.Address}, {"phone", sv.Phone}, {"email", sv.Email}, {"hours", sv.Hours.In(lang)}} {
		if ct.value != "" {
			c.Contact = append(c.Contact, Contact{Kind: ct.kind, Label: t.say(ct.kind), Value: ct.value})
		}
	}
	if d := sv.CheckedDMY(); d != "" {
		c.Checked = strings.Replace(t.say("checked"), "{date}", d, 1)
	}
	return c
}

// placeNames names a service's municipalities in the person's language:
// all of a few, or the first ones and how many more.
func (t *turn) placeNames(codes []string) string {
	ms := t.c.Places.ByCode(codes)
	if len(ms) == 0 {
		return ""
	}
	// the person's own municipality first
	if own := t.w.Profile.Place(); own != nil {
		if i := slices.Index(ms, own); i > 0 {
			ms = append(append([]*content.Municipality{own}, ms[:i]...), ms[i+1:]...)
		}
	}
	const shown = 4
	var names []string
	for i, m := range ms {
		if i == shown && len(ms) > shown+1 {
			names = append(names, t.format(t.say("more_places"), map[string]string{"n": strconv.Itoa(len(ms) - shown)}))
			break
		}
		names = append(names, m.Name(t.lang()))
	}
	return t.join(names)
}

// languageName names a language code by the content's own name for it,
// or the code when the content does not have the language.
func (t *turn) languageName(code string) string {
	// named in the conversation's language ("Finnish", "finska") when the
	// languages question has a label for it, else by its own name
	if f := t.c.LanguagesField(); f != nil {
		if name := f.ValueLabel(code, t.lang()); name != code {
			if strings.HasPrefix(t.lang(), "en") {
				return name // English writes language names with a capital
			}
			r, n := utf8.DecodeRuneInString(name)
			return string(unicode.ToLower(r)) + name[n:]
		}
	}
	for _, l := range t.c.Languages {
		if l.Code == code {
			return l.Name
		}
	}
	return code
}

// Suggestions returns what the person with profile p would be shown at the
// end of a flow, in lang: the same cards, reasons and notes. Staff tools
// use it to explain suggestions.
func (e *Engine) Suggestions(p *content.Profile, lang string) *Suggestions {
	c := e.content.Load()
	t := &turn{e: e, c: c, s: &Session{Lang: pickLang(c, lang)}, w: &content.Walk{Profile: p}, trace: true}
	t.showSuggestions()
	return t.reply.Suggestions
}

// aboutRule is, for each field of several answers that a rule's condition
// picks values of, the person's answers the rule is about: "housing", not
// "housing and little work experience", for a rule on housing. Fields the
// condition reads as a whole are quoted whole.
func (t *turn) aboutRule(r *content.Rule) map[string]string {
	if r.When == nil || len(r.When.Values) == 0 {
		return nil
	}
	var out map[string]string
	p := t.w.Profile
	var buf [8]string
	for _, f := range r.When.Fields {
		vals := p.AppendValues(buf[:0], f)
		if len(vals) < 2 {
			continue
		}
		var labels []string
		for _, v := range vals {
			if slices.Contains(r.When.Values, v) {
				labels = append(labels, f.ValueLabel(v, t.lang()))
			}
		}
		if len(labels) == 0 || len(labels) == len(vals) {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[f.Name] = t.join(labels)
	}
	return out
}
