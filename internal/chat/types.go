package chat

import (
	"encoding/json"
	"time"
)

// User is an account: a person or an application's bot user.
type User struct {
	ID            ID     `json:"id"`
	Username      string `json:"username"`
	GlobalName    string `json:"global_name,omitempty"`
	Avatar        string `json:"avatar,omitempty"`
	Banner        string `json:"banner,omitempty"` // image hash, as Avatar
	Bio           string `json:"bio,omitempty"`    // the profile's "about me"
	Bot           bool   `json:"bot,omitempty"`
	Flags         uint64 `json:"flags,omitempty"`
	ApplicationID ID     `json:"application_id,omitempty"` // set for bot users
}

// Credentials hold the secret half of a user. PasswordHash is empty for bot
// users, which authenticate with a token only.
type Credentials struct {
	UserID       ID     `json:"user_id"`
	PasswordHash []byte `json:"password_hash,omitempty"`
}

// Application is a developer application; its bot user has the same ID as
// Discord's does not, so BotID names it.
type Application struct {
	ID      ID     `json:"id"`
	Name    string `json:"name"`
	OwnerID ID     `json:"owner_id"`
	BotID   ID     `json:"bot_id"`
	Flags   uint64 `json:"flags"`
	// TokenHash is the hash of the bot's current token, so that resetting
	// the token can revoke the previous one without scanning all tokens.
	// Empty until the first reset (a new bot has no token).
	TokenHash []byte `json:"token_hash,omitempty"`
	// InteractionsKey is the Ed25519 private key seed that signs HTTP
	// interactions (its public half is the verify_key). Applications made
	// before it existed get one on first use.
	InteractionsKey []byte `json:"interactions_key,omitempty"`
	// InteractionsEndpointURL, when set, receives the application's
	// interactions by signed HTTP POST instead of the gateway.
	InteractionsEndpointURL string `json:"interactions_endpoint_url,omitempty"`
}

// Application flags that gate privileged gateway intents.
const (
	AppFlagGatewayPresenceLimited       uint64 = 1 << 13
	AppFlagGatewayGuildMembersLimited   uint64 = 1 << 15
	AppFlagGatewayMessageContentLimited uint64 = 1 << 19
	AppFlagGatewayPresence              uint64 = 1 << 12
	AppFlagGatewayGuildMembers          uint64 = 1 << 14
	AppFlagGatewayMessageContent        uint64 = 1 << 18
)

// Guild is a server. Its @everyone role has the guild's own ID.
type Guild struct {
	ID              ID        `json:"id"`
	Name            string    `json:"name"`
	Icon            string    `json:"icon,omitempty"`
	Description     string    `json:"description,omitempty"`
	OwnerID         ID        `json:"owner_id"`
	SystemChannelID ID        `json:"system_channel_id,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
}

// Channel types used by Accord (Discord's numbering).
const (
	ChannelText     = 0
	ChannelVoice    = 2
	ChannelCategory = 4
)

// Overwrite kinds.
const (
	OverwriteRole   = 0
	OverwriteMember = 1
)

// Overwrite is a channel permission overwrite for a role or a member.
type Overwrite struct {
	ID    ID     `json:"id"`
	Type  int    `json:"type"`
	Allow uint64 `json:"allow,string"`
	Deny  uint64 `json:"deny,string"`
}

// Channel is a guild channel. Overwrites live with the channel because they
// are always read and changed with it.
type Channel struct {
	ID            ID          `json:"id"`
	GuildID       ID          `json:"guild_id"`
	Type          int         `json:"type"`
	Name          string      `json:"name"`
	Topic         string      `json:"topic,omitempty"`
	Position      int         `json:"position"`
	ParentID      ID          `json:"parent_id,omitempty"`
	NSFW          bool        `json:"nsfw,omitempty"`
	RateLimit     int         `json:"rate_limit_per_user,omitempty"`
	LastMessageID ID          `json:"last_message_id,omitempty"`
	Overwrites    []Overwrite `json:"permission_overwrites"`
	// Thread is set for threads, Forum for channels with thread settings,
	// Followers names the channels an announcement channel's crossposts
	// go to (threads.go).
	Thread    *ThreadMeta    `json:"thread,omitempty"`
	Forum     *ForumSettings `json:"forum,omitempty"`
	Followers []ID           `json:"followers,omitempty"`
}

// Role is a guild role. The @everyone role's ID equals the guild ID.
type Role struct {
	ID          ID     `json:"id"`
	GuildID     ID     `json:"guild_id"`
	Name        string `json:"name"`
	Color       int    `json:"color"`
	Hoist       bool   `json:"hoist"`
	Position    int    `json:"position"`
	Permissions uint64 `json:"permissions,string"`
	Managed     bool   `json:"managed"`
	Mentionable bool   `json:"mentionable"`
}

// Member is a user's membership in a guild.
type Member struct {
	GuildID  ID        `json:"guild_id"`
	UserID   ID        `json:"user_id"`
	Nick     string    `json:"nick,omitempty"`
	Roles    []ID      `json:"roles"`
	JoinedAt time.Time `json:"joined_at"`
	// CommunicationDisabledUntil is the end of the member's timeout; the
	// timeout is over once it is in the past (nil: never timed out).
	CommunicationDisabledUntil *time.Time `json:"communication_disabled_until,omitempty"`
}

// Invite is a code that lets anyone with it join a guild through a channel.
type Invite struct {
	Code      string    `json:"code"`
	GuildID   ID        `json:"guild_id"`
	ChannelID ID        `json:"channel_id"`
	InviterID ID        `json:"inviter_id"`
	Uses      int       `json:"uses"`
	MaxUses   int       `json:"max_uses"`
	MaxAge    int       `json:"max_age"` // seconds; 0 = never expires
	CreatedAt time.Time `json:"created_at"`
}

// Message types (Discord's numbering).
const (
	MessageDefault            = 0
	MessageReply              = 19
	MessageChatInputCommand   = 20
	MessageContextMenuCommand = 23
	// MessageThreadCreated announces, in its parent, a public thread
	// started without a message; its reference names the thread.
	MessageThreadCreated = 18
)

// MessageFlagLoading marks an interaction's deferred response while the
// application is "thinking" (Discord's LOADING).
const MessageFlagLoading = 1 << 7

// MessageReference points a reply at the message it answers.
type MessageReference struct {
	MessageID ID `json:"message_id,omitempty"`
	ChannelID ID `json:"channel_id,omitempty"`
	GuildID   ID `json:"guild_id,omitempty"`
}

// Message is a stored chat message. Author details are joined in at read time
// from the user record; only AuthorID is stored.
type Message struct {
	ID              ID                `json:"id"`
	ChannelID       ID                `json:"channel_id"`
	GuildID         ID                `json:"guild_id,omitempty"`
	AuthorID        ID                `json:"author_id"`
	Content         string            `json:"content"`
	EditedAt        *time.Time        `json:"edited_timestamp,omitempty"`
	TTS             bool              `json:"tts,omitempty"`
	MentionEveryone bool              `json:"mention_everyone,omitempty"`
	Mentions        []ID              `json:"mentions,omitempty"`
	MentionRoles    []ID              `json:"mention_roles,omitempty"`
	Nonce           string            `json:"nonce,omitempty"`
	Type            int               `json:"type"`
	Flags           int               `json:"flags,omitempty"`
	Reference       *MessageReference `json:"message_reference,omitempty"`
	Embeds          []Embed           `json:"embeds,omitempty"`
	Attachments     []Attachment      `json:"attachments,omitempty"`
	// Components are the message's action rows as the REST layer
	// validated them (package components): raw JSON, stored and returned
	// whole, since Discord keeps adding component kinds and fields.
	Components json.RawMessage `json:"components,omitempty"`
	// WebhookID is set on a message a webhook sent; AuthorID is then the
	// webhook's ID, and WebhookName and WebhookAvatar are the name and
	// avatar (hash, or the avatar_url the sender gave) it was sent with.
	WebhookID     ID     `json:"webhook_id,omitempty"`
	WebhookName   string `json:"webhook_name,omitempty"`
	WebhookAvatar string `json:"webhook_avatar,omitempty"`
	// ApplicationID is set on an application's answer to an interaction;
	// Interaction then describes the interaction it answers. AuthorID is
	// the application's bot user (its webhook_id, the application's ID,
	// is rendered, not stored).
	ApplicationID ID               `json:"application_id,omitempty"`
	Interaction   *InteractionMeta `json:"interaction,omitempty"`
}

// InteractionMeta is what a message answering an interaction keeps of it:
// Discord's message interaction metadata, with users as IDs (joined in at
// read time, like the author).
type InteractionMeta struct {
	ID     ID  `json:"id"`
	Type   int `json:"type"`
	UserID ID  `json:"user_id"`
	// Name and CommandType name the application command (type 2): its
	// name with the invoked subcommand group and subcommand, and its type.
	Name        string `json:"name,omitempty"`
	CommandType int    `json:"command_type,omitempty"`
	// GuildOwner and UserOwner are the authorizing integration owners:
	// the guild the application is installed in (key "0") and the user
	// who installed it for themselves (key "1").
	GuildOwner ID `json:"guild_owner,omitempty"`
	UserOwner  ID `json:"user_owner,omitempty"`
	// OriginalResponseID is set on follow-ups: the original response.
	OriginalResponseID ID `json:"original_response_message_id,omitempty"`
	// InteractedMessageID is the message whose component was used (type 3).
	InteractedMessageID ID `json:"interacted_message_id,omitempty"`
	// TargetUserID and TargetMessageID are a user or message command's
	// target.
	TargetUserID    ID `json:"target_user_id,omitempty"`
	TargetMessageID ID `json:"target_message_id,omitempty"`
	// Triggering is, for a modal submit (type 5), the interaction that
	// opened the modal (never itself with a Triggering).
	Triggering *InteractionMeta `json:"triggering,omitempty"`
}

// Clone deep-copies meta (nil stays nil).
func (meta *InteractionMeta) Clone() *InteractionMeta {
	if meta == nil {
		return nil
	}
	c := *meta
	c.Triggering = meta.Triggering.Clone()
	return &c
}

// Attachment is a file stored with a message. The bytes live in the blob
// store under the attachment's key (see package api); the message keeps
// what Discord's attachment object shows. ContentType was sniffed from the
// bytes; Width and Height are set for images.
type Attachment struct {
	ID          ID     `json:"id"`
	Filename    string `json:"filename"`
	Description string `json:"description,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Size        int64  `json:"size"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	Flags       int    `json:"flags,omitempty"`
}

// Attachment flags (Discord's).
const AttachmentIsSpoiler = 1 << 3

// Embed is a rich embed, Discord's embed object as a client may send it
// (video and provider, which only Discord's link unfurler sets, are left
// out). Type is "rich" for every embed a client sends. Pointer fields are
// absent when nil; Color 0 (black) is a real colour, hence *int.
type Embed struct {
	Title       string       `json:"title,omitempty"`
	Type        string       `json:"type,omitempty"`
	Description string       `json:"description,omitempty"`
	URL         string       `json:"url,omitempty"`
	Timestamp   *time.Time   `json:"timestamp,omitempty"`
	Color       *int         `json:"color,omitempty"`
	Footer      *EmbedFooter `json:"footer,omitempty"`
	Image       *EmbedMedia  `json:"image,omitempty"`
	Thumbnail   *EmbedMedia  `json:"thumbnail,omitempty"`
	Author      *EmbedAuthor `json:"author,omitempty"`
	Fields      []EmbedField `json:"fields,omitempty"`
}

// EmbedFooter is an embed's footer.
type EmbedFooter struct {
	Text    string `json:"text"`
	IconURL string `json:"icon_url,omitempty"`
}

// EmbedMedia is an embed's image or thumbnail.
type EmbedMedia struct {
	URL string `json:"url"`
}

// EmbedAuthor is an embed's author line.
type EmbedAuthor struct {
	Name    string `json:"name"`
	URL     string `json:"url,omitempty"`
	IconURL string `json:"icon_url,omitempty"`
}

// EmbedField is one name/value field of an embed.
type EmbedField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline"`
}

// CloneEmbeds deep-copies embeds (nil stays nil), for holders that must not
// share memory with a caller that may go on using its value.
func CloneEmbeds(embeds []Embed) []Embed {
	if embeds == nil {
		return nil
	}
	out := make([]Embed, len(embeds))
	for i, e := range embeds {
		if e.Timestamp != nil {
			t := *e.Timestamp
			e.Timestamp = &t
		}
		if e.Color != nil {
			c := *e.Color
			e.Color = &c
		}
		if e.Footer != nil {
			f := *e.Footer
			e.Footer = &f
		}
		if e.Image != nil {
			m := *e.Image
			e.Image = &m
		}
		if e.Thumbnail != nil {
			m := *e.Thumbnail
			e.Thumbnail = &m
		}
		if e.Author != nil {
			a := *e.Author
			e.Author = &a
		}
		if e.Fields != nil {
			e.Fields = append([]EmbedField(nil), e.Fields...)
		}
		out[i] = e
	}
	return out
}
