// Package guild runs guild actors: one goroutine owns each guild's state
// (the guild, its roles, channels with their overwrites, members and
// presences), serialises every change to it, writes the change durably and
// fans the resulting gateway events out to the subscribed sessions.
//
// A Registry starts an actor on demand the first time a guild is addressed
// and lets it exit after it has been idle for a while. Each actor's inbox is
// bounded: a push to a full inbox fails with ErrBusy instead of blocking the
// caller. Events reach sessions in the order the actor applied the changes;
// a message is dispatched only once its store write is durable.
//
// Sessions and guilds talk only through the Session and Directory interfaces
// and the Registry methods Connect, Disconnect, UpdatePresence and
// RequestMembers, so that a bus can later be put between them. Dispatch
// bytes are encoded once per visibility variant and shared by all sessions;
// they must not be modified.
package guild

import (
	"errors"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Session is what a guild actor needs of a gateway session to fan out to it.
// Implemented by gateway sessions. All methods are safe for concurrent use.
// Send never blocks: it queues the shared bytes on the session's byte-bounded
// send queue, or, if the queue is full, marks the session slow and closes it
// asynchronously (it stays resumable). The guild never waits on a session.
type Session interface {
	ID() string // session_id
	UserID() chat.ID
	Intents() protocol.Intents
	Bot() bool
	Send(d *protocol.Dispatch)
}

// Directory lets guild actors find the live sessions of a user (the gateway
// implements it), so that a user who joins a guild gets GUILD_CREATE on every
// session and is subscribed, and one who leaves or is kicked gets
// GUILD_DELETE and is unsubscribed.
type Directory interface {
	UserSessions(userID chat.ID) []Session
}

// Errors of the registry. Permission and lookup failures use chat's
// sentinels (chat.ErrUnknownGuild, chat.ErrMissingPerms, ...) or a
// *protocol.APIError when the client needs a specific JSON code.
var (
	ErrBusy   = errors.New("guild: inbox full")
	ErrClosed = errors.New("guild: registry closed")
)
