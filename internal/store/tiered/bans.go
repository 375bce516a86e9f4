package tiered

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
)

// Bans live in the durable tier only: the guild actor reads a guild's
// bans once, when it loads the guild, and checks them in memory after
// that, so a local copy would save no reads worth its consistency rules.

// PutBan records a ban in the durable tier.
func (s *Store) PutBan(ctx context.Context, b chat.Ban) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.PutBan(ctx, b)
}

// Ban reads a ban from the durable tier.
func (s *Store) Ban(ctx context.Context, guildID, userID chat.ID) (chat.Ban, error) {
	if err := s.check(); err != nil {
		return chat.Ban{}, err
	}
	return s.durable.Ban(ctx, guildID, userID)
}

// GuildBans lists bans from the durable tier.
func (s *Store) GuildBans(ctx context.Context, guildID, after chat.ID, limit int) ([]chat.Ban, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.durable.GuildBans(ctx, guildID, after, limit)
}

// DeleteBan lifts a ban in the durable tier.
func (s *Store) DeleteBan(ctx context.Context, guildID, userID chat.ID) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.DeleteBan(ctx, guildID, userID)
}
