package pebble

import (
	"context"
	"fmt"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// Webhooks. Key layout (see keys.go for the other tables):
//
//	wh/<webhook>                  chat.Webhook JSON
//	gwh/<guild><channel><webhook> chat.Webhook JSON (copy, for listing)
//
// A channel's webhooks are one prefix range of their guild's.
const (
	pWebhook      = "wh/"
	pGuildWebhook = "gwh/"
)

// PutWebhook stores w and its list row, dropping the row of the channel
// it moved from.
func (s *Store) PutWebhook(ctx context.Context, w chat.Webhook, oldChannelID chat.ID) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	b := s.newBatch()
	if oldChannelID != 0 && oldChannelID != w.ChannelID {
		b.delete(idKey(pGuildWebhook, w.GuildID, oldChannelID, w.ID))
	}
	b.setJSON(idKey(pWebhook, w.ID), w)
	b.setJSON(idKey(pGuildWebhook, w.GuildID, w.ChannelID, w.ID), w)
	if err := b.commit(); err != nil {
		return fmt.Errorf("pebble store: put webhook %d: %w", w.ID, err)
	}
	return nil
}

// Webhook returns the webhook with id.
func (s *Store) Webhook(ctx context.Context, id chat.ID) (chat.Webhook, error) {
	var w chat.Webhook
	if err := s.enter(ctx); err != nil {
		return w, err
	}
	defer s.mu.RUnlock()
	if err := s.getJSON(idKey(pWebhook, id), &w); err != nil {
		return chat.Webhook{}, fmt.Errorf("pebble store: webhook %d: %w", id, err)
	}
	return w, nil
}

// ChannelWebhooks lists a channel's webhooks in ID order.
func (s *Store) ChannelWebhooks(ctx context.Context, guildID, channelID chat.ID) ([]chat.Webhook, error) {
	return s.listWebhooks(ctx, idKey(pGuildWebhook, guildID, channelID))
}

// GuildWebhooks lists a guild's webhooks by channel, then ID.
func (s *Store) GuildWebhooks(ctx context.Context, guildID chat.ID) ([]chat.Webhook, error) {
	return s.listWebhooks(ctx, idKey(pGuildWebhook, guildID))
}

func (s *Store) listWebhooks(ctx context.Context, prefix []byte) ([]chat.Webhook, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	ws, err := scanJSON[chat.Webhook](s, prefix)
	if err != nil {
		return nil, fmt.Errorf("pebble store: list webhooks: %w", err)
	}
	return ws, nil
}

// DeleteWebhook removes w and its list row.
func (s *Store) DeleteWebhook(ctx context.Context, w chat.Webhook) error {
	return s.deleteKeys(ctx, fmt.Sprintf("delete webhook %d", w.ID),
		idKey(pWebhook, w.ID), idKey(pGuildWebhook, w.GuildID, w.ChannelID, w.ID))
}

var _ store.Webhooks = (*Store)(nil)
