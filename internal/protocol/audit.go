package protocol

import (
	"encoding/json"

	"github.com/accordchat/accord/internal/chat"
)

// Audit log (Discord's audit log resource).

// EventGuildAuditLogEntryCreate is sent, with the GUILD_MODERATION intent,
// to members with VIEW_AUDIT_LOG when an entry is written.
const EventGuildAuditLogEntryCreate = "GUILD_AUDIT_LOG_ENTRY_CREATE"

// Audit log action types Accord records (Discord's numbering).
const (
	AuditGuildUpdate            = 1
	AuditChannelCreate          = 10
	AuditChannelUpdate          = 11
	AuditChannelDelete          = 12
	AuditChannelOverwriteCreate = 13
	AuditChannelOverwriteUpdate = 14
	AuditChannelOverwriteDelete = 15
	AuditMemberKick             = 20
	AuditMemberBanAdd           = 22
	AuditMemberBanRemove        = 23
	AuditMemberUpdate           = 24
	AuditMemberRoleUpdate       = 25
	AuditRoleCreate             = 30
	AuditRoleUpdate             = 31
	AuditRoleDelete             = 32
	AuditInviteCreate           = 40
	AuditInviteDelete           = 42
	AuditEmojiCreate            = 60
	AuditEmojiUpdate            = 61
	AuditEmojiDelete            = 62
	AuditMessageBulkDelete      = 73
)

// AuditChange is Discord's audit log change object.
type AuditChange struct {
	Key      string          `json:"key"`
	NewValue json.RawMessage `json:"new_value,omitempty"`
	OldValue json.RawMessage `json:"old_value,omitempty"`
}

// AuditEntry is Discord's audit log entry object. GuildID is set only in
// GUILD_AUDIT_LOG_ENTRY_CREATE.
type AuditEntry struct {
	ID         chat.ID           `json:"id"`
	GuildID    chat.ID           `json:"guild_id,omitempty"`
	TargetID   *string           `json:"target_id"`
	UserID     *chat.ID          `json:"user_id"`
	ActionType int               `json:"action_type"`
	Changes    []AuditChange     `json:"changes,omitempty"`
	Options    map[string]string `json:"options,omitempty"`
	Reason     *string           `json:"reason,omitempty"`
}

// AuditEntryObject converts a stored entry.
func AuditEntryObject(e chat.AuditEntry) AuditEntry {
	out := AuditEntry{ID: e.ID, ActionType: e.ActionType, Options: e.Options, Reason: optString(e.Reason)}
	if e.TargetID != 0 {
		s := e.TargetID.String()
		out.TargetID = &s
	}
	if e.UserID != 0 {
		u := e.UserID
		out.UserID = &u
	}
	for _, c := range e.Changes {
		out.Changes = append(out.Changes, AuditChange{Key: c.Key, NewValue: c.New, OldValue: c.Old})
	}
	return out
}

// AuditLog is GET /guilds/{id}/audit-logs' answer: the entries and the
// users they name; the lists of objects Accord does not have are empty.
type AuditLog struct {
	Entries              []AuditEntry      `json:"audit_log_entries"`
	Users                []User            `json:"users"`
	Integrations         []json.RawMessage `json:"integrations"`
	Webhooks             []json.RawMessage `json:"webhooks"`
	GuildScheduledEvents []json.RawMessage `json:"guild_scheduled_events"`
	Threads              []json.RawMessage `json:"threads"`
	ApplicationCommands  []json.RawMessage `json:"application_commands"`
	AutoModerationRules  []json.RawMessage `json:"auto_moderation_rules"`
}
