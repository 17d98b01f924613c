package discord

import (
	"context"
	"errors"

	"github.com/bwmarrin/discordgo"

	"polku/bot"
)

func (a *Adapter) onMessage(_ *discordgo.Session, m *discordgo.MessageCreate) {
	if m.Author == nil || m.Author.Bot || m.Author.System {
		return
	}
	if m.GuildID == "" {
		a.chats.Do(m.ChannelID, func() { a.personMessage(a.ctx, m.Message) })
		return
	}
	if a.o.Desk != nil {
		a.chats.Do(m.ChannelID, func() { a.threadMessage(a.ctx, m.Message) })
	}
}

// personMessage hands what a person wrote in a DM to the engine.
func (a *Adapter) personMessage(ctx context.Context, m *discordgo.Message) {
	a.rememberDM(m.Author.ID, m.ChannelID)
	msg := bot.Message{Platform: Platform, User: m.Author.ID, UpdateID: m.ID, Text: m.Content}
	switch {
	case len(m.Attachments) > 0 || len(m.StickerItems) > 0:
		msg.Unsupported = "attachment"
	case m.MessageReference != nil && m.MessageReference.Type == discordgo.MessageReferenceTypeForward:
		msg.Unsupported = "forwarded" // someone else's words, not an answer
	case m.Content == "":
		msg.Unsupported = "other"
	}
	a.converse(ctx, m.ChannelID, msg, nil)
}

// personComponent handles a button or menu in a DM: acknowledged at once,
// answered by editing the message and sending the next.
func (a *Adapter) personComponent(i *discordgo.InteractionCreate) {
	if err := a.dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate}); err != nil {
		a.log.Debug("component not acknowledged", "err", errText(err))
	}
	user := i.User
	if user == nil && i.Member != nil {
		user = i.Member.User
	}
	if user == nil {
		return
	}
	data := i.MessageComponentData()
	msg, _ := a.parseChoice(data.CustomID, data.Values)
	msg.Platform, msg.User, msg.UpdateID = Platform, user.ID, i.ID
	msg.Lang = a.langHint(i.Locale)
	a.rememberDM(user.ID, i.ChannelID)
	pressed := i.Message
	a.chats.Do(i.ChannelID, func() { a.converse(a.ctx, i.ChannelID, msg, pressed) })
}

// langHint is the content language of a Discord locale (sv-SE → sv), or
// "" when the content has none: the engine then keeps its default.
func (a *Adapter) langHint(locale discordgo.Locale) string {
	return a.h.Content().MatchLanguage(string(locale))
}

func (a *Adapter) converse(ctx context.Context, channel string, msg bot.Message, pressed *discordgo.Message) {
	reply, err := a.h.Handle(ctx, msg)
	switch {
	case errors.Is(err, bot.ErrDuplicate):
		return
	case err != nil:
		// the reply is the engine's kind word that something failed
		a.log.Error("message not handled", "err", err)
	}
	if err := a.send(ctx, channel, reply, pressed); err != nil {
		if cannotDM(err) {
			if ferr := a.h.Forget(ctx, Platform, msg.User); ferr != nil {
				a.log.Error("could not forget a person who closed their DMs", "err", ferr)
			}
			return
		}
		a.log.Error("reply not delivered", "err", errText(err))
	}
}

// cannotDM reports Discord's refusal to deliver to a person: they left
// every server the bot shares or closed their DMs (50007).
func cannotDM(err error) bool {
	var re *discordgo.RESTError
	return errors.As(err, &re) && re.Message != nil && re.Message.Code == discordgo.ErrCodeCannotSendMessagesToThisUser
}

// send delivers a reply in a DM: the question answered is edited to show
// the answer and loses its buttons (a tick only redraws them), then the
// notes, the suggestions and the next question follow.
func (a *Adapter) send(ctx context.Context, channel string, r bot.Reply, pressed *discordgo.Message) error {
	opt := discordgo.WithContext(ctx)
	none := []discordgo.MessageComponent{}
	edit := func(id string, text *string, comps []discordgo.MessageComponent) error {
		_, err := a.dg.ChannelMessageEditComplex(&discordgo.MessageEdit{ID: id, Channel: channel, Content: text, Components: &comps, AllowedMentions: noMentions()}, opt)
		return err
	}
	a.mu.Lock()
	prev, open := a.asked[channel]
	delete(a.asked, channel)
	a.mu.Unlock()
	if open && pressed != nil && pressed.ID == prev {
		open = false // edited below
		if r.Redraw {
			a.setAsked(channel, prev)
		}
	}
	if open && (r.Answered != nil || r.Question != nil && !r.Redraw) {
		var text *string
		if r.Answered != nil && pressed == nil {
			s := answeredText(r.Answered)
			text = &s
		}
		if err := edit(prev, text, none); err != nil && !cannotDM(err) {
			a.log.Debug("open question not updated", "err", errText(err))
		}
	} else if open {
		a.setAsked(channel, prev)
	}
	if pressed != nil {
		switch {
		case r.Redraw && r.Question != nil:
			if err := edit(pressed.ID, nil, components(r.Question)); err != nil {
				return err
			}
			if len(r.Notes) == 0 {
				return nil
			}
			r.Question = nil
		case r.Answered != nil:
			s := answeredText(r.Answered)
			if err := edit(pressed.ID, &s, none); err != nil {
				return err
			}
		default:
			// stale, or only asked again: the old buttons go
			if err := edit(pressed.ID, nil, none); err != nil {
				a.log.Debug("old buttons not removed", "err", errText(err))
			}
		}
	}
	var blocks []string
	for _, n := range r.Notes {
		blocks = append(blocks, md(n))
	}
	if r.Suggestions != nil {
		blocks = append(blocks, suggestionsText(r.Suggestions)...)
	}
	for _, text := range pack(blocks) {
		if _, err := a.dg.ChannelMessageSendComplex(channel, &discordgo.MessageSend{Content: text, AllowedMentions: noMentions(), Flags: discordgo.MessageFlagsSuppressEmbeds}, opt); err != nil {
			return err
		}
	}
	if r.Question != nil {
		m, err := a.dg.ChannelMessageSendComplex(channel, &discordgo.MessageSend{Content: questionText(r.Question), Components: components(r.Question), AllowedMentions: noMentions()}, opt)
		if err != nil {
			return err
		}
		a.setAsked(channel, m.ID)
	}
	return nil
}

const maxAsked = 100_000

func (a *Adapter) setAsked(channel, msg string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.asked) >= maxAsked {
		clear(a.asked) // only polish: a restart forgets it too
	}
	a.asked[channel] = msg
}

func (a *Adapter) rememberDM(user, channel string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.dms) >= maxAsked {
		clear(a.dms)
	}
	a.dms[user] = channel
}

// dmChannel is the DM channel with a person, opened if need be.
func (a *Adapter) dmChannel(ctx context.Context, user string) (string, error) {
	a.mu.Lock()
	ch, ok := a.dms[user]
	a.mu.Unlock()
	if ok {
		return ch, nil
	}
	c, err := a.dg.UserChannelCreate(user, discordgo.WithContext(ctx))
	if err != nil {
		return "", err
	}
	a.rememberDM(user, c.ID)
	return c.ID, nil
}

// Deliver tells a person in Discord DMs what happened on the volunteers'
// side (bot/handoff's ConsumePeople hands events to it). It returns an
// error only when the event should be delivered again.
func (a *Adapter) Deliver(ctx context.Context, ev bot.HandoffEvent) error {
	ch, err := a.dmChannel(ctx, ev.User)
	if err != nil {
		if cannotDM(err) {
			return a.h.Forget(ctx, Platform, ev.User)
		}
		return err
	}
	var out error
	a.chats.RunNow(ch, func() {
		reply, err := a.h.HandoffEvent(ctx, ev)
		switch {
		case errors.Is(err, bot.ErrNoCase), errors.Is(err, bot.ErrDuplicate):
			return
		case err != nil:
			out = err
			return
		}
		if err := a.send(ctx, ch, reply, nil); err != nil {
			if cannotDM(err) {
				out = a.h.Forget(ctx, Platform, ev.User)
				return
			}
			out = err
		}
	})
	return out
}
