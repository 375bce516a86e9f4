package tiered

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
)

// Custom emoji are served by the durable tier alone: a guild's emoji are
// read once, when its actor loads, and the actor keeps them in memory
// from then on; only that actor writes them.

// PutEmoji stores e in the durable tier.
func (s *Store) PutEmoji(ctx context.Context, e chat.GuildEmoji) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.PutEmoji(ctx, e)
}

// GuildEmojis reads a guild's emoji from the durable tier.
func (s *Store) GuildEmojis(ctx context.Context, guildID chat.ID) ([]chat.GuildEmoji, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.durable.GuildEmojis(ctx, guildID)
}

// DeleteEmoji removes an emoji from the durable tier.
func (s *Store) DeleteEmoji(ctx context.Context, guildID, emojiID chat.ID) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.DeleteEmoji(ctx, guildID, emojiID)
}
