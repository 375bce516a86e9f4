package tiered

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
)

// The audit log lives in the durable tier only: it is written once per
// moderation action and read by moderators paging through it, never on a
// hot path a local copy would speed up.

// PutAuditEntry appends an entry in the durable tier.
func (s *Store) PutAuditEntry(ctx context.Context, e chat.AuditEntry) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.PutAuditEntry(ctx, e)
}

// AuditEntries reads entries from the durable tier.
func (s *Store) AuditEntries(ctx context.Context, guildID, before, after chat.ID, limit int) ([]chat.AuditEntry, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.durable.AuditEntries(ctx, guildID, before, after, limit)
}
