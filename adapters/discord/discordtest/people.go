package discordtest

import (
	"fmt"
	"slices"
	"strings"
)

// World setup. Each Add also tells connected sessions, as Discord would
// (GUILD_CREATE, CHANNEL_CREATE, GUILD_MEMBER_ADD…), so a world can grow
// while the bot runs; usually it is built before the bot connects.

func (s *Server) helper() {
	if s.tb != nil {
		s.tb.Helper()
	}
}

func isSnowflake(id string) bool {
	if id == "" || len(id) > 20 {
		return false
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// checkID gives an empty id a fresh snowflake and fails on one that isn't
// numeric: mentions and discordgo's snowflake helpers assume digits.
func (s *Server) checkID(what string, id *string) {
	s.helper()
	if *id == "" {
		*id = s.st.newID()
		return
	}
	if !isSnowflake(*id) {
		s.fatalf("%s id %q must be a snowflake (digits only)", what, *id)
	}
	if s.st.users[*id] != nil || s.st.guilds[*id] != nil || s.st.channels[*id] != nil || s.st.messages[*id] != nil {
		s.fatalf("%s id %s is already used", what, *id)
	}
}

// AddUser registers a person (or replaces what is known of an existing
// one, e.g. to set Locale or DMsClosed). An empty ID gets a snowflake, an
// empty Username one made from the id.
func (s *Server) AddUser(u User) User {
	s.helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.st.users[u.ID]; old == nil || u.ID == "" {
		s.checkID("user", &u.ID)
		s.st.userOrder = append(s.st.userOrder, u.ID)
	} else if u.ID == s.st.bot.ID {
		s.fatalf("AddUser(%s): that is the bot", u.ID)
	}
	if u.Username == "" {
		u.Username = "user" + u.ID[max(0, len(u.ID)-4):]
	}
	cp := u
	s.st.users[u.ID] = &cp
	s.changedLocked()
	return u
}

// AddGuild adds a guild with the bot in it, and its @everyone role (the
// guild's id, no permissions).
func (s *Server) AddGuild(g Guild) Guild {
	s.helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st
	s.checkID("guild", &g.ID)
	if g.Name == "" {
		g.Name = "Guild " + g.ID
	}
	if g.PreferredLocale == "" {
		g.PreferredLocale = "en-US"
	}
	if g.OwnerID == "" {
		g.OwnerID = st.bot.ID
	}
	gs := &guildState{Guild: g, members: map[string]*Member{}, joined: st.now()}
	gs.roles = []*Role{{ID: g.ID, Name: "@everyone"}}
	st.guilds[g.ID] = gs
	st.guildOrder = append(st.guildOrder, g.ID)
	gs.members[st.bot.ID] = &Member{GuildID: g.ID, UserID: st.bot.ID, JoinedAt: gs.joined}
	gs.memberOrder = append(gs.memberOrder, st.bot.ID)
	for _, sess := range st.sessions {
		if !sess.invalid && sess.intents&intentGuilds != 0 {
			st.sendTo(sess, "GUILD_CREATE", st.guildCreateJSON(gs, sess.intents))
		}
	}
	s.changedLocked()
	return g
}

func (s *Server) guild(id string) *guildState {
	s.helper()
	g := s.st.guilds[id]
	if g == nil {
		s.fatalf("no guild %s; AddGuild first", id)
	}
	return g
}

// AddRole adds a role to a guild.
func (s *Server) AddRole(guildID string, r Role) Role {
	s.helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.guild(guildID)
	s.checkID("role", &r.ID)
	if r.Name == "" {
		r.Name = "role-" + r.ID
	}
	if r.Position == 0 {
		r.Position = len(g.roles)
	}
	cp := r
	g.roles = append(g.roles, &cp)
	s.st.dispatch("GUILD_ROLE_CREATE", obj{"guild_id": guildID, "role": roleJSON(&cp)}, scopeGuild(guildID))
	s.changedLocked()
	return r
}

// AddChannel adds a guild channel (or a thread, with Type a thread type
// and ParentID set). Type defaults to a text channel.
func (s *Server) AddChannel(c Channel) Channel {
	s.helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st
	s.guild(c.GuildID)
	s.checkID("channel", &c.ID)
	if c.Type == ChannelDM {
		s.fatalf("AddChannel(%s): DM channels come from SendDM or the bot opening one", c.ID)
	}
	if c.Name == "" {
		c.Name = "channel-" + c.ID
	}
	c.Created = st.now()
	if c.Type.IsThread() {
		if p := st.channels[c.ParentID]; p == nil || p.GuildID != c.GuildID {
			s.fatalf("AddChannel(%s): a thread needs a ParentID channel in guild %s", c.ID, c.GuildID)
		}
		if c.AutoArchiveDuration == 0 {
			c.AutoArchiveDuration = 4320
		}
		if c.OwnerID == "" {
			c.OwnerID = st.bot.ID
		}
	}
	cp := c
	st.addChannel(&cp)
	ev := "CHANNEL_CREATE"
	if c.Type.IsThread() {
		ev = "THREAD_CREATE"
	}
	st.dispatch(ev, st.channelJSON(&cp), scopeGuild(c.GuildID))
	s.changedLocked()
	return c
}

// AddMember makes a known user a member of a guild with the given roles.
func (s *Server) AddMember(guildID, userID string, roleIDs ...string) Member {
	s.helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st
	g := s.guild(guildID)
	if st.users[userID] == nil {
		s.fatalf("AddMember(%s, %s): no such user; AddUser first", guildID, userID)
	}
	for _, r := range roleIDs {
		if !slices.ContainsFunc(g.roles, func(x *Role) bool { return x.ID == r }) {
			s.fatalf("AddMember(%s, %s): guild has no role %s", guildID, userID, r)
		}
	}
	m := &Member{GuildID: guildID, UserID: userID, Roles: slices.Clone(roleIDs), JoinedAt: st.now()}
	if g.members[userID] == nil {
		g.memberOrder = append(g.memberOrder, userID)
	}
	g.members[userID] = m
	ev := st.memberJSON(g, m, true, false)
	ev["guild_id"] = guildID
	st.dispatch("GUILD_MEMBER_ADD", ev, eventScope{intent: intentGuildMembers})
	s.changedLocked()
	c := *m
	c.Roles = slices.Clone(m.Roles)
	return c
}

func (st *State) addChannel(c *Channel) {
	st.channels[c.ID] = c
	st.chanOrder = append(st.chanOrder, c.ID)
}

// dmChannel returns the DM channel with u, opening it if need be.
func (st *State) dmChannel(u *User) *Channel {
	if id := st.dms[u.ID]; id != "" {
		return st.channels[id]
	}
	c := &Channel{ID: st.newID(), Type: ChannelDM, RecipientID: u.ID, Created: st.now()}
	st.addChannel(c)
	st.dms[u.ID] = c.ID
	return c
}

// addMessage stores a new message and dispatches MESSAGE_CREATE, unless it
// is ephemeral: those only the interaction's user sees.
func (st *State) addMessage(m *Message) {
	if m.ID == "" {
		m.ID = st.newID()
	}
	if m.Date.IsZero() {
		m.Date = st.now()
	}
	st.messages[m.ID] = m
	st.chanMsgs[m.ChannelID] = append(st.chanMsgs[m.ChannelID], m)
	if !m.Ephemeral() {
		st.dispatch("MESSAGE_CREATE", st.messageJSON(m, true), scopeMessage(m))
	}
}

// People's actions. Each fails the test when the person couldn't do it in
// a Discord client, and returns the id a test needs.

func (s *Server) person(id string) *User {
	s.helper()
	u := s.st.users[id]
	if u == nil {
		s.fatalf("no user %s; AddUser first", id)
	}
	if id == s.st.bot.ID {
		s.fatalf("user %s is the bot; people's actions need a person", id)
	}
	return u
}

// postable finds the channel where u writes, or fails: a DM must be theirs,
// a guild channel needs them as a member, a locked archived thread is
// closed to them; posting unarchives an archived thread.
func (s *Server) postable(channelID string, u *User) *Channel {
	s.helper()
	st := &s.st
	c := st.channels[channelID]
	switch {
	case c == nil:
		s.fatalf("no channel %s", channelID)
	case c.Type == ChannelDM && c.RecipientID != u.ID:
		s.fatalf("%s can't post in the DM channel %s of someone else", u.Username, channelID)
	case c.Type != ChannelDM && st.guilds[c.GuildID].members[u.ID] == nil:
		s.fatalf("%s is not a member of guild %s; AddMember first", u.Username, c.GuildID)
	case c.Type == ChannelCategory || c.Type == ChannelForum:
		s.fatalf("channel %s is not a text channel", channelID)
	case c.Type.IsThread() && c.Archived && c.Locked:
		s.fatalf("thread %s is archived and locked", channelID)
	case c.Type.IsThread() && c.Archived:
		c.Archived = false
		st.dispatch("THREAD_UPDATE", st.channelJSON(c), scopeGuild(c.GuildID))
	}
	return c
}

func (s *Server) post(c *Channel, u *User, text string, files []upload) string {
	st := &s.st
	m := &Message{ChannelID: c.ID, GuildID: c.GuildID, Author: *u, Date: st.now()}
	m.Content, m.At = text, m.Date
	for _, f := range files {
		m.Attachments = append(m.Attachments, Attachment{ID: st.newID(), Filename: f.name, ContentType: f.contentType, Size: f.size})
	}
	m.Pinged = st.pings(text, nil, c.GuildID, "")
	st.addMessage(m)
	s.changedLocked()
	return m.ID
}

// SendDM is the person writing text to the bot in their DM, which opens
// the DM channel if need be. It returns the message id; DMChannel gives
// the channel's.
func (s *Server) SendDM(userID, text string) string {
	s.helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.person(userID)
	if strings.TrimSpace(text) == "" {
		s.fatalf("SendDM(%s): a client can't send an empty message", userID)
	}
	return s.post(s.st.dmChannel(u), u, text, nil)
}

// SendMessage is the person writing text in a guild channel, a thread or
// their DM channel. It returns the message id.
func (s *Server) SendMessage(channelID, userID, text string) string {
	s.helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.person(userID)
	if strings.TrimSpace(text) == "" {
		s.fatalf("SendMessage(%s, %s): a client can't send an empty message", channelID, userID)
	}
	return s.post(s.postable(channelID, u), u, text, nil)
}

// SendAttachment is the person sending a file with no text, in any
// channel SendMessage takes ("" for their DM). It returns the message id.
func (s *Server) SendAttachment(channelID, userID, filename string) string {
	s.helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.person(userID)
	var c *Channel
	if channelID == "" {
		c = s.st.dmChannel(u)
	} else {
		c = s.postable(channelID, u)
	}
	ct := "application/octet-stream"
	switch {
	case strings.HasSuffix(filename, ".png"):
		ct = "image/png"
	case strings.HasSuffix(filename, ".jpg"), strings.HasSuffix(filename, ".jpeg"):
		ct = "image/jpeg"
	case strings.HasSuffix(filename, ".pdf"):
		ct = "application/pdf"
	case strings.HasSuffix(filename, ".txt"):
		ct = "text/plain; charset=utf-8"
	}
	return s.post(c, u, "", []upload{{name: filename, contentType: ct, size: 1024}})
}

// EditMessage is the person editing their own message; the bot gets
// MESSAGE_UPDATE.
func (s *Server) EditMessage(userID, messageID, text string) {
	s.helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st
	u := s.person(userID)
	m := st.messages[messageID]
	if m == nil || m.Deleted || m.Author.ID != u.ID {
		s.fatalf("EditMessage(%s, %s): no message of theirs with that id", userID, messageID)
	}
	m.Edits = append(m.Edits, m.Version.clone())
	m.Content, m.At, m.EditDate = text, st.now(), st.now()
	m.Pinged = st.pings(text, nil, m.GuildID, m.ReplyTo)
	st.dispatch("MESSAGE_UPDATE", st.messageJSON(m, true), scopeMessage(m))
	s.changedLocked()
}

// visibleMessage finds a message the person can see and interact with.
func (s *Server) visibleMessage(u *User, messageID string) *Message {
	s.helper()
	st := &s.st
	m := st.messages[messageID]
	switch {
	case m == nil:
		s.fatalf("no message %s", messageID)
	case m.Deleted:
		s.fatalf("message %s was deleted", messageID)
	case m.Ephemeral() && st.interactions[m.InteractionID].UserID != u.ID:
		s.fatalf("message %s is ephemeral, shown only to someone else", messageID)
	}
	s.postable(m.ChannelID, u)
	return m
}

func describeComponents(m *Message) string {
	var parts []string
	for _, row := range m.Components {
		for _, c := range row.Components {
			parts = append(parts, fmt.Sprintf("[type %d %q %s disabled=%v]", c.Type, c.Label, c.CustomID, c.Disabled))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// PressButton is the person clicking the button with customID on a
// message. It fails if there is no such enabled, non-link button. It
// returns the interaction id.
func (s *Server) PressButton(userID, messageID, customID string) string {
	s.helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.person(userID)
	m := s.visibleMessage(u, messageID)
	c, found := m.Find(customID)
	switch {
	case !found || c.Type != ComponentButton:
		s.fatalf("PressButton: message %s has no button %q; components: %s", messageID, customID, describeComponents(m))
	case c.Disabled:
		s.fatalf("PressButton: button %q on message %s is disabled", customID, messageID)
	}
	in := &Interaction{Type: InteractionMessageComponent, MessageID: m.ID, CustomID: customID, ComponentType: ComponentButton}
	return s.interact(u, m.ChannelID, in, obj{"custom_id": customID, "component_type": ComponentButton}, m)
}

// Select is the person choosing values in the string select with customID
// on a message. The values must be the select's options, as many as its
// min_values and max_values allow. It returns the interaction id.
func (s *Server) Select(userID, messageID, customID string, values ...string) string {
	s.helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.person(userID)
	m := s.visibleMessage(u, messageID)
	c, found := m.Find(customID)
	switch {
	case !found || c.Type != ComponentStringSelect:
		s.fatalf("Select: message %s has no string select %q; components: %s", messageID, customID, describeComponents(m))
	case c.Disabled:
		s.fatalf("Select: select %q on message %s is disabled", customID, messageID)
	case len(values) < c.MinValues || len(values) > c.MaxValues:
		s.fatalf("Select: %d value(s) for select %q, which takes %d to %d", len(values), customID, c.MinValues, c.MaxValues)
	}
	for _, v := range values {
		if !slices.ContainsFunc(c.Options, func(o SelectOption) bool { return o.Value == v }) {
			s.fatalf("Select: select %q has no option %q", customID, v)
		}
	}
	in := &Interaction{Type: InteractionMessageComponent, MessageID: m.ID, CustomID: customID, ComponentType: ComponentStringSelect, Values: slices.Clone(values)}
	return s.interact(u, m.ChannelID, in, obj{"custom_id": customID, "component_type": ComponentStringSelect, "values": nonNil(values)}, m)
}

// SlashCommand is the person running a registered slash command, in a
// guild channel or (no GuildID, no ChannelID) in their DM with the bot.
// Options are checked against the command's definition, which also gives
// their types. It returns the interaction id.
func (s *Server) SlashCommand(sl Slash) string {
	s.helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st
	u := s.person(sl.UserID)
	var c *Channel
	switch {
	case sl.GuildID == "" && sl.ChannelID == "":
		c = st.dmChannel(u)
	case sl.GuildID == "":
		c = s.postable(sl.ChannelID, u)
		if c.Type != ChannelDM {
			s.fatalf("SlashCommand: channel %s is in guild %s; set GuildID", sl.ChannelID, c.GuildID)
		}
	default:
		c = s.postable(sl.ChannelID, u)
		if c.GuildID != sl.GuildID {
			s.fatalf("SlashCommand: channel %s is not in guild %s", sl.ChannelID, sl.GuildID)
		}
	}
	var cmd *Command
	if c.GuildID != "" {
		for _, x := range st.commands[cmdKey{st.cfg.appID, c.GuildID}] {
			if x.Name == sl.Name && x.Type == 1 {
				cmd = x
			}
		}
	}
	for _, x := range st.commands[cmdKey{st.cfg.appID, ""}] {
		if cmd == nil && x.Name == sl.Name && x.Type == 1 {
			cmd = x
		}
	}
	if cmd == nil {
		var names []string
		for k, cs := range st.commands {
			for _, x := range cs {
				names = append(names, fmt.Sprintf("/%s (guild %q)", x.Name, k.guild))
			}
		}
		s.fatalf("SlashCommand: no command /%s registered for this place; registered: %v", sl.Name, names)
	}
	resolved := obj{}
	opts := s.commandOptions(cmd.Name, sl.Options, cmd.Options, c.GuildID, resolved)
	data := obj{"id": cmd.ID, "name": cmd.Name, "type": 1}
	if len(opts) > 0 {
		data["options"] = opts
	}
	if len(resolved) > 0 {
		data["resolved"] = resolved
	}
	if c.GuildID != "" {
		data["guild_id"] = c.GuildID
	}
	in := &Interaction{Type: InteractionApplicationCommand, Command: cmd.Name, Options: sl.Options, Locale: sl.Locale}
	return s.interact(u, c.ID, in, data, nil)
}

// commandOptions checks the given options against the definitions and
// returns them as Discord sends them, filling resolved for users, roles
// and channels.
func (s *Server) commandOptions(path string, given []SlashOption, defs []CommandOption, guildID string, resolved obj) []any {
	s.helper()
	st := &s.st
	out := []any{}
	for _, o := range given {
		i := slices.IndexFunc(defs, func(d CommandOption) bool { return d.Name == o.Name })
		if i < 0 {
			s.fatalf("SlashCommand: /%s has no option %q", path, o.Name)
		}
		d := defs[i]
		if o.Type != 0 && o.Type != d.Type {
			s.fatalf("SlashCommand: option %q of /%s has type %d, not %d", o.Name, path, d.Type, o.Type)
		}
		w := obj{"name": o.Name, "type": d.Type}
		if d.Type == 1 || d.Type == 2 {
			w["options"] = s.commandOptions(path+" "+o.Name, o.Options, d.Options, guildID, resolved)
			out = append(out, w)
			continue
		}
		w["value"] = o.Value
		id := fmt.Sprint(o.Value)
		add := func(kind string, v any) {
			m, _ := resolved[kind].(obj)
			if m == nil {
				m = obj{}
				resolved[kind] = m
			}
			m[id] = v
		}
		switch d.Type {
		case 6:
			if st.users[id] == nil {
				s.fatalf("SlashCommand: option %q: no user %s", o.Name, id)
			}
			add("users", st.userJSON(id))
			if g := st.guilds[guildID]; g != nil && g.members[id] != nil {
				add("members", st.memberJSON(g, g.members[id], false, true))
			}
		case 7:
			if ch := st.channels[id]; ch != nil {
				add("channels", obj{"id": id, "name": ch.Name, "type": int(ch.Type), "permissions": "0"})
			}
		case 8:
			if g := st.guilds[guildID]; g != nil {
				for _, r := range g.roles {
					if r.ID == id {
						add("roles", roleJSON(r))
					}
				}
			}
		}
		out = append(out, w)
	}
	for _, d := range defs {
		if d.Required && !slices.ContainsFunc(given, func(o SlashOption) bool { return o.Name == d.Name }) {
			s.fatalf("SlashCommand: /%s needs option %q", path, d.Name)
		}
	}
	return out
}

// SubmitModal is the person filling in and submitting the modal the bot
// opened in answer to interaction id; values are keyed by the text
// inputs' custom_ids. It returns the new interaction's id.
func (s *Server) SubmitModal(userID, interactionID string, values map[string]string) string {
	s.helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st
	u := s.person(userID)
	prev := st.interactions[interactionID]
	if prev == nil || prev.Modal == nil || prev.UserID != userID {
		s.fatalf("SubmitModal: interaction %s opened no modal for %s", interactionID, userID)
	}
	rows := []any{}
	for _, row := range prev.Modal.Components {
		var cs []any
		for _, c := range row.Components {
			cs = append(cs, obj{"type": ComponentTextInput, "custom_id": c.CustomID, "value": values[c.CustomID]})
		}
		rows = append(rows, obj{"type": ComponentActionRow, "components": cs})
	}
	in := &Interaction{Type: InteractionModalSubmit, CustomID: prev.Modal.CustomID, MessageID: prev.MessageID}
	var m *Message
	if prev.MessageID != "" {
		m = st.messages[prev.MessageID]
	}
	return s.interact(u, prev.ChannelID, in, obj{"custom_id": prev.Modal.CustomID, "components": rows}, m)
}

// interact completes in, records it and dispatches INTERACTION_CREATE
// with a fresh id and token, as Discord does for every interaction.
func (s *Server) interact(u *User, channelID string, in *Interaction, data obj, m *Message) string {
	st := &s.st
	c := st.channels[channelID]
	in.ID = st.newID()
	in.Token = "discordtest." + randomHex(24)
	in.UserID, in.GuildID, in.ChannelID = u.ID, c.GuildID, c.ID
	if in.Locale == "" {
		in.Locale = u.Locale
	}
	if in.Locale == "" {
		in.Locale = "en-US"
	}
	in.Created = st.now()
	ev := obj{
		"id":                    in.ID,
		"application_id":        st.cfg.appID,
		"type":                  in.Type,
		"data":                  data,
		"channel_id":            c.ID,
		"token":                 in.Token,
		"version":               1,
		"locale":                in.Locale,
		"entitlements":          []any{},
		"attachment_size_limit": 26214400,
	}
	ch := obj{"id": c.ID, "type": int(c.Type), "flags": 0}
	if c.Type == ChannelDM {
		ch["recipients"] = []any{st.userJSON(u.ID)}
		ev["user"] = st.userJSON(u.ID)
		ev["context"] = 1
		ev["authorizing_integration_owners"] = obj{"0": "0"}
		ev["app_permissions"] = "1126451466563137"
	} else {
		g := st.guilds[c.GuildID]
		ch["guild_id"], ch["name"] = c.GuildID, c.Name
		if c.Type.IsThread() {
			ch["parent_id"] = c.ParentID
			ch["thread_metadata"] = st.channelJSON(c)["thread_metadata"]
		}
		ev["guild_id"] = c.GuildID
		ev["guild"] = obj{"id": c.GuildID, "locale": g.PreferredLocale, "features": []any{}}
		ev["guild_locale"] = g.PreferredLocale
		ev["member"] = st.memberJSON(g, g.members[u.ID], true, true)
		ev["context"] = 0
		ev["authorizing_integration_owners"] = obj{"0": c.GuildID}
		ev["app_permissions"] = "2251799813685247" // every permission: the fake has no permission checks
	}
	ev["channel"] = ch
	if m != nil {
		ev["message"] = st.messageJSON(m, false)
	}
	st.interactions[in.ID] = in
	st.interOrder = append(st.interOrder, in.ID)
	st.dispatch("INTERACTION_CREATE", ev, eventScope{})
	s.changedLocked()
	return in.ID
}
