package cql

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// autoModTables hold auto-moderation rules in one partition per guild,
// clustered by rule ID; the rule itself is an opaque blob (package
// automod's encoding), so new rule fields need no schema change.
var autoModTables = []string{
	`CREATE TABLE IF NOT EXISTS automod_rules_by_guild (
		guild_id bigint, id bigint, data blob,
		PRIMARY KEY (guild_id, id))`,
}

// PutAutoModRule writes a rule into its guild's partition.
func (s *Store) PutAutoModRule(ctx context.Context, r store.AutoModRule) error {
	return s.exec(ctx, "put automod rule",
		`INSERT INTO automod_rules_by_guild (guild_id, id, data) VALUES (?, ?, ?)`, i64(r.GuildID), i64(r.ID), r.Data)
}

// GuildAutoModRules lists a guild's rules in ID order.
func (s *Store) GuildAutoModRules(ctx context.Context, guildID chat.ID) ([]store.AutoModRule, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	iter := s.query(`SELECT id, data FROM automod_rules_by_guild WHERE guild_id = ?`, i64(guildID)).IterContext(ctx)
	var out []store.AutoModRule
	var id int64
	var data []byte
	for iter.Scan(&id, &data) {
		out = append(out, store.AutoModRule{GuildID: guildID, ID: chat.ID(id), Data: data})
		data = nil
	}
	return out, wrap("guild automod rules", iter.Close())
}

// DeleteAutoModRule removes a rule.
func (s *Store) DeleteAutoModRule(ctx context.Context, guildID, ruleID chat.ID) error {
	return s.exec(ctx, "delete automod rule", `DELETE FROM automod_rules_by_guild WHERE guild_id = ? AND id = ?`,
		i64(guildID), i64(ruleID))
}
