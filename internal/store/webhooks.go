package store

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
)

// Webhooks is the part of the store that holds channel webhooks: one row
// by webhook ID (execute and token routes find a webhook by it) and one
// partition per guild clustered by channel and ID (the list routes).
// Discord caps a channel at 15 webhooks, so a guild's partition stays small.
type Webhooks interface {
	// PutWebhook inserts or replaces a webhook. A webhook moved to another
	// channel is written with its new ChannelID; the caller passes the
	// channel it was in as oldChannelID (0 for a new webhook, or the same
	// channel) so that its old list row goes.
	PutWebhook(ctx context.Context, w chat.Webhook, oldChannelID chat.ID) error
	// Webhook reads a webhook by ID (ErrNotFound if none).
	Webhook(ctx context.Context, id chat.ID) (chat.Webhook, error)
	// ChannelWebhooks lists a channel's webhooks in ID order.
	ChannelWebhooks(ctx context.Context, guildID, channelID chat.ID) ([]chat.Webhook, error)
	// GuildWebhooks lists a guild's webhooks by channel, then ID.
	GuildWebhooks(ctx context.Context, guildID chat.ID) ([]chat.Webhook, error)
	// DeleteWebhook removes a webhook; removing none is not an error.
	DeleteWebhook(ctx context.Context, w chat.Webhook) error
}
