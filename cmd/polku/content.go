package main

import (
	"fmt"
	"io"
	"os"

	"polku"
	"polku/bot/content"
)

// loadContent loads the content directory dir, or the built-in content when
// dir is empty. Diagnostics are written to w with paths an editor can open
// from the current directory.
func loadContent(dir string, w io.Writer, warnings bool) (*content.Content, content.Diagnostics, error) {
	fsys, prefix := polku.Content(), ""
	if dir != "" {
		info, err := os.Stat(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("content directory: %w", err)
		}
		if !info.IsDir() {
			return nil, nil, fmt.Errorf("content directory %s is not a directory", dir)
		}
		fsys, prefix = os.DirFS(dir), dir
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
