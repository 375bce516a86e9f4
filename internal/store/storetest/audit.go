package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// auditCase is one AuditEntries query and the entries it must return.
type auditCase struct {
	name          string
	before, after chat.ID
	limit         int
	want          []chat.AuditEntry
}

// testAuditLog pins down the audit log: entries come newest first, within
// the exclusive before/after bounds and the limit, with their changes,
// options and reason intact, and never another guild's.
func testAuditLog(t *testing.T, s store.Store) {
	ctx := t.Context()
	guild, other := NewID(), NewID()
	var entries []chat.AuditEntry // oldest first
	for i := range 5 {
		e := chat.AuditEntry{ID: NewID(), GuildID: guild, UserID: NewID(), TargetID: NewID(), ActionType: 20 + i}
		if i == 1 {
			e.Reason = "spam"
			e.Changes = []chat.AuditChange{{Key: "communication_disabled_until", New: json.RawMessage(`"2026-01-02T03:04:05+00:00"`)},
				{Key: "nick", Old: json.RawMessage(`"old"`), New: json.RawMessage(`"new"`)}}
			e.Options = map[string]string{"count": "3", "channel_id": "42"}
		}
		entries = append(entries, e)
	}
	for _, i := range []int{2, 0, 4, 1, 3} {
		ok(t, "PutAuditEntry", s.PutAuditEntry(ctx, entries[i]))
	}
	ok(t, "PutAuditEntry other guild", s.PutAuditEntry(ctx, chat.AuditEntry{ID: NewID(), GuildID: other, ActionType: 22}))
	rev := func(es ...chat.AuditEntry) []chat.AuditEntry {
		out := make([]chat.AuditEntry, 0, len(es))
		for i := len(es) - 1; i >= 0; i-- {
			out = append(out, es[i])
		}
		return out
	}
	cases := []auditCase{
		{"All", 0, 0, 0, rev(entries...)},
		{"Limit2", 0, 0, 2, rev(entries[3:]...)},
		{"Before", entries[3].ID, 0, 0, rev(entries[:3]...)},
		{"After", 0, entries[1].ID, 0, rev(entries[2:]...)},
		{"Between", entries[4].ID, entries[0].ID, 2, rev(entries[2:4]...)},
		{"BeforeOldest", entries[0].ID, 0, 0, nil},
	}
	// Must not see: an entry past the 45-day retention is never returned
	// (CQL lets it expire, Pebble skips it), whatever the bounds.
	expired := chat.AuditEntry{ID: snowflake.FromTime(time.Now().Add(-store.AuditRetention - time.Hour)), GuildID: guild, ActionType: 22}
	ok(t, "PutAuditEntry expired", s.PutAuditEntry(ctx, expired))
	cases = append(cases, auditCase{"PastRetention", entries[0].ID, 0, 0, nil}, auditCase{"PastRetentionAfterBound", 0, expired.ID - 1, 0, rev(entries...)})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.AuditEntries(ctx, guild, c.before, c.after, c.limit)
			ok(t, "AuditEntries", err)
			check(t, "AuditEntries", got, c.want)
		})
	}
}
