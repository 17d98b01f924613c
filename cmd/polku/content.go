package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"

	"polku"
	"polku/bot/content"
)

// contentFS is the content directory dir, or the built-in content when dir
// is empty, and the prefix that makes its paths openable from here.
func contentFS(dir string) (fs.FS, string) {
	if dir == "" {
		return polku.Content(), ""
	}
	return os.DirFS(dir), dir
}

// loadContent loads the content directory dir, or the built-in content when
// dir is empty. Diagnostics are written to w with paths an editor can open
// from the current directory.
func loadContent(dir string, w io.Writer, warnings bool) (*content.Content, content.Diagnostics, error) {
	fsys, prefix := contentFS(dir)
	if dir != "" {
		info, err := os.Stat(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("content directory: %w", err)
		}
		if !info.IsDir() {
			return nil, nil, fmt.Errorf("content directory %s is not a directory", dir)
		}
	}
	c, ds := content.Load(fsys)
	shown := ds
	if !warnings {
		shown = nil
		if ds.HasErrors() {
			shown = ds
		}
	}
	if err := content.Write(w, fsys, prefix, shown); err != nil {
		return nil, ds, err
	}
	if c == nil {
		return nil, ds, contentError{fmt.Errorf("the content has %s", countWords(ds))}
	}
	return c, ds, nil
}

func countWords(ds content.Diagnostics) string {
	errs, warns := ds.Count()
	return fmt.Sprintf("%d error%s and %d warning%s", errs, plural(errs), warns, plural(warns))
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
