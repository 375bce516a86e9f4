package pebble

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// pAudit keys audit log entries: al/<guild><^entry> -> chat.AuditEntry
// JSON; the inverted ID makes a forward scan newest first.
const pAudit = "al/"

func auditKey(guildID, id chat.ID) []byte {
	return binary.BigEndian.AppendUint64(idKey(pAudit, guildID), ^uint64(id))
}

// PutAuditEntry stores e.
func (s *Store) PutAuditEntry(ctx context.Context, e chat.AuditEntry) error {
	return s.putJSON(ctx, fmt.Sprintf("put audit entry %d/%d", e.GuildID, e.ID), auditKey(e.GuildID, e.ID), e)
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
