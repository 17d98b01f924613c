package ptv

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Text is a localised text: {type, value, language} in PTV.
type Text struct {
	Type, Value, Language string
}

// LangText is {value, language}.
type LangText struct {
	Value, Language string
}

// WebPage is {url, value, language}.
type WebPage struct {
	URL, Language string
}

// Organization is the part of PTV's organisation that Polku uses.
type Organization struct {
	ID        string
	Names     []Text
	WebPages  []WebPage
	Published bool
	Status    string
	Modified  time.Time
	File      string
}

// Service is the part of PTV's service that Polku uses.
type Service struct {
	ID           string
	Names        []Text
	Descriptions []Text
	AreaType     string
	Areas        []Area
	Languages    []string
	Classes      []string // service class codes: P10.1, P28.3, …
	Channels     []ChannelLink
	Orgs         []OrgLink
	Status       string
	Modified     time.Time
	File         string
	Path         string // of the object in its file, for messages
}

// Area is one area a service or channel covers.
type Area struct {
	Type, Code     string
	Municipalities []Municipality
}

// Municipality is a municipality code, with where it was read.
type Municipality struct {
	Code, Path string
}

// ChannelLink is a service's connection to a channel.
type ChannelLink struct {
	ID       string
	WebPages []WebPage // the connection's own contact details
}

// OrgLink is a service's connection to an organisation.
type OrgLink struct {
	ID, Name, Role string
}

// Channel is the part of a service channel that Polku uses.
type Channel struct {
	ID        string
	Type      string // ServiceLocation, EChannel, Phone, WebPage, PrintableForm
	Phones    []Phone
	Emails    []LangText
	WebPages  []WebPage
	Addresses []Address
	Hours     []ServiceHour
	Status    string
	Modified  time.Time
	File      string
}

// Phone is a phone number as PTV gives it.
type Phone struct {
	Type, Prefix, Number, Language string
}

// Address is a channel's address; only street addresses are used.
type Address struct {
	Type, SubType string
	Street        []LangText
	StreetNumber  string
	PostalCode    string
	PostOffice    []LangText
}

// ServiceHour is one set of opening hours.
type ServiceHour struct {
	Type                              string
	ValidTo                           string
	IsClosed, AlwaysOpen, Reservation bool
	Opening                           []OpeningHour
}

// OpeningHour is one day's hours: "Monday", "08:00:00", "16:00:00".
type OpeningHour struct {
	DayFrom, DayTo, From, To string
}

// Input is everything read from the input files. An object that appears
// twice (in a page and in a file of its own) is kept once, its latest
// version.
type Input struct {
	Organizations map[string]*Organization
	Services      map[string]*Service
	Channels      map[string]*Channel
	Files         []string // every file read
	Notes         []string // things to tell, not errors: a page of a longer list
}

func newInput() *Input {
	return &Input{Organizations: map[string]*Organization{}, Services: map[string]*Service{}, Channels: map[string]*Channel{}}
}

// maxFileSize bounds one input file: a page of 100 full services is a few
// megabytes.
const maxFileSize = 256 << 20

// ReadPaths reads files and directories (every *.json under them,
// recursively, in name order). It returns every problem of every file
// together, as Errors.
func ReadPaths(paths []string) (*Input, error) {
	in := newInput()
	var errs Errors
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var files []string
		if info.IsDir() {
			err := filepath.WalkDir(p, func(name string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if !d.IsDir() && strings.EqualFold(filepath.Ext(name), ".json") {
					files = append(files, name)
				}
				return nil
			})
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if len(files) == 0 {
				errs = append(errs, fmt.Errorf("%s: no .json files in it — save PTV Open API responses there, one or more objects a file", p))
			}
			sort.Strings(files)
		} else {
			files = []string{p}
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if len(data) > maxFileSize {
				errs = append(errs, fmt.Errorf("%s: larger than %d MB; save the list a page at a time", f, maxFileSize>>20))
				continue
			}
			errs = append(errs, in.add(filepath.ToSlash(f), data)...)
		}
	}
	return in, errs.Err()
}

// Read reads one file's bytes: one object, an array of them, or a page
// {pageNumber, pageSize, pageCount, itemList}.
func Read(file string, data []byte) (*Input, error) {
	in := newInput()
	errs := in.add(file, data)
	return in, errs.Err()
}

func (in *Input) add(file string, data []byte) Errors {
	in.Files = append(in.Files, file)
	root, err := parseJSON(file, data)
	if err != nil {
		return Errors{err}
	}
	d := &dec{file: file}
	switch root.kind {
	case jArray:
		for _, it := range root.items {
			in.object(d, it)
		}
	case jObject:
		if root.has("itemList") {
			for _, it := range d.list(root, "itemList") {
				in.object(d, it)
			}
			page, count := root.get("pageNumber"), root.get("pageCount")
			if page != nil && count != nil && page.kind == jNumber && count.kind == jNumber && page.str != count.str {
				in.Notes = append(in.Notes, fmt.Sprintf("%s is page %s of %s: services on the other pages count as gone from PTV unless they are among the inputs too", file, page.str, count.str))
			}
		} else {
			in.object(d, root)
		}
	default:
		d.errorf(root, "expected an object, an array of objects or a page {itemList: […]}, found %s", kindNames[root.kind])
	}
	return d.errs
}

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// guid reads a required GUID.
func (d *dec) guid(obj *node, key, what string) string {
	n := obj.get(key)
	if n == nil {
		at := &node{path: obj.path + "." + key}
		d.errorf(at, "missing — every %s in PTV has an id (a GUID); was the object cut short?", what)
		return ""
	}
	if !d.expect(n, jString) {
		return ""
	}
	if !guidPattern.MatchString(n.str) {
		d.errorf(n, "%q is not a GUID (like 0e5a1c4f-0000-4000-8000-000000000101)", clip(n.str, 60))
		return ""
	}
	return strings.ToLower(n.str)
}

// modified reads the required modified time. PTV writes it with or
// without a zone; one without is UTC.
func (d *dec) modified(obj *node, what string) time.Time {
	n := obj.get("modified")
	if n == nil {
		d.errorf(&node{path: obj.path + ".modified"}, "missing — every %s in PTV says when it was last modified", what)
		return time.Time{}
	}
	if !d.expect(n, jString) {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339Nano, n.str); err == nil {
		return t.UTC()
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", n.str); err == nil {
		return t
	}
	d.errorf(n, "%q is not a date and time (like 2024-03-15T08:42:17.123)", clip(n.str, 60))
	return time.Time{}
}

func (in *Input) object(d *dec, n *node) {
	if n.kind == jNull {
		return
	}
	if !d.expect(n, jObject) {
		return
	}
	switch {
	case n.has("serviceChannelType"):
		c := d.channel(n)
		if c.ID != "" {
			if old := in.Channels[c.ID]; old == nil || c.Modified.After(old.Modified) {
				in.Channels[c.ID] = c
			}
		}
	case n.has("serviceNames"):
		s := d.service(n)
		if s.ID != "" {
			if old := in.Services[s.ID]; old == nil || s.Modified.After(old.Modified) {
				in.Services[s.ID] = s
			}
		}
	case n.has("organizationNames") || n.has("organizationType"):
		o := d.organization(n)
		if o.ID != "" {
			if old := in.Organizations[o.ID]; old == nil || o.Modified.After(old.Modified) {
				in.Organizations[o.ID] = o
			}
		}
	case n.has("id") && n.has("name") && len(n.keys) <= 3:
		d.errorf(n, "only an id and a name: this is an entry of a list of ids (…/api/v11/Service?page=1) — import the full objects instead: …/api/v11/Service/list?guids=… or …/Service/list/organization?organizationId=…")
	default:
		d.errorf(n, "not a PTV Service, ServiceChannel or Organization: it has none of serviceNames, serviceChannelType, organizationNames")
	}
}

// each reads the objects of a list with read, keeping those it keeps.
func each[T any](d *dec, obj *node, key string, read func(*node) (T, bool)) []T {
	var out []T
	for _, it := range d.objects(obj, key) {
		if v, keep := read(it); keep {
			out = append(out, v)
		}
	}
	return out
}

func (d *dec) texts(obj *node, key string) []Text {
	return each(d, obj, key, func(it *node) (Text, bool) {
		t := Text{Type: d.str(it, "type"), Value: d.str(it, "value"), Language: d.str(it, "language")}
		return t, t.Value != "" && t.Language != ""
	})
}

func (d *dec) langTexts(obj *node, key string) []LangText {
	return each(d, obj, key, func(it *node) (LangText, bool) {
		t := LangText{Value: d.str(it, "value"), Language: d.str(it, "language")}
		return t, t.Value != ""
	})
}

func (d *dec) webPages(obj *node, key string) []WebPage {
	return each(d, obj, key, func(it *node) (WebPage, bool) {
		w := WebPage{URL: d.str(it, "url"), Language: d.str(it, "language")}
		return w, w.URL != ""
	})
}

func (d *dec) organization(n *node) *Organization {
	o := &Organization{File: d.file}
	o.ID = d.guid(n, "id", "Organization")
	o.Names = d.texts(n, "organizationNames")
	o.WebPages = d.webPages(n, "webPages")
	o.Status = d.str(n, "publishingStatus")
	o.Published = o.Status == "Published"
	o.Modified = d.modified(n, "Organization")
	return o
}

func (d *dec) service(n *node) *Service {
	s := &Service{File: d.file, Path: n.path}
	s.ID = d.guid(n, "id", "Service")
	s.Names = d.texts(n, "serviceNames")
	s.Descriptions = d.texts(n, "serviceDescriptions")
	s.AreaType = d.str(n, "areaType")
	s.Areas = d.areas(n)
	s.Languages = d.strings(n, "languages")
	for _, c := range d.objects(n, "serviceClasses") {
		code := d.str(c, "code")
		if code == "" {
			// match on code first, then on the code list URI
			if uri := d.str(c, "newUri"); strings.Contains(uri, "/ptvserclass2/code/") {
				code = uri[strings.LastIndex(uri, "/")+1:]
			}
		}
		if code != "" {
			s.Classes = append(s.Classes, code)
		}
	}
	for _, c := range d.objects(n, "serviceChannels") {
		ch := d.object(c, "serviceChannel")
		if ch == nil {
			continue
		}
		l := ChannelLink{ID: d.guid(ch, "id", "service channel")}
		if cd := d.object(c, "contactDetails"); cd != nil {
			l.WebPages = d.webPages(cd, "webPages")
		}
		s.Channels = append(s.Channels, l)
	}
	for _, o := range d.objects(n, "organizations") {
		on := d.object(o, "organization")
		if on == nil {
			continue
		}
		s.Orgs = append(s.Orgs, OrgLink{ID: d.guid(on, "id", "organization"), Name: d.str(on, "name"), Role: d.str(o, "roleType")})
	}
	s.Status = d.str(n, "publishingStatus")
	s.Modified = d.modified(n, "Service")
	return s
}

func (d *dec) areas(n *node) []Area {
	var out []Area
	for _, a := range d.objects(n, "areas") {
		area := Area{Type: d.str(a, "type"), Code: d.str(a, "code")}
		for _, m := range d.objects(a, "municipalities") {
			if c := d.str(m, "code"); c != "" {
				area.Municipalities = append(area.Municipalities, Municipality{Code: c, Path: m.path + ".code"})
			}
		}
		out = append(out, area)
	}
	return out
}

func (d *dec) channel(n *node) *Channel {
	c := &Channel{File: d.file}
	c.ID = d.guid(n, "id", "ServiceChannel")
	c.Type = d.str(n, "serviceChannelType")
	for _, p := range d.objects(n, "phoneNumbers") {
		c.Phones = append(c.Phones, Phone{Type: d.str(p, "type"), Prefix: d.str(p, "prefixNumber"), Number: d.str(p, "number"), Language: d.str(p, "language")})
	}
	c.Emails = d.langTexts(n, "emails")
	c.WebPages = d.webPages(n, "webPages")
	for _, a := range d.objects(n, "addresses") {
		ad := Address{Type: d.str(a, "type"), SubType: d.str(a, "subType")}
		if st := d.object(a, "streetAddress"); st != nil {
			ad.Street = d.langTexts(st, "street")
			ad.StreetNumber = d.str(st, "streetNumber")
			ad.PostalCode = d.str(st, "postalCode")
			ad.PostOffice = d.langTexts(st, "postOffice")
		}
		c.Addresses = append(c.Addresses, ad)
	}
	for _, h := range d.objects(n, "serviceHours") {
		sh := ServiceHour{Type: d.str(h, "serviceHourType"), ValidTo: d.str(h, "validTo"),
			IsClosed: d.boolean(h, "isClosed"), AlwaysOpen: d.boolean(h, "isAlwaysOpen"), Reservation: d.boolean(h, "isReservation")}
		for _, o := range d.objects(h, "openingHour") {
			sh.Opening = append(sh.Opening, OpeningHour{DayFrom: d.str(o, "dayFrom"), DayTo: d.str(o, "dayTo"), From: d.str(o, "from"), To: d.str(o, "to")})
		}
		c.Hours = append(c.Hours, sh)
	}
	c.Status = d.str(n, "publishingStatus")
	c.Modified = d.modified(n, "ServiceChannel")
	return c
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
