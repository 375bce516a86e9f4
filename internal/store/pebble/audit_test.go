package pebble

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// TestAuditEntriesPastRetentionSwept: a guild's entries older than the
// retention leave the disk with its next entry (at most once per sweep
// period); newer entries and other guilds' stay.
func TestAuditEntriesPastRetentionSwept(t *testing.T) {
	ctx := context.Background()
	s := newTestStore(t)
	const guild, other = chat.ID(1), chat.ID(2)
	old := snowflake.FromTime(time.Now().Add(-store.AuditRetention - 24*time.Hour))
	recent := snowflake.FromTime(time.Now().Add(-time.Hour))
	// Written as an older Accord left them: no sweep.
	for _, e := range []chat.AuditEntry{{ID: old, GuildID: guild}, {ID: recent, GuildID: guild}, {ID: old, GuildID: other}} {
		if err := s.putJSON(ctx, "seed", auditKey(e.GuildID, e.ID), e); err != nil {
			t.Fatal(err)
		}
	}
	onDisk := func(g, id chat.ID) bool {
		_, closer, err := s.db.Get(auditKey(g, id))
		if errors.Is(err, pebble.ErrNotFound) {
			return false
		}
		if err != nil {
			t.Fatal(err)
		}
		closer.Close()
		return true
	}
	now := snowflake.FromTime(time.Now())
	if err := s.PutAuditEntry(ctx, chat.AuditEntry{ID: now, GuildID: guild}); err != nil {
		t.Fatal(err)
	}
	if onDisk(guild, old) {
		t.Error("the expired entry is still on disk")
	}
	if !onDisk(guild, recent) || !onDisk(guild, now) || !onDisk(other, old) {
		t.Error("a sweep took an entry it should have left")
	}
	// Within the period, no second sweep: a new expired entry stays
	// (reads skip it) until the next one.
	if err := s.putJSON(ctx, "seed", auditKey(guild, old+1), chat.AuditEntry{ID: old + 1, GuildID: guild}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutAuditEntry(ctx, chat.AuditEntry{ID: now + 1, GuildID: guild}); err != nil {
		t.Fatal(err)
	}
	if !onDisk(guild, old+1) {
		t.Error("swept twice within the period")
	}
	es, err := s.AuditEntries(ctx, guild, 0, 0, 10)
	if err != nil || len(es) != 3 {
		t.Fatalf("entries read %+v, %v", es, err)
	}
}
