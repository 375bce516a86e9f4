package store

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
)

// ReadStates is the part of the store that holds users' read states: one
// partition per user, clustered by channel ID, so that READY reads a
// user's whole read state with one query and an acknowledgement is one
// upsert of one row (no read first).
type ReadStates interface {
	// PutReadState inserts or replaces the read state of (UserID, ChannelID).
	PutReadState(ctx context.Context, rs chat.ReadState) error
	// ReadStates lists a user's read states in channel-ID order.
	ReadStates(ctx context.Context, userID chat.ID) ([]chat.ReadState, error)
	// DeleteReadState forgets one; forgetting none is not an error.
	DeleteReadState(ctx context.Context, userID, channelID chat.ID) error
}
