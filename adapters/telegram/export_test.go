package telegram

import (
	"net/http"
	"time"
)

// WebhookHandler is the handler for one webhook request, for the fuzz
// target: it feeds arbitrary bodies without a listener.
func WebhookHandler(a *Adapter) http.HandlerFunc { return a.Handler().ServeHTTP }

// SetCommandRetry shortens the wait before a failed setMyCommands is tried
// again, so a test sees the retry without waiting half a minute.
func SetCommandRetry(a *Adapter, d time.Duration) { a.commandRetry = d }

// HostileStrings are the shared list of naughty strings (bot/testdata).
var HostileStrings = naughty
