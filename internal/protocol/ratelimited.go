package protocol

import "github.com/accordchat/accord/internal/chat"

// EventRateLimited is the dispatch Discord sends instead of answering a
// gateway command that is over its own limit (today only op 8's "request
// all members": 1 per guild per bot per 30 s). The connection stays open.
const EventRateLimited = "RATE_LIMITED"

// GatewayRateLimited is the "d" of a RATE_LIMITED dispatch. RetryAfter is
// in seconds. Fields are in Discord's documented order.
type GatewayRateLimited struct {
	Opcode     int                         `json:"opcode"`
	RetryAfter float64                     `json:"retry_after"`
	Meta       RequestGuildMembersRateMeta `json:"meta"`
}

// RequestGuildMembersRateMeta is GatewayRateLimited's meta for op 8: the
// guild asked for and the request's nonce, so a client can match the
// refusal to its request.
type RequestGuildMembersRateMeta struct {
	GuildID chat.ID `json:"guild_id"`
	Nonce   string  `json:"nonce,omitempty"`
}
