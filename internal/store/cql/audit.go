package cql

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// auditTables hold guilds' audit logs: one partition per guild, newest
// entry first. Changes and options are JSON text: they are written and
// read whole, never queried.
var auditTables = []string{
	`CREATE TABLE IF NOT EXISTS audit_log_by_guild (
		guild_id bigint, id bigint, user_id bigint, target_id bigint, action_type int,
		changes text, options text, reason text,
		PRIMARY KEY (guild_id, id)
	) WITH CLUSTERING ORDER BY (id DESC)`,
}

// PutAuditEntry appends an entry.
func (s *Store) PutAuditEntry(ctx context.Context, e chat.AuditEntry) error {
	changes, err := json.Marshal(e.Changes)
	if err != nil {
		return fmt.Errorf("cql: put audit entry: %w", err)
	}
	options, err := json.Marshal(e.Options)
	if err != nil {
		return fmt.Errorf("cql: put audit entry: %w", err)
	}
	// The row expires when the entry passes the retention (counted from
	// the entry's ID, as reads do); one already past it is not written.
	ttl := int(time.Until(snowflake.Time(e.ID).Add(store.AuditRetention)) / time.Second)
	if ttl <= 0 {
		return nil
	}
	return s.exec(ctx, "put audit entry", `INSERT INTO audit_log_by_guild
		(guild_id, id, user_id, target_id, action_type, changes, options, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?`,
		i64(e.GuildID), i64(e.ID), i64(e.UserID), i64(e.TargetID), e.ActionType, string(changes), string(options), e.Reason, ttl)
}

// AuditEntries reads a guild's entries between after and before, newest
// first.
func (s *Store) AuditEntries(ctx context.Context, guildID, before, after chat.ID, limit int) ([]chat.AuditEntry, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = store.MaxPage
	}
	upper := int64(math.MaxInt64)
	if before != 0 {
		upper = i64(before)
	}
	// A row past its TTL is gone already; the floor also hides one whose
	// TTL has a second or so left, so both backends agree at the edge.
	after = max(after, snowflake.FromTime(time.Now().Add(-store.AuditRetention))-1)
	iter := s.query(`SELECT id, user_id, target_id, action_type, changes, options, reason FROM audit_log_by_guild
		WHERE guild_id = ? AND id < ? AND id > ? LIMIT ?`, i64(guildID), upper, i64(after), limit).IterContext(ctx)
	var out []chat.AuditEntry
	var id, user, target int64
	var action int
	var changes, options, reason string
	for iter.Scan(&id, &user, &target, &action, &changes, &options, &reason) {
		e := chat.AuditEntry{ID: chat.ID(id), GuildID: guildID, UserID: chat.ID(user), TargetID: chat.ID(target),
			ActionType: action, Reason: reason}
		if err := json.Unmarshal([]byte(changes), &e.Changes); err != nil {
			_ = iter.Close()
			return nil, fmt.Errorf("cql: audit entry %d: changes: %w", id, err)
		}
		if err := json.Unmarshal([]byte(options), &e.Options); err != nil {
			_ = iter.Close()
			return nil, fmt.Errorf("cql: audit entry %d: options: %w", id, err)
		}
		out = append(out, e)
	}
	return out, wrap("audit entries", iter.Close())
}
