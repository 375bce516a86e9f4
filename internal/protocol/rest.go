package protocol

import (
	"encoding/json"

	"github.com/accordchat/accord/internal/chat"
)

// REST-only objects: what the bootstrap, user, application, invite and
// gateway-discovery routes answer. Some of them replaced map[string]any
// values; those list their fields in alphabetical JSON-key order, since map
// encoding sorted the keys and the bytes on the wire must not change.

// Login is the answer of POST /auth/register and POST /auth/login (Accord's
// bootstrap routes; Discord has no equivalent).
type Login struct {
	Token  string  `json:"token"`
	UserID chat.ID `json:"user_id"`
}

// BotToken is the answer of POST /applications/{id}/bot/reset-token.
type BotToken struct {
	Token string `json:"token"`
}

// CurrentUser is the user object of GET and PATCH /users/@me, with the
// private fields Discord adds for the owner.
type CurrentUser struct {
	User
	MFAEnabled  bool    `json:"mfa_enabled"`
	Locale      string  `json:"locale"`
	Verified    bool    `json:"verified"`
	Email       *string `json:"email"`
	PremiumType int     `json:"premium_type"`
	Bio         string  `json:"bio"`
}

// CurrentUserObject converts the requesting user.
func CurrentUserObject(u chat.User) CurrentUser {
	return CurrentUser{User: UserObject(u), Locale: "en-US", Verified: true, Bio: u.Bio}
}

// UserProfile is GET /users/{id}/profile as Discord's client reads it:
// the user, the profile proper (bio, banner) and the guilds the caller
// shares with the user.
type UserProfile struct {
	User              ProfileUser       `json:"user"`
	UserProfile       ProfileDetails    `json:"user_profile"`
	MutualGuilds      []MutualGuild     `json:"mutual_guilds"`
	ConnectedAccounts []json.RawMessage `json:"connected_accounts"`
	PremiumType       *int              `json:"premium_type"`
	PremiumSince      *string           `json:"premium_since"`
	Badges            []json.RawMessage `json:"badges"`
}

// ProfileUser is the user of a profile, with the bio Discord adds there.
type ProfileUser struct {
	User
	Bio string `json:"bio"`
}

// ProfileDetails is a profile's user_profile.
type ProfileDetails struct {
	Bio         string  `json:"bio"`
	Banner      *string `json:"banner"`
	AccentColor *int    `json:"accent_color"`
	Pronouns    string  `json:"pronouns"`
}

// MutualGuild is one guild the caller shares with a profile's user.
type MutualGuild struct {
	ID   chat.ID `json:"id"`
	Nick *string `json:"nick"`
}

// UserProfileObject renders u's profile with the guilds in common.
func UserProfileObject(u chat.User, mutual []MutualGuild) UserProfile {
	if mutual == nil {
		mutual = []MutualGuild{}
	}
	return UserProfile{User: ProfileUser{User: UserObject(u), Bio: u.Bio},
		UserProfile:  ProfileDetails{Bio: u.Bio, Banner: optString(u.Banner)},
		MutualGuilds: mutual, ConnectedAccounts: []json.RawMessage{}, Badges: []json.RawMessage{}}
}

// Application is Discord's application object.
type Application struct {
	ID                  chat.ID   `json:"id"`
	Name                string    `json:"name"`
	Icon                *string   `json:"icon"`
	Description         string    `json:"description"`
	Summary             string    `json:"summary"`
	BotPublic           bool      `json:"bot_public"`
	BotRequireCodeGrant bool      `json:"bot_require_code_grant"`
	VerifyKey           string    `json:"verify_key"`
	Flags               uint64    `json:"flags"`
	Owner               User      `json:"owner"`
	Team                *struct{} `json:"team"`
	Bot                 User      `json:"bot"`
	// InteractionsEndpointURL is where HTTP interactions go (null: the
	// gateway).
	InteractionsEndpointURL *string `json:"interactions_endpoint_url"`
}

// ApplicationObject converts an application with its owner and bot user.
func ApplicationObject(app chat.Application, owner, bot chat.User) Application {
	return Application{ID: app.ID, Name: app.Name, BotPublic: true, Flags: app.Flags,
		Owner: UserObject(owner), Bot: UserObject(bot), InteractionsEndpointURL: optString(app.InteractionsEndpointURL)}
}

// Invite is Discord's invite object.
type Invite struct {
	Type                     int           `json:"type"`
	Code                     string        `json:"code"`
	Guild                    *InviteGuild  `json:"guild,omitempty"`
	GuildID                  chat.ID       `json:"guild_id"`
	Channel                  InviteChannel `json:"channel"`
	Inviter                  *User         `json:"inviter,omitempty"`
	Uses                     int           `json:"uses"`
	MaxUses                  int           `json:"max_uses"`
	MaxAge                   int           `json:"max_age"`
	Temporary                bool          `json:"temporary"`
	CreatedAt                string        `json:"created_at"`
	ExpiresAt                *string       `json:"expires_at"`
	ApproximateMemberCount   *int          `json:"approximate_member_count,omitempty"`
	ApproximatePresenceCount *int          `json:"approximate_presence_count,omitempty"`
}

// InviteGuild is the partial guild of an invite.
type InviteGuild struct {
	ID          chat.ID  `json:"id"`
	Name        string   `json:"name"`
	Icon        *string  `json:"icon"`
	Description *string  `json:"description"`
	Features    []string `json:"features"`
}

// InviteChannel is the partial channel of an invite.
type InviteChannel struct {
	ID   chat.ID `json:"id"`
	Name string  `json:"name"`
	Type int     `json:"type"`
}

// Gateway is the answer of GET /gateway.
type Gateway struct {
	URL string `json:"url"`
}

// GatewayBot is the answer of GET /gateway/bot. Fields are in alphabetical
// key order (it replaced a map).
type GatewayBot struct {
	SessionStartLimit SessionStartLimit `json:"session_start_limit"`
	Shards            int               `json:"shards"`
	URL               string            `json:"url"`
}

// SessionStartLimit is GatewayBot's identify budget. Fields are in
// alphabetical key order (it replaced a map).
type SessionStartLimit struct {
	MaxConcurrency int `json:"max_concurrency"`
	Remaining      int `json:"remaining"`
	ResetAfter     int `json:"reset_after"` // milliseconds
	Total          int `json:"total"`
}

// GatewayBotObject is the answer Accord gives every bot: one shard and a
// budget that never runs out in practice.
func GatewayBotObject(url string) GatewayBot {
	return GatewayBot{
		URL:    url,
		Shards: 1,
		SessionStartLimit: SessionStartLimit{
			Total: 1000, Remaining: 999, ResetAfter: 14400000, MaxConcurrency: 1,
		},
	}
}

// RateLimited is the body of a 429 answer. RetryAfter is in seconds.
// Fields are in alphabetical key order (it replaced a map).
type RateLimited struct {
	Code       int     `json:"code"`
	Global     bool    `json:"global"`
	Message    string  `json:"message"`
	RetryAfter float64 `json:"retry_after"`
}

// AuthorizeAnswer is the answer of POST /oauth2/authorize: where Discord's
// page would send the browser next.
type AuthorizeAnswer struct {
	Location string `json:"location"`
}
