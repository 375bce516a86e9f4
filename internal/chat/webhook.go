package chat

// Webhook types (Discord's numbering).
const (
	WebhookIncoming    = 1
	WebhookApplication = 3
)

// Webhook is a channel webhook. The token is never stored: TokenHash is
// its SHA-256 (package webhook makes and checks tokens). UserID is who
// created it; ApplicationID is set when a bot application created it.
// Avatar is an image hash of the media pipeline, like a user's.
type Webhook struct {
	ID            ID     `json:"id"`
	Type          int    `json:"type"`
	GuildID       ID     `json:"guild_id"`
	ChannelID     ID     `json:"channel_id"`
	UserID        ID     `json:"user_id,omitempty"`
	ApplicationID ID     `json:"application_id,omitempty"`
	Name          string `json:"name"`
	Avatar        string `json:"avatar,omitempty"`
	TokenHash     []byte `json:"token_hash"`
}
