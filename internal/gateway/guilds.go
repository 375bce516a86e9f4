package gateway

import (
	"context"
	"encoding/json"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Subscriber is a session as the guild layer sees it (guild.Session). *Session
// implements it.
type Subscriber interface {
	ID() string
	UserID() chat.ID
	Intents() protocol.Intents
	Bot() bool
	Send(d *protocol.Dispatch)
}

// MembersRequest is an op-8 request as passed to the guild layer.
type MembersRequest struct {
	Query     string    // username/nick prefix; "" with Limit 0 means everyone
	Limit     int       // 0 = no limit (only with Query "")
	UserIDs   []chat.ID // instead of Query
	Presences bool
}

// Guilds is what the gateway needs of the guild layer (the guild registry).
type Guilds interface {
	// Connect subscribes s to the guild; the guild itself sends
	// GUILD_CREATE to s, so that the snapshot and later events are in order.
	Connect(ctx context.Context, guildID chat.ID, s Subscriber, largeThreshold int) error
	// Disconnect unsubscribes a session that ended for good.
	Disconnect(guildID chat.ID, sessionID string)
	// UpdatePresence fans op 3 out to the user's guilds.
	UpdatePresence(ctx context.Context, userID chat.ID, presence json.RawMessage) error
	// RequestMembers answers op 8: member objects and the requested ids
	// that are not members.
	RequestMembers(ctx context.Context, guildID chat.ID, req MembersRequest) ([]json.RawMessage, []chat.ID, error)
}
