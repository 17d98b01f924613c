module polku

go 1.26

require (
	github.com/expr-lang/expr v1.17.8
	github.com/goccy/go-yaml v1.19.2
	github.com/rogpeppe/go-internal v1.16.0
	golang.org/x/tools v0.26.0
)

require golang.org/x/sys v0.26.0 // indirect
