package discord_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"polku/adapters/discord/discordtest"
)

// TestHandoffInDiscord: a person in Discord DMs asks for a person and
// agrees to share; a thread with the summary and a Claim button opens for
// the volunteers; someone without the role is refused; of two volunteers
// claiming at once exactly one gets it; three messages go each way, a note
// stays in the thread, nothing pings; the volunteer ends it and the person
// is back with the bot where they were.
func TestHandoffInDiscord(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{desk: true})
	r.dc.SendDM(personB, "hei")
	ch := r.dm(personB)
	q := r.waitQuestion(ch, "Mitä haluaisit?", "")
	r.dc.SendDM(personB, "1, 3")
	q = r.waitQuestion(ch, "Millä tahdilla?", q.ID)
	r.dc.SendDM(personB, "/ihminen")
	consent := r.waitQuestion(ch, "fi handoff_consent", q.ID)
	r.press(personB, consent, "fi handoff_share")
	r.waitText(ch, "fi handoff_waiting")

	var thread discordtest.Channel
	r.dc.WaitFor(t, wait, "a thread in the handoff channel", func(st *discordtest.State) bool {
		ths := st.Threads(handoffID)
		if len(ths) == 1 {
			thread = ths[0]
		}
		return len(ths) == 1
	})
	caseMsg := r.waitQuestion(thread.ID, "fi desk_case", "")
	if c := unescape(caseMsg.Content); !strings.Contains(c, "Töitä ja Seuraa") || strings.Contains(c, "bino") || strings.Contains(c, personB) {
		t.Errorf("the case message %q: want the shared answers and nothing identifying", c)
	}

	// not a volunteer
	in := r.press(member, caseMsg, "fi desk_claim")
	if in.Responses[0].Flags&64 == 0 || !strings.Contains(unescape(in.Responses[0].Content), "en desk_not_volunteer") {
		t.Errorf("a member without the role: %+v", in.Responses)
	}
	// two volunteers at once
	var wg sync.WaitGroup
	ids := make([]string, 2)
	for n, v := range []string{volunteerA, volunteerB} {
		wg.Go(func() { ids[n] = r.dc.PressButton(v, caseMsg.ID, customID(t, caseMsg, "fi desk_claim")) })
	}
	wg.Wait()
	taken, claimer := 0, ""
	for n, id := range ids {
		got := r.dc.WaitResponse(t, id, wait)
		r.dc.WaitFor(t, wait, "the claim handled", func(st *discordtest.State) bool {
			in, _ := st.Interaction(id)
			return len(in.Followups) > 0 || func() bool {
				m, _ := st.Message(caseMsg.ID)
				return strings.Contains(unescape(m.Content), "desk_claimed")
			}()
		})
		got, _ = r.dc.Interaction(id)
		if len(got.Followups) > 0 {
			taken++
		} else {
			claimer = []string{volunteerA, volunteerB}[n]
		}
	}
	if taken != 1 || claimer == "" {
		t.Fatalf("two claims at once: %d refused, claimer %q", taken, claimer)
	}
	r.waitText(ch, "fi handoff_claimed")

	// three messages each way; a note and someone else's message stay
	for i := range 3 {
		r.dc.SendMessage(thread.ID, claimer, fmt.Sprintf("Hei %d @everyone <@%s> **lihava**", i, personB))
		r.waitText(ch, fmt.Sprintf("Hei %d @everyone", i))
		r.dc.SendDM(personB, fmt.Sprintf("Kiitos %d <@&%s>", i, roleID))
		r.waitText(thread.ID, fmt.Sprintf("Kiitos %d", i))
	}
	r.dc.SendMessage(thread.ID, claimer, "// muistiinpano: soitetaan huomenna")
	other := volunteerA
	if claimer == volunteerA {
		other = volunteerB
	}
	r.dc.SendMessage(thread.ID, other, "minäkin täällä")
	r.waitText(thread.ID, "fi desk_not_yours")
	for _, m := range r.dc.BotMessages(ch) {
		if strings.Contains(m.Content, "muistiinpano") || strings.Contains(m.Content, "minäkin") {
			t.Errorf("a note or another volunteer's message reached the person: %q", m.Content)
		}
		if len(m.Pinged) > 0 {
			t.Errorf("%q would ping %v", m.Content, m.Pinged)
		}
	}
	for _, m := range r.dc.BotMessages(thread.ID) {
		if len(m.Pinged) > 0 {
			t.Errorf("%q would ping %v", m.Content, m.Pinged)
		}
	}

	caseMsg, _ = r.dc.Message(caseMsg.ID)
	r.press(claimer, caseMsg, "fi desk_end")
	r.waitText(ch, "fi handoff_ended")
	r.waitQuestion(ch, "Millä tahdilla?", consent.ID)
	r.dc.SendDM(personB, "osa")
	r.waitQuestion(ch, "Missä asut?", consent.ID)
}
