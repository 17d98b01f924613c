package telegram_test

import (
	"strings"
	"testing"

	"polku/adapters/telegram/telegramtest"
)

// TestLogsKeepNothingPersonal: at debug level, through a conversation with
// refusals, failures and a block, the logs never hold what the person
// wrote, who they are (id, names) or the token.
func TestLogsKeepNothingPersonal(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{webhook: true})
	const p = 987654321
	r.tg.AddUser(telegramtest.User{ID: p, FirstName: "Canaryfirst", LastName: "Canarylast", Username: "canary_user", LanguageCode: "en"})
	r.tg.SendText(p, "/start CANARY-payload")
	r.waitQuestion(p, "What would you like?")
	r.tg.SendText(p, "CANARY-typed text 0401234567")
	r.tg.FailNext("sendMessage", 1, telegramtest.Failure{Code: 400, Description: "Bad Request: can't parse entities: Unsupported start tag \"CANARY\" at byte offset 3"})
	r.tg.FailNext("sendMessage", 1, telegramtest.Failure{Code: 502, Body: telegramtest.BadGatewayHTML})
	r.tg.SendText(p, "1")
	r.waitDone()
	r.post(`{"update_id":1,"message":{"text":"CANARY-forged"}}`, "CANARY-wrong-secret")
	r.post(`{"update_id":CANARY-broken`, r.secret)
	r.tg.Block(p)
	r.waitDone()
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	logs := r.logs.String()
	if !strings.Contains(logs, "webhook") {
		t.Fatalf("nothing logged? %q", logs)
	}
	for _, secret := range []string{"CANARY", "987654321", "Canaryfirst", "Canarylast", "canary_user", token, "SECRET-token", r.secret, "0401234567"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs hold %q:\n%s", secret, logs)
		}
	}
}
