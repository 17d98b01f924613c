package main

import "runtime/debug"

// tuneGC lets the heap grow to five times what is live before collecting,
// unless GOGC says otherwise. Polku's live heap is small (a few MB: the
// content, a session cache) while every update allocates a few tens of
// kilobytes, so with Go's default the collector ran every hundred updates
// or so and took a fifth of the CPU; at 400 it takes a fraction of that,
// and the heap is still tens of MB. GOMEMLIMIT, when set, still bounds it.
func tuneGC(getenv env) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
