package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"polku/bot"
	"polku/bot/content"
	"polku/bot/store"
)

func init() {
	register(command{name: "suggest", summary: "explain what a person with given answers is suggested, and why", order: 35, run: runSuggest})
}

const suggestHelp = `Usage: polku suggest [--lang fi|sv|en] [--content DIR | DIR] field=value ...

Shows, for a person who answered as given, every rule: whether it fired and
why (the value of its condition and of the answers it reads), the score each
service got, the services left out and why (area, language, eligibility),
and what the person would be shown, with the reasons in their words. It
answers "why did this person get that suggestion?".

Give each answer as field=value, with the fields of rules/profile.yaml:
  wants=work,study      a list field: values separated by commas
  age=24                a number
  pace=-                "I'd rather not say": the field stays unknown
A field not given was not asked: unknown too.
  place=Tampere         the municipality the person typed (Finnish or Swedish
                        name): its own services first; sets area too

Examples:
  polku suggest wants=study pace=part_time area=pohjois-pohjanmaa age=19
  polku suggest --lang en wants=work pace=full_time age=45
  polku suggest area=-          someone who would not say where they live
  polku suggest place=Joensuu age_band=age_18_24 wants=work
`

func runSuggest(_ context.Context, inv invocation) error {
	fs := flag.NewFlagSet("suggest", flag.ContinueOnError)
	fs.SetOutput(inv.stderr)
	dir := fs.String("content", inv.getenv("POLKU_CONTENT"), "a content directory instead of the built-in content ($POLKU_CONTENT)")
	lang := fs.String("lang", "", "the language of the reasons shown (default: the content's first)")
	fs.Usage = func() { fmt.Fprint(inv.stderr, suggestHelp) }
	if done, err := parseFlags(fs, inv.args); done {
		return err
	}
	args := fs.Args()
	if len(args) > 0 && !strings.Contains(args[0], "=") {
		*dir, args = args[0], args[1:]
	}
	c, ds, err := loadContent(*dir, inv.stdout, false)
	if err != nil {
		if _, ok := err.(contentError); ok {
			fmt.Fprintf(inv.stdout, "polku suggest: the content has %s; polku check shows them\n", countWords(ds))
			return errReported
		}
		return err
	}
	if *lang == "" {
		*lang = c.Languages[0].Code
	} else if !c.Language(*lang) {
		return usageError{msg: fmt.Sprintf("--lang %s: the content speaks %s", *lang, strings.Join(codes(c), ", "))}
	}
	p, err := profileFrom(c, args)
	if err != nil {
		return err
	}
	explain(inv.stdout, c, p, *lang)
	return nil
}

func codes(c *content.Content) []string {
	var out []string
	for _, l := range c.Languages {
		out = append(out, l.Code)
	}
	return out
}

// profileFrom reads field=value arguments into a profile, saying precisely
// what is wrong with an argument that does not fit.
func profileFrom(c *content.Content, args []string) (*content.Profile, error) {
	p := c.NewProfile()
	var names []string
	for _, f := range c.Fields {
		names = append(names, f.Name)
	}
	var place *content.Municipality
	for _, a := range args {
		name, value, ok := strings.Cut(a, "=")
		if !ok {
			return nil, usageError{msg: fmt.Sprintf("%q: write answers as field=value, e.g. age=24", a)}
		}
		if name == "place" && c.Field("place") == nil {
			if place = c.Places.Municipality(value); place == nil {
				return nil, usageError{msg: fmt.Sprintf("place=%s: not a municipality of rules/places/; write its Finnish or Swedish name", value)}
			}
			continue
		}
		f := c.Field(name)
		if f == nil {
			return nil, usageError{msg: fmt.Sprintf("%q is not a profile field; the fields are %s.%s", name, strings.Join(names, ", "), didYouMean(name, names))}
		}
		if value == "-" || value == "?" {
			p.Decline(f)
			continue
		}
		if f.Type == content.List {
			value = strings.Join(strings.Fields(strings.ReplaceAll(value, ",", " ")), content.ListSep)
		}
		if !p.Set(f, value) {
			hint := ""
			switch {
			case f.Type == content.Int:
				hint = "a whole number"
			case f.Type == content.Bool:
				hint = "true or false"
			case f.Enum():
				hint = "one of " + strings.Join(f.Values, ", ")
				if f.Type == content.List {
					hint = "values separated by commas from " + strings.Join(f.Values, ", ")
				}
			}
			return nil, usageError{msg: fmt.Sprintf("%s=%s: %s takes %s", name, value, name, hint)}
		}
	}
	if place != nil {
		if area := c.AreaField(); area != nil {
			if !p.Known(area) {
				p.Set(area, place.Area)
			}
			if v := p.Values(area); len(v) != 1 || v[0] != place.Area {
				return nil, usageError{msg: fmt.Sprintf("place=%s is in the area %s, not %s", place.Fi, place.Area, strings.Join(v, ","))}
			}
		}
		p.SetPlace(place.Code)
	}
	return p, nil
}

func didYouMean(name string, candidates []string) string {
	if best := content.Closest(name, candidates); best != "" {
		return fmt.Sprintf(" Did you mean %s?", best)
	}
	return ""
}

// valueOf is a field's value for explanations: its values, "not said" for
// a declined answer, "not known" for one never given.
func valueOf(p *content.Profile, f *content.Field) string {
	switch {
	case p.Known(f):
		return strings.Join(p.Values(f), ",")
	case p.Declined(f):
		return "not said"
	}
	return "not known"
}

func explain(w io.Writer, c *content.Content, p *content.Profile, lang string) {
	res := c.Suggest(p, lang)
	fmt.Fprintln(w, "The answers:")
	for _, f := range c.Fields {
		fmt.Fprintf(w, "  %-12s %s\n", f.Name, valueOf(p, f))
	}
	if m := p.Place(); m != nil {
		fmt.Fprintf(w, "  %-12s %s (%s)\n", "place", m.Fi, m.Code)
	}

	fmt.Fprintf(w, "\nThe rules (%d), in the order they are written:\n", len(res.Rules))
	score := map[*content.Service]int{}
	from := map[*content.Service][]string{}
	for _, rr := range res.Rules {
		r := rr.Rule
		mark := map[content.Tri]string{content.True: "fired  ", content.False: "no     ", content.Unknown: "unknown"}[rr.Value]
		cond := "(no condition: fires for everyone)"
		if r.When != nil {
			var read []string
			for _, f := range r.When.Fields {
				read = append(read, f.Name+"="+valueOf(p, f))
			}
			cond = fmt.Sprintf("when %s → %s", r.When.Source, rr.Value)
			if len(read) > 0 {
				cond += " (" + strings.Join(read, ", ") + ")"
			}
		}
		fmt.Fprintf(w, "  %s %-24s %s\n", mark, r.ID, cond)
		if rr.Value == content.True {
			var ids []string
			for _, s := range r.Targets() {
				ids = append(ids, s.ID)
				score[s] += r.Score
				from[s] = append(from[s], fmt.Sprintf("%s %+d", r.ID, r.Score))
			}
			fmt.Fprintf(w, "  %s %-24s %+d to %s\n", strings.Repeat(" ", 7), "", r.Score, strings.Join(ids, ", "))
		} else if rr.Value == content.Unknown {
			fmt.Fprintf(w, "  %s %-24s a condition that depends on something not known never fires\n", strings.Repeat(" ", 7), "")
		}
	}

	fmt.Fprintln(w, "\nScores:")
	var scored []*content.Service
	for _, s := range c.Services {
		if _, ok := score[s]; ok {
			scored = append(scored, s)
		}
	}
	slices.SortStableFunc(scored, func(a, b *content.Service) int { return score[b] - score[a] })
	excluded := map[*content.Service]string{}
	for _, x := range res.Excluded {
		excluded[x.Service] = x.Reason
	}
	if len(scored) == 0 {
		fmt.Fprintln(w, "  no rule fired: nothing is suggested")
	}
	e := bot.New(c, store.NewMemory(0), bot.Options{})
	sg := e.Suggestions(p, lang)
	shown := map[string]bool{}
	for _, card := range sg.Cards {
		shown[card.Service] = true
	}
	otherAreas := 0
	for _, s := range scored {
		note := ""
		switch excluded[s] {
		case "area":
			// hundreds of local services are elsewhere: counted, not listed
			otherAreas++
			continue
		case "municipality":
			note = "left out: a municipality's own service, for people who named one of its municipalities"
		case "local":
			note = "left out: a local service of its kind is suggested instead (it is an umbrella)"
		case "language":
			note = "left out: not in a language the person uses (" + strings.Join(s.Languages, ", ") + ")"
		case "eligibility":
			note = "left out: " + s.Eligible.Source + " is false"
		case "status":
			note = "left out: " + s.Status
		}
		if note == "" && score[s] <= 0 {
			note = "left out: the score is not above zero"
		}
		if note == "" && !shown[s.ID] {
			note = fmt.Sprintf("not shown: only the best %d are", bot.MaxSuggestions)
		}
		fmt.Fprintf(w, "  %-28s %3d  %s", s.ID, score[s], strings.Join(from[s], ", "))
		if note != "" {
			fmt.Fprintf(w, "  — %s", note)
		}
		fmt.Fprintln(w)
	}
	if otherAreas > 0 {
		fmt.Fprintf(w, "  … and %d service%s in other areas than the person's, left out\n", otherAreas, plural(otherAreas))
	}

	fmt.Fprintf(w, "\nWhat the person is shown (at most %d):\n", bot.MaxSuggestions)
	fmt.Fprintf(w, "  %s\n", sg.Intro)
	for i, card := range sg.Cards {
		fmt.Fprintf(w, "  %d. %s — %s [%s]\n", i+1, card.Name, card.Organization, card.Service)
		for _, why := range card.Why {
			fmt.Fprintf(w, "       • %s\n", why)
		}
		for _, cv := range card.Caveats {
			fmt.Fprintf(w, "       ! %s\n", cv)
		}
	}
	for _, n := range sg.Notes {
		fmt.Fprintf(w, "  %s\n", n)
	}
}
