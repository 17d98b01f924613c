// Package polku holds Polku's built-in content: the flows and rules that
// staff edit, embedded so that the binary runs with no files beside it.
package polku

import (
	"embed"
	"io/fs"
)

//go:embed flows rules tests
var embedded embed.FS

// Content returns the built-in content directory (flows/, rules/ and the
// conversation tests in tests/).
func Content() fs.FS { return embedded }
