package storetest

import (
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

func testEmojis(t *testing.T, s store.Store) {
	ctx := t.Context()
	guild, other := NewID(), NewID()
	creator, role1, role2 := NewID(), NewID(), NewID()
	// IDs made in this order: GuildEmojis lists them so.
	blob := chat.GuildEmoji{ID: NewID(), GuildID: guild, Name: "blob", UserID: creator, Format: "png"}
	party := chat.GuildEmoji{ID: NewID(), GuildID: guild, Name: "party_blob", Roles: []chat.ID{role2, role1},
		UserID: creator, Animated: true, Format: "gif"}
	elsewhere := chat.GuildEmoji{ID: NewID(), GuildID: other, Name: "elsewhere", UserID: creator, Format: "webp"}
	for _, e := range []chat.GuildEmoji{party, elsewhere, blob} {
		ok(t, "PutEmoji "+e.Name, s.PutEmoji(ctx, e))
	}
	got, err := s.GuildEmojis(ctx, guild)
	ok(t, "GuildEmojis", err)
	check(t, "GuildEmojis", got, []chat.GuildEmoji{blob, party})

	// Replacing keeps one row; the role list keeps its order; removing
	// every role stores none.
	party.Name, party.Roles = "party", []chat.ID{role1}
	blob.Roles = nil
	ok(t, "PutEmoji rename", s.PutEmoji(ctx, party))
	got, err = s.GuildEmojis(ctx, guild)
	ok(t, "GuildEmojis after rename", err)
	check(t, "GuildEmojis after rename", got, []chat.GuildEmoji{blob, party})

	ok(t, "DeleteEmoji", s.DeleteEmoji(ctx, guild, blob.ID))
	ok(t, "DeleteEmoji again", s.DeleteEmoji(ctx, guild, blob.ID))
	ok(t, "DeleteEmoji of another guild's ID", s.DeleteEmoji(ctx, guild, elsewhere.ID))
	got, err = s.GuildEmojis(ctx, guild)
	ok(t, "GuildEmojis after delete", err)
	check(t, "GuildEmojis after delete", got, []chat.GuildEmoji{party})
	got, err = s.GuildEmojis(ctx, other)
	ok(t, "GuildEmojis of the other guild", err)
	check(t, "GuildEmojis of the other guild", got, []chat.GuildEmoji{elsewhere})
	got, err = s.GuildEmojis(ctx, NewID())
	ok(t, "GuildEmojis of an empty guild", err)
	check(t, "GuildEmojis of an empty guild", got, nil)
}
