package discordtest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"time"
)

// This file builds the JSON Discord sends: objects are maps so that a
// field Discord sends as null is null and one it leaves out is absent,
// which struct tags can't say per case.

type obj = map[string]any

// timestamp is Discord's ISO 8601 form, microseconds and an explicit offset.
func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000+00:00") }

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (st *State) userJSON(id string) obj {
	u := st.users[id]
	if u == nil {
		u = &User{ID: id, Username: "unknown-" + id}
	}
	o := obj{
		"id":                     u.ID,
		"username":               u.Username,
		"discriminator":          "0", // unique usernames have no discriminator
		"global_name":            nullable(u.GlobalName),
		"avatar":                 nil,
		"avatar_decoration_data": nil,
		"public_flags":           0,
	}
	if u.Bot {
		o["bot"] = true
		o["global_name"] = nil // bots have no global name
	}
	return o
}

func (st *State) memberJSON(g *guildState, m *Member, withUser, withPermissions bool) obj {
	o := obj{
		"nick":                         nullable(m.Nick),
		"avatar":                       nil,
		"roles":                        nonNil(m.Roles),
		"joined_at":                    timestamp(m.JoinedAt),
		"premium_since":                nil,
		"deaf":                         false,
		"mute":                         false,
		"flags":                        0,
		"pending":                      false,
		"communication_disabled_until": nil,
	}
	if withUser {
		o["user"] = st.userJSON(m.UserID)
	}
	if withPermissions {
		o["permissions"] = fmt.Sprint(st.permissions(g, m))
	}
	return o
}

// permissions is the member's guild-level permissions: @everyone's and
// their roles', or everything for the owner. Channel overwrites are not
// modelled.
func (st *State) permissions(g *guildState, m *Member) int64 {
	const all = int64(1)<<50 - 1
	if g.OwnerID == m.UserID {
		return all
	}
	var p int64
	for _, r := range g.roles {
		if r.ID == g.ID || slices.Contains(m.Roles, r.ID) {
			p |= r.Permissions
		}
	}
	if p&8 != 0 { // ADMINISTRATOR
		return all
	}
	return p
}

func roleJSON(r *Role) obj {
	return obj{
		"id":            r.ID,
		"name":          r.Name,
		"color":         0,
		"hoist":         false,
		"icon":          nil,
		"unicode_emoji": nil,
		"position":      r.Position,
		"permissions":   fmt.Sprint(r.Permissions),
		"managed":       false,
		"mentionable":   r.Mentionable,
		"flags":         0,
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (st *State) lastMessageID(channelID string) any {
	ms := st.chanMsgs[channelID]
	for i := len(ms) - 1; i >= 0; i-- {
		if !ms[i].Deleted && !ms[i].Ephemeral() {
			return ms[i].ID
		}
	}
	return nil
}

func (st *State) channelJSON(c *Channel) obj {
	o := obj{"id": c.ID, "type": int(c.Type), "flags": 0, "last_message_id": st.lastMessageID(c.ID)}
	switch {
	case c.Type == ChannelDM:
		o["recipients"] = []any{st.userJSON(c.RecipientID)}
	case c.Type.IsThread():
		n := 0
		for _, m := range st.chanMsgs[c.ID] {
			if !m.Deleted && !m.Ephemeral() {
				n++
			}
		}
		meta := obj{
			"archived":              c.Archived,
			"auto_archive_duration": c.AutoArchiveDuration,
			"archive_timestamp":     timestamp(c.Created),
			"locked":                c.Locked,
			"create_timestamp":      timestamp(c.Created),
		}
		if c.Type == ChannelPrivateThread {
			meta["invitable"] = c.Invitable
		}
		o["guild_id"] = c.GuildID
		o["parent_id"] = c.ParentID
		o["owner_id"] = c.OwnerID
		o["name"] = c.Name
		o["rate_limit_per_user"] = 0
		o["message_count"] = n
		o["total_message_sent"] = n
		o["member_count"] = 1
		o["thread_metadata"] = meta
	default:
		o["guild_id"] = c.GuildID
		o["name"] = c.Name
		o["position"] = 0
		o["parent_id"] = nullable(c.ParentID)
		o["permission_overwrites"] = []any{}
		o["nsfw"] = false
		o["topic"] = nil
		o["rate_limit_per_user"] = 0
	}
	return o
}

// threadMemberJSON is the bot's membership of a thread it created.
func (st *State) threadMemberJSON(c *Channel) obj {
	return obj{"id": c.ID, "user_id": st.bot.ID, "join_timestamp": timestamp(c.Created), "flags": 0}
}

// guildCreateJSON is a GUILD_CREATE: the guild with its roles, channels,
// active threads and, with the GUILD_MEMBERS intent, its members (else
// only the bot's own membership, as Discord does).
func (st *State) guildCreateJSON(g *guildState, intents int) obj {
	roles := []any{}
	for _, r := range g.roles {
		roles = append(roles, roleJSON(r))
	}
	channels, threads := []any{}, []any{}
	for _, id := range st.chanOrder {
		c := st.channels[id]
		if c.GuildID != g.ID {
			continue
		}
		switch {
		case c.Type.IsThread() && !c.Archived:
			threads = append(threads, st.channelJSON(c))
		case !c.Type.IsThread():
			channels = append(channels, st.channelJSON(c))
		}
	}
	members := []any{}
	for _, uid := range g.memberOrder {
		if intents&intentGuildMembers != 0 || uid == st.bot.ID {
			members = append(members, st.memberJSON(g, g.members[uid], true, false))
		}
	}
	return obj{
		"id":                            g.ID,
		"name":                          g.Name,
		"icon":                          nil,
		"splash":                        nil,
		"discovery_splash":              nil,
		"owner_id":                      g.OwnerID,
		"afk_channel_id":                nil,
		"afk_timeout":                   300,
		"verification_level":            0,
		"default_message_notifications": 1,
		"explicit_content_filter":       0,
		"roles":                         roles,
		"emojis":                        []any{},
		"stickers":                      []any{},
		"features":                      []any{},
		"mfa_level":                     0,
		"application_id":                nil,
		"system_channel_id":             nil,
		"system_channel_flags":          0,
		"rules_channel_id":              nil,
		"vanity_url_code":               nil,
		"description":                   nil,
		"banner":                        nil,
		"premium_tier":                  0,
		"premium_subscription_count":    0,
		"preferred_locale":              g.PreferredLocale,
		"public_updates_channel_id":     nil,
		"nsfw_level":                    0,
		"premium_progress_bar_enabled":  false,
		"joined_at":                     timestamp(g.joined),
		"large":                         false,
		"unavailable":                   false,
		"member_count":                  len(g.memberOrder),
		"voice_states":                  []any{},
		"members":                       members,
		"channels":                      channels,
		"threads":                       threads,
		"presences":                     []any{},
		"stage_instances":               []any{},
		"guild_scheduled_events":        []any{},
	}
}

func componentsJSON(cs []Component) []any {
	out := []any{}
	for _, c := range cs {
		o := obj{"type": c.Type}
		switch c.Type {
		case ComponentActionRow:
			o["components"] = componentsJSON(c.Components)
		case ComponentButton:
			o["style"] = c.Style
			if c.Label != "" {
				o["label"] = c.Label
			}
			if c.Style == ButtonLink {
				o["url"] = c.URL
			} else {
				o["custom_id"] = c.CustomID
			}
			if c.Disabled {
				o["disabled"] = true
			}
			if c.emoji != nil {
				o["emoji"] = c.emoji
			}
		case ComponentStringSelect:
			opts := []any{}
			for _, op := range c.Options {
				oo := obj{"label": op.Label, "value": op.Value}
				if op.Description != "" {
					oo["description"] = op.Description
				}
				if op.Default {
					oo["default"] = true
				}
				opts = append(opts, oo)
			}
			o["custom_id"] = c.CustomID
			o["options"] = opts
			o["min_values"] = c.MinValues
			o["max_values"] = c.MaxValues
			if c.Placeholder != "" {
				o["placeholder"] = c.Placeholder
			}
			if c.Disabled {
				o["disabled"] = true
			}
		case ComponentTextInput:
			o["custom_id"] = c.CustomID
			o["style"] = c.Style
			o["label"] = c.Label
			o["value"] = c.Value
		}
		out = append(out, o)
	}
	return out
}

func embedsJSON(es []Embed) []any {
	out := []any{}
	for _, e := range es {
		if e.Raw != nil {
			out = append(out, e.Raw)
		} else {
			out = append(out, e)
		}
	}
	return out
}

func attachmentURL(channelID string, a Attachment) string {
	return fmt.Sprintf("https://cdn.discordapp.com/attachments/%s/%s/%s", channelID, a.ID, url.PathEscape(a.Filename))
}

// messageJSON is a message as REST returns it, or with gateway true as a
// MESSAGE_CREATE/UPDATE carries it: then guild messages also have guild_id
// and the author's member.
func (st *State) messageJSON(m *Message, gateway bool) obj {
	mentions, roles, everyone := []any{}, []string{}, false
	for _, p := range m.Pinged {
		switch {
		case p == "@everyone" || p == "@here":
			everyone = true
		case len(p) > 3 && p[:3] == "<@&":
			roles = append(roles, p[3:len(p)-1])
		case len(p) > 2 && p[:2] == "<@":
			mentions = append(mentions, st.userJSON(p[2:len(p)-1]))
		}
	}
	atts := []any{}
	for _, a := range m.Attachments {
		u := attachmentURL(m.ChannelID, a)
		atts = append(atts, obj{"id": a.ID, "filename": a.Filename, "size": a.Size, "url": u,
			"proxy_url": "https://media.discordapp.net" + u[len("https://cdn.discordapp.com"):], "content_type": a.ContentType})
	}
	o := obj{
		"id":               m.ID,
		"channel_id":       m.ChannelID,
		"author":           st.userJSON(m.Author.ID),
		"content":          m.Content,
		"timestamp":        timestamp(m.Date),
		"edited_timestamp": nil,
		"tts":              false,
		"mention_everyone": everyone,
		"mentions":         mentions,
		"mention_roles":    roles,
		"attachments":      atts,
		"embeds":           embedsJSON(m.Embeds),
		"components":       componentsJSON(m.Components),
		"pinned":           false,
		"type":             m.Type,
		"flags":            m.Flags,
	}
	if !m.EditDate.IsZero() {
		o["edited_timestamp"] = timestamp(m.EditDate)
	}
	if m.Nonce != "" {
		o["nonce"] = m.Nonce
	}
	if in := st.interactions[m.InteractionID]; in != nil {
		o["webhook_id"] = st.cfg.appID
		o["application_id"] = st.cfg.appID
		meta := obj{"id": in.ID, "type": in.Type, "user": st.userJSON(in.UserID),
			"authorizing_integration_owners": obj{"0": nullable(in.GuildID)}}
		if in.Type == InteractionMessageComponent {
			meta["interacted_message_id"] = in.MessageID
		}
		if m.ID != in.OriginalID && in.OriginalID != "" {
			meta["original_response_message_id"] = in.OriginalID
		}
		o["interaction_metadata"] = meta
		if in.Command != "" {
			o["interaction"] = obj{"id": in.ID, "type": in.Type, "name": in.Command, "user": st.userJSON(in.UserID)}
		}
	}
	if m.ReplyTo != "" {
		o["message_reference"] = obj{"type": 0, "message_id": m.ReplyTo, "channel_id": m.ChannelID, "guild_id": nullable(m.GuildID)}
		if ref := st.messages[m.ReplyTo]; ref != nil && !ref.Deleted {
			o["referenced_message"] = st.messageJSON(ref, false)
		} else {
			o["referenced_message"] = nil
		}
	}
	if t := st.channels[m.ThreadID]; t != nil {
		o["thread"] = st.channelJSON(t)
	}
	if gateway && m.GuildID != "" {
		o["guild_id"] = m.GuildID
		if g := st.guilds[m.GuildID]; g != nil {
			if mem := g.members[m.Author.ID]; mem != nil && m.InteractionID == "" {
				o["member"] = st.memberJSON(g, mem, false, false)
			}
		}
	}
	return o
}

// Mentions.

var (
	userMention = regexp.MustCompile(`<@!?(\d+)>`)
	roleMention = regexp.MustCompile(`<@&(\d+)>`)
)

// pings computes who a message would notify under Discord's rules: the
// mentions in its content (<@id>, <@!id>, <@&id>, @everyone, @here),
// filtered by allowed_mentions (nil: parse everything), plus the author of
// the message replied to when replied_user allows it (nil: it does). In a
// DM only user mentions count. The fake assumes the bot may mention
// @everyone and every role, so it never under-reports a ping.
func (st *State) pings(content string, am *AllowedMentions, guildID, replyTo string) []string {
	parse := map[string]bool{"users": true, "roles": true, "everyone": true}
	repliedUser := true
	var users, roles []string
	if am != nil {
		parse = map[string]bool{}
		for _, p := range am.Parse {
			parse[p] = true
		}
		users, roles, repliedUser = am.Users, am.Roles, am.RepliedUser
	}
	var out []string
	add := func(p string) {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	for _, m := range userMention.FindAllStringSubmatch(content, -1) {
		if parse["users"] || slices.Contains(users, m[1]) {
			add("<@" + m[1] + ">")
		}
	}
	if guildID != "" {
		g := st.guilds[guildID]
		for _, m := range roleMention.FindAllStringSubmatch(content, -1) {
			known := g != nil && slices.ContainsFunc(g.roles, func(r *Role) bool { return r.ID == m[1] })
			if known && (parse["roles"] || slices.Contains(roles, m[1])) {
				add("<@&" + m[1] + ">")
			}
		}
		if parse["everyone"] {
			for _, e := range []string{"@everyone", "@here"} {
				if regexp.MustCompile(`(^|[^\\])` + e).MatchString(content) {
					add(e)
				}
			}
		}
	}
	if ref := st.messages[replyTo]; ref != nil && repliedUser && ref.Author.ID != st.bot.ID {
		add("<@" + ref.Author.ID + ">")
	}
	return out
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("discordtest: marshal: " + err.Error())
	}
	return b
}
