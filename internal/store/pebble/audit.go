package pebble

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// pAudit keys audit log entries: al/<guild><^entry> -> chat.AuditEntry
// JSON; the inverted ID makes a forward scan newest first.
const pAudit = "al/"

func auditKey(guildID, id chat.ID) []byte {
	return binary.BigEndian.AppendUint64(idKey(pAudit, guildID), ^uint64(id))
}

// auditSweepEvery is how often a guild's entries past the retention are
// dropped: with its next entry, at most once per period, so a busy audit
// log costs one range tombstone an hour, not one per entry.
const auditSweepEvery = time.Hour

// PutAuditEntry stores e and, now and then, drops the guild's entries
// past store.AuditRetention in the same batch (Cassandra expires them
// by TTL; reads skip them in both).
func (s *Store) PutAuditEntry(ctx context.Context, e chat.AuditEntry) error {
	if err := s.enter(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	b := s.newBatch()
	b.setJSON(auditKey(e.GuildID, e.ID), e)
	now := time.Now()
	last, ok := s.auditSwept.Load(e.GuildID)
	sweep := !ok || now.Sub(last.(time.Time)) >= auditSweepEvery
	if sweep {
		// Keys run newest first, so the expired entries are the end of
		// the guild's range: from the cut-off's key on.
		cut := snowflake.FromTime(now.Add(-store.AuditRetention))
		guild := idKey(pAudit, e.GuildID)
		if err := b.b.DeleteRange(auditKey(e.GuildID, cut), prefixEnd(guild), nil); err != nil {
			b.b.Close()
			return fmt.Errorf("pebble store: sweep audit entries of %d: %w", e.GuildID, err)
		}
	}
	if err := b.commit(); err != nil {
		return fmt.Errorf("pebble store: put audit entry %d/%d: %w", e.GuildID, e.ID, err)
	}
	if sweep {
		s.auditSwept.Store(e.GuildID, now)
	}
	return nil
}

// AuditEntries returns a guild's entries between after and before,
// newest first.
func (s *Store) AuditEntries(ctx context.Context, guildID, before, after chat.ID, limit int) ([]chat.AuditEntry, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	if limit <= 0 {
		limit = store.MaxPage
	}
	var start []byte
	if before != 0 {
		start = auditKey(guildID, before-1)
	}
	// Entries past the retention are skipped, and so is the rest of the
	// scan (it runs newest first); PutAuditEntry drops them from disk.
	after = max(after, snowflake.FromTime(time.Now().Add(-store.AuditRetention))-1)
	var out []chat.AuditEntry
	err := s.scan(idKey(pAudit, guildID), start, func(k, v []byte) (bool, error) {
		var e chat.AuditEntry
		if err := jsonUnmarshal(k, v, &e); err != nil {
			return false, err
		}
		if e.ID <= after {
			return false, nil
		}
		out = append(out, e)
		return len(out) < limit, nil
	})
	if err != nil {
		return nil, fmt.Errorf("pebble store: audit log of guild %d: %w", guildID, err)
	}
	return out, nil
}
