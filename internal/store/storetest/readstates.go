package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// testReadStates pins down read states: a user's come in channel-ID order
// with every field intact, a put replaces the row (a later ack without a
// pin keeps no stale pin of its own making), another user's never show,
// and a delete forgets one row only.
func testReadStates(t *testing.T, s store.Store) {
	ctx := t.Context()
	user, other := NewID(), NewID()
	chans := []chat.ID{NewID(), NewID(), NewID()}
	pin := time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC)
	want := []chat.ReadState{
		{UserID: user, ChannelID: chans[0], LastMessageID: NewID(), Version: 3},
		{UserID: user, ChannelID: chans[1], LastMessageID: NewID(), MentionCount: 2, LastPinTimestamp: &pin, Version: 4},
		{UserID: user, ChannelID: chans[2], Version: 5},
	}
	for _, i := range []int{2, 0, 1} {
		ok(t, "PutReadState", s.PutReadState(ctx, want[i]))
	}
	ok(t, "PutReadState other user", s.PutReadState(ctx, chat.ReadState{UserID: other, ChannelID: chans[0], LastMessageID: NewID(), Version: 1}))
	got, err := s.ReadStates(ctx, user)
	ok(t, "ReadStates", err)
	check(t, "ReadStates", got, want)

	want[0].LastMessageID, want[0].MentionCount, want[0].Version = NewID(), 0, 9
	ok(t, "PutReadState again", s.PutReadState(ctx, want[0]))
	got, err = s.ReadStates(ctx, user)
	ok(t, "ReadStates after replace", err)
	check(t, "ReadStates after replace", got, want)

	ok(t, "DeleteReadState", s.DeleteReadState(ctx, user, chans[1]))
	ok(t, "DeleteReadState missing", s.DeleteReadState(ctx, user, NewID()))
	got, err = s.ReadStates(ctx, user)
	ok(t, "ReadStates after delete", err)
	check(t, "ReadStates after delete", got, slices.Delete(slices.Clone(want), 1, 2))

	got, err = s.ReadStates(ctx, NewID())
	ok(t, "ReadStates of nobody", err)
	check(t, "ReadStates of nobody", got, nil)
}
