package pebble

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/accordchat/accord/internal/chat"
)

// Private channels and relationships (store.Private):
//
//	dc/<channel>        -> chat.PrivateChannel JSON
//	ud/<user><channel>  -> empty: the user's private channels, in ID order
//	rl/<user><other>    -> chat.Relationship JSON, in other-user order
//
// None of the prefixes is a prefix of another table's, nor another's of it.
const (
	pPrivateChannel = "dc/"
	pUserPrivate    = "ud/"
	pRelationship   = "rl/"
)

// PutPrivateChannel stores c.
func (s *Store) PutPrivateChannel(ctx context.Context, c chat.PrivateChannel) error {
	return s.putJSON(ctx, fmt.Sprintf("put private channel %d", c.ID), idKey(pPrivateChannel, c.ID), c)
}

// PrivateChannel returns the private channel with id.
func (s *Store) PrivateChannel(ctx context.Context, id chat.ID) (chat.PrivateChannel, error) {
	var c chat.PrivateChannel
	if err := s.enter(ctx); err != nil {
		return c, err
	}
	defer s.mu.RUnlock()
	if err := s.getJSON(idKey(pPrivateChannel, id), &c); err != nil {
		return chat.PrivateChannel{}, fmt.Errorf("pebble store: private channel %d: %w", id, err)
	}
	return c, nil
}

// AddUserPrivateChannel adds channelID to userID's private channels.
func (s *Store) AddUserPrivateChannel(ctx context.Context, userID, channelID chat.ID) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	b := s.newBatch()
	b.set(idKey(pUserPrivate, userID, channelID), nil)
	if err := b.commit(); err != nil {
		return fmt.Errorf("pebble store: add private channel %d of user %d: %w", channelID, userID, err)
	}
	return nil
}

// RemoveUserPrivateChannel removes channelID from userID's private channels.
func (s *Store) RemoveUserPrivateChannel(ctx context.Context, userID, channelID chat.ID) error {
	return s.deleteKeys(ctx, fmt.Sprintf("remove private channel %d of user %d", channelID, userID),
		idKey(pUserPrivate, userID, channelID))
}

// UserPrivateChannels lists userID's private channels in ID order.
func (s *Store) UserPrivateChannels(ctx context.Context, userID chat.ID) ([]chat.ID, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	p := idKey(pUserPrivate, userID)
	var out []chat.ID
	err := s.scan(p, nil, func(k, _ []byte) (bool, error) {
		out = append(out, chat.ID(binary.BigEndian.Uint64(k[len(p):])))
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("pebble store: private channels of user %d: %w", userID, err)
	}
	return out, nil
}

// PutRelationship stores r on r.UserID's side.
func (s *Store) PutRelationship(ctx context.Context, r chat.Relationship) error {
	return s.putJSON(ctx, fmt.Sprintf("put relationship %d/%d", r.UserID, r.OtherID), idKey(pRelationship, r.UserID, r.OtherID), r)
}

// DeleteRelationship removes userID's side of a relationship.
func (s *Store) DeleteRelationship(ctx context.Context, userID, otherID chat.ID) error {
	return s.deleteKeys(ctx, fmt.Sprintf("delete relationship %d/%d", userID, otherID), idKey(pRelationship, userID, otherID))
}

// Relationships lists userID's side of its relationships in other-user order.
func (s *Store) Relationships(ctx context.Context, userID chat.ID) ([]chat.Relationship, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var out []chat.Relationship
	err := s.scan(idKey(pRelationship, userID), nil, func(k, v []byte) (bool, error) {
		var r chat.Relationship
		if err := jsonUnmarshal(k, v, &r); err != nil {
			return false, err
		}
		out = append(out, r)
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("pebble store: relationships of user %d: %w", userID, err)
	}
	return out, nil
}
