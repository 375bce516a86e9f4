package store

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
)

// ThreadMembers is the part of the store that holds who has joined which
// thread: one partition per thread, clustered by user ID, so that a
// thread's members page in user-ID order as Discord's
// GET /channels/{id}/thread-members returns them. Threads themselves are
// channels (chat.Channel with Thread set).
type ThreadMembers interface {
	// PutThreadMember records a membership, replacing an existing one.
	PutThreadMember(ctx context.Context, m chat.ThreadMember) error
	// ThreadMembers lists up to limit members (<= 0: all) with user IDs
	// above after, in user-ID order.
	ThreadMembers(ctx context.Context, threadID, after chat.ID, limit int) ([]chat.ThreadMember, error)
	// DeleteThreadMember removes a membership; removing none is no error.
	DeleteThreadMember(ctx context.Context, threadID, userID chat.ID) error
	// DeleteThreadMembers removes every member of a deleted thread.
	DeleteThreadMembers(ctx context.Context, threadID chat.ID) error
}
