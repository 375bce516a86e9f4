package pebble

import (
	"context"
	"fmt"

	"github.com/accordchat/accord/internal/chat"
)

// Custom emoji. Key layout (see keys.go for the other tables):
//
//	ge/<guild><emoji>  chat.GuildEmoji JSON
//
// One guild's emoji are one prefix range, listed in ID order.
const pGuildEmoji = "ge/"

// PutEmoji stores e.
func (s *Store) PutEmoji(ctx context.Context, e chat.GuildEmoji) error {
	return s.putJSON(ctx, fmt.Sprintf("put emoji %d", e.ID), idKey(pGuildEmoji, e.GuildID, e.ID), e)
}

// GuildEmojis returns a guild's emoji in ID order.
func (s *Store) GuildEmojis(ctx context.Context, guildID chat.ID) ([]chat.GuildEmoji, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	es, err := scanJSON[chat.GuildEmoji](s, idKey(pGuildEmoji, guildID))
	if err != nil {
		return nil, fmt.Errorf("pebble store: emoji of guild %d: %w", guildID, err)
	}
	return es, nil
}

// DeleteEmoji removes an emoji.
func (s *Store) DeleteEmoji(ctx context.Context, guildID, emojiID chat.ID) error {
	return s.deleteKeys(ctx, fmt.Sprintf("delete emoji %d", emojiID), idKey(pGuildEmoji, guildID, emojiID))
}
