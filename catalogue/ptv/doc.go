// Package ptv turns Suomi.fi's service directory (Palvelutietovaranto, PTV)
// Open API v11 JSON into Polku catalogue YAML, for `polku import ptv`.
//
// Reading is strict about the fields it uses and blind to the rest: the live
// API may have grown fields since the v11 models were published, and a
// field Polku does not read must never stop an import. Every problem names
// its file and JSON path ($.serviceNames[2].language), and all of a run's
// problems are reported together.
//
// A re-import merges with the files already written, by PTV id: staff own
// some keys (kind when they changed it, tags, eligible, eligibility,
// unverified, status, umbrella, fees, and texts in languages PTV lacks), PTV
// owns the rest. The result is checked with content.Load before anything is
// written, and written all at once or not at all.
package ptv
