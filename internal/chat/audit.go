package chat

import "encoding/json"

// AuditEntry is one entry of a guild's audit log: who (UserID) did what
// (ActionType, Discord's numbering) to what (TargetID), what changed and
// why (Reason, from X-Audit-Log-Reason). Changes' values are JSON as
// Discord's audit log change objects carry them; Options are the entry's
// optional info (e.g. "count" of a bulk delete), all strings as Discord
// sends them.
type AuditEntry struct {
	ID         ID                `json:"id"`
	GuildID    ID                `json:"guild_id"`
	UserID     ID                `json:"user_id,omitempty"`
	TargetID   ID                `json:"target_id,omitempty"`
	ActionType int               `json:"action_type"`
	Changes    []AuditChange     `json:"changes,omitempty"`
	Options    map[string]string `json:"options,omitempty"`
	Reason     string            `json:"reason,omitempty"`
}

// AuditChange is one changed key of an audit log entry; Old or New is
// absent (nil) when the key had or has no value.
type AuditChange struct {
	Key string          `json:"key"`
	Old json.RawMessage `json:"old_value,omitempty"`
	New json.RawMessage `json:"new_value,omitempty"`
}
