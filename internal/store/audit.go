package store

import (
	"context"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

// AuditRetention is how long audit log entries are kept, as on Discord:
// AuditEntries never returns an entry whose ID is older; store/cql writes
// entries with a TTL that ends then, store/pebble skips them on read.
const AuditRetention = 45 * 24 * time.Hour

// AuditLog is the part of the store that holds guilds' audit logs: one
// partition per guild, clustered by entry ID newest first, as the audit
// log is read (GET /guilds/{id}/audit-logs pages backwards from now).
type AuditLog interface {
	// PutAuditEntry appends an entry (replacing one with the same ID).
	PutAuditEntry(ctx context.Context, e chat.AuditEntry) error
	// AuditEntries returns up to limit entries (<= 0: MaxPage) of a guild
	// with IDs below before (0: no bound) and above after (0: no bound),
	// newest first, never one older than AuditRetention.
	AuditEntries(ctx context.Context, guildID, before, after chat.ID, limit int) ([]chat.AuditEntry, error)
}
