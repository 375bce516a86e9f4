// Package guild runs guild actors: one goroutine owns each guild's state
// (the guild, its roles, channels with their overwrites, members,
// presences and custom emoji), serialises every change to it, writes the
// change durably and fans the resulting gateway events out to the
// subscribed sessions.
//
// A Registry starts an actor on demand the first time a guild is addressed
// and lets it exit after it has been idle for a while. Each actor's inbox is
// bounded: a push to a full inbox fails with ErrBusy instead of blocking the
// caller. Events reach sessions in the order the actor applied the changes;
// a message is dispatched only once its store write is durable.
//
// Sessions and guilds talk only through the Session and Directory interfaces
// and the Registry methods Connect, Disconnect, Subscribe, UpdatePresence
// and RequestMembers, so that a bus can later be put between them. Dispatch
// bytes are encoded once per visibility variant and shared by all sessions;
// they must not be modified.
//
// # Passive sessions
//
// A user (not bot) session in a guild with more members than its
// large_threshold is passive there until it subscribes (Registry.Subscribe,
// gateway op 14 or 37, which Discord's client sends when the guild is
// opened): it gets no MESSAGE_CREATE, MESSAGE_UPDATE, MESSAGE_DELETE,
// MESSAGE_DELETE_BULK or TYPING_START of that guild, except messages that
// mention its user, one of their roles or (where the author may)
// @everyone/@here, and its user's own. Instead, every
// Config.PassiveInterval it gets PASSIVE_UPDATE_V1
// {guild_id, channels: [{id, last_message_id}]} listing the channels it can
// see whose last message changed since the previous update; nothing when
// none did. Sessions that see the same channels share one encoded update.
// Config.DisablePassive makes every session active.
//
// # Member lists
//
// Op 14's channels ranges (Registry.SubscribeMemberList) are answered with
// GUILD_MEMBER_LIST_UPDATE: the actor keeps one sorted list
// (internal/memberlist) per distinct VIEW_CHANNEL visibility, built when
// first watched, and sends each watching session a SYNC of its ranges and
// then INSERT/UPDATE/DELETE for the joins, leaves, role, nickname and
// presence changes that touch them. See memberlists.go.
//
// Presences (presence.go): an offline or invisible user has no entry and
// is seen offline, without activities. In a guild of at least
// Config.PresenceCoalesceFrom members one user's PRESENCE_UPDATEs are sent
// at most once per Config.PresenceEvery, the latest state at the end of
// the window, and passive sessions get none (they see presences in the
// member list), so one flapping user cannot flood a big guild. In a
// cluster each gateway node reports what it holds of a user and the owner
// combines the nodes (the latest change wins, client_status from all), so
// a user is offline only when no node holds a session of theirs.
//
// # Relays
//
// Fan-out is done by shards (fanout.go). Below Config.RelayThreshold
// sessions a guild has one shard run inline by its actor. Above it the
// actor splits its sessions over relay goroutines (at least GOMAXPROCS, at
// most Config.RelaySessions sessions each) and sends them each event, in
// order, over a bounded channel; each relay filters by permission and
// intent and calls Send for its own sessions, so one huge guild's fan-out
// uses every core while each session still sees the guild's events in
// order. When the guild shrinks below half the threshold the sessions go
// back to the actor. Config.DisableRelays keeps all fan-out in the actor.
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
