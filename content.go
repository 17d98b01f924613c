// Package polku holds Polku's built-in content: the flows and rules that
// staff edit, embedded so that the binary runs with no files beside it.
package polku

import (
	"embed"
	"io/fs"
)

//go:embed flows rules
var embedded embed.FS

// Content returns the built-in content directory (flows/ and rules/).
func Content() fs.FS { return embedded }
