package tiered

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// Auto-moderation rules are served by the durable tier alone, as emoji
// are: the guild actor reads them once when it loads the guild and is
// their only writer.

// PutAutoModRule stores r in the durable tier.
func (s *Store) PutAutoModRule(ctx context.Context, r store.AutoModRule) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.PutAutoModRule(ctx, r)
}

// GuildAutoModRules reads a guild's rules from the durable tier.
func (s *Store) GuildAutoModRules(ctx context.Context, guildID chat.ID) ([]store.AutoModRule, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.durable.GuildAutoModRules(ctx, guildID)
}

// DeleteAutoModRule removes a rule from the durable tier.
func (s *Store) DeleteAutoModRule(ctx context.Context, guildID, ruleID chat.ID) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.DeleteAutoModRule(ctx, guildID, ruleID)
}
