package chat

// Ban records that a user may not be a member of a guild: a banned user
// cannot rejoin by invite until the ban is removed. Reason is what the
// moderator gave in X-Audit-Log-Reason, empty if none.
type Ban struct {
	GuildID ID     `json:"guild_id"`
	UserID  ID     `json:"user_id"`
	Reason  string `json:"reason,omitempty"`
}
