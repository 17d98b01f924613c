package discordtest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ChannelType is Discord's channel type number.
type ChannelType int

// The channel types the fake knows.
const (
	ChannelText          ChannelType = 0
	ChannelDM            ChannelType = 1
	ChannelCategory      ChannelType = 4
	ChannelNews          ChannelType = 5
	ChannelNewsThread    ChannelType = 10
	ChannelPublicThread  ChannelType = 11
	ChannelPrivateThread ChannelType = 12
	ChannelForum         ChannelType = 15
)

// IsThread tells whether t is one of the thread types.
func (t ChannelType) IsThread() bool {
	return t == ChannelNewsThread || t == ChannelPublicThread || t == ChannelPrivateThread
}

// Component types, interaction types, interaction response (callback)
// types and message flags, as Discord numbers them.
const (
	ComponentActionRow    = 1
	ComponentButton       = 2
	ComponentStringSelect = 3
	ComponentTextInput    = 4

	ButtonLink = 5 // the button style that opens a URL and sends no interaction

	InteractionApplicationCommand = 2
	InteractionMessageComponent   = 3
	InteractionModalSubmit        = 5

	ResponseChannelMessage         = 4
	ResponseDeferredChannelMessage = 5
	ResponseDeferredUpdateMessage  = 6
	ResponseUpdateMessage          = 7
	ResponseModal                  = 9

	FlagSuppressEmbeds = 1 << 2
	FlagEphemeral      = 1 << 6
	FlagLoading        = 1 << 7 // a deferred response's "is thinking…" message
)

// Message types the fake produces.
const (
	MessageDefault          = 0
	MessageReply            = 19
	MessageChatInputCommand = 20
)

// Gateway intents the fake filters dispatches by.
const (
	intentGuilds         = 1 << 0
	intentGuildMembers   = 1 << 1
	intentGuildMessages  = 1 << 9
	intentDirectMessages = 1 << 12
	intentMessageContent = 1 << 15
)

// User is a Discord user. Locale is what their client is set to (e.g.
// "fi", "en-US"); interactions carry it. DMsClosed makes the bot's messages
// to their DM channel fail with 50007, as when a person has turned off
// direct messages from server members.
type User struct {
	ID         string
	Username   string
	GlobalName string
	Locale     string
	Bot        bool
	DMsClosed  bool
}

// DisplayName is GlobalName, or Username when there is none.
func (u User) DisplayName() string {
	if u.GlobalName != "" {
		return u.GlobalName
	}
	return u.Username
}

// Guild is a server the bot is in.
type Guild struct {
	ID              string
	Name            string
	OwnerID         string // default: the first member added, else the bot
	PreferredLocale string // default en-US
}

// Role is a guild role. The @everyone role (id = guild id) always exists.
type Role struct {
	ID          string
	Name        string
	Mentionable bool
	Permissions int64
	Position    int
}

// Member is a user's membership of a guild.
type Member struct {
	GuildID  string
	UserID   string
	Nick     string
	Roles    []string
	JoinedAt time.Time
}

// Channel is a guild channel, thread or DM channel.
type Channel struct {
	ID       string
	GuildID  string // "" for a DM
	Name     string
	Type     ChannelType
	ParentID string // a thread's channel, or a channel's category
	// Threads only.
	OwnerID             string
	Archived            bool
	Locked              bool
	AutoArchiveDuration int // minutes
	Invitable           bool
	// RecipientID is the person of a DM channel.
	RecipientID string
	// StarterMessageID is the message a thread was started from; it has
	// the thread's id, as on Discord.
	StarterMessageID string
	Created          time.Time
}

// AllowedMentions is a message's allowed_mentions as sent.
type AllowedMentions struct {
	Parse       []string `json:"parse"`
	Users       []string `json:"users,omitempty"`
	Roles       []string `json:"roles,omitempty"`
	RepliedUser bool     `json:"replied_user,omitempty"`
}

// SelectOption is one option of a string select.
type SelectOption struct {
	Label       string `json:"label"`
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
	Default     bool   `json:"default,omitempty"`
}

// Component is a message component: an action row (Components holds its
// children), a button, a string select or a modal's text input.
type Component struct {
	Type        int
	CustomID    string
	Label       string
	Style       int
	URL         string
	Disabled    bool
	Placeholder string
	MinValues   int // selects: 1 unless set
	MaxValues   int // selects: 1 unless set
	Options     []SelectOption
	Value       string // text inputs
	Components  []Component
	emoji       json.RawMessage
}

func (c Component) clone() Component {
	c.Options = slices.Clone(c.Options)
	c.Components = cloneComponents(c.Components)
	return c
}

func cloneComponents(cs []Component) []Component {
	if cs == nil {
		return nil
	}
	out := make([]Component, len(cs))
	for i, c := range cs {
		out[i] = c.clone()
	}
	return out
}

// EmbedField is one field of an embed.
type EmbedField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline,omitempty"`
}

// Embed is a rich embed; Raw is the JSON the bot sent, echoed as is.
type Embed struct {
	Title       string          `json:"title,omitempty"`
	Description string          `json:"description,omitempty"`
	URL         string          `json:"url,omitempty"`
	Color       int             `json:"color,omitempty"`
	Fields      []EmbedField    `json:"fields,omitempty"`
	Raw         json.RawMessage `json:"-"`
}

// Attachment is a file on a message.
type Attachment struct {
	ID          string
	Filename    string
	ContentType string
	Size        int
}

// Version is one state of a message's content.
type Version struct {
	Content    string
	Embeds     []Embed
	Components []Component
	Flags      int
	// AllowedMentions as sent with this version; nil when the request had
	// none (Discord then parses every mention).
	AllowedMentions *AllowedMentions
	// Pinged is who this version's text would ping under Discord's rules:
	// "<@USER_ID>", "<@&ROLE_ID>", "@everyone", "@here". Discord notifies
	// only for a new message; an edit's Pinged tells what the edited text
	// highlights.
	Pinged []string
	At     time.Time
}

func (v Version) clone() Version {
	v.Embeds = slices.Clone(v.Embeds)
	v.Components = cloneComponents(v.Components)
	v.Pinged = slices.Clone(v.Pinged)
	if v.AllowedMentions != nil {
		am := *v.AllowedMentions
		am.Parse, am.Users, am.Roles = slices.Clone(am.Parse), slices.Clone(am.Users), slices.Clone(am.Roles)
		v.AllowedMentions = &am
	}
	return v
}

// Message is a message in a channel, the bot's or a person's.
type Message struct {
	ID        string
	ChannelID string
	GuildID   string // "" in DMs
	Author    User
	FromBot   bool
	Type      int
	Version   // current content
	// Edits are the earlier versions, oldest (the original) first.
	Edits       []Version
	Attachments []Attachment
	ReplyTo     string // message_reference.message_id, or ""
	// InteractionID is set on an interaction's response and followups.
	InteractionID string
	// ThreadID is the thread started from this message, if any.
	ThreadID string
	Deleted  bool
	Date     time.Time
	EditDate time.Time // zero unless edited
	Nonce    string
}

// Ephemeral tells whether only the interaction's user sees the message.
func (m Message) Ephemeral() bool { return m.Flags&FlagEphemeral != 0 }

// Find returns the component with customID, searching inside action rows.
func (m Message) Find(customID string) (Component, bool) {
	var walk func([]Component) (Component, bool)
	walk = func(cs []Component) (Component, bool) {
		for _, c := range cs {
			if c.CustomID == customID && c.Type != ComponentActionRow {
				return c, true
			}
			if got, ok := walk(c.Components); ok {
				return got, true
			}
		}
		return Component{}, false
	}
	return walk(m.Components)
}

// Buttons lists the message's buttons row by row.
func (m Message) Buttons() []Component {
	var out []Component
	for _, row := range m.Components {
		for _, c := range row.Components {
			if c.Type == ComponentButton {
				out = append(out, c)
			}
		}
	}
	return out
}

// Labels lists the labels of buttons (and placeholders of selects) row by
// row, for assertions.
func (m Message) Labels() [][]string {
	var out [][]string
	for _, row := range m.Components {
		var r []string
		for _, c := range row.Components {
			if c.Type == ComponentButton {
				r = append(r, c.Label)
			} else {
				r = append(r, c.Placeholder)
			}
		}
		out = append(out, r)
	}
	return out
}

func (m *Message) clone() Message {
	c := *m
	c.Version = m.Version.clone()
	c.Edits = make([]Version, len(m.Edits))
	for i, v := range m.Edits {
		c.Edits[i] = v.clone()
	}
	c.Attachments = slices.Clone(m.Attachments)
	return c
}

// SlashOption is a slash command option as the person fills it in. Type may be
// left 0: it is then taken from the registered command.
type SlashOption struct {
	Name    string
	Type    int // 1 subcommand, 2 group, 3 string, 4 integer, 5 boolean, 6 user, 7 channel, 8 role, 10 number
	Value   any
	Options []SlashOption // of a subcommand or group
}

// Slash is a person running a slash command. An empty GuildID and
// ChannelID means the person's DM with the bot.
type Slash struct {
	GuildID   string
	ChannelID string
	UserID    string
	Name      string
	Options   []SlashOption
	// Locale overrides the user's client locale for this interaction.
	Locale string
}

// Response is one call to an interaction's callback, accepted or not.
type Response struct {
	Type    int
	Flags   int
	Content string
	Status  int // HTTP status the fake answered
	Code    int // Discord error code when refused (10062, 40060…)
	At      time.Time
	Raw     json.RawMessage
}

// Modal is a modal the bot opened with response type 9.
type Modal struct {
	CustomID   string
	Title      string
	Components []Component
}

// Interaction is an interaction the fake sent and what the bot did with it.
type Interaction struct {
	ID        string
	Token     string
	Type      int // 2 command, 3 component, 5 modal submit
	UserID    string
	GuildID   string
	ChannelID string
	Locale    string
	// Components: the message, the component and the values chosen.
	MessageID     string
	CustomID      string
	ComponentType int
	Values        []string
	// Commands: the command's name and options.
	Command string
	Options []SlashOption

	Created time.Time
	// Responses lists every callback call, refused ones too.
	Responses []Response
	// Responded tells whether a callback was accepted.
	Responded bool
	// Latency is from Created to the first callback call, on the server's
	// clock; 0 while there has been none.
	Latency time.Duration
	// Late tells whether the first response came after the window (or the
	// window has passed with none): the person saw "This interaction
	// failed".
	Late bool
	// OriginalID is the message @original refers to: the response message,
	// or for deferred updates and updates the component's message.
	OriginalID string
	Followups  []string
	Modal      *Modal
}

func (in *Interaction) clone(now time.Time, window time.Duration) Interaction {
	c := *in
	c.Values = slices.Clone(in.Values)
	c.Options = slices.Clone(in.Options)
	c.Responses = slices.Clone(in.Responses)
	c.Followups = slices.Clone(in.Followups)
	if !c.Responded && len(c.Responses) == 0 && now.Sub(c.Created) > window {
		c.Late = true
	}
	return c
}

// Command is an application command as registered by a bulk overwrite.
type Command struct {
	ID                       string
	ApplicationID            string
	GuildID                  string // "" for a global command
	Type                     int
	Name                     string
	Description              string
	NameLocalizations        map[string]string
	DescriptionLocalizations map[string]string
	Options                  []CommandOption
	Raw                      json.RawMessage // as the fake returns it
}

// CommandOption is an option of a registered command.
type CommandOption struct {
	Type                     int               `json:"type"`
	Name                     string            `json:"name"`
	Description              string            `json:"description"`
	Required                 bool              `json:"required,omitempty"`
	NameLocalizations        map[string]string `json:"name_localizations,omitempty"`
	DescriptionLocalizations map[string]string `json:"description_localizations,omitempty"`
	Choices                  []struct {
		Name              string            `json:"name"`
		NameLocalizations map[string]string `json:"name_localizations,omitempty"`
		Value             any               `json:"value"`
	} `json:"choices,omitempty"`
	Options []CommandOption `json:"options,omitempty"`
}

// Call is one REST request the bot made.
type Call struct {
	Method string
	Path   string // without /api/vN, e.g. /channels/123/messages
	// Route is the matched route, e.g. "POST /channels/{channel_id}/messages",
	// or "" when none matched.
	Route      string
	APIVersion string // "9", "10" or "" for an unversioned path
	Query      string
	Body       json.RawMessage // the JSON body, or payload_json of a multipart one
	Files      []string        // names of uploaded files
	Status     int             // 0 while in flight or when dropped
	Code       int             // Discord error code of an error response
	Message    string          // the error's message
	RetryAfter time.Duration   // of a 429
	Dropped    bool
	Delay      time.Duration // injected slowness
	Response   json.RawMessage
	Start, End time.Time
}

// Connection is one gateway websocket connection.
type Connection struct {
	ID        int
	SessionID string // after IDENTIFY or RESUME
	Version   string // the v query parameter
	Encoding  string
	// Identified or Resumed tells how the connection started its session.
	Identified bool
	Resumed    bool
	// ResumeSeq is the seq a RESUME asked for; Replayed how many
	// dispatches were sent again because of it.
	ResumeSeq        int64
	Replayed         int
	InvalidSession   bool // the server answered with INVALID_SESSION
	Intents          int
	Heartbeats       int
	LastHeartbeatSeq *int64
	// MissedHeartbeats counts heartbeat intervals (with half an interval of
	// grace) in which the client sent none.
	MissedHeartbeats int
	Acks             int
	Opened, Closed   time.Time
	// CloseCode is the websocket close code: the server's (Disconnect­With,
	// 4004…) or the client's close frame; 0 for an abrupt drop.
	CloseCode int
	ClosedBy  string // "server", "client" or "" while open
}

// Dispatch is one gateway event the server sent (or queued) for a session.
type Dispatch struct {
	Seq       int64
	Type      string
	SessionID string // "" when the event was lost (see Lost)
	Data      json.RawMessage
	At        time.Time
	// Sent counts the times it was handed to a connection: 0 while queued
	// for a disconnected session, 2 after a replay.
	Sent int
	// Lost says why no session got the event ("no session", "not in the
	// session's intents"); "" when one did.
	Lost string
}

type guildState struct {
	Guild
	roles       []*Role
	members     map[string]*Member
	memberOrder []string
	joined      time.Time
}

type cmdKey struct{ app, guild string }

// State is the server's state as a test sees it inside Wait and WaitFor.
// Its methods are also on Server; through State they run under the lock
// Wait already holds. Don't keep a *State after the callback returns.
type State struct {
	cfg    config
	bot    User
	skew   time.Duration
	lastID int64

	users      map[string]*User
	userOrder  []string
	guilds     map[string]*guildState
	guildOrder []string
	channels   map[string]*Channel
	chanOrder  []string
	dms        map[string]string // user id → DM channel id
	messages   map[string]*Message
	chanMsgs   map[string][]*Message

	interactions map[string]*Interaction
	interOrder   []string
	commands     map[cmdKey][]*Command

	calls   []*Call
	rules   []*rule
	windows map[string]time.Time // bucket key ("" = global) → refused until
	buckets map[string]*rlBucket

	sessions   map[string]*session
	sessOrder  []string
	conns      []*wsConn // open connections
	connRecs   []*Connection
	dispatches []*Dispatch
	dropAcks   bool
}

func newState(cfg config) State {
	st := State{
		cfg:          cfg,
		bot:          cfg.bot,
		users:        map[string]*User{},
		guilds:       map[string]*guildState{},
		channels:     map[string]*Channel{},
		dms:          map[string]string{},
		messages:     map[string]*Message{},
		chanMsgs:     map[string][]*Message{},
		interactions: map[string]*Interaction{},
		commands:     map[cmdKey][]*Command{},
		windows:      map[string]time.Time{},
		buckets:      map[string]*rlBucket{},
		sessions:     map[string]*session{},
	}
	bot := cfg.bot
	st.users[bot.ID] = &bot
	st.userOrder = append(st.userOrder, bot.ID)
	return st
}

func (st *State) now() time.Time { return time.Now().Add(st.skew) }

// discordEpoch is the start of snowflake time, 2015-01-01T00:00:00Z in ms.
const discordEpoch = 1420070400000

// newID makes a snowflake: milliseconds since the Discord epoch in the top
// bits, so discordgo.SnowflakeTimestamp works, strictly increasing.
func (st *State) newID() string {
	id := (st.now().UnixMilli() - discordEpoch) << 22
	if id <= st.lastID {
		id = st.lastID + 1
	}
	st.lastID = id
	return fmt.Sprint(id)
}

// Bot is the bot's own user.
func (st *State) Bot() User { return st.bot }

// AppID is the application id.
func (st *State) AppID() string { return st.cfg.appID }

// User returns a known user.
func (st *State) User(id string) (User, bool) {
	if u := st.users[id]; u != nil {
		return *u, true
	}
	return User{}, false
}

// Channel returns a channel, thread or DM channel.
func (st *State) Channel(id string) (Channel, bool) {
	if c := st.channels[id]; c != nil {
		return *c, true
	}
	return Channel{}, false
}

// DMChannel returns the id of the DM channel between the bot and a user,
// or "" if neither has opened it yet.
func (st *State) DMChannel(userID string) string { return st.dms[userID] }

// Threads lists the threads of a channel in the order they were made.
func (st *State) Threads(parentID string) []Channel {
	var out []Channel
	for _, id := range st.chanOrder {
		if c := st.channels[id]; c.ParentID == parentID && c.Type.IsThread() {
			out = append(out, *c)
		}
	}
	return out
}

// Member returns a user's membership of a guild.
func (st *State) Member(guildID, userID string) (Member, bool) {
	if g := st.guilds[guildID]; g != nil {
		if m := g.members[userID]; m != nil {
			c := *m
			c.Roles = slices.Clone(m.Roles)
			return c, true
		}
	}
	return Member{}, false
}

// History returns every message of a channel, both sides, deleted and
// ephemeral ones too, oldest first.
func (st *State) History(channelID string) []Message {
	var out []Message
	for _, m := range st.chanMsgs[channelID] {
		out = append(out, m.clone())
	}
	return out
}

// Messages returns the visible messages of a channel, both sides, oldest
// first: not deleted (ephemeral ones are included; see Message.Ephemeral).
func (st *State) Messages(channelID string) []Message {
	var out []Message
	for _, m := range st.chanMsgs[channelID] {
		if !m.Deleted {
			out = append(out, m.clone())
		}
	}
	return out
}

// BotMessages returns the bot's visible messages in a channel, oldest
// first, interaction responses and followups included.
func (st *State) BotMessages(channelID string) []Message {
	var out []Message
	for _, m := range st.chanMsgs[channelID] {
		if !m.Deleted && m.FromBot {
			out = append(out, m.clone())
		}
	}
	return out
}

// LastBotMessage returns the bot's latest visible message in a channel.
func (st *State) LastBotMessage(channelID string) (Message, bool) {
	ms := st.chanMsgs[channelID]
	for i := len(ms) - 1; i >= 0; i-- {
		if !ms[i].Deleted && ms[i].FromBot {
			return ms[i].clone(), true
		}
	}
	return Message{}, false
}

// Message returns any message by id.
func (st *State) Message(id string) (Message, bool) {
	if m := st.messages[id]; m != nil {
		return m.clone(), true
	}
	return Message{}, false
}

// Interaction returns an interaction by id.
func (st *State) Interaction(id string) (Interaction, bool) {
	if in := st.interactions[id]; in != nil {
		return in.clone(st.now(), st.cfg.window), true
	}
	return Interaction{}, false
}

// Interactions lists every interaction in the order they were made.
func (st *State) Interactions() []Interaction {
	out := make([]Interaction, 0, len(st.interOrder))
	for _, id := range st.interOrder {
		out = append(out, st.interactions[id].clone(st.now(), st.cfg.window))
	}
	return out
}

// Commands returns the commands registered for an application, globally
// (guildID "") or in a guild. appID "" means the server's application.
func (st *State) Commands(appID, guildID string) []Command {
	if appID == "" {
		appID = st.cfg.appID
	}
	var out []Command
	for _, c := range st.commands[cmdKey{appID, guildID}] {
		cc := *c
		out = append(out, cc)
	}
	return out
}

// Calls returns the REST calls made, in the order they arrived, optionally
// only those matching routes: a route ("POST /channels/{channel_id}/messages")
// or a method and path ("POST /channels/123/messages").
func (st *State) Calls(routes ...string) []Call {
	var out []Call
	for _, c := range st.calls {
		if len(routes) > 0 && !slices.ContainsFunc(routes, func(r string) bool {
			return r == c.Route || r == c.Method+" "+c.Path
		}) {
			continue
		}
		cc := *c
		cc.Files = slices.Clone(c.Files)
		out = append(out, cc)
	}
	return out
}

// Connections lists every gateway connection, oldest first.
func (st *State) Connections() []Connection {
	out := make([]Connection, 0, len(st.connRecs))
	for _, c := range st.connRecs {
		out = append(out, *c)
	}
	return out
}

// Identifies counts the IDENTIFYs the server accepted.
func (st *State) Identifies() int {
	n := 0
	for _, c := range st.connRecs {
		if c.Identified {
			n++
		}
	}
	return n
}

// Resumes counts the RESUMEs the server accepted.
func (st *State) Resumes() int {
	n := 0
	for _, c := range st.connRecs {
		if c.Resumed {
			n++
		}
	}
	return n
}

// Ready tells whether an open connection has a session that was sent
// READY (or RESUMED), so dispatches reach the bot now.
func (st *State) Ready() bool {
	for _, c := range st.conns {
		if c.sess != nil {
			return true
		}
	}
	return false
}

// Online tells whether any gateway connection is open.
func (st *State) Online() bool { return len(st.conns) > 0 }

// Dispatches returns the gateway events sent or queued, optionally only of
// the given types (MESSAGE_CREATE…), oldest first.
func (st *State) Dispatches(types ...string) []Dispatch {
	var out []Dispatch
	for _, d := range st.dispatches {
		if len(types) == 0 || slices.Contains(types, d.Type) {
			out = append(out, *d)
		}
	}
	return out
}

// Dump describes the world, the interactions, the connections and the
// latest calls, for failure messages.
func (st *State) Dump() string {
	var b strings.Builder
	fmt.Fprintf(&b, "--- discordtest state (bot %s, app %s) ---\n", st.bot.Username, st.cfg.appID)
	name := func(id string) string {
		if u := st.users[id]; u != nil {
			if id == st.bot.ID {
				return "bot"
			}
			return u.Username
		}
		return id
	}
	for _, id := range st.chanOrder {
		c := st.channels[id]
		switch {
		case c.Type == ChannelDM:
			fmt.Fprintf(&b, "DM %s with %s", c.ID, name(c.RecipientID))
		case c.Type.IsThread():
			fmt.Fprintf(&b, "thread %s %q in %s", c.ID, c.Name, c.ParentID)
			if c.Archived {
				b.WriteString(" archived")
			}
			if c.Locked {
				b.WriteString(" locked")
			}
		default:
			fmt.Fprintf(&b, "channel %s #%s (guild %s, type %d)", c.ID, c.Name, c.GuildID, c.Type)
		}
		b.WriteString("\n")
		for _, m := range st.chanMsgs[id] {
			fmt.Fprintf(&b, "  %s %s: %q", m.ID, name(m.Author.ID), m.Content)
			if len(m.Attachments) > 0 {
				fmt.Fprintf(&b, " +%d file(s)", len(m.Attachments))
			}
			if len(m.Embeds) > 0 {
				fmt.Fprintf(&b, " +%d embed(s)", len(m.Embeds))
			}
			if m.Ephemeral() {
				b.WriteString(" EPHEMERAL")
			}
			if m.Flags&FlagLoading != 0 {
				b.WriteString(" LOADING")
			}
			if len(m.Edits) > 0 {
				fmt.Fprintf(&b, " edited %d×", len(m.Edits))
			}
			if m.Deleted {
				b.WriteString(" DELETED")
			}
			if len(m.Pinged) > 0 {
				fmt.Fprintf(&b, " pings %v", m.Pinged)
			}
			b.WriteString("\n")
			for _, row := range m.Components {
				b.WriteString("      ")
				for _, c := range row.Components {
					dis := ""
					if c.Disabled {
						dis = " disabled"
					}
					switch {
					case c.Type == ComponentButton && c.Style == ButtonLink:
						fmt.Fprintf(&b, " [%s → %s%s]", c.Label, c.URL, dis)
					case c.Type == ComponentButton:
						fmt.Fprintf(&b, " [%s | %s%s]", c.Label, c.CustomID, dis)
					default:
						var vals []string
						for _, o := range c.Options {
							vals = append(vals, o.Value)
						}
						fmt.Fprintf(&b, " [select %s %v%s]", c.CustomID, vals, dis)
					}
				}
				b.WriteString("\n")
			}
		}
	}
	for _, id := range st.interOrder {
		in := st.interactions[id].clone(st.now(), st.cfg.window)
		fmt.Fprintf(&b, "interaction %s type %d by %s in %s", in.ID, in.Type, name(in.UserID), in.ChannelID)
		if in.Command != "" {
			fmt.Fprintf(&b, " /%s", in.Command)
		}
		if in.CustomID != "" {
			fmt.Fprintf(&b, " %s%v", in.CustomID, in.Values)
		}
		switch {
		case in.Responded:
			fmt.Fprintf(&b, " → answered in %v", in.Latency)
		case in.Late:
			b.WriteString(" → NOT answered in time")
		default:
			b.WriteString(" → not answered yet")
		}
		for _, r := range in.Responses {
			fmt.Fprintf(&b, " [type %d → %d", r.Type, r.Status)
			if r.Code != 0 {
				fmt.Fprintf(&b, " code %d", r.Code)
			}
			b.WriteString("]")
		}
		b.WriteString("\n")
	}
	for _, c := range st.connRecs {
		fmt.Fprintf(&b, "gateway connection %d session %s identified=%v resumed=%v heartbeats=%d missed=%d", c.ID, c.SessionID, c.Identified, c.Resumed, c.Heartbeats, c.MissedHeartbeats)
		if c.ClosedBy != "" {
			fmt.Fprintf(&b, " closed by %s code %d", c.ClosedBy, c.CloseCode)
		} else {
			b.WriteString(" OPEN")
		}
		b.WriteString("\n")
	}
	const lastDispatches = 15
	from := max(0, len(st.dispatches)-lastDispatches)
	fmt.Fprintf(&b, "dispatches (%d shown of %d):\n", len(st.dispatches)-from, len(st.dispatches))
	for _, d := range st.dispatches[from:] {
		state := fmt.Sprintf("sent %d×", d.Sent)
		switch {
		case d.Lost != "":
			state = "LOST: " + d.Lost
		case d.Sent == 0:
			state = "queued"
		}
		fmt.Fprintf(&b, "  #%d %s %s\n", d.Seq, d.Type, state)
	}
	const lastCalls = 25
	from = max(0, len(st.calls)-lastCalls)
	fmt.Fprintf(&b, "calls (%d shown of %d):\n", len(st.calls)-from, len(st.calls))
	for _, c := range st.calls[from:] {
		fmt.Fprintf(&b, "  %s %s", c.Method, c.Path)
		if len(c.Body) > 0 {
			body := string(c.Body)
			if len(body) > 100 {
				body = body[:100] + "…"
			}
			fmt.Fprintf(&b, " %s", body)
		}
		switch {
		case c.Dropped:
			b.WriteString(" → connection dropped")
		case c.Status == 0:
			b.WriteString(" → in flight")
		case c.Message != "":
			fmt.Fprintf(&b, " → %d %s (%d)", c.Status, c.Message, c.Code)
		default:
			fmt.Fprintf(&b, " → %d", c.Status)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// The Server's read methods lock and read the State.

func read[T any](s *Server, f func(st *State) T) T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f(&s.st)
}

func read2[T any](s *Server, f func(st *State) (T, bool)) (T, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f(&s.st)
}

// Bot is the bot's own user.
func (s *Server) Bot() User { return read(s, (*State).Bot) }

// AppID is the application id.
func (s *Server) AppID() string { return read(s, (*State).AppID) }

// Channel returns a channel, thread or DM channel.
func (s *Server) Channel(id string) (Channel, bool) {
	return read2(s, func(st *State) (Channel, bool) { return st.Channel(id) })
}

// DMChannel returns the DM channel id with a user, or "".
func (s *Server) DMChannel(userID string) string {
	return read(s, func(st *State) string { return st.DMChannel(userID) })
}

// Threads lists the threads of a channel.
func (s *Server) Threads(parentID string) []Channel {
	return read(s, func(st *State) []Channel { return st.Threads(parentID) })
}

// Member returns a user's membership of a guild.
func (s *Server) Member(guildID, userID string) (Member, bool) {
	return read2(s, func(st *State) (Member, bool) { return st.Member(guildID, userID) })
}

// History returns every message of a channel, deleted ones too.
func (s *Server) History(channelID string) []Message {
	return read(s, func(st *State) []Message { return st.History(channelID) })
}

// Messages returns the visible messages of a channel, both sides.
func (s *Server) Messages(channelID string) []Message {
	return read(s, func(st *State) []Message { return st.Messages(channelID) })
}

// BotMessages returns the bot's visible messages in a channel.
func (s *Server) BotMessages(channelID string) []Message {
	return read(s, func(st *State) []Message { return st.BotMessages(channelID) })
}

// LastBotMessage returns the bot's latest visible message in a channel.
func (s *Server) LastBotMessage(channelID string) (Message, bool) {
	return read2(s, func(st *State) (Message, bool) { return st.LastBotMessage(channelID) })
}

// Message returns any message by id.
func (s *Server) Message(id string) (Message, bool) {
	return read2(s, func(st *State) (Message, bool) { return st.Message(id) })
}

// Interaction returns an interaction by id.
func (s *Server) Interaction(id string) (Interaction, bool) {
	return read2(s, func(st *State) (Interaction, bool) { return st.Interaction(id) })
}

// Interactions lists every interaction.
func (s *Server) Interactions() []Interaction { return read(s, (*State).Interactions) }

// Commands returns the registered commands of an application ("" for the
// server's), globally (guildID "") or in a guild.
func (s *Server) Commands(appID, guildID string) []Command {
	return read(s, func(st *State) []Command { return st.Commands(appID, guildID) })
}

// Calls returns the REST calls made, optionally only those of some routes.
func (s *Server) Calls(routes ...string) []Call {
	return read(s, func(st *State) []Call { return st.Calls(routes...) })
}

// Connections lists every gateway connection.
func (s *Server) Connections() []Connection { return read(s, (*State).Connections) }

// Identifies counts accepted IDENTIFYs.
func (s *Server) Identifies() int { return read(s, (*State).Identifies) }

// Resumes counts accepted RESUMEs.
func (s *Server) Resumes() int { return read(s, (*State).Resumes) }

// Dispatches returns the gateway events sent or queued.
func (s *Server) Dispatches(types ...string) []Dispatch {
	return read(s, func(st *State) []Dispatch { return st.Dispatches(types...) })
}

// Dump describes the whole state, for failure messages.
func (s *Server) Dump() string { return read(s, (*State).Dump) }
