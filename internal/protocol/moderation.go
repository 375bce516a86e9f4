package protocol

import "github.com/accordchat/accord/internal/chat"

// Moderation: bans, timeouts and slowmode (Discord's guild resource docs,
// "Ban Object", "Bulk Guild Ban", and the channel's rate_limit_per_user).

// Gateway events of bans; both belong to the GUILD_MODERATION intent and
// reach only members with BAN_MEMBERS or VIEW_AUDIT_LOG.
const (
	EventGuildBanAdd    = "GUILD_BAN_ADD"
	EventGuildBanRemove = "GUILD_BAN_REMOVE"
)

// JSON error codes of moderation.
const (
	CodeSlowmode      = 20016  // "This action cannot be performed due to slowmode rate limit."
	CodeUnknownBan    = 10026  // "Unknown Ban"
	CodeUserBanned    = 40007  // "The user is banned from this guild."
	CodeBulkBanFailed = 500000 // "Failed to ban users"
)

// Limits of moderation requests.
const (
	MaxDeleteMessageSeconds = 7 * 24 * 60 * 60  // delete_message_seconds: 7 days
	MaxBulkBan              = 200               // user_ids of POST /guilds/{id}/bulk-ban
	MaxTimeoutSeconds       = 28 * 24 * 60 * 60 // communication_disabled_until: 28 days ahead
	MaxRateLimitPerUser     = 21600             // rate_limit_per_user: 6 hours
)

// TimedOutPermissions are the permissions a timed-out member keeps in every
// channel (Discord: "all permissions except VIEW_CHANNEL and
// READ_MESSAGE_HISTORY" are lost). Owners and administrators are exempt.
const TimedOutPermissions = PermViewChannel | PermReadMessageHistory

// Ban is Discord's ban object.
type Ban struct {
	Reason *string `json:"reason"`
	User   User    `json:"user"`
}

// BanObject converts a ban; user is the banned user.
func BanObject(b chat.Ban, user chat.User) Ban {
	return Ban{Reason: optString(b.Reason), User: UserObject(user)}
}

// GuildBanEvent is GUILD_BAN_ADD's and GUILD_BAN_REMOVE's data.
type GuildBanEvent struct {
	GuildID chat.ID `json:"guild_id"`
	User    User    `json:"user"`
}

// BulkBanResult is the answer of POST /guilds/{id}/bulk-ban.
type BulkBanResult struct {
	BannedUsers []chat.ID `json:"banned_users"`
	FailedUsers []chat.ID `json:"failed_users"`
}
