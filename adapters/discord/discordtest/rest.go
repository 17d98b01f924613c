package discordtest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

func init() {
	// Routes with literal segments come before those with a parameter in
	// the same place: the first match wins.
	addRoute("GET", "/gateway", false, (*State).getGateway)
	addRoute("GET", "/gateway/bot", true, (*State).getGatewayBot)
	addRoute("GET", "/users/@me", true, (*State).getMe)
	addRoute("POST", "/users/@me/channels", true, (*State).createDM)
	addRoute("GET", "/users/{user_id}", true, (*State).getUser)
	addRoute("GET", "/channels/{channel_id}", true, (*State).getChannel)
	addRoute("PATCH", "/channels/{channel_id}", true, (*State).patchChannel)
	addRoute("DELETE", "/channels/{channel_id}", true, (*State).deleteChannel)
	addRoute("GET", "/channels/{channel_id}/messages", true, (*State).listMessages)
	addRoute("POST", "/channels/{channel_id}/messages", true, (*State).createMessage)
	addRoute("GET", "/channels/{channel_id}/messages/{message_id}", true, (*State).getMessage)
	addRoute("PATCH", "/channels/{channel_id}/messages/{message_id}", true, (*State).editMessage)
	addRoute("DELETE", "/channels/{channel_id}/messages/{message_id}", true, (*State).deleteMessage)
	addRoute("POST", "/channels/{channel_id}/messages/{message_id}/threads", true, (*State).threadFromMessage)
	addRoute("POST", "/channels/{channel_id}/threads", true, (*State).startThread)
	addRoute("POST", "/channels/{channel_id}/typing", true, func(st *State, r *request) response {
		if st.channels[r.params["channel_id"]] == nil {
			return unknownChannel()
		}
		return noContent()
	})
	addRoute("GET", "/guilds/{guild_id}", true, (*State).getGuild)
	addRoute("GET", "/guilds/{guild_id}/channels", true, (*State).getGuildChannels)
	addRoute("GET", "/guilds/{guild_id}/members/{user_id}", true, (*State).getMember)
	addRoute("GET", "/applications/{application_id}/commands", true, (*State).getCommands)
	addRoute("PUT", "/applications/{application_id}/commands", true, (*State).putCommands)
	addRoute("GET", "/applications/{application_id}/guilds/{guild_id}/commands", true, (*State).getCommands)
	addRoute("PUT", "/applications/{application_id}/guilds/{guild_id}/commands", true, (*State).putCommands)
	// Interaction callbacks and webhooks authenticate by the token in the
	// path, not the bot token.
	addRoute("POST", "/interactions/{interaction_id}/{interaction_token}/callback", false, (*State).interactionCallback)
	addRoute("POST", "/webhooks/{application_id}/{webhook_token}", false, (*State).followup)
	addRoute("GET", "/webhooks/{application_id}/{webhook_token}/messages/@original", false, (*State).webhookMessage)
	addRoute("PATCH", "/webhooks/{application_id}/{webhook_token}/messages/@original", false, (*State).webhookMessage)
	addRoute("DELETE", "/webhooks/{application_id}/{webhook_token}/messages/@original", false, (*State).webhookMessage)
	addRoute("GET", "/webhooks/{application_id}/{webhook_token}/messages/{message_id}", false, (*State).webhookMessage)
	addRoute("PATCH", "/webhooks/{application_id}/{webhook_token}/messages/{message_id}", false, (*State).webhookMessage)
	addRoute("DELETE", "/webhooks/{application_id}/{webhook_token}/messages/{message_id}", false, (*State).webhookMessage)
}

func unknownChannel() response { return apiErr(404, 10003, "Unknown Channel") }
func unknownMessage() response { return apiErr(404, 10008, "Unknown Message") }

func (st *State) getGateway(r *request) response {
	return ok(obj{"url": r.s.GatewayURL})
}

func (st *State) getGatewayBot(r *request) response {
	return ok(obj{"url": r.s.GatewayURL, "shards": 1, "session_start_limit": obj{
		"total": 1000, "remaining": 1000 - st.Identifies(), "reset_after": 86400000, "max_concurrency": 1}})
}

func (st *State) getMe(r *request) response {
	o := st.userJSON(st.bot.ID)
	o["verified"] = true
	o["mfa_enabled"] = false
	o["flags"] = 0
	o["locale"] = "en-US"
	o["email"] = nil
	return ok(o)
}

func (st *State) getUser(r *request) response {
	id := r.params["user_id"]
	if st.users[id] == nil {
		return apiErr(404, 10013, "Unknown User")
	}
	return ok(st.userJSON(id))
}

// createDM opens (or returns) the DM channel with a user. Discord sends no
// CHANNEL_CREATE for it to bots.
func (st *State) createDM(r *request) response {
	id := r.str("recipient_id")
	u := st.users[id]
	if u == nil || id == st.bot.ID {
		return apiErr(400, 50033, "Invalid Recipient(s)")
	}
	return ok(st.channelJSON(st.dmChannel(u)))
}

func (st *State) getChannel(r *request) response {
	c := st.channels[r.params["channel_id"]]
	if c == nil {
		return unknownChannel()
	}
	o := st.channelJSON(c)
	if c.Type.IsThread() && c.OwnerID == st.bot.ID {
		o["member"] = st.threadMemberJSON(c)
	}
	return ok(o)
}

// patchChannel modifies a channel: a thread's name, archived, locked,
// auto_archive_duration and invitable, another channel's name.
func (st *State) patchChannel(r *request) response {
	c := st.channels[r.params["channel_id"]]
	if c == nil {
		return unknownChannel()
	}
	if c.Type == ChannelDM {
		return apiErr(400, 50003, "Cannot execute action on a DM channel")
	}
	if r.has("name") {
		name := r.str("name")
		if n := utf8.RuneCountInString(name); n < 1 || n > 100 {
			return formErr("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
		}
		c.Name = name
	}
	event := "CHANNEL_UPDATE"
	if c.Type.IsThread() {
		event = "THREAD_UPDATE"
		if r.has("archived") {
			c.Archived = r.boolean("archived")
		}
		if r.has("locked") {
			c.Locked = r.boolean("locked")
		}
		if r.has("auto_archive_duration") {
			d := r.integer("auto_archive_duration")
			if !slices.Contains([]int{60, 1440, 4320, 10080}, d) {
				return formErr("auto_archive_duration", "BASE_TYPE_CHOICES", "Value must be one of {60, 1440, 4320, 10080}.")
			}
			c.AutoArchiveDuration = d
		}
		if r.has("invitable") {
			c.Invitable = r.boolean("invitable")
		}
	}
	o := st.channelJSON(c)
	st.dispatch(event, o, scopeGuild(c.GuildID))
	return ok(o)
}

// deleteChannel deletes a guild channel or a thread, and every message in
// it (Discord: Delete/Close Channel; for a thread, MANAGE_THREADS, which
// the fake does not check). A DM channel cannot be deleted by a bot.
func (st *State) deleteChannel(r *request) response {
	c := st.channels[r.params["channel_id"]]
	if c == nil {
		return unknownChannel()
	}
	if c.Type == ChannelDM {
		return apiErr(400, 50003, "Cannot execute action on a DM channel")
	}
	o := st.channelJSON(c)
	for _, m := range st.chanMsgs[c.ID] {
		delete(st.messages, m.ID)
	}
	delete(st.chanMsgs, c.ID)
	delete(st.channels, c.ID)
	st.chanOrder = slices.DeleteFunc(st.chanOrder, func(id string) bool { return id == c.ID })
	event := "CHANNEL_DELETE"
	if c.Type.IsThread() {
		event = "THREAD_DELETE"
	}
	st.dispatch(event, o, scopeGuild(c.GuildID))
	return ok(o)
}

func (st *State) listMessages(r *request) response {
	c := st.channels[r.params["channel_id"]]
	if c == nil {
		return unknownChannel()
	}
	limit := 50
	if v, err := strconv.Atoi(r.query.Get("limit")); err == nil && v >= 1 && v <= 100 {
		limit = v
	}
	out := []any{}
	ms := st.chanMsgs[c.ID]
	for i := len(ms) - 1; i >= 0 && len(out) < limit; i-- {
		if !ms[i].Deleted && !ms[i].Ephemeral() {
			out = append(out, st.messageJSON(ms[i], false))
		}
	}
	return ok(out)
}

func (st *State) getMessage(r *request) response {
	m := st.messages[r.params["message_id"]]
	if m == nil || m.Deleted || m.ChannelID != r.params["channel_id"] || m.Ephemeral() {
		return unknownMessage()
	}
	return ok(st.messageJSON(m, false))
}

// writable checks the bot may post in a channel now, unarchiving a thread
// that is archived but not locked, as posting does on Discord.
func (st *State) writable(c *Channel) (response, bool) {
	switch {
	case c.Type == ChannelDM:
		if u := st.users[c.RecipientID]; u != nil && u.DMsClosed {
			return apiErr(403, 50007, "Cannot send messages to this user"), false
		}
	case c.Type == ChannelCategory || c.Type == ChannelForum:
		return apiErr(400, 50008, "Cannot send messages in a non-text channel"), false
	case c.Type.IsThread() && c.Archived && c.Locked:
		return apiErr(400, 50083, "Thread is archived"), false
	case c.Type.IsThread() && c.Archived:
		c.Archived = false
		st.dispatch("THREAD_UPDATE", st.channelJSON(c), scopeGuild(c.GuildID))
	}
	return response{}, true
}

func (st *State) createMessage(r *request) response {
	c := st.channels[r.params["channel_id"]]
	if c == nil {
		return unknownChannel()
	}
	in, bad, isBad := st.parseMessage(r, false, 4|4096)
	if isBad {
		return bad
	}
	if in.replyTo != "" {
		if ref := st.messages[in.replyTo]; ref == nil || ref.ChannelID != c.ID || ref.Deleted {
			return formErr("message_reference", "REPLIES_UNKNOWN_MESSAGE", "Unknown message")
		}
	}
	if resp, ok := st.writable(c); !ok {
		return resp
	}
	m := &Message{ChannelID: c.ID, GuildID: c.GuildID, Author: st.bot, FromBot: true, Nonce: in.nonce}
	if in.replyTo != "" {
		m.Type, m.ReplyTo = MessageReply, in.replyTo
	}
	in.apply(st, m, st.now())
	if resp, ok := emptyCheck(m); !ok {
		return resp
	}
	st.addMessage(m)
	return ok(st.messageJSON(m, false))
}

func emptyCheck(m *Message) (response, bool) {
	if m.Content == "" && len(m.Embeds) == 0 && len(m.Components) == 0 && len(m.Attachments) == 0 && m.Flags&FlagLoading == 0 {
		return apiErr(400, 50006, "Cannot send an empty message"), false
	}
	return response{}, true
}

func (st *State) editMessage(r *request) response {
	m := st.messages[r.params["message_id"]]
	if m == nil || m.Deleted || m.ChannelID != r.params["channel_id"] || m.Ephemeral() {
		return unknownMessage()
	}
	if !m.FromBot {
		return apiErr(403, 50005, "Cannot edit a message authored by another user")
	}
	in, bad, isBad := st.parseMessage(r, true, 4)
	if isBad {
		return bad
	}
	if resp, ok := st.edit(m, in); !ok {
		return resp
	}
	return ok(st.messageJSON(m, false))
}

// edit applies an edit: fields present in the body replace the message's,
// null or empty ones clear them (Discord's PATCH), absent ones stay.
func (st *State) edit(m *Message, in msgInput) (response, bool) {
	old := m.Version.clone()
	oldAtt := m.Attachments
	now := st.now()
	in.apply(st, m, now)
	if resp, ok := emptyCheck(m); !ok {
		m.Version, m.Attachments = old, oldAtt
		return resp, false
	}
	m.Edits = append(m.Edits, old)
	m.EditDate = now
	if !m.Ephemeral() {
		st.dispatch("MESSAGE_UPDATE", st.messageJSON(m, true), scopeMessage(m))
	}
	return response{}, true
}

func (st *State) deleteMessage(r *request) response {
	m := st.messages[r.params["message_id"]]
	if m == nil || m.Deleted || m.ChannelID != r.params["channel_id"] || m.Ephemeral() {
		return unknownMessage()
	}
	if !m.FromBot && m.GuildID == "" {
		return apiErr(403, 50003, "Cannot execute action on a DM channel")
	}
	st.deleteMsg(m)
	return noContent()
}

func (st *State) deleteMsg(m *Message) {
	m.Deleted = true
	if m.Ephemeral() {
		return
	}
	d := obj{"id": m.ID, "channel_id": m.ChannelID}
	if m.GuildID != "" {
		d["guild_id"] = m.GuildID
	}
	st.dispatch("MESSAGE_DELETE", d, scopeMessage(m))
}

// startThread creates a thread with no starter message. Without a type
// Discord makes a private thread (12).
func (st *State) startThread(r *request) response {
	parent := st.channels[r.params["channel_id"]]
	if parent == nil {
		return unknownChannel()
	}
	if parent.Type != ChannelText && parent.Type != ChannelNews {
		return apiErr(400, 50024, "Cannot execute action on this channel type")
	}
	typ := ChannelType(r.integer("type"))
	if typ == 0 {
		typ = ChannelPrivateThread
	}
	if !typ.IsThread() || (parent.Type == ChannelText) != (typ != ChannelNewsThread) {
		return formErr("type", "BASE_TYPE_CHOICES", "Value must be one of {10, 11, 12}.")
	}
	return st.newThread(r, parent, typ, "")
}

// threadFromMessage starts a public thread from a message; the thread gets
// the message's id, as on Discord.
func (st *State) threadFromMessage(r *request) response {
	parent := st.channels[r.params["channel_id"]]
	if parent == nil {
		return unknownChannel()
	}
	m := st.messages[r.params["message_id"]]
	if m == nil || m.ChannelID != parent.ID || m.Deleted || m.Ephemeral() {
		return unknownMessage()
	}
	if parent.Type != ChannelText && parent.Type != ChannelNews {
		return apiErr(400, 50024, "Cannot execute action on this channel type")
	}
	if m.ThreadID != "" {
		return apiErr(400, 160004, "A thread has already been created for this message")
	}
	typ := ChannelPublicThread
	if parent.Type == ChannelNews {
		typ = ChannelNewsThread
	}
	return st.newThread(r, parent, typ, m.ID)
}

func (st *State) newThread(r *request, parent *Channel, typ ChannelType, starter string) response {
	name := r.str("name")
	if n := utf8.RuneCountInString(name); n < 1 || n > 100 {
		return formErr("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
	}
	dur := r.integer("auto_archive_duration")
	if dur == 0 {
		dur = 4320
	}
	if !slices.Contains([]int{60, 1440, 4320, 10080}, dur) {
		return formErr("auto_archive_duration", "BASE_TYPE_CHOICES", "Value must be one of {60, 1440, 4320, 10080}.")
	}
	id := starter
	if id == "" {
		id = st.newID()
	}
	t := &Channel{ID: id, GuildID: parent.GuildID, Name: name, Type: typ, ParentID: parent.ID, OwnerID: st.bot.ID,
		AutoArchiveDuration: dur, Invitable: !r.has("invitable") || r.boolean("invitable"), StarterMessageID: starter, Created: st.now()}
	st.addChannel(t)
	o := st.channelJSON(t)
	o["member"] = st.threadMemberJSON(t)
	ev := st.channelJSON(t)
	ev["newly_created"] = true
	ev["member"] = st.threadMemberJSON(t)
	st.dispatch("THREAD_CREATE", ev, scopeGuild(t.GuildID))
	if m := st.messages[starter]; m != nil {
		m.ThreadID = t.ID
		st.dispatch("MESSAGE_UPDATE", st.messageJSON(m, true), scopeMessage(m))
	}
	return ok(o)
}

func (st *State) getGuild(r *request) response {
	g := st.guilds[r.params["guild_id"]]
	if g == nil {
		return apiErr(404, 10004, "Unknown Guild")
	}
	o := st.guildCreateJSON(g, 0)
	for _, k := range []string{"joined_at", "large", "unavailable", "member_count", "voice_states", "members", "channels", "threads", "presences", "stage_instances", "guild_scheduled_events"} {
		delete(o, k)
	}
	return ok(o)
}

func (st *State) getGuildChannels(r *request) response {
	g := st.guilds[r.params["guild_id"]]
	if g == nil {
		return apiErr(404, 10004, "Unknown Guild")
	}
	out := []any{}
	for _, id := range st.chanOrder {
		if c := st.channels[id]; c.GuildID == g.ID && !c.Type.IsThread() {
			out = append(out, st.channelJSON(c))
		}
	}
	return ok(out)
}

func (st *State) getMember(r *request) response {
	g := st.guilds[r.params["guild_id"]]
	if g == nil {
		return apiErr(404, 10004, "Unknown Guild")
	}
	m := g.members[r.params["user_id"]]
	if m == nil {
		if st.users[r.params["user_id"]] == nil {
			return apiErr(404, 10013, "Unknown User")
		}
		return apiErr(404, 10007, "Unknown Member")
	}
	return ok(st.memberJSON(g, m, true, false))
}

// Application commands.

var commandName = regexp.MustCompile(`^[-_'\p{L}\p{N}\p{Devanagari}\p{Thai}]{1,32}$`)

func (st *State) commandScope(r *request) (cmdKey, response, bool) {
	app, guild := r.params["application_id"], r.params["guild_id"]
	if app != st.cfg.appID {
		return cmdKey{}, apiErr(403, 50001, "Missing Access"), false
	}
	if guild != "" && st.guilds[guild] == nil {
		return cmdKey{}, apiErr(403, 50001, "Missing Access"), false
	}
	return cmdKey{app, guild}, response{}, true
}

// getCommands lists commands; like Discord it leaves out the localization
// maps unless ?with_localizations=true (discordgo asks for them).
func (st *State) getCommands(r *request) response {
	key, bad, good := st.commandScope(r)
	if !good {
		return bad
	}
	full := r.query.Get("with_localizations") == "true"
	out := []any{}
	for _, c := range st.commands[key] {
		var o obj
		_ = json.Unmarshal(c.Raw, &o)
		if !full {
			delete(o, "name_localizations")
			delete(o, "description_localizations")
		}
		out = append(out, o)
	}
	return ok(out)
}

// putCommands is the bulk overwrite: the given commands replace the
// scope's; a command keeps its id when one of the same name and type
// existed.
func (st *State) putCommands(r *request) response {
	key, bad, good := st.commandScope(r)
	if !good {
		return bad
	}
	var raws []map[string]json.RawMessage
	if err := json.Unmarshal(r.body, &raws); err != nil || r.body == nil {
		return formErr("_errors", "BASE_TYPE_ARRAY", "Expected an array.")
	}
	if len(raws) > 100 {
		return formErr("_errors", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
	}
	old := map[string]*Command{}
	for _, c := range st.commands[key] {
		old[fmt.Sprint(c.Type, c.Name)] = c
	}
	seen := map[string]bool{}
	var cmds []*Command
	out := []any{}
	for i, raw := range raws {
		var c Command
		var wire struct {
			Type                     int               `json:"type"`
			Name                     string            `json:"name"`
			Description              string            `json:"description"`
			NameLocalizations        map[string]string `json:"name_localizations"`
			DescriptionLocalizations map[string]string `json:"description_localizations"`
			Options                  []CommandOption   `json:"options"`
		}
		b, _ := json.Marshal(raw)
		if err := json.Unmarshal(b, &wire); err != nil {
			return formErr(fmt.Sprintf("%d", i), "MODEL_TYPE_CONVERT", err.Error())
		}
		if wire.Type == 0 {
			wire.Type = 1
		}
		if resp, bad := validateCommand(i, wire.Type, wire.Name, wire.Description, wire.NameLocalizations, wire.Options); bad {
			return resp
		}
		k := fmt.Sprint(wire.Type, wire.Name)
		if seen[k] {
			return formErr(fmt.Sprint(i, ".name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
		}
		seen[k] = true
		c.ID = st.newID()
		if prev := old[k]; prev != nil {
			c.ID = prev.ID
		}
		c.ApplicationID, c.GuildID, c.Type, c.Name, c.Description = key.app, key.guild, wire.Type, wire.Name, wire.Description
		c.NameLocalizations, c.DescriptionLocalizations, c.Options = wire.NameLocalizations, wire.DescriptionLocalizations, wire.Options
		o := obj{}
		for k, v := range raw {
			o[k] = v
		}
		o["id"], o["application_id"], o["version"], o["type"] = c.ID, c.ApplicationID, st.newID(), c.Type
		o["default_member_permissions"] = raw["default_member_permissions"]
		if raw["default_member_permissions"] == nil {
			o["default_member_permissions"] = nil
		}
		o["nsfw"] = wire.Type != 0 && string(raw["nsfw"]) == "true"
		o["name_localizations"], o["description_localizations"] = nilMap(c.NameLocalizations), nilMap(c.DescriptionLocalizations)
		if key.guild != "" {
			o["guild_id"] = key.guild
		} else {
			o["dm_permission"] = string(raw["dm_permission"]) != "false"
			o["integration_types"] = []int{0}
			if raw["contexts"] == nil {
				o["contexts"] = nil
			}
		}
		if len(c.Options) == 0 {
			delete(o, "options")
		}
		c.Raw = mustJSON(o)
		cmds = append(cmds, &c)
		out = append(out, o)
	}
	st.commands[key] = cmds
	return ok(out)
}

func nilMap(m map[string]string) any {
	if m == nil {
		return nil
	}
	return m
}

func validateCommand(i, typ int, name, desc string, locNames map[string]string, opts []CommandOption) (response, bool) {
	at := func(f string) string { return fmt.Sprint(i, ".", f) }
	if typ == 1 {
		if !commandName.MatchString(name) || strings.ToLower(name) != name {
			return formErr(at("name"), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"), true
		}
		if n := utf8.RuneCountInString(desc); n < 1 || n > 100 {
			return formErr(at("description"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."), true
		}
	} else if n := utf8.RuneCountInString(name); n < 1 || n > 32 {
		return formErr(at("name"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length."), true
	}
	for loc, n := range locNames {
		if typ == 1 && (!commandName.MatchString(n) || strings.ToLower(n) != n) {
			return formErr(at("name_localizations."+loc), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"), true
		}
	}
	optional := false
	for j, o := range opts {
		if !commandName.MatchString(o.Name) || strings.ToLower(o.Name) != o.Name {
			return formErr(at(fmt.Sprint("options.", j, ".name")), "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid"), true
		}
		if n := utf8.RuneCountInString(o.Description); n < 1 || n > 100 {
			return formErr(at(fmt.Sprint("options.", j, ".description")), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."), true
		}
		if o.Required && optional {
			return formErr(at("options"), "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options"), true
		}
		optional = optional || !o.Required
	}
	return response{}, false
}

// Message bodies.

// msgInput is a message body: a field is set when the body had it.
type msgInput struct {
	content    *string
	embeds     *[]Embed
	components *[]Component
	flags      *int
	am         *AllowedMentions
	amSet      bool
	replyTo    string
	nonce      string
	files      []upload
}

type wireComponent struct {
	Type        int             `json:"type"`
	CustomID    string          `json:"custom_id"`
	Label       string          `json:"label"`
	Style       int             `json:"style"`
	URL         string          `json:"url"`
	Disabled    bool            `json:"disabled"`
	Placeholder string          `json:"placeholder"`
	MinValues   *int            `json:"min_values"`
	MaxValues   *int            `json:"max_values"`
	Options     []SelectOption  `json:"options"`
	Value       string          `json:"value"`
	Emoji       json.RawMessage `json:"emoji"`
	Components  []wireComponent `json:"components"`
}

// parseMessage reads and checks a message body. allowedFlags are the flags
// the endpoint accepts (64, ephemeral, only in interaction responses).
func (st *State) parseMessage(r *request, edit bool, allowedFlags int) (msgInput, response, bool) {
	return st.parseMessageFields(r.obj, r.files, edit, allowedFlags)
}

func (st *State) parseMessageFields(o map[string]json.RawMessage, files []upload, edit bool, allowedFlags int) (msgInput, response, bool) {
	var in msgInput
	in.files = files
	if raw, ok := o["content"]; ok {
		var s string
		if string(raw) != "null" && json.Unmarshal(raw, &s) != nil {
			return in, formErr("content", "BASE_TYPE_STRING", "Must be a string."), true
		}
		if utf8.RuneCountInString(s) > 2000 {
			return in, formErr("content", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length."), true
		}
		in.content = &s
	}
	if raw, ok := o["embeds"]; ok {
		var raws []json.RawMessage
		if string(raw) != "null" && json.Unmarshal(raw, &raws) != nil {
			return in, formErr("embeds", "BASE_TYPE_ARRAY", "Expected an array."), true
		}
		if len(raws) > 10 {
			return in, formErr("embeds", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length."), true
		}
		es := []Embed{}
		for _, e := range raws {
			var em Embed
			_ = json.Unmarshal(e, &em)
			em.Raw = e
			es = append(es, em)
		}
		in.embeds = &es
	}
	if raw, ok := o["components"]; ok {
		var wc []wireComponent
		if string(raw) != "null" && json.Unmarshal(raw, &wc) != nil {
			return in, formErr("components", "BASE_TYPE_ARRAY", "Expected an array."), true
		}
		cs, bad, isBad := checkComponents(wc)
		if isBad {
			return in, bad, true
		}
		in.components = &cs
	}
	if raw, ok := o["flags"]; ok && string(raw) != "null" {
		var f int
		if json.Unmarshal(raw, &f) != nil {
			return in, formErr("flags", "NUMBER_TYPE_COERCE", "Value is not int."), true
		}
		if f&^allowedFlags != 0 && !edit {
			return in, formErr("flags", "MESSAGE_FLAGS_INVALID", "Invalid flags"), true
		}
		f &= allowedFlags
		in.flags = &f
	}
	if raw, ok := o["allowed_mentions"]; ok {
		in.amSet = true
		if string(raw) != "null" {
			var am AllowedMentions
			if json.Unmarshal(raw, &am) != nil {
				return in, formErr("allowed_mentions", "MODEL_TYPE_CONVERT", "Expected an object/dictionary."), true
			}
			for _, p := range am.Parse {
				if p != "users" && p != "roles" && p != "everyone" {
					return in, formErr("allowed_mentions.parse", "BASE_TYPE_CHOICES", `Value must be one of ("roles", "users", "everyone").`), true
				}
			}
			if slices.Contains(am.Parse, "users") && len(am.Users) > 0 {
				return in, formErr("allowed_mentions", "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", `parse:["users"] and users: [ids...] are mutually exclusive.`), true
			}
			if slices.Contains(am.Parse, "roles") && len(am.Roles) > 0 {
				return in, formErr("allowed_mentions", "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", `parse:["roles"] and roles: [ids...] are mutually exclusive.`), true
			}
			if len(am.Users) > 100 || len(am.Roles) > 100 {
				return in, formErr("allowed_mentions", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length."), true
			}
			in.am = &am
		}
	}
	if raw, ok := o["message_reference"]; ok && string(raw) != "null" && !edit {
		var ref struct {
			MessageID string `json:"message_id"`
		}
		_ = json.Unmarshal(raw, &ref)
		in.replyTo = ref.MessageID
	}
	if raw, ok := o["nonce"]; ok && !edit {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			s = string(raw) // an integer nonce
		}
		in.nonce = s
	}
	return in, response{}, false
}

// apply writes the body into m. On an edit, a field absent from the body
// keeps its value; allowed_mentions absent means the message's earlier
// ones no longer matter, as on Discord, where they apply per request.
func (in msgInput) apply(st *State, m *Message, now time.Time) {
	if in.content != nil {
		m.Content = *in.content
	}
	if in.embeds != nil {
		m.Embeds = *in.embeds
	}
	if in.components != nil {
		m.Components = *in.components
	}
	if in.flags != nil {
		m.Flags = m.Flags&(FlagEphemeral|FlagLoading) | *in.flags
	}
	m.AllowedMentions = in.am
	for _, f := range in.files {
		m.Attachments = append(m.Attachments, Attachment{ID: st.newID(), Filename: f.name, ContentType: f.contentType, Size: f.size})
	}
	m.At = now
	m.Pinged = st.pings(m.Content, m.AllowedMentions, m.GuildID, m.ReplyTo)
}

// checkComponents validates the classic component layout: top-level action
// rows holding up to five buttons or one select; custom_ids present,
// at most 100 characters and unique in the message; link buttons with a
// url and no custom_id.
func checkComponents(rows []wireComponent) ([]Component, response, bool) {
	if len(rows) > 5 {
		return nil, formErr("components", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length."), true
	}
	ids := map[string]bool{}
	out := []Component{}
	for i, row := range rows {
		at := func(j int, f string) string { return fmt.Sprintf("components.%d.components.%d.%s", i, j, f) }
		if row.Type != ComponentActionRow {
			return nil, formErr(fmt.Sprintf("components.%d.type", i), "UNION_TYPE_CHOICES", "Value of field \"type\" must be one of (1,)."), true
		}
		if len(row.Components) == 0 || len(row.Components) > 5 {
			return nil, formErr(fmt.Sprintf("components.%d.components", i), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length."), true
		}
		r := Component{Type: ComponentActionRow}
		for j, c := range row.Components {
			comp := Component{Type: c.Type, CustomID: c.CustomID, Label: c.Label, Style: c.Style, URL: c.URL, Disabled: c.Disabled,
				Placeholder: c.Placeholder, Options: c.Options, Value: c.Value}
			if len(c.Emoji) > 0 && string(c.Emoji) != "null" {
				comp.emoji = c.Emoji
			}
			switch c.Type {
			case ComponentButton:
				if c.Style < 1 || c.Style > 6 {
					return nil, formErr(at(j, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}."), true
				}
				if utf8.RuneCountInString(c.Label) > 80 {
					return nil, formErr(at(j, "label"), "BASE_TYPE_MAX_LENGTH", "Must be 80 or fewer in length."), true
				}
				if c.Label == "" && comp.emoji == nil {
					return nil, formErr(at(j, "label"), "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", "A label or emoji is required"), true
				}
				if c.Style == ButtonLink {
					if c.URL == "" || c.CustomID != "" {
						return nil, formErr(at(j, "url"), "BUTTON_COMPONENT_URL_REQUIRED", "A url is required and custom_id is not allowed for link buttons"), true
					}
				}
			case ComponentStringSelect:
				if len(row.Components) != 1 {
					return nil, formErr(fmt.Sprintf("components.%d.components", i), "COMPONENT_LAYOUT_WIDTH_EXCEEDED", "The specified component exceeds the maximum width"), true
				}
				if len(c.Options) < 1 || len(c.Options) > 25 {
					return nil, formErr(at(j, "options"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 25 in length."), true
				}
				comp.MinValues, comp.MaxValues = 1, 1
				if c.MinValues != nil {
					comp.MinValues = *c.MinValues
				}
				if c.MaxValues != nil && *c.MaxValues > 0 {
					comp.MaxValues = *c.MaxValues
				}
				if comp.MinValues > comp.MaxValues || comp.MaxValues > len(c.Options) {
					return nil, formErr(at(j, "max_values"), "SELECT_COMPONENT_TOO_MANY_VALUES", "max_values must be at most the number of options and at least min_values"), true
				}
				vals := map[string]bool{}
				for k, o := range c.Options {
					if o.Label == "" || o.Value == "" || vals[o.Value] {
						return nil, formErr(at(j, fmt.Sprintf("options.%d.value", k)), "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED", "Option label and a unique value are required"), true
					}
					vals[o.Value] = true
				}
			case ComponentTextInput:
			default:
				return nil, formErr(at(j, "type"), "UNION_TYPE_CHOICES", "Component type not supported by discordtest"), true
			}
			if c.Type == ComponentButton && c.Style == ButtonLink {
				r.Components = append(r.Components, comp)
				continue
			}
			if c.CustomID == "" || utf8.RuneCountInString(c.CustomID) > 100 {
				return nil, formErr(at(j, "custom_id"), "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."), true
			}
			if ids[c.CustomID] {
				return nil, formErr(at(j, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"), true
			}
			ids[c.CustomID] = true
			r.Components = append(r.Components, comp)
		}
		out = append(out, r)
	}
	return out, response{}, false
}
