package ptv

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
)

// oldFile is a catalogue file already in --out.
type oldFile struct {
	name     string // its name in --out
	data     []byte
	orgs     []*omap
	services []*omap
}

// readExisting reads the *.yaml files directly in dir; a directory that
// does not exist yet has none.
func readExisting(dir string) ([]*oldFile, Errors) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, Errors{err}
	}
	var files []*oldFile
	var errs Errors
	for _, e := range entries {
		if e.IsDir() || !(strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
			continue
		}
		p := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		f, err := parseOld(e.Name(), data)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %v — fix it (polku check shows where) and import again", p, err))
			continue
		}
		files = append(files, f)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	return files, errs
}

func parseOld(name string, data []byte) (*oldFile, error) {
	f := &oldFile{name: name, data: data}
	var v any
	if err := yaml.UnmarshalWithOptions(data, &v, yaml.UseOrderedMap()); err != nil {
		return nil, errors.New(strings.ReplaceAll(err.Error(), "\n", " "))
	}
	if v == nil {
		return f, nil
	}
	top, ok := fromYAML(v).(*omap)
	if !ok {
		return nil, errors.New("not a catalogue file (organizations: and services:)")
	}
	for _, key := range []string{"organizations", "services"} {
		raw, ok := top.get(key)
		if !ok || raw == nil {
			continue
		}
		list, ok := raw.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: is not a list", key)
		}
		for i, it := range list {
			m, ok := it.(*omap)
			if !ok {
				return nil, fmt.Errorf("%s[%d]: is not an entry with keys", key, i)
			}
			if key == "organizations" {
				f.orgs = append(f.orgs, m)
			} else {
				f.services = append(f.services, m)
			}
		}
	}
	return f, nil
}

// fromYAML turns goccy's ordered maps into omaps, recursively.
func fromYAML(v any) any {
	switch v := v.(type) {
	case yaml.MapSlice:
		m := newMap()
		for _, it := range v {
			m.set(fmt.Sprint(it.Key), fromYAML(it.Value))
		}
		return m
	case []any:
		out := make([]any, len(v))
		for i, it := range v {
			out[i] = fromYAML(it)
		}
		return out
	case int:
		return int64(v)
	case uint:
		return uint64(v)
	case float32:
		return float64(v)
	case string, bool, int64, uint64, float64, nil:
		return v
	}
	return fmt.Sprint(v)
}
