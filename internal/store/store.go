// Package store defines how Accord keeps its data: the Store interface every
// backend implements, the message page query, and the errors backends return.
//
// Messages follow Discord's ScyllaDB schema: partition (channel_id, bucket),
// clustered by message_id descending, bucket = 10 days of snowflake time
// (snowflake.Bucket). Each method maps onto one or a few CQL statements, so
// that store/pebble and store/cql can both implement it without emulation.
//
// Every write returns only once it is durable. Implementations are safe for
// concurrent use; returned values belong to the caller.
package store

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"github.com/accordchat/accord/internal/chat"
)

// Sentinel errors.
var (
	ErrNotFound = errors.New("store: not found")
	ErrExists   = errors.New("store: already exists")
	ErrClosed   = errors.New("store: closed")
)

// MaxPage is the largest page Messages returns.
const MaxPage = 100

// Page selects messages of one channel. At most one of Before, After and
// Around is non-zero; none means "the newest". Limit is 1..MaxPage.
//
// Results are always newest first. With After they are the Limit messages
// closest after the anchor (as Discord returns them), with Around up to
// Limit/2 on each side of it, the anchor included if it exists. Precisely,
// Around returns up to Limit-Limit/2 messages with ID >= Around (the anchor
// and the closest newer ones) and up to Limit/2 with ID < Around, so Limit 1
// returns the anchor alone when it exists. Anchors need not exist. A Limit
// below 1 means 50 (Discord's default); above MaxPage means MaxPage.
// storetest.Run pins these rules down for every backend.
type Page struct {
	Before chat.ID
	After  chat.ID
	Around chat.ID
	Limit  int
}

// Users is the part of the store that holds users, credentials and tokens.
// Only internal/account calls it (the architecture test enforces that);
// everything else reads users through the account service and its cache.
type Users interface {
	// Users and credentials. CreateUser fails with ErrExists when the
	// username is taken (usernames are unique, compared case-insensitively).
	CreateUser(ctx context.Context, u chat.User, c chat.Credentials) error
	User(ctx context.Context, id chat.ID) (chat.User, error)
	UserByName(ctx context.Context, username string) (chat.User, error)
	// UpdateUser replaces an existing user (ErrNotFound if there is none);
	// renaming to a username another user holds fails with ErrExists.
	UpdateUser(ctx context.Context, u chat.User) error
	Credentials(ctx context.Context, userID chat.ID) (chat.Credentials, error)
	// Tokens are stored by hash only (auth package hashes them).
	PutToken(ctx context.Context, tokenHash []byte, userID chat.ID) error
	TokenUser(ctx context.Context, tokenHash []byte) (chat.ID, error)
	DeleteToken(ctx context.Context, tokenHash []byte) error
}

// Store is the persistence interface. All methods take the request context.
//
// Reads of a missing entity return ErrNotFound (wrapped). Deletes are
// idempotent: deleting what is not there returns nil, as a CQL DELETE does.
// Lists whose order is not stated (GuildChannels, GuildRoles, GuildInvites,
// UserGuilds) come in no particular order.
type Store interface {
	Users
	Bans
	AuditLog
	AutoMod
	Private
	ReadStates
	ThreadMembers
	Webhooks
	AppCommands

	// Applications and their bot users.
	PutApplication(ctx context.Context, a chat.Application) error
	Application(ctx context.Context, id chat.ID) (chat.Application, error)
	ApplicationByBot(ctx context.Context, botID chat.ID) (chat.Application, error)

	// Guilds. DeleteGuild removes the guild row only; callers remove its
	// channels, roles, members and invites (each is one partition in CQL).
	PutGuild(ctx context.Context, g chat.Guild) error
	Guild(ctx context.Context, id chat.ID) (chat.Guild, error)
	DeleteGuild(ctx context.Context, id chat.ID) error

	// Channels, including their permission overwrites.
	PutChannel(ctx context.Context, c chat.Channel) error
	Channel(ctx context.Context, id chat.ID) (chat.Channel, error)
	GuildChannels(ctx context.Context, guildID chat.ID) ([]chat.Channel, error)
	DeleteChannel(ctx context.Context, guildID, channelID chat.ID) error

	// Roles.
	PutRole(ctx context.Context, r chat.Role) error
	GuildRoles(ctx context.Context, guildID chat.ID) ([]chat.Role, error)
	DeleteRole(ctx context.Context, guildID, roleID chat.ID) error

	// Members, in user-ID order for GuildMembers (after = exclusive cursor,
	// limit <= 0 means all). UserGuilds lists the guild IDs a user is in.
	PutMember(ctx context.Context, m chat.Member) error
	Member(ctx context.Context, guildID, userID chat.ID) (chat.Member, error)
	GuildMembers(ctx context.Context, guildID, after chat.ID, limit int) ([]chat.Member, error)
	UserGuilds(ctx context.Context, userID chat.ID) ([]chat.ID, error)
	DeleteMember(ctx context.Context, guildID, userID chat.ID) error

	// Invites.
	PutInvite(ctx context.Context, inv chat.Invite) error
	Invite(ctx context.Context, code string) (chat.Invite, error)
	GuildInvites(ctx context.Context, guildID chat.ID) ([]chat.Invite, error)
	DeleteInvite(ctx context.Context, code string) error

	// Messages. PutMessage inserts or replaces (edits) a message in its
	// (channel, bucket) partition and records the bucket as non-empty, so
	// reads skip empty buckets without probing them.
	PutMessage(ctx context.Context, m chat.Message) error
	Message(ctx context.Context, channelID, messageID chat.ID) (chat.Message, error)
	DeleteMessage(ctx context.Context, channelID, messageID chat.ID) error
	Messages(ctx context.Context, channelID chat.ID, p Page) ([]chat.Message, error)

	// Reactions, one row per (message, emoji key, user) in the message's
	// (channel, bucket) partition, as Discord's reactions table. Callers
	// delete a message's reactions with the message. PutReaction replaces
	// an existing row. DeleteReactions removes the reactions with one emoji
	// (key chat.Emoji.Key), or all of the message's when emoji is "".
	// Reactions returns every reaction on the given messages of a channel,
	// ordered by message ID, emoji key and user ID. ReactionUsers returns up
	// to limit IDs (<= 0: MaxPage) of the users above after who reacted with
	// emoji, in ID order.
	PutReaction(ctx context.Context, r chat.Reaction) error
	DeleteReaction(ctx context.Context, channelID, messageID chat.ID, emoji string, userID chat.ID) error
	DeleteReactions(ctx context.Context, channelID, messageID chat.ID, emoji string) error
	Reactions(ctx context.Context, channelID chat.ID, messageIDs []chat.ID) ([]chat.Reaction, error)
	ReactionUsers(ctx context.Context, channelID, messageID chat.ID, emoji string, after chat.ID, limit int) ([]chat.ID, error)

	// Pins of a channel, one partition per channel (Discord caps a
	// channel's pins, so it stays small). Pins returns them newest pin
	// first (ties by message ID, newest first). PutPin replaces the pin of
	// the same message.
	PutPin(ctx context.Context, p chat.Pin) error
	DeletePin(ctx context.Context, channelID, messageID chat.ID) error
	Pins(ctx context.Context, channelID chat.ID) ([]chat.Pin, error)

	// Custom emoji of a guild, one partition per guild (Discord caps a
	// guild's emoji, so it stays small). PutEmoji inserts or replaces;
	// GuildEmojis returns them in ID order.
	PutEmoji(ctx context.Context, e chat.GuildEmoji) error
	GuildEmojis(ctx context.Context, guildID chat.ID) ([]chat.GuildEmoji, error)
	DeleteEmoji(ctx context.Context, guildID, emojiID chat.ID) error

	// Close flushes and releases the backend.
	Close() error
}

// SortPins orders pins as Store.Pins returns them: newest pin first, ties
// by message ID, newest first. Backends that cannot sort by pin time in
// the store (a pin's key is its message, so that unpinning needs no read)
// sort with it.
func SortPins(ps []chat.Pin) {
	slices.SortFunc(ps, func(a, b chat.Pin) int {
		if c := b.PinnedAt.Compare(a.PinnedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.MessageID, a.MessageID)
	})
}
