// Package contenttest gives tests the small, stable content of
// bot/content/testdata/base, so that tests of the engine and of the loader
// do not depend on the real content, which staff keep changing.
//
//	hello (message) → wants (list) → [work: pace] → area → age (int 15–99) → helper (bool) → end
package contenttest

import (
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"testing/fstest"
)

// BaseFS returns a fresh in-memory copy of the base content; tests may
// change or remove its files.
func BaseFS(tb testing.TB) fstest.MapFS {
	tb.Helper()
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		tb.Fatal("contenttest: cannot locate the base content")
	}
	root := filepath.Join(filepath.Dir(self), "..", "testdata", "base")
	m := fstest.MapFS{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		m[filepath.ToSlash(rel)] = &fstest.MapFile{Data: b}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// BaseDir writes the base content into a fresh directory, for tests of code
// that reads real files (reloading, the command line); the test may edit it.
func BaseDir(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	for name, f := range BaseFS(tb) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return dir
}
