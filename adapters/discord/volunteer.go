package discord

import (
	"context"
	"log/slog"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"

	"polku/bot"
	"polku/bot/content"
)

// VolunteerFlow is the flow /polku runs: the job seeker's questions put to
// a volunteer who sits with a client.
const VolunteerFlow = "volunteer"

func (a *Adapter) onInteraction(_ *discordgo.Session, i *discordgo.InteractionCreate) {
	switch i.Type {
	case discordgo.InteractionApplicationCommand:
		if i.ApplicationCommandData().Name == CommandName {
			a.volunteerStart(i)
		}
	case discordgo.InteractionMessageComponent:
		id := i.MessageComponentData().CustomID
		switch {
		case strings.HasPrefix(id, "k|"):
			a.claim(i, id[2:])
		case strings.HasPrefix(id, "e|"):
			a.end(i, id[2:])
		case id == "t|":
			a.copyText(i)
		case i.GuildID == "":
			a.personComponent(i)
		default:
			a.volunteerComponent(i)
		}
	}
}

// volunteer returns the member who sent i if they have the volunteer role;
// anyone else is told, privately, that this is for volunteers.
func (a *Adapter) volunteer(i *discordgo.InteractionCreate) (*discordgo.User, bool) {
	if i.Member != nil && i.Member.User != nil && a.o.VolunteerRole != "" && slices.Contains(i.Member.Roles, a.o.VolunteerRole) {
		return i.Member.User, true
	}
	a.respondPrivately(i, a.say("desk_not_volunteer", a.lang(i.Locale)))
	return nil, false
}

// acknowledge checks that a volunteer sent i and acknowledges it within
// Discord's 3 seconds: as an update of its message, or, private, as a
// message to come that only the volunteer will see. It returns the
// volunteer; false when i is answered already (not a volunteer) or could
// not be acknowledged (logged at level, as what).
func (a *Adapter) acknowledge(i *discordgo.InteractionCreate, private bool, what string, level slog.Level) (*discordgo.User, bool) {
	user, ok := a.volunteer(i)
	if !ok {
		return nil, false
	}
	resp := &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}
	if private {
		resp = &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
			Data: &discordgo.InteractionResponseData{Flags: ephemeral}}
	}
	if err := a.dg.InteractionRespond(i.Interaction, resp); err != nil {
		a.log.Log(a.ctx, level, what+" not acknowledged", "err", errText(err))
		return nil, false
	}
	return user, true
}

// respondPrivately answers an interaction with a message only its sender
// sees.
func (a *Adapter) respondPrivately(i *discordgo.InteractionCreate, text string) {
	err := a.dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: clip(md(text)), Flags: ephemeral, AllowedMentions: noMentions()}})
	if err != nil {
		a.log.Debug("interaction not answered", "err", errText(err))
	}
}

// volunteerStart begins the flow for a volunteer and a new client, in a
// message only the volunteer sees.
func (a *Adapter) volunteerStart(i *discordgo.InteractionCreate) {
	user, ok := a.acknowledge(i, true, "slash command", slog.LevelWarn)
	if !ok {
		return
	}
	a.chats.Do("v:"+user.ID, func() {
		ctx := a.ctx
		// a new client: nothing of the previous one is kept
		if err := a.h.Forget(ctx, VolunteerPlatform, user.ID); err != nil {
			a.log.Error("volunteer session not reset", "err", err)
		}
		flow := VolunteerFlow
		if a.h.Content().Flow(flow) == nil {
			flow = ""
		}
		msg := bot.Message{Platform: VolunteerPlatform, User: user.ID, UpdateID: i.ID, Command: content.CmdStart, Flow: flow, Lang: a.langHint(i.Locale)}
		a.volunteerTurn(ctx, i, msg)
	})
}

// volunteerComponent handles a button or menu of the volunteer's private
// flow: acknowledged at once, then the message is replaced by the next step.
func (a *Adapter) volunteerComponent(i *discordgo.InteractionCreate) {
	user, ok := a.acknowledge(i, false, "component", slog.LevelDebug)
	if !ok {
		return
	}
	data := i.MessageComponentData()
	msg, _ := a.parseChoice(data.CustomID, data.Values)
	msg.Platform, msg.User, msg.UpdateID = VolunteerPlatform, user.ID, i.ID
	msg.Lang = a.langHint(i.Locale)
	a.chats.Do("v:"+user.ID, func() { a.volunteerTurn(a.ctx, i, msg) })
}

// volunteerTurn runs one message of a volunteer's flow and shows the reply
// privately: the interaction's message is replaced by the answer, notes
// and next question; what does not fit follows in more private messages.
func (a *Adapter) volunteerTurn(ctx context.Context, i *discordgo.InteractionCreate, msg bot.Message) {
	r, err := a.h.Handle(ctx, msg)
	if err != nil {
		a.log.Error("volunteer message not handled", "err", err)
		if len(r.Notes) == 0 {
			return
		}
	}
	opt := discordgo.WithContext(ctx)
	if r.Redraw && r.Question != nil && len(r.Notes) == 0 {
		comps := components(r.Question)
		if _, err := a.dg.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Components: &comps}, opt); err != nil {
			a.log.Debug("volunteer question not redrawn", "err", errText(err))
		}
		return
	}
	var blocks []string
	if r.Answered != nil {
		blocks = append(blocks, answeredText(r.Answered))
	}
	for _, n := range r.Notes {
		blocks = append(blocks, md(n))
	}
	if r.Suggestions != nil {
		blocks = append(blocks, suggestionsText(r.Suggestions)...)
	}
	var comps []discordgo.MessageComponent
	if q := r.Question; q != nil {
		blocks = append(blocks, questionText(q))
		comps = components(q)
		if q.Step == bot.EndStep && len(comps) < 5 {
			comps = append(comps, discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				discordgo.Button{Label: clipRunes(a.say("desk_copy", a.lang(i.Locale)), 80), Style: discordgo.PrimaryButton, CustomID: "t|"}}})
		}
	}
	msgs := pack(blocks)
	if len(msgs) == 0 {
		msgs = []string{"…"}
	}
	for n, text := range msgs {
		var cs []discordgo.MessageComponent
		if n == len(msgs)-1 {
			cs = comps
		}
		if cs == nil {
			cs = []discordgo.MessageComponent{}
		}
		if n == 0 {
			text := text
			_, err = a.dg.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: &text, Components: &cs, AllowedMentions: noMentions()}, opt)
		} else {
			_, err = a.dg.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: text, Components: cs, Flags: ephemeral, AllowedMentions: noMentions()}, opt)
		}
		if err != nil {
			a.log.Error("volunteer reply not delivered", "err", errText(err))
			return
		}
	}
}

// copyText gives the volunteer the suggestions as plain text to hand to
// the client (to copy into an email or a message), privately.
func (a *Adapter) copyText(i *discordgo.InteractionCreate) {
	user, ok := a.acknowledge(i, true, "copy", slog.LevelDebug)
	if !ok {
		return
	}
	a.chats.Do("v:"+user.ID, func() {
		ctx := a.ctx
		r, err := a.h.Handle(ctx, bot.Message{Platform: VolunteerPlatform, User: user.ID, UpdateID: i.ID,
			Choice: &bot.Choice{Flow: VolunteerFlow, Step: bot.EndStep, Option: bot.AgainID}})
		if err != nil || r.Suggestions == nil {
			a.log.Debug("no suggestions to copy", "err", err)
			text := md(a.say("stale_button", a.lang(i.Locale)))
			_, _ = a.dg.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: &text}, discordgo.WithContext(ctx))
			return
		}
		plain := strings.ReplaceAll(plainSuggestions(r.Suggestions), "```", "ʼʼʼ")
		text := clip(md(a.say("desk_copy_intro", a.lang(i.Locale))) + "\n```text\n" + plain + "\n```")
		if !strings.HasSuffix(text, "```") {
			text = clip(text[:len(text)-10]) + "\n```" // cut: keep the block closed
		}
		if _, err := a.dg.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: &text, AllowedMentions: noMentions()}, discordgo.WithContext(ctx)); err != nil {
			a.log.Error("copy text not delivered", "err", errText(err))
		}
	})
}
