package pebble

import (
	"context"
	"fmt"

	"github.com/accordchat/accord/internal/chat"
)

// pThreadMember keys thread members: tm/<thread><user> -> chat.ThreadMember
// JSON, so a prefix scan lists them in user-ID order ("tm/" and "t/"
// differ in their second byte).
const pThreadMember = "tm/"

// PutThreadMember stores m.
func (s *Store) PutThreadMember(ctx context.Context, m chat.ThreadMember) error {
	return s.putJSON(ctx, fmt.Sprintf("put thread member %d/%d", m.ThreadID, m.UserID), idKey(pThreadMember, m.ThreadID, m.UserID), m)
}

// ThreadMembers returns up to limit members (<= 0: all) with user IDs
// above after, in user-ID order.
func (s *Store) ThreadMembers(ctx context.Context, threadID, after chat.ID, limit int) ([]chat.ThreadMember, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	var start []byte
	if after != 0 {
		start = keyAfter(idKey(pThreadMember, threadID, after))
	}
	var out []chat.ThreadMember
	err := s.scan(idKey(pThreadMember, threadID), start, func(k, v []byte) (bool, error) {
		var m chat.ThreadMember
		if err := jsonUnmarshal(k, v, &m); err != nil {
			return false, err
		}
		out = append(out, m)
		return limit <= 0 || len(out) < limit, nil
	})
	if err != nil {
		return nil, fmt.Errorf("pebble store: members of thread %d: %w", threadID, err)
	}
	return out, nil
}

// DeleteThreadMember removes a membership.
func (s *Store) DeleteThreadMember(ctx context.Context, threadID, userID chat.ID) error {
	return s.deleteKeys(ctx, fmt.Sprintf("delete thread member %d/%d", threadID, userID), idKey(pThreadMember, threadID, userID))
}

// DeleteThreadMembers removes every member of a thread.
func (s *Store) DeleteThreadMembers(ctx context.Context, threadID chat.ID) error {
	ms, err := s.ThreadMembers(ctx, threadID, 0, 0)
	if err != nil {
		return err
	}
	keys := make([][]byte, 0, len(ms))
	for _, m := range ms {
		keys = append(keys, idKey(pThreadMember, threadID, m.UserID))
	}
	if len(keys) == 0 {
		return nil
	}
	return s.deleteKeys(ctx, fmt.Sprintf("delete members of thread %d", threadID), keys...)
}
