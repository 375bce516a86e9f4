package storetest

import (
	"testing"

	"github.com/accordchat/accord/internal/store"
)

func testAutoMod(t *testing.T, s store.Store) {
	ctx := t.Context()
	guild, other := NewID(), NewID()
	// IDs made in this order: GuildAutoModRules lists them so.
	first := store.AutoModRule{GuildID: guild, ID: NewID(), Data: []byte(`{"name":"first"}`)}
	second := store.AutoModRule{GuildID: guild, ID: NewID(), Data: []byte(`{"name":"second","bytes":"\u0000\u00ff"}`)}
	elsewhere := store.AutoModRule{GuildID: other, ID: NewID(), Data: []byte(`{"name":"elsewhere"}`)}
	for _, r := range []store.AutoModRule{second, elsewhere, first} {
		ok(t, "PutAutoModRule", s.PutAutoModRule(ctx, r))
	}
	got, err := s.GuildAutoModRules(ctx, guild)
	ok(t, "GuildAutoModRules", err)
	check(t, "GuildAutoModRules", got, []store.AutoModRule{first, second})

	// Replacing keeps one row with the new data.
	first.Data = []byte(`{"name":"renamed"}`)
	ok(t, "PutAutoModRule replace", s.PutAutoModRule(ctx, first))
	got, err = s.GuildAutoModRules(ctx, guild)
	ok(t, "GuildAutoModRules after replace", err)
	check(t, "GuildAutoModRules after replace", got, []store.AutoModRule{first, second})

	ok(t, "DeleteAutoModRule", s.DeleteAutoModRule(ctx, guild, second.ID))
	ok(t, "DeleteAutoModRule again", s.DeleteAutoModRule(ctx, guild, second.ID))
	ok(t, "DeleteAutoModRule of another guild's ID", s.DeleteAutoModRule(ctx, guild, elsewhere.ID))
	got, err = s.GuildAutoModRules(ctx, guild)
	ok(t, "GuildAutoModRules after delete", err)
	check(t, "GuildAutoModRules after delete", got, []store.AutoModRule{first})
	got, err = s.GuildAutoModRules(ctx, other)
	ok(t, "GuildAutoModRules of the other guild", err)
	check(t, "GuildAutoModRules of the other guild", got, []store.AutoModRule{elsewhere})
	got, err = s.GuildAutoModRules(ctx, NewID())
	ok(t, "GuildAutoModRules of an empty guild", err)
	check(t, "GuildAutoModRules of an empty guild", got, nil)
}
