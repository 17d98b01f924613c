package content

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Freshness lists catalogue entries whose facts are due for another look:
// a service or organisation last checked more than maxAge before today,
// and an organisation with no source. Facts about places go stale (a
// workshop moves, a phone number changes), so polku check asks staff to
// read each source again at least once in maxAge. It is kept apart from
// Load, whose result must not depend on the day it runs.
func (c *Content) Freshness(today time.Time, maxAge Age) Diagnostics {
	var ds Diagnostics
	due := func(checked string) (string, bool) {
		d, err := time.Parse("2006-01-02", checked)
		if err != nil {
			return "", false
		}
		if !maxAge.Before(today, d) {
			return "", false
		}
		return ageText(d, today), true
	}
	warn := func(file string, at Pos, summary, detail string) {
		ds = append(ds, Diagnostic{Severity: Warning, Subject: Range{File: file, Start: at}, Summary: summary, Detail: detail})
	}
	for _, o := range c.Orgs {
		switch ago, old := due(o.Checked); {
		case o.Source == "":
			warn(o.File, o.Pos, fmt.Sprintf("The organization %q has no source", o.ID),
				"Add source: with the address of the page its facts were read from, and checked: with the date you read it.")
		case old:
			warn(o.File, o.Pos, fmt.Sprintf("The organization %q was last checked %s", o.ID, ago),
				fmt.Sprintf("Read %s again and change checked: to the day you did (older than %s).", o.Source, maxAge))
		}
	}
	for _, k := range c.Kinds {
		switch ago, old := due(k.Checked); {
		case len(k.Sources) == 0:
			warn(k.File, k.Pos, fmt.Sprintf("The kind %q has no sources", k.ID),
				"Add sources: with the addresses of the pages its facts (who it suits, what it costs) were read from, and checked: with the date you read them.")
		case old:
			warn(k.File, k.Pos, fmt.Sprintf("The kind %q was last checked %s", k.ID, ago),
				fmt.Sprintf("Read its sources again and change checked: to the day you did (older than %s).", maxAge))
		}
	}
	for _, s := range c.Services {
		if ago, old := due(s.Checked); old {
			warn(s.File, s.Pos, fmt.Sprintf("The service %q was last checked %s", s.ID, ago),
				fmt.Sprintf("Read %s again, correct what changed and set checked: to the day you read it; add unverified: with why if you cannot confirm it (older than %s).", s.Source, maxAge))
		}
	}
	ds.Sort()
	return ds
}

func ageText(then, now time.Time) string {
	months := (now.Year()-then.Year())*12 + int(now.Month()-then.Month())
	if now.Day() < then.Day() {
		months--
	}
	return fmt.Sprintf("%s, %d months ago", then.Format("2006-01-02"), months)
}

// Age is a span of calendar time: days, weeks, months or years, as staff
// say it (12mo, 1y, 90d).
type Age struct {
	N    int
	Unit string // d, w, mo or y
}

var agePattern = regexp.MustCompile(`^([0-9]{1,4})(d|w|mo|y)$`)

// ParseAge reads 90d, 8w, 12mo or 1y.
func ParseAge(s string) (Age, error) {
	m := agePattern.FindStringSubmatch(s)
	if m == nil {
		return Age{}, fmt.Errorf("%q is not an age: write a number and d, w, mo or y, for example 12mo", s)
	}
	n, _ := strconv.Atoi(m[1])
	if n == 0 {
		return Age{}, fmt.Errorf("%q is not an age: it must be more than 0", s)
	}
	return Age{N: n, Unit: m[2]}, nil
}

func (a Age) String() string { return strconv.Itoa(a.N) + a.Unit }

// Before reports whether date is more than a before today.
func (a Age) Before(today, date time.Time) bool {
	var limit time.Time
	switch a.Unit {
	case "d":
		limit = today.AddDate(0, 0, -a.N)
	case "w":
		limit = today.AddDate(0, 0, -7*a.N)
	case "mo":
		limit = today.AddDate(0, -a.N, 0)
	default:
		limit = today.AddDate(-a.N, 0, 0)
	}
	return date.Before(limit)
}
