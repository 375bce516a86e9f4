package gateway

import (
	"context"
	"encoding/json"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
)

// Subscriber is a session as the guild layer sees it. *Session implements
// it.
type Subscriber = guild.Session

// MembersRequest is an op-8 request as passed to the guild layer.
type MembersRequest = guild.MembersRequest

// Guilds is what the gateway needs of the guild layer; *guild.Registry
// implements it.
type Guilds interface {
	// Connect subscribes s to the guild; the guild itself sends
	// GUILD_CREATE to s, so that the snapshot and later events are in order.
	Connect(ctx context.Context, guildID chat.ID, s Subscriber, largeThreshold int) error
	// Disconnect unsubscribes a session that ended for good.
	Disconnect(guildID chat.ID, sessionID string)
	// Subscribe marks the session as looking at the guild (op 14/37): it
	// is no longer passive there and gets every event.
	Subscribe(ctx context.Context, guildID chat.ID, sessionID string) error
	// UpdatePresence fans op 3 out to the user's guilds.
	UpdatePresence(ctx context.Context, userID chat.ID, presence json.RawMessage) error
	// RequestMembers answers op 8: member objects and the requested ids
	// that are not members.
	RequestMembers(ctx context.Context, guildID chat.ID, req MembersRequest) ([]json.RawMessage, []chat.ID, error)
}

var (
	_ Guilds          = (*guild.Registry)(nil)
	_ memberLister    = (*guild.Registry)(nil)
	_ guild.Directory = (*Gateway)(nil)
	_ guild.Session   = (*Session)(nil)
)
