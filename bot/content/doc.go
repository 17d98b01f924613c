// Package content loads, checks and compiles what staff write: the profile
// fields, the conversation flows, the suggestion rules and the service
// catalogue.
//
// Load reads a whole content directory, reports every problem it finds as a
// Diagnostic with file, line and column, and returns compiled Content that
// the engine can run without further checks: every expression has been
// type-checked against the profile, every reference resolved and every text
// translated.
package content
