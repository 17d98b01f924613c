package discord_test

import (
	"fmt"
	"strings"
	"testing"

	"polku/adapters/discord"
	"polku/adapters/discord/discordtest"
)

// TestVolunteerFlow: /polku is registered in the volunteers' server with
// its description in each content language; a member without the role is
// refused privately; a volunteer goes through the flow with a client in
// messages only they see, each step acknowledged at once and shown in
// place; at the end the suggestions can be had as plain text to copy.
func TestVolunteerFlow(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{desk: true})
	var cmd discordtest.Command
	r.dc.WaitFor(t, wait, "/polku registered", func(st *discordtest.State) bool {
		for _, c := range st.Commands(st.AppID(), guildID) {
			if c.Name == discord.CommandName {
				cmd = c
				return true
			}
		}
		return false
	})
	if cmd.DescriptionLocalizations["fi"] != "fi desk_command" || cmd.DescriptionLocalizations["en-US"] != "en desk_command" {
		t.Errorf("/polku descriptions %v", cmd.DescriptionLocalizations)
	}

	refused := r.dc.SlashCommand(discordtest.Slash{GuildID: guildID, ChannelID: handoffID, UserID: member, Name: discord.CommandName})
	in := r.dc.WaitResponse(t, refused, wait)
	if in.Responses[0].Flags&64 == 0 || !strings.Contains(unescape(in.Responses[0].Content), "desk_not_volunteer") {
		t.Errorf("a member without the role: %+v", in.Responses[0])
	}

	start := r.dc.SlashCommand(discordtest.Slash{GuildID: guildID, ChannelID: handoffID, UserID: volunteerA, Name: discord.CommandName})
	var msg discordtest.Message
	step := func(id, text string) {
		t.Helper()
		r.dc.WaitFor(t, wait, "the step "+text, func(st *discordtest.State) bool {
			in, _ := st.Interaction(id)
			m, ok := st.Message(in.OriginalID)
			msg = m
			shown := unescape(m.Content) + fmt.Sprint(m.Labels()) // a tick shows on its button
			return ok && strings.Contains(shown, text) && len(m.Components) > 0
		})
		if !msg.Ephemeral() {
			t.Errorf("the volunteer's step %q is not private", text)
		}
	}
	step(start, "Mitä haluaisit?")
	press := func(label, next string) {
		t.Helper()
		id := r.dc.PressButton(volunteerA, msg.ID, customID(t, msg, label))
		step(id, next)
	}
	press("Töitä", "✅")
	press("fi done", "Millä tahdilla?")
	if !strings.Contains(unescape(msg.Content), "Mitä haluaisit?**\n→ Töitä") {
		t.Errorf("the step does not show the answer: %q", msg.Content)
	}
	press("Osa-aika", "Missä asut?")
	press("Lappi", "Kuinka vanha olet?")
	press("fi decline", "Auttaako joku jo?")
	press("Ei", "fi end")
	copyID := r.dc.PressButton(volunteerA, msg.ID, customID(t, msg, "fi desk_copy"))
	var copied discordtest.Message
	r.dc.WaitFor(t, wait, "the text to copy", func(st *discordtest.State) bool {
		in, _ := st.Interaction(copyID)
		m, ok := st.Message(in.OriginalID)
		copied = m
		return ok && strings.Contains(m.Content, "```")
	})
	if !copied.Ephemeral() || !strings.Contains(copied.Content, "https://") || strings.Contains(copied.Content, "**") {
		t.Errorf("the text to copy: ephemeral %v, %q", copied.Ephemeral(), copied.Content)
	}
	for _, in := range r.dc.Interactions() {
		if !in.Responded || in.Late {
			t.Errorf("interaction %s (%s): responded %v late %v", in.ID, in.CustomID, in.Responded, in.Late)
		}
	}
	// the volunteer's client is not a person in DMs: nothing went there
	if ch := r.dc.DMChannel(volunteerA); ch != "" && len(r.dc.BotMessages(ch)) > 0 {
		t.Error("the volunteer's flow wrote in their DMs")
	}
}
