package discord_test

import (
	"strings"
	"testing"

	"polku"
	"polku/adapters/discord/discordtest"
)

// TestDMFlow: a person goes through the flow in DMs: buttons, a typed
// answer, ticks and Done; each answered question shows the answer and loses
// its components; every interaction is acknowledged in time; suggestions
// arrive; nothing pings anyone. (A DM does not carry the person's locale:
// the conversation starts in the content's first language.)
func TestDMFlow(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	r.dc.SendDM(personA, "hei")
	ch := r.dm(personA)
	q := r.waitQuestion(ch, "Mitä haluaisit?", "")
	r.press(personA, q, "Töitä")
	r.dc.WaitFor(t, wait, "Töitä ticked", func(st *discordtest.State) bool {
		m, _ := st.Message(q.ID)
		for _, b := range m.Buttons() {
			if b.Label == "✅ Töitä" {
				return true
			}
		}
		return false
	})
	q, _ = r.dc.Message(q.ID)
	r.press(personA, q, "fi done")
	q2 := r.waitQuestion(ch, "Millä tahdilla?", q.ID)
	r.press(personA, q2, "Osa-aika")
	q3 := r.waitQuestion(ch, "Missä asut?", q2.ID)
	r.press(personA, q3, "Lappi")
	q4 := r.waitQuestion(ch, "Kuinka vanha olet?", q3.ID)
	r.dc.SendDM(personA, "44") // typed
	q5 := r.waitQuestion(ch, "Auttaako joku jo?", q4.ID)
	r.press(personA, q5, "Ei")
	r.waitText(ch, "fi suggestions")

	for i, want := range []struct{ id, text string }{
		{q.ID, "Mitä haluaisit?**\n→ Töitä"},
		{q2.ID, "Millä tahdilla?**\n→ Osa-aika"},
		{q3.ID, "Missä asut?**\n→ Lappi"},
		{q4.ID, "Kuinka vanha olet?**\n→ 44"},
		{q5.ID, "Auttaako joku jo?**\n→ Ei"},
	} {
		m, _ := r.dc.Message(want.id)
		if !strings.HasSuffix(m.Content, want.text) || len(m.Components) != 0 {
			t.Errorf("question %d reads %q with components %v; want it to end %q with none", i+1, m.Content, m.Labels(), want.text)
		}
	}
	for _, in := range r.dc.Interactions() {
		if !in.Responded || in.Late {
			t.Errorf("interaction %s: responded %v late %v", in.ID, in.Responded, in.Late)
		}
	}
	for _, m := range r.dc.BotMessages(ch) {
		if len(m.Pinged) > 0 || m.AllowedMentions == nil {
			t.Errorf("message %q would ping %v (allowed mentions %+v)", m.Content, m.Pinged, m.AllowedMentions)
		}
	}
}

// TestDMBadInput: an attachment gets a kind word and changes nothing; a
// button from an old message (still there after Polku restarted) is
// acknowledged, changes nothing, loses its buttons, and the current
// question comes again; the conversation carries on across the restart.
func TestDMBadInput(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	r.dc.SendDM(personB, "hei")
	ch := r.dm(personB)
	first := r.waitQuestion(ch, "Mitä haluaisit?", "")
	r.dc.SendDM(personB, "1, 2")
	q := r.waitQuestion(ch, "Millä tahdilla?", first.ID)
	r.dc.SendAttachment(ch, personB, "cv.pdf")
	r.waitText(ch, "fi unsupported")
	old := r.waitQuestion(ch, "Millä tahdilla?", q.ID)
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}

	r2 := newRig(t, rigOptions{dc: r.dc, prefix: r.prefix})
	r2.dc.SendDM(personB, "osa")
	area := r2.waitQuestion(ch, "Missä asut?", old.ID)
	if m, _ := r2.dc.Message(old.ID); len(m.Components) == 0 {
		t.Fatal("the old question lost its buttons: nothing stale to press")
	}
	in := r2.press(personB, old, "Kokoaika")
	if !in.Responded || in.Late {
		t.Errorf("stale button: responded %v late %v", in.Responded, in.Late)
	}
	r2.waitText(ch, "fi stale_button")
	r2.waitQuestion(ch, "Missä asut?", area.ID)
	if m, _ := r2.dc.Message(old.ID); len(m.Components) != 0 {
		t.Errorf("the old question still has buttons %v", m.Labels())
	}
}

// TestDMSelectMenu: a long list (the areas of the built-in content) is a
// select menu; choosing from it answers the question.
func TestDMSelectMenu(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{content: polku.Content()})
	r.dc.SendDM(personA, "/start")
	ch := r.dm(personA)
	q := r.waitQuestion(ch, "Haluatko vastata", "")
	r.press(personA, q, "Näytä vaihtoehdot heti")
	area := r.waitQuestion(ch, "Missä päin asut?", q.ID)
	menu := ""
	for _, row := range area.Components {
		for _, c := range row.Components {
			if c.Type == discordtest.ComponentStringSelect {
				menu = c.CustomID
				if len(c.Options) != 23 || c.MaxValues > 1 {
					t.Errorf("the area menu has %d options, max %d", len(c.Options), c.MaxValues)
				}
			}
		}
	}
	if menu == "" {
		t.Fatalf("no select menu for 23 areas: %v", area.Labels())
	}
	in := r.dc.Select(personA, area.ID, menu, "lappi")
	if got := r.dc.WaitResponse(t, in, wait); got.Late {
		t.Error("the menu's interaction was answered late")
	}
	r.waitQuestion(ch, "ikäinen", area.ID)
	if m, _ := r.dc.Message(area.ID); !strings.Contains(m.Content, "→ Lappi") || len(m.Components) != 0 {
		t.Errorf("the answered area reads %q with %v", m.Content, m.Labels())
	}
}
