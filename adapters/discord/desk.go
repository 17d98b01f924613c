package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/bwmarrin/discordgo"

	"polku/bot"
	"polku/bot/handoff"
)

// errNoThreadYet: a person's message came before their case's thread was
// made (another replica is making it); the event is tried again.
var errNoThreadYet = errors.New("the case has no thread yet")

// OnDesk shows the volunteers what happened on a person's side (bot/handoff's
// ConsumeDesk hands events to it): a new case opens a thread with its
// summary and a Claim button; what the person writes appears there; a
// case the person closed says so, and a case of a person who asked to be
// forgotten loses its thread. It returns an error when the event should be
// delivered again.
func (a *Adapter) OnDesk(ctx context.Context, ev handoff.DeskEvent) error {
	if a.o.Desk == nil {
		return errors.New("discord: no desk configured")
	}
	lang := a.lang("")
	opt := discordgo.WithContext(ctx)
	switch ev.Kind {
	case handoff.DeskOpened:
		if ev.Case.Thread != "" {
			return nil // made already, before a restart
		}
		th, err := a.dg.ThreadStartComplex(a.o.HandoffChannel, &discordgo.ThreadStart{
			Name: "Polku " + shortID(ev.Case.ID), Type: discordgo.ChannelTypeGuildPublicThread, AutoArchiveDuration: 1440}, opt)
		if err != nil {
			return fmt.Errorf("thread: %s", errText(err))
		}
		if err := a.o.Desk.AttachThread(ctx, ev.Case.ID, th.ID); err != nil {
			return err
		}
		_, err = a.dg.ChannelMessageSendComplex(th.ID, &discordgo.MessageSend{Content: a.caseText(ev.Case, lang),
			Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				discordgo.Button{Label: clipRunes(a.say("desk_claim", lang), 80), Style: discordgo.SuccessButton, CustomID: "k|" + ev.Case.ID}}}},
			AllowedMentions: noMentions(), Flags: discordgo.MessageFlagsSuppressEmbeds}, opt)
		if err != nil {
			return fmt.Errorf("case message: %s", errText(err))
		}
	case handoff.DeskMessage:
		if ev.Case.Thread == "" {
			return errNoThreadYet
		}
		return a.post(ctx, ev.Case.Thread, "**"+md(a.say("desk_person", lang))+"**\n"+md(ev.Text))
	case handoff.DeskClosed:
		if ev.Case.Thread == "" {
			return nil
		}
		switch ev.Reason {
		case bot.ClosedForgotten:
			// everything relayed goes with the thread
			if _, err := a.dg.ChannelDelete(ev.Case.Thread, opt); err != nil && !unknown(err) {
				return fmt.Errorf("delete thread: %s", errText(err))
			}
		case bot.ClosedEnded:
			return a.post(ctx, ev.Case.Thread, md(a.say("desk_person_ended", lang)))
		default:
			return a.post(ctx, ev.Case.Thread, md(a.say("desk_cancelled", lang)))
		}
	}
	return nil
}

func unknown(err error) bool {
	var re *discordgo.RESTError
	return errors.As(err, &re) && re.Response != nil && re.Response.StatusCode == 404
}

func shortID(id string) string {
	if len(id) > 6 {
		return id[:6]
	}
	return id
}

// caseText is a case's first message: what the person agreed to share.
func (a *Adapter) caseText(c handoff.CaseInfo, lang string) string {
	var b strings.Builder
	for _, l := range c.Summary {
		b.WriteString("\n• **" + md(l.Label) + ":** " + md(l.Value))
	}
	summary := b.String()
	if summary == "" {
		summary = "\n• " + md(a.say("desk_nothing", lang))
	}
	return clip(md(a.say("desk_case", lang)) + summary + "\n\n" + md(a.say("desk_how", lang)))
}

// post writes text in a thread, split to fit, pinging no one.
func (a *Adapter) post(ctx context.Context, channel, text string) error {
	for _, part := range pack([]string{text}) {
		if _, err := a.dg.ChannelMessageSendComplex(channel, &discordgo.MessageSend{Content: part, AllowedMentions: noMentions(), Flags: discordgo.MessageFlagsSuppressEmbeds},
			discordgo.WithContext(ctx)); err != nil {
			return fmt.Errorf("post: %s", errText(err))
		}
	}
	return nil
}

// claim gives the case to the volunteer who pressed Claim, if no one has
// it: of two pressing at once, one gets it and the other is told who.
func (a *Adapter) claim(i *discordgo.InteractionCreate, caseID string) {
	user, ok := a.acknowledge(i, false, "claim", slog.LevelDebug)
	if !ok {
		return
	}
	ctx, lang := a.ctx, a.lang(i.Locale)
	ci, err := a.o.Desk.Claim(ctx, caseID, user.ID)
	var taken *handoff.TakenError
	switch {
	case errors.As(err, &taken):
		a.followPrivately(ctx, i, a.format(a.say("desk_taken", lang), "volunteer", taken.Volunteer))
		return
	case errors.Is(err, handoff.ErrClosed):
		a.followPrivately(ctx, i, md(a.say("desk_closed", lang)))
		return
	case err != nil:
		a.log.Error("claim failed", "err", err)
		a.followPrivately(ctx, i, md(a.say("error", lang)))
		return
	}
	text := a.caseText(ci, a.lang("")) + "\n\n" + a.format(a.say("desk_claimed", lang), "volunteer", user.ID)
	comps := []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: clipRunes(a.say("desk_end", lang), 80), Style: discordgo.DangerButton, CustomID: "e|" + caseID}}}}
	text = clip(text)
	if _, err := a.dg.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: &text, Components: &comps, AllowedMentions: noMentions()}, discordgo.WithContext(ctx)); err != nil {
		a.log.Warn("case message not updated", "err", errText(err))
	}
}

// end ends the conversation from the volunteers' side.
func (a *Adapter) end(i *discordgo.InteractionCreate, caseID string) {
	user, ok := a.acknowledge(i, false, "end", slog.LevelDebug)
	if !ok {
		return
	}
	ctx, lang := a.ctx, a.lang(i.Locale)
	if err := a.o.Desk.End(ctx, caseID, user.ID); err != nil && !errors.Is(err, handoff.ErrClosed) {
		a.log.Error("end failed", "err", err)
		a.followPrivately(ctx, i, md(a.say("error", lang)))
		return
	}
	text := i.Message.Content + "\n\n" + md(a.say("desk_ended", lang))
	text = clip(text)
	none := []discordgo.MessageComponent{}
	if _, err := a.dg.InteractionResponseEdit(i.Interaction, &discordgo.WebhookEdit{Content: &text, Components: &none, AllowedMentions: noMentions()}, discordgo.WithContext(ctx)); err != nil {
		a.log.Warn("case message not updated", "err", errText(err))
	}
}

func (a *Adapter) followPrivately(ctx context.Context, i *discordgo.InteractionCreate, text string) {
	if _, err := a.dg.FollowupMessageCreate(i.Interaction, false, &discordgo.WebhookParams{Content: clip(text), Flags: ephemeral, AllowedMentions: noMentions()},
		discordgo.WithContext(ctx)); err != nil {
		a.log.Debug("private note not sent", "err", errText(err))
	}
}

// format fills one placeholder with a user mention, which shows the name
// (and, sent with no mentions allowed, pings no one); the rest is escaped.
func (a *Adapter) format(text, key, user string) string {
	before, after, found := strings.Cut(text, "{"+key+"}")
	if !found {
		return md(text)
	}
	return md(before) + "<@" + user + ">" + md(after)
}

// threadMessage relays what the volunteer who has the case writes in its
// thread. Notes (starting with //) stay; others are told how it works.
func (a *Adapter) threadMessage(ctx context.Context, m *discordgo.Message) {
	ci, err := a.o.Desk.CaseByThread(ctx, m.ChannelID)
	if err != nil {
		if !errors.Is(err, handoff.ErrNoThread) {
			a.log.Error("thread lookup failed", "err", err)
		}
		return
	}
	if m.Member != nil && !slices.Contains(m.Member.Roles, a.o.VolunteerRole) {
		return // only volunteers talk with people
	}
	text := strings.TrimSpace(m.Content)
	if strings.HasPrefix(text, NotePrefix) {
		return
	}
	lang := a.lang("")
	if len(m.Attachments) > 0 || len(m.StickerItems) > 0 {
		a.reply(ctx, m, md(a.say("desk_attachment", lang)))
		if text == "" {
			return
		}
	}
	if text == "" {
		return
	}
	switch {
	case ci.State == handoff.StateClosed:
		a.reply(ctx, m, md(a.say("desk_closed", lang)))
		return
	case ci.State != handoff.StateClaimed:
		a.reply(ctx, m, md(a.say("desk_claim_first", lang)))
		return
	case ci.Volunteer != m.Author.ID:
		a.reply(ctx, m, a.format(a.say("desk_not_yours", lang), "volunteer", ci.Volunteer))
		return
	}
	err = a.o.Desk.Say(ctx, ci.ID, m.Author.ID, m.ID, m.Content)
	switch {
	case errors.Is(err, handoff.ErrClosed):
		a.reply(ctx, m, md(a.say("desk_closed", lang)))
	case err != nil:
		a.log.Error("relay to the person failed", "err", err)
		a.reply(ctx, m, md(a.say("error", lang)))
	}
}

func (a *Adapter) reply(ctx context.Context, m *discordgo.Message, text string) {
	// not a reply (that needs Read Message History): the note follows the
	// message it is about
	if _, err := a.dg.ChannelMessageSendComplex(m.ChannelID, &discordgo.MessageSend{Content: clip(text), AllowedMentions: noMentions()},
		discordgo.WithContext(ctx)); err != nil {
		a.log.Debug("thread note not sent", "err", errText(err))
	}
}
