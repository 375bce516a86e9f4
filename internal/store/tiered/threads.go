package tiered

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
)

// Thread members live in the durable tier only: the guild actor reads
// them once, when it loads the guild, and keeps them in memory after that.

// PutThreadMember records a membership in the durable tier.
func (s *Store) PutThreadMember(ctx context.Context, m chat.ThreadMember) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.PutThreadMember(ctx, m)
}

// ThreadMembers lists a thread's members from the durable tier.
func (s *Store) ThreadMembers(ctx context.Context, threadID, after chat.ID, limit int) ([]chat.ThreadMember, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.durable.ThreadMembers(ctx, threadID, after, limit)
}

// DeleteThreadMember removes a membership in the durable tier.
func (s *Store) DeleteThreadMember(ctx context.Context, threadID, userID chat.ID) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.DeleteThreadMember(ctx, threadID, userID)
}

// DeleteThreadMembers removes a thread's members in the durable tier.
func (s *Store) DeleteThreadMembers(ctx context.Context, threadID chat.ID) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.DeleteThreadMembers(ctx, threadID)
}
