package chat

// GuildEmoji is a guild's custom emoji. Its image is stored once, in the
// format it was uploaded in (Format: "png", "jpeg", "gif" or "webp"); a
// GIF is animated, as Discord marks every GIF emoji. Roles, when not
// empty, limits who may use it. UserID is who created it.
type GuildEmoji struct {
	ID       ID     `json:"id"`
	GuildID  ID     `json:"guild_id"`
	Name     string `json:"name"`
	Roles    []ID   `json:"roles,omitempty"`
	UserID   ID     `json:"user_id"`
	Animated bool   `json:"animated,omitempty"`
	Format   string `json:"format"`
}
