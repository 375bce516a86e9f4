package tiered

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
)

// Private channels and relationships live in the durable tier only: the
// DM service reads a channel once and keeps it, and a user's lists are
// read at IDENTIFY and on changes, so a local copy would save few reads.

// PutPrivateChannel writes c to the durable tier.
func (s *Store) PutPrivateChannel(ctx context.Context, c chat.PrivateChannel) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.PutPrivateChannel(ctx, c)
}

// PrivateChannel reads a private channel from the durable tier.
func (s *Store) PrivateChannel(ctx context.Context, id chat.ID) (chat.PrivateChannel, error) {
	if err := s.check(); err != nil {
		return chat.PrivateChannel{}, err
	}
	return s.durable.PrivateChannel(ctx, id)
}

// AddUserPrivateChannel writes to the durable tier.
func (s *Store) AddUserPrivateChannel(ctx context.Context, userID, channelID chat.ID) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.AddUserPrivateChannel(ctx, userID, channelID)
}

// RemoveUserPrivateChannel writes to the durable tier.
func (s *Store) RemoveUserPrivateChannel(ctx context.Context, userID, channelID chat.ID) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.RemoveUserPrivateChannel(ctx, userID, channelID)
}

// UserPrivateChannels reads from the durable tier.
func (s *Store) UserPrivateChannels(ctx context.Context, userID chat.ID) ([]chat.ID, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.durable.UserPrivateChannels(ctx, userID)
}

// PutRelationship writes to the durable tier.
func (s *Store) PutRelationship(ctx context.Context, r chat.Relationship) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.PutRelationship(ctx, r)
}

// DeleteRelationship writes to the durable tier.
func (s *Store) DeleteRelationship(ctx context.Context, userID, otherID chat.ID) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.DeleteRelationship(ctx, userID, otherID)
}

// Relationships reads from the durable tier.
func (s *Store) Relationships(ctx context.Context, userID chat.ID) ([]chat.Relationship, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.durable.Relationships(ctx, userID)
}
