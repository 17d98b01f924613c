package ptv

import (
	"bytes"
	"errors"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"polku"
	"polku/bot/content"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var builtIn = sync.OnceValue(func() *content.Content {
	c, ds := LoadBase(polku.Content(), "rules/services/ptv")
	if c == nil {
		panic(ds.Err())
	}
	return c
})

// plan imports paths into out against the built-in content.
func plan(t *testing.T, out string, overrides []KindRule, paths ...string) (*Result, error) {
	t.Helper()
	in, err := ReadPaths(paths)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range paths {
		names = append(names, strings.TrimPrefix(filepath.ToSlash(p), "testdata/"))
	}
	return Plan(Options{Input: in, Inputs: names, Out: out, Content: builtIn(), Kinds: KindTable(overrides)})
}

func mustPlan(t *testing.T, out string, overrides []KindRule, paths ...string) *Result {
	t.Helper()
	r, err := plan(t, out, overrides, paths...)
	if err != nil {
		t.Fatalf("Plan(%v) error:\n%v", paths, err)
	}
	return r
}

// dump is a result as a golden file shows it: the report, then each file.
func dump(r *Result) []byte {
	var b bytes.Buffer
	r.Report.Write(&b)
	for _, name := range slices.Sorted(maps.Keys(r.Files)) {
		b.WriteString("\n-- " + name + " --\n")
		b.Write(r.Files[name])
	}
	return b.Bytes()
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (go test ./catalogue/ptv -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the result differs from %s (go test ./catalogue/ptv -update rewrites it; review the diff):\n%s", p, got)
	}
}

// checkLoads fails unless the result loads with the built-in content.
func checkLoads(t *testing.T, r *Result) {
	t.Helper()
	if _, ds, _ := Check(polku.Content(), "rules/services/ptv", r); ds.HasErrors() {
		t.Errorf("the result does not load:\n%v", ds.Err())
	}
}

func TestImport(t *testing.T) {
	tests := []struct {
		name  string
		paths []string
		kinds []KindRule
		want  []string // in the golden too; spelt out for the reader
	}{
		{"samples", []string{"testdata/in"}, nil, []string{"kind: youth_workshop", "areas: [pirkanmaa]", `address: "Esimerkkikatu 12 B, 00000 Esimerkkikaupunki"`,
			`phone: "+358 400000000"`, `fi: "ma–to 8–15.30, pe 8–14"`}},
		{"paged", []string{"testdata/cases/paged"}, nil, []string{"is page 1 of 2"}},
		{"array", []string{"testdata/cases/array"}, nil, []string{"areas: [koko-suomi]", "kind: unemployed_association",
			`"Vertaisryhmät kokoontuvat verkossa. Ryhmissä: jutellaan, haetaan töitä yhdessä. Tervetuloa!"`}},
		{"nokind", []string{"testdata/cases/nokind"}, nil, []string{"no kind for its service classes (P10.6)"}},
		{"nokind-flag", []string{"testdata/cases/nokind"}, []KindRule{{Class: "P10.6", Kind: "employment_services"}}, []string{"kind: employment_services"}},
		{"region", []string{"testdata/cases/region"}, nil, []string{"areas: [helsinki, pirkanmaa]", `municipalities: ["Akaa", "Helsinki", "Tampere"]`}},
		{"files", []string{"testdata/in/service.json", "testdata/in/organization.json"}, nil, []string{"Läs på tjänstens sida", "url: https://www.esimerkkikaupunki.example/\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustPlan(t, t.TempDir(), tt.kinds, tt.paths...)
			got := dump(r)
			for _, w := range tt.want {
				if !bytes.Contains(got, []byte(w)) {
					t.Errorf("the result lacks %q", w)
				}
			}
			golden(t, tt.name, got)
			checkLoads(t, r)
		})
	}
}

// Unpublished services are not imported, and a service without a
// published organisation is skipped with the reason.
func TestSkipped(t *testing.T) {
	r := mustPlan(t, t.TempDir(), nil, "testdata/cases/paged")
	if len(r.Report.New) != 2 {
		t.Errorf("New = %q, want the organisation and one service", r.Report.New)
	}
	for _, f := range r.Files {
		if bytes.Contains(f, []byte("Luonnos")) {
			t.Errorf("the Draft service was imported:\n%s", f)
		}
	}
	r = mustPlan(t, t.TempDir(), nil, "testdata/in/service.json")
	want := `its responsible organisation "Esimerkkikaupungin kaupunki" is not among the inputs`
	if len(r.Report.Skipped) != 1 || !strings.Contains(r.Report.Skipped[0], want) {
		t.Errorf("Skipped = %q, want one containing %q", r.Report.Skipped, want)
	}
}

func TestBroken(t *testing.T) {
	svc, err := os.ReadFile("testdata/in/service.json")
	if err != nil {
		t.Fatal(err)
	}
	replace := func(old, new string) string {
		if !bytes.Contains(svc, []byte(old)) {
			t.Fatalf("service.json has no %q", old)
		}
		return strings.Replace(string(svc), old, new, 1)
	}
	tests := []struct {
		name, file, json string
		want             string
	}{
		{"invalid JSON", "in/service.json", "{\n  \"id\": \"x\",\n  }", `in/service.json: $: invalid JSON at line 3, column 3: invalid character '}' looking for beginning of object key string`},
		{"cut short", "in/service.json", `{"serviceNames": [{"value": "a"`, `in/service.json: $.serviceNames[0]: invalid JSON at line 1, column 32: the file ends in the middle of a value`},
		{"empty", "in/empty.json", " \n", `in/empty.json: $: the file is empty — save a response of the PTV Open API (…/api/v11/Service/{id}) in it`},
		{"wrong type", "in/service.json", replace(`{ "type": "Name", "value": "Verkstad för unga", "language": "sv" }`, `{ "type": "Name", "value": "Verkstad för unga", "language": 2 }`),
			`in/service.json: $.serviceNames[2].language: expected a string, found a number`},
		{"missing id", "in/service.json", replace(`"id": "0e5a1c4f-0000-4000-8000-000000000101",
  "sourceId"`, `"sourceId"`), `in/service.json: $.id: missing — every Service in PTV has an id (a GUID); was the object cut short?`},
		{"not a GUID", "in/service.json", replace(`"id": "0e5a1c4f-0000-4000-8000-000000000101"`, `"id": "101"`), `in/service.json: $.id: "101" is not a GUID (like 0e5a1c4f-0000-4000-8000-000000000101)`},
		{"unknown municipality", "in/service.json", replace(`"code": "837"`, `"code": "999"`),
			`in/service.json: $.areas[0].municipalities[0].code: unknown municipality code "999" — PTV uses Statistics Finland's three-digit codes, as in rules/places/municipalities.yaml; is the list of municipalities out of date?`},
		{"not PTV", "in/other.json", `[{"title": "x"}]`, `in/other.json: $[0]: not a PTV Service, ServiceChannel or Organization: it has none of serviceNames, serviceChannelType, organizationNames`},
		{"list of ids", "in/page.json", `{"pageNumber": 1, "pageCount": 1, "itemList": [{"id": "0e5a1c4f-0000-4000-8000-000000000101", "name": "x"}]}`,
			`in/page.json: $.itemList[0]: only an id and a name: this is an entry of a list of ids (…/api/v11/Service?page=1) — import the full objects instead: …/api/v11/Service/list?guids=… or …/Service/list/organization?organizationId=…`},
		{"not an object", "in/n.json", `42`, `in/n.json: $: expected an object, an array of objects or a page {itemList: […]}, found a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, filepath.FromSlash(tt.file))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(tt.json), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Chdir(dir)
			out := filepath.Join(dir, "out")
			in, err := ReadPaths([]string{tt.file})
			if err == nil {
				_, err = Plan(Options{Input: in, Out: out, Content: builtIn(), Kinds: DefaultKinds})
			}
			if err == nil {
				t.Fatalf("Plan(%s) = no error, want %s", tt.file, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Plan(%s) error =\n%s\nwant\n%s", tt.file, err, tt.want)
			}
		})
	}
}

// Every error of a run is reported, not only the first.
func TestAllErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.json"), []byte(`{"serviceNames": 1, "id": "x"}`), 0o644)
	os.WriteFile(filepath.Join(dir, "b.json"), []byte(`{`), 0o644)
	_, err := ReadPaths([]string{dir})
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 4 {
		t.Fatalf("ReadPaths = %v, want 4 errors", err)
	}
}

// Staff's edits survive a re-import; a service that left PTV becomes
// inactive, and active again when it comes back.
func TestReimport(t *testing.T) {
	out := t.TempDir()
	r := mustPlan(t, out, nil, "testdata/in")
	if err := r.Write(out); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(out, "ptv-esimerkkikaupungin-kaupunki.yaml")
	data, _ := os.ReadFile(file)
	edited := strings.NewReplacer(
		"  - id: ptv-nuorten-tyopaja-0e5a1c4f\n", "  - id: tyopaja\n",
		`      en: "Youth workshop"`+"\n", `      en: "Youth workshop"`+"\n"+`      fi-selko: "Työpaja nuorille"`+"\n",
		"    kind: youth_workshop\n", "    kind: rehab_work_activity\n    tags: [local, youth]\n    fees: {fi: Maksuton, sv: Avgiftsfri, en: Free}\n",
		"000000000101\n    checked: 2024-03-15\n", "000000000101\n    checked: 2020-01-01\n    unverified: \"staff: call first\"\n",
		`      fi: "Esimerkkikaupungin kaupunki"`, `      fi: "Vanha nimi"`,
	).Replace(string(data))
	if err := os.WriteFile(file, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	r = mustPlan(t, out, nil, "testdata/in")
	got := dump(r)
	golden(t, "reimport", got)
	checkLoads(t, r)
	for _, w := range []string{"id: tyopaja", `fi-selko: "Työpaja nuorille"`, "kind: rehab_work_activity", "tags: [local, youth]", "en: \"Free\"",
		`unverified: "staff: call first"`, "checked: 2024-03-15", `fi: "Esimerkkikaupungin kaupunki"`, "organization: ptv-esimerkkikaupungin-kaupunki-0e5a1c4f"} {
		if !bytes.Contains(got, []byte(w)) {
			t.Errorf("after the re-import, the file lacks %q", w)
		}
	}
	if len(r.Report.Kept) != 1 || len(r.Report.Updated) != 2 {
		t.Errorf("Report = %+v, want the service's staff edits kept and both entries updated", r.Report)
	}
	if err := r.Write(out); err != nil {
		t.Fatal(err)
	}

	// the service leaves PTV
	r = mustPlan(t, out, nil, "testdata/in/organization.json")
	if want := []string{"tyopaja: no longer in PTV"}; !slices.Equal(r.Report.Inactive, want) {
		t.Errorf("Inactive = %q, want %q", r.Report.Inactive, want)
	}
	if !bytes.Contains(r.Files["ptv-esimerkkikaupungin-kaupunki.yaml"], []byte("    status: inactive")) {
		t.Errorf("the service did not get status: inactive")
	}
	if err := r.Write(out); err != nil {
		t.Fatal(err)
	}
	// ... and comes back
	r = mustPlan(t, out, nil, "testdata/in")
	if len(r.Report.Reactivated) != 1 || bytes.Contains(r.Files["ptv-esimerkkikaupungin-kaupunki.yaml"], []byte("    status:")) {
		t.Errorf("the service did not become active again: %+v", r.Report)
	}
	// and an import of the same input changes nothing
	if err := r.Write(out); err != nil {
		t.Fatal(err)
	}
	r = mustPlan(t, out, nil, "testdata/in")
	if len(r.Changed) != 0 || len(r.Report.Unchanged) != 2 {
		t.Errorf("a repeated import changed %q; report %+v", r.Changed, r.Report)
	}
}

// snapshot is every file in dir with its contents.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		out[e.Name()] = string(b)
	}
	return out
}

// An error leaves --out as it was: in the input, in the check, or while
// renaming the files into place.
func TestAtomic(t *testing.T) {
	out := t.TempDir()
	os.WriteFile(filepath.Join(out, "ptv-a.yaml"), []byte("organizations:\n  - {id: a, ptv: 0e5a1c4f-0000-4000-8000-0000000000aa, name: A, url: https://a.example}\n"), 0o644)
	before := snapshot(t, out)

	t.Run("input", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"serviceNames": 3}`), 0o644)
		if _, err := plan(t, out, nil, "testdata/in", dir); err == nil {
			t.Fatal("Plan with a broken file = no error")
		}
	})
	t.Run("check", func(t *testing.T) {
		r := mustPlan(t, out, []KindRule{{Class: "P28.3", Kind: "no_such_kind"}}, "testdata/in")
		_, ds, _ := Check(polku.Content(), "rules/services/ptv", r)
		if !ds.HasErrors() || !strings.Contains(ds.Err().Error(), `There is no kind "no_such_kind"`) {
			t.Fatalf("Check = %v, want an unknown kind", ds.Err())
		}
	})
	t.Run("rename", func(t *testing.T) {
		r := mustPlan(t, out, nil, "testdata/in", "testdata/cases/array")
		r.Files["ptv-a.yaml"] = []byte("# changed\n")
		r.Changed = []string{"ptv-a.yaml", "ptv-esimerkkikaupungin-kaupunki.yaml"}
		calls := 0
		rename = func(from, to string) error {
			if calls++; calls == 2 {
				return errors.New("disk full")
			}
			return os.Rename(from, to)
		}
		defer func() { rename = os.Rename }()
		if err := r.Write(out); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Fatalf("Write = %v, want disk full", err)
		}
	})
	if after := snapshot(t, out); !maps.Equal(before, after) {
		t.Errorf("--out changed:\nbefore %q\nafter  %q", before, after)
	}
}

func TestOverlay(t *testing.T) {
	base := fstest.MapFS{
		"rules/profile.yaml":               {Data: []byte("p")},
		"rules/services/national.yaml":     {Data: []byte("n")},
		"rules/services/ptv/old.yaml":      {Data: []byte("old")},
		"rules/services/ptv/sub/deep.yaml": {Data: []byte("deep")},
	}
	fsys := Overlay(base, "rules/services/ptv", map[string][]byte{"new.yaml": []byte("new"), "b.yaml": []byte("b")})
	if err := fstest.TestFS(fsys, "rules/profile.yaml", "rules/services/national.yaml", "rules/services/ptv/new.yaml", "rules/services/ptv/b.yaml"); err != nil {
		t.Error(err)
	}
	if _, err := fsys.Open("rules/services/ptv/old.yaml"); err == nil {
		t.Error("the replaced folder still shows old.yaml")
	}
	// a base without the folder, or without rules/services at all
	fsys = Overlay(fstest.MapFS{"flows/a.yaml": {Data: []byte("a")}}, "rules/services/ptv", map[string][]byte{"x.yaml": []byte("x")})
	if err := fstest.TestFS(fsys, "flows/a.yaml", "rules/services/ptv/x.yaml"); err != nil {
		t.Error(err)
	}
}

func TestHours(t *testing.T) {
	week := func(oh ...OpeningHour) *Channel {
		return &Channel{Hours: []ServiceHour{{Type: "DaysOfTheWeek", Opening: oh}}}
	}
	day := func(d, from, to string) OpeningHour { return OpeningHour{DayFrom: d, From: from, To: to} }
	tests := []struct {
		name string
		c    *Channel
		want string // fi | sv | en, or "" for none
	}{
		{"weekdays", week(day("Monday", "08:00:00", "16:00:00"), day("Tuesday", "08:00:00", "16:00:00"), day("Wednesday", "08:00:00", "16:00:00"),
			day("Thursday", "08:00:00", "16:00:00"), day("Friday", "08:00:00", "16:00:00")), "ma–pe 8–16 | mån–fre 8–16 | Mon–Fri 8:00–16:00"},
		{"split", week(day("Monday", "09:30:00", "15:00:00"), day("Wednesday", "09:30:00", "15:00:00")), "ma 9.30–15, ke 9.30–15 | mån 9.30–15, ons 9.30–15 | Mon 9:30–15:00, Wed 9:30–15:00"},
		{"two openings a day", week(day("Monday", "08:00:00", "11:00:00"), day("Monday", "12:00:00", "16:00:00")), ""},
		{"always open", &Channel{Hours: []ServiceHour{{Type: "DaysOfTheWeek", AlwaysOpen: true}}}, ""},
		{"a period", &Channel{Hours: []ServiceHour{{Type: "DaysOfTheWeek", ValidTo: "2025-08-01T00:00:00", Opening: []OpeningHour{day("Monday", "08:00:00", "16:00:00")}}}}, ""},
		{"over midnight", &Channel{Hours: []ServiceHour{{Type: "OverMidnight"}}}, ""},
		{"none", &Channel{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if m := hours(tt.c, []string{"fi", "sv", "en", "fi-selko"}); m != nil {
				got = m.str("fi") + " | " + m.str("sv") + " | " + m.str("en")
			}
			if got != tt.want {
				t.Errorf("hours = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestShorten(t *testing.T) {
	long := strings.Repeat("Sana sana sana sana. ", 30)
	tests := []struct{ name, in, want string }{
		{"short", "Lyhyt teksti.", "Lyhyt teksti."},
		{"at a sentence", long, strings.TrimSpace(strings.Repeat("Sana sana sana sana. ", 19))},
		{"no sentence end", strings.Repeat("sana ", 100), strings.TrimSpace(strings.Repeat("sana ", 80)) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := shorten(tt.in); got != tt.want {
				t.Errorf("shorten(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Nuorten työpaja", "nuorten-tyopaja"},
		{"Ålands landskapsregering", "alands-landskapsregering"},
		{"  TE-palvelut / Ohjaamo!", "te-palvelut-ohjaamo"},
		{"123", "x123"},
		{"Esimerkkikaupungin kaupungin erittäin pitkä palvelun nimi joka jatkuu", "esimerkkikaupungin-kaupungin-erittain"},
	}
	for _, tt := range tests {
		if got := slug(tt.in); got != tt.want {
			t.Errorf("slug(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The YAML written reads back as the same values.
func TestScalarRoundTrip(t *testing.T) {
	for _, s := range []string{"yes", "no", "on", "true", "null", "123", "0e5a1c4f-0000-4000-8000-000000000101", "2024-03-15", "a: b", "# x", "- x",
		"https://a.example/b?c=d&e", "multi\nline", "\"quoted\"", "tab\there", "ä ö å", "fi-selko", ""} {
		f, err := parseOld("x.yaml", []byte("services:\n  - id: "+scalar(s)+"\n"))
		if err != nil || len(f.services) != 1 || f.services[0].vals["id"] != s {
			t.Errorf("scalar(%q) = %s reads back as %#v (%v)", s, scalar(s), f, err)
		}
	}
}

// FuzzRead: the reader never panics, and every error names its file and a
// JSON path.
func FuzzRead(f *testing.F) {
	for _, p := range []string{"testdata/in/service.json", "testdata/in/organization.json", "testdata/in/servicechannel.json", "testdata/cases/array/all.json", "testdata/cases/paged/services.json"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"itemList": null}`))
	f.Add([]byte(`[[[[[[[[[[[[]]]]]]]]]]]]`))
	f.Add([]byte(`{"serviceNames": [{"language": 1}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := Read("f.json", data)
		if err == nil {
			return
		}
		var errs Errors
		if !errors.As(err, &errs) || len(errs) == 0 {
			t.Fatalf("Read error %v is not an Errors list", err)
		}
		for _, e := range errs {
			var pe *Error
			if !errors.As(e, &pe) || pe.File != "f.json" || !strings.HasPrefix(pe.Path, "$") || pe.Msg == "" {
				t.Fatalf("error %q does not name its file and path", e)
			}
		}
	})
}
