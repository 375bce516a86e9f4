package protocol

import "github.com/accordchat/accord/internal/chat"

// Permissions of custom emoji, as Discord documents them today:
// CREATE_GUILD_EXPRESSIONS creates emoji and edits or deletes one's own;
// MANAGE_GUILD_EXPRESSIONS edits or deletes anyone's.
const (
	PermManageGuildExpressions Permission = 1 << 30
	PermCreateGuildExpressions Permission = 1 << 43
)

// EventGuildEmojisUpdate carries a guild's whole emoji list after any
// change; sessions need the GUILD_EXPRESSIONS intent.
const EventGuildEmojisUpdate = "GUILD_EMOJIS_UPDATE"

// JSON error codes of custom emoji.
const (
	CodeMaxEmojis         = 30008
	CodeMaxAnimatedEmojis = 30018
)

// Limits of custom emoji (Discord's values for a guild without boosts):
// static and animated emoji count separately. Names are 2-32 characters of
// [A-Za-z0-9_].
const (
	MaxGuildEmojis         = 50
	MaxGuildAnimatedEmojis = 50
	MinEmojiName           = 2
	MaxEmojiName           = 32
)

// Emoji is Discord's emoji object for a guild's custom emoji. User is who
// created it; Discord shows it only to members who may manage emoji, so
// it is nil (left out) everywhere else.
type Emoji struct {
	ID            chat.ID   `json:"id"`
	Name          string    `json:"name"`
	Roles         []chat.ID `json:"roles"`
	User          *User     `json:"user,omitempty"`
	RequireColons bool      `json:"require_colons"`
	Managed       bool      `json:"managed"`
	Animated      bool      `json:"animated"`
	Available     bool      `json:"available"`
}

// GuildEmojiObject converts a guild emoji; creator, if not nil, is shown
// as its user. Accord has no boosts to lose, so every emoji is available,
// and none is managed by an integration.
func GuildEmojiObject(e chat.GuildEmoji, creator *chat.User) Emoji {
	out := Emoji{ID: e.ID, Name: e.Name, Roles: e.Roles, RequireColons: true, Animated: e.Animated, Available: true}
	if out.Roles == nil {
		out.Roles = []chat.ID{}
	}
	if creator != nil {
		u := UserObject(*creator)
		out.User = &u
	}
	return out
}

// GuildEmojisUpdateEvent is GUILD_EMOJIS_UPDATE's data.
type GuildEmojisUpdateEvent struct {
	GuildID chat.ID `json:"guild_id"`
	Emojis  []Emoji `json:"emojis"`
}

// FieldStringTypeRegex is the field error of a string that does not match
// its pattern (an emoji name outside [A-Za-z0-9_]).
const FieldStringTypeRegex = "STRING_TYPE_REGEX"
