package tiered

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
)

// Reactions and pins are served by the durable tier alone: they are read
// per page or per channel, not per entity, and caching them would need
// coverage tracking of their own. Only the guild that owns a channel writes
// them, so there is nothing to reconcile.

// PutReaction stores r in the durable tier.
func (s *Store) PutReaction(ctx context.Context, r chat.Reaction) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.PutReaction(ctx, r)
}

// DeleteReaction removes one reaction from the durable tier.
func (s *Store) DeleteReaction(ctx context.Context, channelID, messageID chat.ID, emoji string, userID chat.ID) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.DeleteReaction(ctx, channelID, messageID, emoji, userID)
}

// DeleteReactions removes reactions from the durable tier.
func (s *Store) DeleteReactions(ctx context.Context, channelID, messageID chat.ID, emoji string) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.DeleteReactions(ctx, channelID, messageID, emoji)
}

// Reactions reads reactions from the durable tier.
func (s *Store) Reactions(ctx context.Context, channelID chat.ID, messageIDs []chat.ID) ([]chat.Reaction, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.durable.Reactions(ctx, channelID, messageIDs)
}

// ReactionUsers reads one emoji's users from the durable tier.
func (s *Store) ReactionUsers(ctx context.Context, channelID, messageID chat.ID, emoji string, after chat.ID, limit int) ([]chat.ID, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.durable.ReactionUsers(ctx, channelID, messageID, emoji, after, limit)
}

// PutPin stores p in the durable tier.
func (s *Store) PutPin(ctx context.Context, p chat.Pin) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.PutPin(ctx, p)
}

// DeletePin removes a pin from the durable tier.
func (s *Store) DeletePin(ctx context.Context, channelID, messageID chat.ID) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.DeletePin(ctx, channelID, messageID)
}

// Pins reads a channel's pins from the durable tier.
func (s *Store) Pins(ctx context.Context, channelID chat.ID) ([]chat.Pin, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.durable.Pins(ctx, channelID)
}
