package content

import (
	"strconv"
	"strings"
)

// Profile is what a person has told, one value per profile field. A field is
// unknown until answered and stays unknown when the person declines: unknown
// is never the same as "no".
type Profile struct {
	content *Content
	vals    []val
	// declined marks fields the person chose not to answer, so explanations
	// can tell "you did not want to say" from "not asked".
	declined []bool
	// place is the municipality the person named (its code), when they
	// typed one: services there are shown first, and a municipality's own
	// services of other municipalities are left out.
	place string
	// ev is the evaluation state conditions use, kept here so that
	// evaluating one (the last answer evaluates dozens) allocates nothing.
	// A profile is one person's, used by one goroutine at a time.
	ev env
}

// SetPlace records the municipality the person named, by its code; it is
// kept only while it lies in the area the profile holds.
func (p *Profile) SetPlace(code string) { p.place = code }

// Place is the municipality the person named, or nil: one outside the
// area the person answered (they went back and chose another) is not theirs.
// An area of one municipality (Helsinki) names it without being typed.
func (p *Profile) Place() *Municipality {
	places, af := p.content.Places, p.content.areaField
	if places == nil || af == nil {
		return nil
	}
	v := p.vals[af.Index] // read as is: Values would allocate
	if v.k != kString {
		return nil
	}
	if p.place == "" {
		return places.only[v.s]
	}
	if m := places.Municipality(p.place); m != nil && m.Area == v.s {
		return m
	}
	return nil
}

// NewProfile returns a profile with every field unknown.
func (c *Content) NewProfile() *Profile {
	return &Profile{content: c, vals: make([]val, len(c.Fields)), declined: make([]bool, len(c.Fields))}
}

// Known reports whether the field has a value.
func (p *Profile) Known(f *Field) bool { return p.vals[f.Index].k != kUnknown }

// Declined reports whether the person chose not to answer the field.
func (p *Profile) Declined(f *Field) bool { return p.declined[f.Index] }

// AppendValues appends f's values in text form to dst, so that a caller
// with a small array on its stack reads them without allocating (ranking
// reads the area and languages at every last answer).
func (p *Profile) AppendValues(dst []string, f *Field) []string {
	v := p.vals[f.Index]
	switch v.k {
	case kString:
		return append(dst, v.s)
	case kInt:
		return append(dst, strconv.Itoa(v.i))
	case kBool:
		return append(dst, strconv.FormatBool(v.b))
	case kList:
		for _, e := range v.l {
			dst = append(dst, e.s)
		}
	}
	return dst
}

// Values returns the field's value as text: one item for String, Int and
// Bool fields, the chosen values for a List field, nil when unknown.
func (p *Profile) Values(f *Field) []string {
	if !p.Known(f) {
		return nil
	}
	return p.AppendValues(nil, f)
}

// Set gives field f a value from its text form (as stored in an Answer). It
// reports false, changing nothing, when the text is not a valid value.
func (p *Profile) Set(f *Field, value string) bool {
	v, ok := parseValue(f, value)
	if !ok {
		return false
	}
	p.vals[f.Index] = v
	p.declined[f.Index] = false
	return true
}

// Decline records that the person chose not to answer f: it stays unknown.
func (p *Profile) Decline(f *Field) {
	p.vals[f.Index] = val{}
	p.declined[f.Index] = true
}

// Clear makes f unknown and not declined, as if never asked.
func (p *Profile) Clear(f *Field) {
	p.vals[f.Index] = val{}
	p.declined[f.Index] = false
}

func parseValue(f *Field, s string) (val, bool) {
	switch f.Type {
	case Int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return val{}, false
		}
		return val{k: kInt, i: n}, true
	case Bool:
		b, err := strconv.ParseBool(s)
		if err != nil || (s != "true" && s != "false") {
			return val{}, false
		}
		return val{k: kBool, b: b}, true
	case List:
		if s == "" {
			return val{}, false
		}
		l := make([]val, 0, strings.Count(s, ListSep)+1)
		for x := range strings.SplitSeq(s, ListSep) {
			if !f.values[x] {
				return val{}, false
			}
			l = append(l, val{k: kString, s: x})
		}
		return val{k: kList, l: l}, true
	default:
		if f.Enum() && !f.values[s] {
			return val{}, false
		}
		return val{k: kString, s: s}, true
	}
}

// ListSep joins the values of a List field in an Answer. Values are ids, so
// they never contain it.
const ListSep = ","
