//go:build unix

package main

import (
	"syscall"
	"testing"
)

// TestChatRealHangup sends this process a real SIGHUP while polku chat
// runs: the handler that notifyHangup installs turns it into a reload.
func TestChatRealHangup(t *testing.T) {
	dir := contentDir(t)
	s := startChat(t, "--content", dir)
	// The first question is printed after the handler is installed; a
	// SIGHUP before that would end the test binary.
	s.stdout.waitFor(t, "What would you like?")
	editFile(t, dir, "flows/jobseeker.yaml", "What would you like?", "What would you like to do?")
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	s.stderr.waitFor(t, "polku: content reloaded (version ")
	s.say("/restart")
	s.stdout.waitFor(t, "What would you like to do?")
	if err := s.end(); err != nil {
		t.Fatalf("polku chat = %v\n%s", err, s.stderr)
	}
}
