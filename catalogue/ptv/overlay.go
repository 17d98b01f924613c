package ptv

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	"polku/bot/content"
)

// overlay is a content directory with one folder replaced: base as it is,
// except that dir holds exactly files. It lets content.Load read the
// catalogue as it will be after the import, before anything is written,
// and hides the files the import replaces so they do not count twice.
type overlay struct {
	base  fs.FS
	dir   string            // slash-separated, e.g. rules/services/ptv
	files map[string][]byte // names inside dir
}

var _ fs.FS = (*overlay)(nil)

// Overlay returns base with dir holding exactly files (names inside dir).
func Overlay(base fs.FS, dir string, files map[string][]byte) fs.FS {
	return &overlay{base: base, dir: path.Clean(dir), files: files}
}

func within(name, dir string) (string, bool) {
	if name == dir {
		return ".", true
	}
	rest, ok := strings.CutPrefix(name, dir+"/")
	return rest, ok
}

func (o *overlay) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	if rest, ok := within(name, o.dir); ok {
		if rest == "." {
			var entries []fs.DirEntry
			for _, n := range slices.Sorted(keys(o.files)) {
				entries = append(entries, fs.FileInfoToDirEntry(info{name: n, size: int64(len(o.files[n]))}))
			}
			return &dir{info: info{name: path.Base(name), dir: true}, entries: entries}, nil
		}
		if data, ok := o.files[rest]; ok {
			return &file{info: info{name: path.Base(name), size: int64(len(data))}, r: bytes.NewReader(data)}, nil
		}
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	f, err := o.base.Open(name)
	// an ancestor of dir lists dir, whether the base has it or not
	if name != "." && !strings.HasPrefix(o.dir, name+"/") {
		return f, err
	}
	child := strings.SplitN(strings.TrimPrefix(o.dir, name+"/"), "/", 2)[0]
	if name == "." {
		child = strings.SplitN(o.dir, "/", 2)[0]
	}
	var entries []fs.DirEntry
	d := &dir{info: info{name: path.Base(name), dir: true}}
	if err == nil {
		defer f.Close()
		if st, err := f.Stat(); err == nil {
			d.info.mod = st.ModTime()
		}
		rd, ok := f.(fs.ReadDirFile)
		if !ok {
			return nil, &fs.PathError{Op: "open", Path: name, Err: errors.New("not a directory")}
		}
		all, err := rd.ReadDir(-1)
		if err != nil {
			return nil, err
		}
		for _, e := range all {
			if e.Name() != child {
				entries = append(entries, e)
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	entries = append(entries, fs.FileInfoToDirEntry(info{name: child, dir: true}))
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	d.entries = entries
	return d, nil
}

func keys(m map[string][]byte) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

type info struct {
	name string
	size int64
	dir  bool
	mod  time.Time
}

func (i info) Name() string       { return i.name }
func (i info) Size() int64        { return i.size }
func (i info) ModTime() time.Time { return i.mod }
func (i info) IsDir() bool        { return i.dir }
func (i info) Sys() any           { return nil }
func (i info) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}

type file struct {
	info info
	r    *bytes.Reader
}

func (f *file) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *file) Read(b []byte) (int, error) { return f.r.Read(b) }
func (f *file) Close() error               { return nil }

type dir struct {
	info    info
	entries []fs.DirEntry
	next    int
}

func (d *dir) Stat() (fs.FileInfo, error) { return d.info, nil }
func (d *dir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: errors.New("is a directory")}
}
func (d *dir) Close() error { return nil }

func (d *dir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.next:]
	if n <= 0 {
		d.next = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.next += n
	return rest[:n], nil
}

// LoadBase loads the content the import joins, without the files now in
// dir (the import replaces them): its languages, kinds and municipalities.
func LoadBase(base fs.FS, dir string) (*content.Content, content.Diagnostics) {
	return content.Load(Overlay(base, dir, nil))
}

// Check loads the content as it will be with the result in dir. The
// Content is nil when the diagnostics hold errors.
func Check(base fs.FS, dir string, r *Result) (*content.Content, content.Diagnostics, fs.FS) {
	fsys := Overlay(base, dir, r.Files)
	c, ds := content.Load(fsys)
	return c, ds, fsys
}
