package discordtest

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// tokenLifetime is how long an interaction token works for followups and
// @original, on Discord 15 minutes.
const tokenLifetime = 15 * time.Minute

func unknownInteraction() response { return apiErr(404, 10062, "Unknown interaction") }

// interactionCallback is the first (and only) response to an interaction.
// Discord's rules: it must come within 3 seconds of the interaction (the
// window), else 404 Unknown interaction; a second one gets 400 40060; the
// response type must suit the interaction.
func (st *State) interactionCallback(r *request) response {
	in := st.interactions[r.params["interaction_id"]]
	if in == nil || in.Token != r.params["interaction_token"] {
		return unknownInteraction()
	}
	now := st.now()
	var body struct {
		Type int                        `json:"type"`
		Data map[string]json.RawMessage `json:"data"`
	}
	_ = json.Unmarshal(r.body, &body)
	rec := Response{Type: body.Type, At: now, Raw: r.body}
	if raw, ok := body.Data["flags"]; ok {
		_ = json.Unmarshal(raw, &rec.Flags)
	}
	if raw, ok := body.Data["content"]; ok {
		_ = json.Unmarshal(raw, &rec.Content)
	}
	if len(in.Responses) == 0 {
		in.Latency = now.Sub(in.Created)
	}
	resp := st.respond(in, body.Type, body.Data, r, now)
	rec.Status, rec.Code = resp.status, resp.code
	in.Responses = append(in.Responses, rec)
	return resp
}

func (st *State) respond(in *Interaction, typ int, data map[string]json.RawMessage, r *request, now time.Time) response {
	if in.Responded {
		return apiErr(400, 40060, "Interaction has already been acknowledged.")
	}
	if now.Sub(in.Created) > st.cfg.window {
		in.Late = true
		return unknownInteraction()
	}
	valid := map[int][]int{
		InteractionApplicationCommand: {ResponseChannelMessage, ResponseDeferredChannelMessage, ResponseModal},
		InteractionMessageComponent:   {ResponseChannelMessage, ResponseDeferredChannelMessage, ResponseDeferredUpdateMessage, ResponseUpdateMessage, ResponseModal},
		InteractionModalSubmit:        {ResponseChannelMessage, ResponseDeferredChannelMessage, ResponseDeferredUpdateMessage, ResponseUpdateMessage},
	}
	if !slices.Contains(valid[in.Type], typ) {
		return formErr("type", "INTERACTION_RESPONSE_TYPE_INVALID", fmt.Sprintf("Interaction response type %d is not valid for interaction type %d", typ, in.Type))
	}
	c := st.channels[in.ChannelID]
	switch typ {
	case ResponseChannelMessage, ResponseDeferredChannelMessage:
		msg, bad, isBad := st.parseMessageFields(data, r.files, false, FlagSuppressEmbeds|FlagEphemeral|4096)
		if isBad {
			return bad
		}
		m := &Message{ChannelID: c.ID, GuildID: c.GuildID, Author: st.bot, FromBot: true, InteractionID: in.ID, Type: MessageChatInputCommand}
		if in.Type != InteractionApplicationCommand {
			m.Type, m.ReplyTo = MessageReply, in.MessageID
		}
		if typ == ResponseDeferredChannelMessage {
			// "…is thinking": a loading message the first edit of @original
			// (or the first followup) fills in. Only flags count here.
			msg = msgInput{flags: msg.flags}
			m.Flags = FlagLoading
		}
		msg.apply(st, m, now)
		if resp, ok := emptyCheck(m); !ok {
			return resp
		}
		st.addMessage(m)
		in.OriginalID = m.ID
	case ResponseDeferredUpdateMessage:
		in.OriginalID = in.MessageID
	case ResponseUpdateMessage:
		m := st.messages[in.MessageID]
		if m == nil || m.Deleted {
			return unknownMessage()
		}
		msg, bad, isBad := st.parseMessageFields(data, r.files, true, FlagSuppressEmbeds)
		if isBad {
			return bad
		}
		if resp, ok := st.edit(m, msg); !ok {
			return resp
		}
		in.OriginalID = m.ID
	case ResponseModal:
		var md struct {
			CustomID   string          `json:"custom_id"`
			Title      string          `json:"title"`
			Components []wireComponent `json:"components"`
		}
		b, _ := json.Marshal(data)
		_ = json.Unmarshal(b, &md)
		if md.CustomID == "" || md.Title == "" || len(md.Components) == 0 {
			return formErr("data", "MODAL_INVALID", "A modal needs custom_id, title and components")
		}
		cs, bad, isBad := checkComponents(md.Components)
		if isBad {
			return bad
		}
		in.Modal = &Modal{CustomID: md.CustomID, Title: md.Title, Components: cs}
	}
	in.Responded = true
	// Discord answers 204 unless ?with_response=true.
	if r.query.Get("with_response") == "true" {
		return ok(obj{"interaction": obj{"id": in.ID, "type": in.Type}})
	}
	return noContent()
}

// webhookInteraction finds the interaction behind a webhook token.
func (st *State) webhookInteraction(r *request) (*Interaction, response, bool) {
	if r.params["application_id"] != st.cfg.appID {
		return nil, apiErr(404, 10015, "Unknown Webhook"), false
	}
	var in *Interaction
	for _, id := range st.interOrder {
		if st.interactions[id].Token == r.params["webhook_token"] {
			in = st.interactions[id]
		}
	}
	if in == nil {
		return nil, apiErr(404, 10015, "Unknown Webhook"), false
	}
	if st.now().Sub(in.Created) > tokenLifetime {
		return nil, apiErr(401, 50027, "Invalid Webhook Token"), false
	}
	if !in.Responded {
		// Before the interaction is acknowledged there is no webhook yet.
		return nil, apiErr(404, 10015, "Unknown Webhook"), false
	}
	return in, response{}, true
}

// followup sends a followup message. After a deferred response the first
// followup fills in the "thinking" message instead of adding one.
func (st *State) followup(r *request) response {
	in, bad, good := st.webhookInteraction(r)
	if !good {
		return bad
	}
	msg, bad, isBad := st.parseMessage(r, false, FlagSuppressEmbeds|FlagEphemeral|4096)
	if isBad {
		return bad
	}
	var m *Message
	if orig := st.messages[in.OriginalID]; orig != nil && orig.Flags&FlagLoading != 0 && !orig.Deleted {
		msg.flags = nil // the deferred response decided ephemerality
		orig.Flags &^= FlagLoading
		if resp, ok := st.edit(orig, msg); !ok {
			orig.Flags |= FlagLoading
			return resp
		}
		m = orig
	} else {
		c := st.channels[in.ChannelID]
		m = &Message{ChannelID: c.ID, GuildID: c.GuildID, Author: st.bot, FromBot: true, InteractionID: in.ID, Type: MessageReply}
		if in.OriginalID != "" {
			m.ReplyTo = in.OriginalID
		}
		msg.apply(st, m, st.now())
		if resp, ok := emptyCheck(m); !ok {
			return resp
		}
		st.addMessage(m)
		in.Followups = append(in.Followups, m.ID)
	}
	if r.query.Get("wait") != "true" {
		return noContent()
	}
	return ok(st.messageJSON(m, false))
}

// webhookMessage gets, edits or deletes @original or a followup.
func (st *State) webhookMessage(r *request) response {
	in, bad, good := st.webhookInteraction(r)
	if !good {
		return bad
	}
	id := r.params["message_id"]
	if id == "" {
		id = in.OriginalID
	} else if !slices.Contains(in.Followups, id) && id != in.OriginalID {
		return unknownMessage()
	}
	m := st.messages[id]
	if m == nil || m.Deleted {
		return unknownMessage()
	}
	switch r.method {
	case "GET":
		return ok(st.messageJSON(m, false))
	case "DELETE":
		st.deleteMsg(m)
		return noContent()
	}
	msg, bad, isBad := st.parseMessage(r, true, FlagSuppressEmbeds)
	if isBad {
		return bad
	}
	loading := m.Flags & FlagLoading
	m.Flags &^= FlagLoading
	if resp, ok := st.edit(m, msg); !ok {
		m.Flags |= loading
		return resp
	}
	return ok(st.messageJSON(m, false))
}
