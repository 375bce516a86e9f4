package cql

import (
	"context"
	"math"

	"github.com/accordchat/accord/internal/chat"
)

// banTables hold guild bans: one partition per guild, clustered by user
// ID so that GuildBans pages in user-ID order with "user_id > after".
var banTables = []string{
	`CREATE TABLE IF NOT EXISTS bans_by_guild (
		guild_id bigint, user_id bigint, reason text,
		PRIMARY KEY (guild_id, user_id))`,
}

// PutBan records a ban.
func (s *Store) PutBan(ctx context.Context, b chat.Ban) error {
	return s.exec(ctx, "put ban", `INSERT INTO bans_by_guild (guild_id, user_id, reason) VALUES (?, ?, ?)`,
		i64(b.GuildID), i64(b.UserID), b.Reason)
}

// Ban reads one ban.
func (s *Store) Ban(ctx context.Context, guildID, userID chat.ID) (chat.Ban, error) {
	b := chat.Ban{GuildID: guildID, UserID: userID}
	err := s.scan(ctx, "ban", `SELECT reason FROM bans_by_guild WHERE guild_id = ? AND user_id = ?`,
		[]any{i64(guildID), i64(userID)}, &b.Reason)
	if err != nil {
		return chat.Ban{}, err
	}
	return b, nil
}

// GuildBans lists bans in user-ID order after the cursor.
func (s *Store) GuildBans(ctx context.Context, guildID, after chat.ID, limit int) ([]chat.Ban, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > math.MaxInt32 {
		limit = math.MaxInt32
	}
	iter := s.query(`SELECT user_id, reason FROM bans_by_guild WHERE guild_id = ? AND user_id > ? LIMIT ?`,
		i64(guildID), i64(after), limit).IterContext(ctx)
	var out []chat.Ban
	var user int64
	var reason string
	for iter.Scan(&user, &reason) {
		out = append(out, chat.Ban{GuildID: guildID, UserID: chat.ID(user), Reason: reason})
	}
	return out, wrap("guild bans", iter.Close())
}

// DeleteBan lifts a ban.
func (s *Store) DeleteBan(ctx context.Context, guildID, userID chat.ID) error {
	return s.exec(ctx, "delete ban", `DELETE FROM bans_by_guild WHERE guild_id = ? AND user_id = ?`, i64(guildID), i64(userID))
}
