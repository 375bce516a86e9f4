package store

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
)

// Bans is the part of the store that holds guild bans: one partition per
// guild, clustered by user ID, so that a guild's bans page in user-ID
// order as Discord's GET /guilds/{id}/bans returns them.
type Bans interface {
	// PutBan records a ban, replacing an existing one of the same user.
	PutBan(ctx context.Context, b chat.Ban) error
	// Ban reads one ban; ErrNotFound if the user is not banned.
	Ban(ctx context.Context, guildID, userID chat.ID) (chat.Ban, error)
	// GuildBans lists up to limit bans (<= 0: all) with user IDs above
	// after, in user-ID order.
	GuildBans(ctx context.Context, guildID, after chat.ID, limit int) ([]chat.Ban, error)
	// DeleteBan lifts a ban; lifting none is not an error.
	DeleteBan(ctx context.Context, guildID, userID chat.ID) error
}
