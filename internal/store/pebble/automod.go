package pebble

import (
	"context"
	"fmt"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// Auto-moderation rules. Key layout (see keys.go for the other tables):
//
//	am/<guild><rule>  store.AutoModRule JSON
//
// One guild's rules are one prefix range, listed in ID order.
const pAutoModRule = "am/"

// PutAutoModRule stores r.
func (s *Store) PutAutoModRule(ctx context.Context, r store.AutoModRule) error {
	return s.putJSON(ctx, fmt.Sprintf("put automod rule %d", r.ID), idKey(pAutoModRule, r.GuildID, r.ID), r)
}

// GuildAutoModRules returns a guild's rules in ID order.
func (s *Store) GuildAutoModRules(ctx context.Context, guildID chat.ID) ([]store.AutoModRule, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	rs, err := scanJSON[store.AutoModRule](s, idKey(pAutoModRule, guildID))
	if err != nil {
		return nil, fmt.Errorf("pebble store: automod rules of guild %d: %w", guildID, err)
	}
	return rs, nil
}

// DeleteAutoModRule removes a rule.
func (s *Store) DeleteAutoModRule(ctx context.Context, guildID, ruleID chat.ID) error {
	return s.deleteKeys(ctx, fmt.Sprintf("delete automod rule %d", ruleID), idKey(pAutoModRule, guildID, ruleID))
}
