package tiered

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
)

// Webhooks are served by the durable tier alone: they are read once per
// execute or list, not on the hot message path the super-disk tier serves.

// PutWebhook stores w in the durable tier.
func (s *Store) PutWebhook(ctx context.Context, w chat.Webhook, oldChannelID chat.ID) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.PutWebhook(ctx, w, oldChannelID)
}

// Webhook reads a webhook from the durable tier.
func (s *Store) Webhook(ctx context.Context, id chat.ID) (chat.Webhook, error) {
	if err := s.check(); err != nil {
		return chat.Webhook{}, err
	}
	return s.durable.Webhook(ctx, id)
}

// ChannelWebhooks lists a channel's webhooks from the durable tier.
func (s *Store) ChannelWebhooks(ctx context.Context, guildID, channelID chat.ID) ([]chat.Webhook, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.durable.ChannelWebhooks(ctx, guildID, channelID)
}

// GuildWebhooks lists a guild's webhooks from the durable tier.
func (s *Store) GuildWebhooks(ctx context.Context, guildID chat.ID) ([]chat.Webhook, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.durable.GuildWebhooks(ctx, guildID)
}

// DeleteWebhook removes w from the durable tier.
func (s *Store) DeleteWebhook(ctx context.Context, w chat.Webhook) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.DeleteWebhook(ctx, w)
}
