package cql

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// webhookTables hold webhooks by ID (execute and the token routes) and in
// one partition per guild clustered by channel and ID (the list routes),
// written together in a logged batch. A webhook is a small JSON blob, so
// Discord's new webhook fields need no schema change.
var webhookTables = []string{
	`CREATE TABLE IF NOT EXISTS webhooks (id bigint, data blob, PRIMARY KEY (id))`,
	`CREATE TABLE IF NOT EXISTS webhooks_by_guild (
		guild_id bigint, channel_id bigint, id bigint, data blob,
		PRIMARY KEY (guild_id, channel_id, id))`,
}

// PutWebhook writes w and its list row, dropping the row of the channel it
// moved from.
func (s *Store) PutWebhook(ctx context.Context, w chat.Webhook, oldChannelID chat.ID) error {
	if err := s.check(); err != nil {
		return err
	}
	data, err := json.Marshal(w)
	if err != nil {
		return fmt.Errorf("cql: put webhook %d: %w", w.ID, err)
	}
	b := s.newBatch()
	if oldChannelID != 0 && oldChannelID != w.ChannelID {
		b.add(`DELETE FROM webhooks_by_guild WHERE guild_id = ? AND channel_id = ? AND id = ?`,
			i64(w.GuildID), i64(oldChannelID), i64(w.ID))
	}
	b.add(`INSERT INTO webhooks (id, data) VALUES (?, ?)`, i64(w.ID), data)
	b.add(`INSERT INTO webhooks_by_guild (guild_id, channel_id, id, data) VALUES (?, ?, ?, ?)`,
		i64(w.GuildID), i64(w.ChannelID), i64(w.ID), data)
	return s.execBatch(ctx, "put webhook", b)
}

// Webhook reads a webhook by ID.
func (s *Store) Webhook(ctx context.Context, id chat.ID) (chat.Webhook, error) {
	var data []byte
	if err := s.scan(ctx, "webhook", `SELECT data FROM webhooks WHERE id = ?`, []any{i64(id)}, &data); err != nil {
		return chat.Webhook{}, err
	}
	var w chat.Webhook
	if err := json.Unmarshal(data, &w); err != nil {
		return chat.Webhook{}, fmt.Errorf("cql: webhook %d: %w", id, err)
	}
	return w, nil
}

// ChannelWebhooks lists a channel's webhooks in ID order.
func (s *Store) ChannelWebhooks(ctx context.Context, guildID, channelID chat.ID) ([]chat.Webhook, error) {
	return s.listWebhooks(ctx, `SELECT data FROM webhooks_by_guild WHERE guild_id = ? AND channel_id = ?`,
		i64(guildID), i64(channelID))
}

// GuildWebhooks lists a guild's webhooks by channel, then ID.
func (s *Store) GuildWebhooks(ctx context.Context, guildID chat.ID) ([]chat.Webhook, error) {
	return s.listWebhooks(ctx, `SELECT data FROM webhooks_by_guild WHERE guild_id = ?`, i64(guildID))
}

func (s *Store) listWebhooks(ctx context.Context, stmt string, args ...any) ([]chat.Webhook, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	iter := s.query(stmt, args...).IterContext(ctx)
	var out []chat.Webhook
	var data []byte
	for iter.Scan(&data) {
		var w chat.Webhook
		if err := json.Unmarshal(data, &w); err != nil {
			_ = iter.Close()
			return nil, fmt.Errorf("cql: list webhooks: %w", err)
		}
		out = append(out, w)
		data = nil
	}
	return out, wrap("list webhooks", iter.Close())
}

// DeleteWebhook removes w and its list row.
func (s *Store) DeleteWebhook(ctx context.Context, w chat.Webhook) error {
	if err := s.check(); err != nil {
		return err
	}
	b := s.newBatch()
	b.add(`DELETE FROM webhooks WHERE id = ?`, i64(w.ID))
	b.add(`DELETE FROM webhooks_by_guild WHERE guild_id = ? AND channel_id = ? AND id = ?`,
		i64(w.GuildID), i64(w.ChannelID), i64(w.ID))
	return s.execBatch(ctx, "delete webhook", b)
}

var _ store.Webhooks = (*Store)(nil)
