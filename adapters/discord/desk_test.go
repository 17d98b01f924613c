package discord_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

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
	// exactly one is told the other has it; the case message names the one
	r.dc.WaitFor(t, wait, "one claim won, one refused", func(st *discordtest.State) bool {
		refused := 0
		for _, id := range ids {
			if in, _ := st.Interaction(id); len(in.Followups) > 0 {
				refused++
			}
		}
		m, _ := st.Message(caseMsg.ID)
		return refused == 1 && strings.Contains(unescape(m.Content), "desk_claimed")
	})
	claimer := ""
	for n, id := range ids {
		if in, _ := r.dc.Interaction(id); len(in.Followups) == 0 {
			claimer = []string{volunteerA, volunteerB}[n]
		} else if f, _ := r.dc.Message(in.Followups[0]); !f.Ephemeral() || !strings.Contains(unescape(f.Content), "desk_taken") {
			t.Errorf("the refused claim was told %q (ephemeral %v)", f.Content, f.Ephemeral())
		}
	}
	if m, _ := r.dc.Message(caseMsg.ID); !strings.Contains(m.Content, "<@"+claimer+">") || len(m.Pinged) > 0 {
		t.Errorf("the case message %q should name the claimer without pinging (%v)", m.Content, m.Pinged)
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

// startCase has personB ask for a person and share; it returns their DM
// channel, the request's thread and its first message.
func (r *rig) startCase(t *testing.T) (dm string, thread discordtest.Channel, caseMsg discordtest.Message) {
	t.Helper()
	r.dc.SendDM(personB, "hei")
	dm = r.dm(personB)
	q := r.waitQuestion(dm, "Mitä haluaisit?", "")
	r.dc.SendDM(personB, "/ihminen")
	consent := r.waitQuestion(dm, "fi handoff_consent", q.ID)
	r.press(personB, consent, "fi handoff_share")
	r.dc.WaitFor(t, wait, "a thread in the handoff channel", func(st *discordtest.State) bool {
		ths := st.Threads(handoffID)
		if len(ths) > 0 {
			thread = ths[len(ths)-1]
		}
		return len(ths) > 0
	})
	caseMsg = r.waitQuestion(thread.ID, "fi desk_case", "")
	return dm, thread, caseMsg
}

// TestHandoffResumeAnd429: the gateway drops mid-case and a volunteer's
// message is sent meanwhile; Discord answers 429 to the relay into the
// thread: after the resume and the wait, everything arrives, once.
func TestHandoffResumeAnd429(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{desk: true})
	dm, thread, caseMsg := r.startCase(t)
	r.press(volunteerA, caseMsg, "fi desk_claim")
	r.waitText(dm, "fi handoff_claimed")

	r.dc.Disconnect()
	r.dc.SendMessage(thread.ID, volunteerA, "kirjoitettu katkon aikana")
	r.waitText(dm, "kirjoitettu katkon aikana")
	if r.dc.Resumes() == 0 {
		t.Error("the bot did not resume its session")
	}

	r.dc.FailNext("POST /channels/{channel_id}/messages", 1, discordtest.Failure{Code: 429, RetryAfter: 200e6})
	r.dc.SendDM(personB, "vastaus hitaalle Discordille")
	r.waitText(thread.ID, "vastaus hitaalle Discordille")

	long := strings.Repeat("pitkä viesti ", 300) // 3,900 characters
	r.dc.SendDM(personB, long)
	r.dc.WaitFor(t, wait, "the long message in pieces", func(st *discordtest.State) bool {
		got := ""
		for _, m := range st.BotMessages(thread.ID) {
			if strings.Contains(m.Content, "pitkä viesti") {
				got += m.Content
			}
		}
		return strings.Count(got, "pitkä viesti") == 300
	})
	for _, text := range []string{"kirjoitettu katkon aikana"} {
		n := 0
		for _, m := range r.dc.BotMessages(dm) {
			if strings.Contains(m.Content, text) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%q reached the person %d times", text, n)
		}
	}
	n := 0
	for _, m := range r.dc.BotMessages(thread.ID) {
		if strings.Contains(m.Content, "hitaalle") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the relay after a 429 arrived %d times", n)
	}
}

// TestHandoffCancelAndForget: the person cancels; the thread says so. A
// second request of a person who then asks to be forgotten loses its
// thread, with everything relayed in it.
func TestHandoffCancelAndForget(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{desk: true})
	dm, thread, _ := r.startCase(t)
	waiting := r.waitQuestion(dm, "fi handoff_waiting_short", "")
	r.dc.SendAttachment(dm, personB, "kuva.jpg")
	r.waitText(dm, "fi handoff_attachment")
	r.press(personB, waiting, "fi handoff_cancel")
	r.waitText(dm, "fi handoff_cancelled")
	r.waitText(thread.ID, "fi desk_cancelled")

	r.dc.SendDM(personB, "/ihminen")
	consent := r.waitQuestion(dm, "fi handoff_consent", waiting.ID)
	r.press(personB, consent, "fi handoff_share")
	var second discordtest.Channel
	r.dc.WaitFor(t, wait, "a second thread", func(st *discordtest.State) bool {
		ths := st.Threads(handoffID)
		if len(ths) == 2 {
			second = ths[1]
		}
		return len(ths) == 2
	})
	r.dc.SendDM(personB, "salaisuus jota ei saa jäädä")
	r.waitText(second.ID, "salaisuus jota ei saa jäädä")
	r.dc.SendDM(personB, "/unohda")
	r.waitText(dm, "fi forgotten")
	r.dc.WaitFor(t, wait, "the thread deleted", func(st *discordtest.State) bool {
		_, ok := st.Channel(second.ID)
		return !ok
	})
	keys, err := r.rdb.Keys(t.Context(), r.prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		v, _ := r.rdb.Dump(t.Context(), k).Result()
		if strings.Contains(v, "salaisuus") {
			t.Errorf("after forget, %s still holds the relayed text", k)
		}
	}
}

// TestHandoffNobody: when no one takes the request in time, the person is
// told so honestly, offered services to contact themselves, and may keep
// waiting; a volunteer may still take it after that.
func TestHandoffNobody(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{desk: true, claimWait: time.Nanosecond})
	dm, _, caseMsg := r.startCase(t)
	if n, err := r.desk.CheckUnclaimed(t.Context()); err != nil || n != 1 {
		t.Fatalf("CheckUnclaimed: %d told, %v", n, err)
	}
	r.waitText(dm, "fi handoff_nobody")
	r.waitText(dm, "fi suggestions")
	keep := r.waitQuestion(dm, "fi handoff_waiting_short", "")
	r.press(personB, keep, "fi handoff_keep_waiting")
	r.waitText(dm, "fi handoff_waiting")
	r.press(volunteerA, caseMsg, "fi desk_claim")
	r.waitText(dm, "fi handoff_claimed")
}
