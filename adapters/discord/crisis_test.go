package discord_test

import "testing"

// TestDMCrisis: in a Discord DM, through discordgo and the fake gateway, a
// crisis phrase typed at a question gets the crisis message and the same
// question again.
func TestDMCrisis(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	r.dc.SendDM(personB, "hei")
	ch := r.dm(personB)
	first := r.waitQuestion(ch, "Mitä haluaisit?", "")
	r.dc.SendDM(personB, "en jaksa enää, haluan kuolla")
	r.waitText(ch, "fi crisis 112")
	r.waitQuestion(ch, "Mitä haluaisit?", first.ID)
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
}
