// Package store keeps conversation sessions: in memory for a single process
// and for development. Every implementation passes the contract suite in
// bot/store/storetest.
package store
