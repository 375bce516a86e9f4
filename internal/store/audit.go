package store

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
)

// AuditLog is the part of the store that holds guilds' audit logs: one
// partition per guild, clustered by entry ID newest first, as the audit
// log is read (GET /guilds/{id}/audit-logs pages backwards from now).
type AuditLog interface {
	// PutAuditEntry appends an entry (replacing one with the same ID).
	PutAuditEntry(ctx context.Context, e chat.AuditEntry) error
	// AuditEntries returns up to limit entries (<= 0: MaxPage) of a guild
	// with IDs below before (0: no bound) and above after (0: no bound),
	// newest first.
	AuditEntries(ctx context.Context, guildID, before, after chat.ID, limit int) ([]chat.AuditEntry, error)
}
