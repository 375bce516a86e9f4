package store

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
)

// AutoModRule is one stored auto-moderation rule. Data is the rule in the
// encoding package automod owns (its JSON object); the store keeps it
// opaque so that new rule fields need no schema change.
type AutoModRule struct {
	GuildID chat.ID
	ID      chat.ID
	Data    []byte
}

// AutoMod is the part of the store that holds auto-moderation rules: one
// partition per guild, clustered by rule ID. Discord caps a guild at nine
// rules, so the guild actor reads them all when it loads the guild.
type AutoMod interface {
	// PutAutoModRule inserts or replaces a rule.
	PutAutoModRule(ctx context.Context, r AutoModRule) error
	// GuildAutoModRules lists a guild's rules in ID order.
	GuildAutoModRules(ctx context.Context, guildID chat.ID) ([]AutoModRule, error)
	// DeleteAutoModRule removes a rule; removing none is not an error.
	DeleteAutoModRule(ctx context.Context, guildID, ruleID chat.ID) error
}
