package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Hours are when volunteers are usually there, such as weekdays 9–16. The
// person is told them before asking for a volunteer, and told when it is
// outside them now, so that silence is never a surprise.
type Hours struct {
	Days     [7]bool // by time.Weekday: Sunday is 0
	From, To int     // minutes after midnight; To is after From
	Loc      *time.Location
}

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseHours reads hours such as "mon-fri 9-16", "mon-thu 09:30-15:00",
// "mon,wed,fri 10-14" or "sat-sun 12-18", in loc (Finland's time by
// default, with tzdata embedded by the binary).
func ParseHours(s string, loc *time.Location) (*Hours, error) {
	bad := func(why string) error {
		return fmt.Errorf("hours %q: %s; write them like \"mon-fri 9-16\" or \"mon,wed 10:00-14:30\"", s, why)
	}
	days, span, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), " ")
	if !ok {
		return nil, bad("days and times are separated by a space")
	}
	h := &Hours{Loc: loc}
	if h.Loc == nil {
		h.Loc = time.UTC
	}
	for part := range strings.SplitSeq(days, ",") {
		first, last, isRange := strings.Cut(part, "-")
		a, b := dayIndex(first), dayIndex(last)
		if !isRange {
			b = a
		}
		if a < 0 || b < 0 {
			return nil, bad(fmt.Sprintf("%q is not a day (mon, tue, wed, thu, fri, sat, sun)", part))
		}
		for d := a; ; d = (d + 1) % 7 {
			h.Days[d] = true
			if d == b {
				break
			}
		}
	}
	from, to, ok := strings.Cut(strings.TrimSpace(span), "-")
	if !ok {
		return nil, bad("the times need a dash between them")
	}
	var err error
	if h.From, err = clock(from); err != nil {
		return nil, bad(err.Error())
	}
	if h.To, err = clock(to); err != nil {
		return nil, bad(err.Error())
	}
	if h.To <= h.From {
		return nil, bad("the end is not after the start")
	}
	return h, nil
}

func dayIndex(s string) int {
	s = strings.TrimSpace(s)
	for i, d := range dayNames {
		if s == d {
			return i
		}
	}
	return -1
}

func clock(s string) (int, error) {
	hh, mm, hasMinutes := strings.Cut(strings.TrimSpace(s), ":")
	h, err := strconv.Atoi(hh)
	m := 0
	if err == nil && hasMinutes {
		m, err = strconv.Atoi(mm)
	}
	if err != nil || h < 0 || h > 24 || m < 0 || m > 59 || h == 24 && m > 0 {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	return h*60 + m, nil
}

// Open reports whether t falls within the hours.
func (h *Hours) Open(t time.Time) bool {
	t = t.In(h.Loc)
	m := t.Hour()*60 + t.Minute()
	return h.Days[t.Weekday()] && m >= h.From && m < h.To
}

// Text writes the hours for people: names is the content's "weekdays"
// message, seven short names from Monday on ("ma ti ke to pe la su").
// Runs of days are joined with a dash: "ma–pe 9–16".
func (h *Hours) Text(names string) string {
	short := strings.Fields(names)
	if len(short) != 7 {
		short = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
	}
	name := func(d int) string { return short[(d+6)%7] } // Monday first
	var parts []string
	for i := 0; i < 7; {
		d := (i + 1) % 7 // walk from Monday
		if !h.Days[d] {
			i++
			continue
		}
		j := i
		for j+1 < 7 && h.Days[(j+2)%7] {
			j++
		}
		if j == i {
			parts = append(parts, name(d))
		} else {
			parts = append(parts, name(d)+"–"+name((j+1)%7))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ") + " " + clockText(h.From) + "–" + clockText(h.To)
}

func clockText(m int) string {
	if m%60 == 0 {
		return strconv.Itoa(m / 60)
	}
	return fmt.Sprintf("%d.%02d", m/60, m%60)
}
