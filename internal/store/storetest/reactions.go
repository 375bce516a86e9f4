package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

func testReactions(t *testing.T, s store.Store) {
	ctx := context.Background()
	ch := NewID()
	// Two messages in one bucket and one in another, so that a page's
	// reactions span buckets.
	m1 := MessageAt(ch, ms(2025, 3, 1, 0, 0, 0), 1).ID
	m2 := MessageAt(ch, ms(2025, 3, 1, 0, 0, 1), 2).ID
	m3 := MessageAt(ch, ms(2025, 6, 1, 0, 0, 0), 3).ID
	fire := chat.Emoji{Name: "🔥"}
	custom := chat.Emoji{ID: NewID(), Name: "party_blob", Animated: true}
	at := ms(2025, 6, 2, 3, 4, 5).Add(678 * time.Millisecond)
	u1, u2, u3 := NewID(), NewID(), NewID()
	r := func(m chat.ID, e chat.Emoji, u chat.ID, burst bool) chat.Reaction {
		return chat.Reaction{ChannelID: ch, MessageID: m, Emoji: e, UserID: u, Burst: burst, At: at}
	}
	all := []chat.Reaction{
		r(m1, fire, u1, false), r(m1, fire, u2, true), r(m1, custom, u1, false),
		r(m2, fire, u3, false), r(m3, custom, u2, false),
	}
	for _, x := range all {
		ok(t, "PutReaction", s.PutReaction(ctx, x))
	}
	ok(t, "PutReaction again", s.PutReaction(ctx, all[0])) // replaces, no duplicate

	got, err := s.Reactions(ctx, ch, []chat.ID{m3, m1, m2, m1})
	ok(t, "Reactions", err)
	// By message, then emoji key ("<digits>" of the custom emoji sorts
	// before the 4-byte UTF-8 of 🔥), then user.
	want := []chat.Reaction{all[2], all[0], all[1], all[3], all[4]}
	check(t, "Reactions", got, want)
	got, err = s.Reactions(ctx, ch, []chat.ID{m2})
	ok(t, "Reactions of one", err)
	check(t, "Reactions of one", got, []chat.Reaction{all[3]})
	got, err = s.Reactions(ctx, NewID(), []chat.ID{m1})
	ok(t, "Reactions of another channel", err)
	check(t, "Reactions of another channel", got, nil)

	// Users page by ID after the cursor.
	users, err := s.ReactionUsers(ctx, ch, m1, fire.Key(), 0, 0)
	ok(t, "ReactionUsers", err)
	check(t, "ReactionUsers", users, []chat.ID{u1, u2})
	users, err = s.ReactionUsers(ctx, ch, m1, fire.Key(), 0, 1)
	ok(t, "ReactionUsers limit", err)
	check(t, "ReactionUsers limit", users, []chat.ID{u1})
	users, err = s.ReactionUsers(ctx, ch, m1, fire.Key(), u1, 10)
	ok(t, "ReactionUsers after", err)
	check(t, "ReactionUsers after", users, []chat.ID{u2})
	users, err = s.ReactionUsers(ctx, ch, m1, custom.Key(), 0, 10)
	ok(t, "ReactionUsers custom", err)
	check(t, "ReactionUsers custom", users, []chat.ID{u1})
	// An emoji whose key is a prefix of another's sees only its own rows.
	prefixed := chat.Emoji{Name: "🔥🔥"}
	ok(t, "PutReaction prefixed", s.PutReaction(ctx, r(m1, prefixed, u3, false)))
	users, err = s.ReactionUsers(ctx, ch, m1, fire.Key(), 0, 10)
	ok(t, "ReactionUsers beside a longer key", err)
	check(t, "ReactionUsers beside a longer key", users, []chat.ID{u1, u2})

	// Deleting one emoji leaves the longer key and the other messages.
	ok(t, "DeleteReaction", s.DeleteReaction(ctx, ch, m1, fire.Key(), u2))
	ok(t, "DeleteReaction missing", s.DeleteReaction(ctx, ch, m1, fire.Key(), u2))
	users, err = s.ReactionUsers(ctx, ch, m1, fire.Key(), 0, 10)
	ok(t, "ReactionUsers after delete", err)
	check(t, "ReactionUsers after delete", users, []chat.ID{u1})
	ok(t, "DeleteReactions emoji", s.DeleteReactions(ctx, ch, m1, fire.Key()))
	got, err = s.Reactions(ctx, ch, []chat.ID{m1})
	ok(t, "Reactions after emoji delete", err)
	check(t, "Reactions after emoji delete", got, []chat.Reaction{all[2], r(m1, prefixed, u3, false)})
	ok(t, "DeleteReactions all", s.DeleteReactions(ctx, ch, m1, ""))
	got, err = s.Reactions(ctx, ch, []chat.ID{m1, m2, m3})
	ok(t, "Reactions after delete all", err)
	check(t, "Reactions after delete all", got, []chat.Reaction{all[3], all[4]})
}

func testPins(t *testing.T, s store.Store) {
	ctx := context.Background()
	ch := NewID()
	m1, m2, m3 := NewID(), NewID(), NewID()
	t0 := ms(2025, 7, 1, 0, 0, 0).Add(250 * time.Millisecond)
	p1 := chat.Pin{ChannelID: ch, MessageID: m1, PinnedAt: t0.Add(2 * time.Second)}
	p2 := chat.Pin{ChannelID: ch, MessageID: m2, PinnedAt: t0}
	p3 := chat.Pin{ChannelID: ch, MessageID: m3, PinnedAt: t0} // same time as p2: newer message first
	for _, p := range []chat.Pin{p1, p2, p3} {
		ok(t, "PutPin", s.PutPin(ctx, p))
	}
	got, err := s.Pins(ctx, ch)
	ok(t, "Pins", err)
	check(t, "Pins", got, []chat.Pin{p1, p3, p2})

	// Pinning again replaces the time.
	p2.PinnedAt = t0.Add(time.Hour)
	ok(t, "PutPin again", s.PutPin(ctx, p2))
	ok(t, "DeletePin", s.DeletePin(ctx, ch, m1))
	ok(t, "DeletePin missing", s.DeletePin(ctx, ch, m1))
	got, err = s.Pins(ctx, ch)
	ok(t, "Pins after", err)
	check(t, "Pins after", got, []chat.Pin{p2, p3})
	got, err = s.Pins(ctx, NewID())
	ok(t, "Pins of an empty channel", err)
	check(t, "Pins of an empty channel", got, nil)
}
