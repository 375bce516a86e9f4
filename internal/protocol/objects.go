package protocol

import (
	"bytes"
	"encoding/json"
	"sync"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

// This file holds the JSON shapes of Discord's REST and gateway objects and
// the conversions from Accord's domain types. Fields Discord sends as null
// are pointers without omitempty; fields Discord omits when absent carry
// omitempty. Slices that Discord always sends are never nil after the
// conversions below, so they encode as [] rather than null.

// TimeFormat is how Discord writes timestamps (ISO 8601, microseconds, UTC).
const TimeFormat = "2006-01-02T15:04:05.000000+00:00"

// Timestamp formats t as Discord does: t.UTC().Format(TimeFormat), written
// out by hand because every message rendered formats one and time.Format's
// layout interpretation was ~2 % of the server's CPU in issue 18's ingest
// profile. Years outside 0-9999 (never a message's) fall back to Format.
func Timestamp(t time.Time) string {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.Format(TimeFormat)
	}
	hour, min, sec := t.Clock()
	var b [32]byte
	put := func(i, v, width int) {
		for j := i + width - 1; j >= i; j-- {
			b[j] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, year, 4)
	b[4] = '-'
	put(5, int(month), 2)
	b[7] = '-'
	put(8, day, 2)
	b[10] = 'T'
	put(11, hour, 2)
	b[13] = ':'
	put(14, min, 2)
	b[16] = ':'
	put(17, sec, 2)
	b[19] = '.'
	put(20, t.Nanosecond()/1000, 6)
	copy(b[26:], "+00:00")
	return string(b[:])
}

// User is Discord's user object.
type User struct {
	ID            chat.ID `json:"id"`
	Username      string  `json:"username"`
	Discriminator string  `json:"discriminator"`
	GlobalName    *string `json:"global_name"`
	Avatar        *string `json:"avatar"`
	Bot           bool    `json:"bot,omitempty"`
	PublicFlags   uint64  `json:"public_flags"`
	Flags         uint64  `json:"flags"`
	Banner        *string `json:"banner"`
	AccentColor   *int    `json:"accent_color"`
}

// UserObject converts a domain user.
func UserObject(u chat.User) User {
	return User{
		ID:            u.ID,
		Username:      u.Username,
		Discriminator: "0",
		GlobalName:    optString(u.GlobalName),
		Avatar:        optString(u.Avatar),
		Banner:        optString(u.Banner),
		Bot:           u.Bot,
		PublicFlags:   u.Flags,
		Flags:         u.Flags,
	}
}

// Member is Discord's guild member object. User is omitted where Discord
// omits it (the member attached to a MESSAGE_CREATE); GuildID is set only in
// GUILD_MEMBER_ADD/UPDATE.
type Member struct {
	User                       *User     `json:"user,omitempty"`
	Nick                       *string   `json:"nick"`
	Avatar                     *string   `json:"avatar"`
	Roles                      []chat.ID `json:"roles"`
	JoinedAt                   string    `json:"joined_at"`
	PremiumSince               *string   `json:"premium_since"`
	Deaf                       bool      `json:"deaf"`
	Mute                       bool      `json:"mute"`
	Flags                      int       `json:"flags"`
	Pending                    bool      `json:"pending"`
	CommunicationDisabledUntil *string   `json:"communication_disabled_until"`
	GuildID                    chat.ID   `json:"guild_id,omitempty"`
}

// MemberObject converts a membership; user may be nil for a partial member.
func MemberObject(m chat.Member, user *chat.User) Member {
	out := Member{
		Nick:     optString(m.Nick),
		Roles:    m.Roles,
		JoinedAt: Timestamp(m.JoinedAt),
	}
	if out.Roles == nil {
		out.Roles = []chat.ID{}
	}
	if t := m.CommunicationDisabledUntil; t != nil {
		// Kept once the timeout has ended, as Discord keeps it: a time in
		// the past means "not timed out".
		s := Timestamp(*t)
		out.CommunicationDisabledUntil = &s
	}
	if user != nil {
		u := UserObject(*user)
		out.User = &u
	}
	return out
}

// RoleColors is the newer colour triple Discord sends with roles.
type RoleColors struct {
	Primary   int  `json:"primary_color"`
	Secondary *int `json:"secondary_color"`
	Tertiary  *int `json:"tertiary_color"`
}

// Role is Discord's role object.
type Role struct {
	ID           chat.ID    `json:"id"`
	Name         string     `json:"name"`
	Color        int        `json:"color"`
	Colors       RoleColors `json:"colors"`
	Hoist        bool       `json:"hoist"`
	Icon         *string    `json:"icon"`
	UnicodeEmoji *string    `json:"unicode_emoji"`
	Position     int        `json:"position"`
	Permissions  string     `json:"permissions"`
	Managed      bool       `json:"managed"`
	Mentionable  bool       `json:"mentionable"`
	Flags        int        `json:"flags"`
}

// RoleObject converts a role.
func RoleObject(r chat.Role) Role {
	return Role{
		ID:          r.ID,
		Name:        r.Name,
		Color:       r.Color,
		Colors:      RoleColors{Primary: r.Color},
		Hoist:       r.Hoist,
		Position:    r.Position,
		Permissions: permString(r.Permissions),
		Managed:     r.Managed,
		Mentionable: r.Mentionable,
	}
}

// Channel is Discord's guild channel object. GuildID is always present, as
// Discord sends it on every guild channel (also from GET /channels/{id}).
type Channel struct {
	ID                   chat.ID          `json:"id"`
	Type                 int              `json:"type"`
	GuildID              chat.ID          `json:"guild_id"`
	Position             int              `json:"position"`
	PermissionOverwrites []chat.Overwrite `json:"permission_overwrites"`
	Name                 string           `json:"name"`
	Topic                *string          `json:"topic"`
	NSFW                 bool             `json:"nsfw"`
	LastMessageID        *chat.ID         `json:"last_message_id"`
	RateLimitPerUser     int              `json:"rate_limit_per_user"`
	ParentID             *chat.ID         `json:"parent_id"`
	Flags                int              `json:"flags"`
	Bitrate              *int             `json:"bitrate,omitempty"`
	UserLimit            *int             `json:"user_limit,omitempty"`
	ThreadFields
}

// ChannelObject converts a channel.
func ChannelObject(c chat.Channel) Channel {
	out := Channel{
		ID:                   c.ID,
		Type:                 c.Type,
		GuildID:              c.GuildID,
		Position:             c.Position,
		PermissionOverwrites: c.Overwrites,
		Name:                 c.Name,
		Topic:                optString(c.Topic),
		NSFW:                 c.NSFW,
		LastMessageID:        optID(c.LastMessageID),
		RateLimitPerUser:     c.RateLimit,
		ParentID:             optID(c.ParentID),
	}
	if out.PermissionOverwrites == nil {
		out.PermissionOverwrites = []chat.Overwrite{}
	}
	if c.Type == chat.ChannelVoice {
		bitrate, limit := 64000, 0
		out.Bitrate, out.UserLimit = &bitrate, &limit
	}
	if !hasMessages(c.Type) {
		out.LastMessageID = nil
	}
	addThreadFields(&out, c)
	return out
}

// Guild is Discord's guild object.
type Guild struct {
	ID                          chat.ID    `json:"id"`
	Name                        string     `json:"name"`
	Icon                        *string    `json:"icon"`
	Splash                      *string    `json:"splash"`
	DiscoverySplash             *string    `json:"discovery_splash"`
	OwnerID                     chat.ID    `json:"owner_id"`
	AFKChannelID                *chat.ID   `json:"afk_channel_id"`
	AFKTimeout                  int        `json:"afk_timeout"`
	VerificationLevel           int        `json:"verification_level"`
	DefaultMessageNotifications int        `json:"default_message_notifications"`
	ExplicitContentFilter       int        `json:"explicit_content_filter"`
	Roles                       []Role     `json:"roles"`
	Emojis                      []Emoji    `json:"emojis"`
	Features                    []string   `json:"features"`
	MFALevel                    int        `json:"mfa_level"`
	ApplicationID               *chat.ID   `json:"application_id"`
	SystemChannelID             *chat.ID   `json:"system_channel_id"`
	SystemChannelFlags          int        `json:"system_channel_flags"`
	RulesChannelID              *chat.ID   `json:"rules_channel_id"`
	MaxMembers                  int        `json:"max_members"`
	VanityURLCode               *string    `json:"vanity_url_code"`
	Description                 *string    `json:"description"`
	Banner                      *string    `json:"banner"`
	PremiumTier                 int        `json:"premium_tier"`
	PremiumSubscriptionCount    int        `json:"premium_subscription_count"`
	PreferredLocale             string     `json:"preferred_locale"`
	PublicUpdatesChannelID      *chat.ID   `json:"public_updates_channel_id"`
	NSFWLevel                   int        `json:"nsfw_level"`
	PremiumProgressBarEnabled   bool       `json:"premium_progress_bar_enabled"`
	Stickers                    []struct{} `json:"stickers"`
	SafetyAlertsChannelID       *chat.ID   `json:"safety_alerts_channel_id"`
	ApproximateMemberCount      *int       `json:"approximate_member_count,omitempty"`
	ApproximatePresenceCount    *int       `json:"approximate_presence_count,omitempty"`
}

// GuildObject converts a guild with its roles.
func GuildObject(g chat.Guild, roles []chat.Role) Guild {
	out := Guild{
		ID:              g.ID,
		Name:            g.Name,
		Icon:            optString(g.Icon),
		OwnerID:         g.OwnerID,
		AFKTimeout:      300,
		Roles:           make([]Role, 0, len(roles)),
		Emojis:          []Emoji{},
		Features:        []string{},
		SystemChannelID: optID(g.SystemChannelID),
		MaxMembers:      500000,
		Description:     optString(g.Description),
		PreferredLocale: "en-US",
		Stickers:        []struct{}{},
	}
	for _, r := range roles {
		out.Roles = append(out.Roles, RoleObject(r))
	}
	return out
}

// GuildPreview is GET /guilds/{id}/preview: the public face of a guild.
type GuildPreview struct {
	ID                       chat.ID    `json:"id"`
	Name                     string     `json:"name"`
	Icon                     *string    `json:"icon"`
	Splash                   *string    `json:"splash"`
	DiscoverySplash          *string    `json:"discovery_splash"`
	Emojis                   []Emoji    `json:"emojis"`
	Features                 []string   `json:"features"`
	ApproximateMemberCount   int        `json:"approximate_member_count"`
	ApproximatePresenceCount int        `json:"approximate_presence_count"`
	Description              *string    `json:"description"`
	Stickers                 []struct{} `json:"stickers"`
}

// GuildPreviewObject converts a guild with its member and online counts.
func GuildPreviewObject(g chat.Guild, members, online int) GuildPreview {
	return GuildPreview{
		ID: g.ID, Name: g.Name, Icon: optString(g.Icon),
		Emojis: []Emoji{}, Features: []string{},
		ApproximateMemberCount: members, ApproximatePresenceCount: online,
		Description: optString(g.Description), Stickers: []struct{}{},
	}
}

// PartialGuild is an entry of GET /users/@me/guilds.
type PartialGuild struct {
	ID          chat.ID  `json:"id"`
	Name        string   `json:"name"`
	Icon        *string  `json:"icon"`
	Banner      *string  `json:"banner"`
	Owner       bool     `json:"owner"`
	Permissions string   `json:"permissions"`
	Features    []string `json:"features"`
}

// PartialGuildObject converts a guild as seen by a member with perms.
func PartialGuildObject(g chat.Guild, userID chat.ID, perms Permission) PartialGuild {
	return PartialGuild{
		ID:          g.ID,
		Name:        g.Name,
		Icon:        optString(g.Icon),
		Owner:       g.OwnerID == userID,
		Permissions: permString(perms),
		Features:    []string{},
	}
}

// MentionedUser is an entry of a message's mentions: a user with, in guild
// messages delivered over the gateway, a partial member.
type MentionedUser struct {
	User
	Member *Member `json:"member,omitempty"`
}

// MessageReference is Discord's message reference object.
type MessageReference struct {
	Type      int     `json:"type"`
	MessageID chat.ID `json:"message_id,omitempty"`
	ChannelID chat.ID `json:"channel_id,omitempty"`
	GuildID   chat.ID `json:"guild_id,omitempty"`
}

// Message is Discord's message object. GuildID and Member are set for guild
// messages (the REST reply and MESSAGE_CREATE carry the same bytes).
type Message struct {
	ID                chat.ID           `json:"id"`
	Type              int               `json:"type"`
	Content           string            `json:"content"`
	ChannelID         chat.ID           `json:"channel_id"`
	Author            User              `json:"author"`
	Attachments       []Attachment      `json:"attachments"`
	Embeds            any               `json:"embeds"` // []Embed; see MessageObject
	Mentions          []MentionedUser   `json:"mentions"`
	MentionRoles      []chat.ID         `json:"mention_roles"`
	Pinned            bool              `json:"pinned"`
	MentionEveryone   bool              `json:"mention_everyone"`
	TTS               bool              `json:"tts"`
	Timestamp         string            `json:"timestamp"`
	EditedTimestamp   *string           `json:"edited_timestamp"`
	Flags             int               `json:"flags"`
	Components        json.RawMessage   `json:"components"` // stored JSON; [] when none
	WebhookID         chat.ID           `json:"webhook_id,omitempty"`
	Reactions         []Reaction        `json:"reactions,omitempty"`
	Nonce             string            `json:"nonce,omitempty"`
	MessageReference  *MessageReference `json:"message_reference,omitempty"`
	ReferencedMessage *Message          `json:"referenced_message,omitempty"`
	GuildID           chat.ID           `json:"guild_id,omitempty"`
	Member            *Member           `json:"member,omitempty"`
	// Thread is the thread started from this message (threads.go).
	Thread *Channel `json:"thread,omitempty"`
	// ApplicationID, InteractionMetadata and Interaction are set on an
	// application's answer to an interaction (see SetInteraction).
	ApplicationID       chat.ID              `json:"application_id,omitempty"`
	InteractionMetadata *InteractionMetadata `json:"interaction_metadata,omitempty"`
	Interaction         *MessageInteraction  `json:"interaction,omitempty"`
}

// InteractionMetadata is Discord's message interaction metadata object:
// one shape for the three kinds (application command, component, modal
// submit), each field present only where that kind has it. Name and
// CommandType are not in Discord's table but are sent by Discord for
// commands (and read by clients that show "used /name").
type InteractionMetadata struct {
	ID                           chat.ID              `json:"id"`
	Type                         int                  `json:"type"`
	User                         User                 `json:"user"`
	AuthorizingIntegrationOwners map[string]chat.ID   `json:"authorizing_integration_owners"`
	Name                         string               `json:"name,omitempty"`
	CommandType                  int                  `json:"command_type,omitempty"`
	OriginalResponseMessageID    chat.ID              `json:"original_response_message_id,omitempty"`
	InteractedMessageID          chat.ID              `json:"interacted_message_id,omitempty"`
	TargetUser                   *User                `json:"target_user,omitempty"`
	TargetMessageID              chat.ID              `json:"target_message_id,omitempty"`
	TriggeringInteractionMeta    *InteractionMetadata `json:"triggering_interaction_metadata,omitempty"`
}

// MessageInteraction is Discord's deprecated message interaction object,
// sent on answers to application commands only (answers to components
// carry a message reference instead).
type MessageInteraction struct {
	ID   chat.ID `json:"id"`
	Type int     `json:"type"`
	Name string  `json:"name"`
	User User    `json:"user"`
}

// interactionTypeCommand is Discord's APPLICATION_COMMAND interaction type.
const interactionTypeCommand = 2

// SetInteraction fills out's webhook_id, interaction_metadata and (for
// answers to commands) interaction from m; user resolves the user IDs the
// metadata names. Messages that answer no interaction are left alone.
func SetInteraction(out *Message, m chat.Message, user func(chat.ID) chat.User) {
	if m.Interaction == nil {
		return
	}
	// Discord sends an interaction's answers through the application's
	// webhook: webhook_id is the application's ID, the author its bot.
	out.WebhookID = m.ApplicationID
	out.InteractionMetadata = interactionMetadata(m.Interaction, user)
	if m.Interaction.Type == interactionTypeCommand {
		out.Interaction = &MessageInteraction{ID: m.Interaction.ID, Type: m.Interaction.Type,
			Name: m.Interaction.Name, User: out.InteractionMetadata.User}
	}
}

func interactionMetadata(meta *chat.InteractionMeta, user func(chat.ID) chat.User) *InteractionMetadata {
	out := &InteractionMetadata{
		ID: meta.ID, Type: meta.Type, User: UserObject(user(meta.UserID)),
		AuthorizingIntegrationOwners: map[string]chat.ID{},
		Name:                         meta.Name, CommandType: meta.CommandType,
		OriginalResponseMessageID: meta.OriginalResponseID, InteractedMessageID: meta.InteractedMessageID,
		TargetMessageID: meta.TargetMessageID,
	}
	if meta.GuildOwner != 0 {
		out.AuthorizingIntegrationOwners["0"] = meta.GuildOwner
	}
	if meta.UserOwner != 0 {
		out.AuthorizingIntegrationOwners["1"] = meta.UserOwner
	}
	if meta.TargetUserID != 0 {
		u := UserObject(user(meta.TargetUserID))
		out.TargetUser = &u
	}
	if meta.Triggering != nil {
		out.TriggeringInteractionMeta = interactionMetadata(meta.Triggering, user)
	}
	return out
}

// Attachment is Discord's attachment object. URL and ProxyURL are the
// same signed CDN URL (Accord has no separate media proxy); Width and
// Height are present for images only.
type Attachment struct {
	ID          chat.ID `json:"id"`
	Filename    string  `json:"filename"`
	Description string  `json:"description,omitempty"`
	ContentType string  `json:"content_type,omitempty"`
	Size        int64   `json:"size"`
	URL         string  `json:"url"`
	ProxyURL    string  `json:"proxy_url"`
	Width       *int    `json:"width,omitempty"`
	Height      *int    `json:"height,omitempty"`
	Flags       int     `json:"flags,omitempty"`
}

// AttachmentPath is the CDN path of an attachment, Discord's layout:
// /attachments/{channel_id}/{attachment_id}/{filename}.
func AttachmentPath(channelID chat.ID, a chat.Attachment) string {
	return "/attachments/" + channelID.String() + "/" + a.ID.String() + "/" + a.Filename
}

// AttachmentObjects converts a message's attachments (never nil). URLs
// are the bare CDN paths; the guild layer replaces them with signed,
// absolute ones.
func AttachmentObjects(channelID chat.ID, as []chat.Attachment) []Attachment {
	out := make([]Attachment, 0, len(as))
	for _, a := range as {
		p := AttachmentPath(channelID, a)
		o := Attachment{ID: a.ID, Filename: a.Filename, Description: a.Description, ContentType: a.ContentType,
			Size: a.Size, URL: p, ProxyURL: p, Flags: a.Flags}
		if a.Width > 0 && a.Height > 0 {
			w, h := a.Width, a.Height
			o.Width, o.Height = &w, &h
		}
		out = append(out, o)
	}
	return out
}

// MessageObject converts a stored message. author is the message's author;
// mentions are the users in m.Mentions, in that order (missing ones are
// skipped by the caller). Member, GuildID and ReferencedMessage are left for
// the caller to fill. Embeds is always a non-nil []Embed; the field is typed
// any so that code stripping a message's content for bots without the
// MESSAGE_CONTENT intent may blank it with any empty slice.
func MessageObject(m chat.Message, author chat.User, mentions []chat.User) Message {
	out := Message{
		ID:              m.ID,
		Type:            m.Type,
		Content:         m.Content,
		ChannelID:       m.ChannelID,
		Author:          UserObject(author),
		Attachments:     AttachmentObjects(m.ChannelID, m.Attachments),
		Embeds:          EmbedObjects(m.Embeds),
		Mentions:        make([]MentionedUser, 0, len(mentions)),
		MentionRoles:    m.MentionRoles,
		MentionEveryone: m.MentionEveryone,
		TTS:             m.TTS,
		Timestamp:       Timestamp(IDTime(m.ID)),
		Flags:           m.Flags,
		Components:      NoComponents(),
		Nonce:           m.Nonce,
		WebhookID:       m.WebhookID,
		ApplicationID:   m.ApplicationID,
	}
	if len(m.Components) > 0 {
		out.Components = m.Components
	}
	if m.WebhookID != 0 && m.AuthorID == m.WebhookID {
		// A webhook's message: the author is the webhook under the name
		// and avatar it was sent with, as Discord shows it.
		out.Author = WebhookAuthor(m)
	}
	if out.MentionRoles == nil {
		out.MentionRoles = []chat.ID{}
	}
	for _, u := range mentions {
		out.Mentions = append(out.Mentions, MentionedUser{User: UserObject(u)})
	}
	if m.EditedAt != nil {
		s := Timestamp(*m.EditedAt)
		out.EditedTimestamp = &s
	}
	if m.Reference != nil {
		out.MessageReference = &MessageReference{
			MessageID: m.Reference.MessageID,
			ChannelID: m.Reference.ChannelID,
			GuildID:   m.Reference.GuildID,
		}
	}
	return out
}

// NoComponents is the "components" of a message without any.
func NoComponents() json.RawMessage { return json.RawMessage("[]") }

// WebhookAuthor is the author object of a message webhook m sent:
// Discord's {id: webhook id, username, avatar, bot: true,
// discriminator: "0000"}.
func WebhookAuthor(m chat.Message) User {
	return User{ID: m.WebhookID, Username: m.WebhookName, Avatar: optString(m.WebhookAvatar), Bot: true, Discriminator: "0000"}
}

// Embed is Discord's embed object as a message carries it: the stored embed
// with its type always present and its timestamp in Discord's format.
type Embed struct {
	chat.Embed
	// These shadow the embedded fields of the same JSON name.
	Type      string  `json:"type"`
	Timestamp *string `json:"timestamp,omitempty"`
}

// EmbedObjects converts stored embeds; the result is never nil.
func EmbedObjects(embeds []chat.Embed) []Embed {
	out := make([]Embed, 0, len(embeds))
	for _, e := range embeds {
		o := Embed{Embed: e, Type: e.Type}
		if o.Type == "" {
			o.Type = "rich"
		}
		if e.Timestamp != nil {
			ts := Timestamp(*e.Timestamp)
			o.Timestamp = &ts
		}
		out = append(out, o)
	}
	return out
}

// IDTime is the creation time of a snowflake (Discord epoch). It duplicates
// snowflake.Time so that protocol stays free of the generator package.
func IDTime(id chat.ID) time.Time {
	return time.UnixMilli(int64(uint64(id)>>22) + 1420070400000).UTC()
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optID(id chat.ID) *chat.ID {
	if id == 0 {
		return nil
	}
	return &id
}

func permString(p Permission) string {
	var b [20]byte
	return string(appendInt(b[:0], int64(p)))
}

// Marshal encodes v as JSON the way Discord writes it: without escaping
// <, > and & (message content is full of "<@id>" mentions).
//
// The encoding goes through a pooled buffer and the result is copied out
// at its size: the returned slice does not keep a growing buffer's slack.
// A message object is written out by hand (appendMessage, the same bytes):
// BenchmarkMarshalMessage 4,384 -> 1,066 ns, 6 -> 2 allocations.
func Marshal(v any) ([]byte, error) {
	bp := marshalBufs.Get().(*[]byte)
	var (
		b   []byte
		err error
	)
	switch m := v.(type) { // the object every post encodes: written out by hand (encode.go)
	case Message:
		b, err = appendMessage((*bp)[:0], &m)
	case *Message:
		if m == nil {
			b, err = appendJSON((*bp)[:0], v)
		} else {
			b, err = appendMessage((*bp)[:0], m)
		}
	default:
		b, err = appendJSON((*bp)[:0], v)
	}
	if err != nil {
		marshalBufs.Put(bp)
		return nil, err
	}
	out := bytes.Clone(b)
	if cap(b) <= maxPooledBuf {
		*bp = b[:0]
		marshalBufs.Put(bp)
	}
	return out, nil
}

var marshalBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// maxPooledBuf keeps the buffers of rare big encodings (a large guild's
// GUILD_CREATE) out of the pool, so that it holds only small ones.
const maxPooledBuf = 64 << 10
