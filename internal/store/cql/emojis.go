package cql

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
)

// Custom emoji live in one partition per guild, clustered by emoji ID, as
// roles do: loading a guild reads them with one query, and Discord caps
// how many a guild has.
var emojiTables = []string{
	`CREATE TABLE IF NOT EXISTS emojis_by_guild (
		guild_id bigint, id bigint, name text, roles frozen<list<bigint>>, user_id bigint,
		animated boolean, format text,
		PRIMARY KEY (guild_id, id))`,
}

// PutEmoji writes an emoji into its guild's partition.
func (s *Store) PutEmoji(ctx context.Context, e chat.GuildEmoji) error {
	return s.exec(ctx, "put emoji",
		`INSERT INTO emojis_by_guild (guild_id, id, name, roles, user_id, animated, format) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		i64(e.GuildID), i64(e.ID), e.Name, ids64(e.Roles), i64(e.UserID), e.Animated, e.Format)
}

// GuildEmojis lists a guild's emoji in ID order.
func (s *Store) GuildEmojis(ctx context.Context, guildID chat.ID) ([]chat.GuildEmoji, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	iter := s.query(`SELECT guild_id, id, name, roles, user_id, animated, format
		FROM emojis_by_guild WHERE guild_id = ?`, i64(guildID)).IterContext(ctx)
	var out []chat.GuildEmoji
	var guild, id, user int64
	var roles []int64
	var e chat.GuildEmoji
	for iter.Scan(&guild, &id, &e.Name, &roles, &user, &e.Animated, &e.Format) {
		e.GuildID, e.ID, e.UserID, e.Roles = chat.ID(guild), chat.ID(id), chat.ID(user), chatIDs(roles)
		out = append(out, e)
		e, roles = chat.GuildEmoji{}, nil
	}
	return out, wrap("guild emojis", iter.Close())
}

// DeleteEmoji removes an emoji.
func (s *Store) DeleteEmoji(ctx context.Context, guildID, emojiID chat.ID) error {
	return s.exec(ctx, "delete emoji", `DELETE FROM emojis_by_guild WHERE guild_id = ? AND id = ?`, i64(guildID), i64(emojiID))
}
