package tiered

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
)

// Read states live in the durable tier only: READY reads them once per
// session and an acknowledgement writes one row; neither is a history
// read a local copy would speed up.

// PutReadState writes a read state to the durable tier.
func (s *Store) PutReadState(ctx context.Context, rs chat.ReadState) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.PutReadState(ctx, rs)
}

// ReadStates reads a user's read states from the durable tier.
func (s *Store) ReadStates(ctx context.Context, userID chat.ID) ([]chat.ReadState, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.durable.ReadStates(ctx, userID)
}

// DeleteReadState removes a read state from the durable tier.
func (s *Store) DeleteReadState(ctx context.Context, userID, channelID chat.ID) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.DeleteReadState(ctx, userID, channelID)
}
