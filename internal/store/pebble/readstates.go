package pebble

import (
	"context"
	"fmt"

	"github.com/accordchat/accord/internal/chat"
)

// pReadState keys read states: rs/<user><channel> -> chat.ReadState JSON,
// so a user's read states are one prefix scan in channel-ID order.
const pReadState = "rs/"

// PutReadState stores rs.
func (s *Store) PutReadState(ctx context.Context, rs chat.ReadState) error {
	return s.putJSON(ctx, fmt.Sprintf("put read state %d/%d", rs.UserID, rs.ChannelID),
		idKey(pReadState, rs.UserID, rs.ChannelID), rs)
}

// ReadStates returns a user's read states in channel-ID order.
func (s *Store) ReadStates(ctx context.Context, userID chat.ID) ([]chat.ReadState, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var out []chat.ReadState
	err := s.scan(idKey(pReadState, userID), nil, func(k, v []byte) (bool, error) {
		var rs chat.ReadState
		if err := jsonUnmarshal(k, v, &rs); err != nil {
			return false, err
		}
		out = append(out, rs)
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("pebble store: read states of user %d: %w", userID, err)
	}
	return out, nil
}

// DeleteReadState removes one read state.
func (s *Store) DeleteReadState(ctx context.Context, userID, channelID chat.ID) error {
	return s.deleteKeys(ctx, fmt.Sprintf("delete read state %d/%d", userID, channelID), idKey(pReadState, userID, channelID))
}
