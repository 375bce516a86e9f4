package guild

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

// The audit log. Moderation and configuration operations record who did
// what to what, with the reason the REST layer put in the context
// (WithAuditReason, from X-Audit-Log-Reason), and send
// GUILD_AUDIT_LOG_ENTRY_CREATE to GUILD_MODERATION sessions with
// VIEW_AUDIT_LOG. The entry is written after the change it records; a
// failed write is logged, not turned into a failed operation, since the
// change itself is already durable.

type auditReasonKey struct{}

// WithAuditReason returns ctx carrying the reason the audit log records
// for the operation run with it.
func WithAuditReason(ctx context.Context, reason string) context.Context {
	if reason == "" {
		return ctx
	}
	return context.WithValue(ctx, auditReasonKey{}, reason)
}

func auditReason(ctx context.Context) string {
	s, _ := ctx.Value(auditReasonKey{}).(string)
	return s
}

// change builds an audit change; a nil old or new value is left out.
func change(key string, old, new any) chat.AuditChange {
	c := chat.AuditChange{Key: key}
	if old != nil {
		c.Old = mustJSON(old)
	}
	if new != nil {
		c.New = mustJSON(new)
	}
	return c
}

// audit records an entry and announces it.
func (a *actor) audit(ctx context.Context, userID chat.ID, action int, targetID chat.ID, changes []chat.AuditChange, options map[string]string) {
	e := chat.AuditEntry{ID: a.r.ids.Next(), GuildID: a.id, UserID: userID, TargetID: targetID, ActionType: action,
		Changes: changes, Options: options, Reason: auditReason(ctx)}
	if err := a.r.st.PutAuditEntry(ctx, e); err != nil {
		a.r.log.Error("write audit log entry", "guild", a.id, "action", action, "err", err)
		return
	}
	obj := protocol.AuditEntryObject(e)
	obj.GuildID = a.id
	d := a.dispatch(protocol.EventGuildAuditLogEntryCreate, obj)
	if d == nil {
		return
	}
	ev := &event{kind: evSend, d: d, intent: protocol.IntentGuildModeration, anyOf: protocol.PermViewAuditLog}
	a.enqueue(func() { a.deliver(ev) })
}

// AuditQuery selects audit log entries as GET /guilds/{id}/audit-logs
// does: optionally only those of one user or one action type, below
// Before and above After (0: unbounded), at most Limit, newest first.
type AuditQuery struct {
	UserID        chat.ID
	ActionType    int
	Before, After chat.ID
	Limit         int
}

// auditScanPages bounds how many store pages a filtered query reads.
const auditScanPages = 50

// AuditLog returns entries of the guild's audit log; it needs
// VIEW_AUDIT_LOG.
func (r *Registry) AuditLog(ctx context.Context, guildID, userID chat.ID, q AuditQuery) (protocol.AuditLog, error) {
	out := protocol.AuditLog{Entries: []protocol.AuditEntry{}, Users: []protocol.User{},
		Integrations: []json.RawMessage{}, Webhooks: []json.RawMessage{}, GuildScheduledEvents: []json.RawMessage{},
		Threads: []json.RawMessage{}, ApplicationCommands: []json.RawMessage{}, AutoModerationRules: []json.RawMessage{}}
	err := r.call(ctx, guildID, func(_ context.Context, a *actor) error {
		return a.require(userID, nil, protocol.PermViewAuditLog)
	})
	if err != nil {
		return out, err
	}
	var users []chat.ID
	before := q.Before
	for range auditScanPages {
		es, err := r.st.AuditEntries(ctx, guildID, before, q.After, store.MaxPage)
		if err != nil {
			return out, err
		}
		for _, e := range es {
			if (q.UserID != 0 && e.UserID != q.UserID) || (q.ActionType != 0 && e.ActionType != q.ActionType) {
				continue
			}
			out.Entries = append(out.Entries, protocol.AuditEntryObject(e))
			for _, id := range []chat.ID{e.UserID, e.TargetID} {
				if id != 0 && !slices.Contains(users, id) {
					users = append(users, id)
				}
			}
			if len(out.Entries) == q.Limit {
				break
			}
		}
		if len(out.Entries) >= q.Limit || len(es) < store.MaxPage {
			break
		}
		before = es[len(es)-1].ID
	}
	for _, id := range users {
		// Targets may be channels or roles; only users are listed.
		if u, err := r.User(ctx, id); err == nil {
			out.Users = append(out.Users, protocol.UserObject(u))
		}
	}
	return out, nil
}

// auditMemberEdit records a member edit: MEMBER_UPDATE for the nickname
// and the timeout, MEMBER_ROLE_UPDATE ($add/$remove) for roles.
func (a *actor) auditMemberEdit(ctx context.Context, userID chat.ID, before, after chat.Member) {
	var changes []chat.AuditChange
	if before.Nick != after.Nick {
		changes = append(changes, change("nick", optional(before.Nick), optional(after.Nick)))
	}
	timeout := func(t *time.Time) any {
		if t == nil {
			return nil
		}
		return protocol.Timestamp(*t)
	}
	if !timesEqual(before.CommunicationDisabledUntil, after.CommunicationDisabledUntil) {
		changes = append(changes, change("communication_disabled_until",
			timeout(before.CommunicationDisabledUntil), timeout(after.CommunicationDisabledUntil)))
	}
	if len(changes) > 0 {
		a.audit(ctx, userID, protocol.AuditMemberUpdate, after.UserID, changes, nil)
	}
	type partialRole struct {
		ID   chat.ID `json:"id"`
		Name string  `json:"name"`
	}
	var added, removed []partialRole
	for _, id := range symmetricDiff(before.Roles, after.Roles) {
		pr := partialRole{ID: id}
		if ro := a.roles[id]; ro != nil {
			pr.Name = ro.Name
		}
		if hasID(after.Roles, id) {
			added = append(added, pr)
		} else {
			removed = append(removed, pr)
		}
	}
	var roleChanges []chat.AuditChange
	if len(added) > 0 {
		roleChanges = append(roleChanges, change("$add", nil, added))
	}
	if len(removed) > 0 {
		roleChanges = append(roleChanges, change("$remove", nil, removed))
	}
	if len(roleChanges) > 0 {
		a.audit(ctx, userID, protocol.AuditMemberRoleUpdate, after.UserID, roleChanges, nil)
	}
}

// optional is s, or nil (no value) when it is empty.
func optional(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func timesEqual(x, y *time.Time) bool {
	if x == nil || y == nil {
		return x == y
	}
	return x.Equal(*y)
}

// auditRole records a role created, changed or deleted (before or after
// nil), with the keys that changed.
func (a *actor) auditRole(ctx context.Context, userID chat.ID, action int, before, after *chat.Role) {
	var old, cur chat.Role
	if before != nil {
		old = *before
	}
	if after != nil {
		cur = *after
	}
	var changes []chat.AuditChange
	val := func(present bool, v any) any {
		if !present {
			return nil
		}
		return v
	}
	if before == nil || after == nil || old.Name != cur.Name {
		changes = append(changes, change("name", val(before != nil, old.Name), val(after != nil, cur.Name)))
	}
	if before == nil || after == nil || old.Permissions != cur.Permissions {
		changes = append(changes, change("permissions",
			val(before != nil, strconv.FormatUint(old.Permissions, 10)), val(after != nil, strconv.FormatUint(cur.Permissions, 10))))
	}
	if before != nil && after != nil && old.Color != cur.Color {
		changes = append(changes, change("color", old.Color, cur.Color))
	}
	id := cur.ID
	if after == nil {
		id = old.ID
	}
	a.audit(ctx, userID, action, id, changes, nil)
}

// auditChannel records a channel created, changed or deleted (before or
// after nil), with the keys that changed.
func (a *actor) auditChannel(ctx context.Context, userID chat.ID, action int, before, after *chat.Channel) {
	var old, cur chat.Channel
	if before != nil {
		old = *before
	}
	if after != nil {
		cur = *after
	}
	val := func(present bool, v any) any {
		if !present {
			return nil
		}
		return v
	}
	var changes []chat.AuditChange
	if before == nil || after == nil || old.Name != cur.Name {
		changes = append(changes, change("name", val(before != nil, old.Name), val(after != nil, cur.Name)))
	}
	if before == nil || after == nil {
		changes = append(changes, change("type", val(before != nil, old.Type), val(after != nil, cur.Type)))
	}
	if before != nil && after != nil {
		if old.Topic != cur.Topic {
			changes = append(changes, change("topic", optional(old.Topic), optional(cur.Topic)))
		}
		if old.RateLimit != cur.RateLimit {
			changes = append(changes, change("rate_limit_per_user", old.RateLimit, cur.RateLimit))
		}
		if old.NSFW != cur.NSFW {
			changes = append(changes, change("nsfw", old.NSFW, cur.NSFW))
		}
	}
	if before != nil && after != nil && len(changes) == 0 {
		return // positions or overwrites only: not recorded yet
	}
	id := cur.ID
	if after == nil {
		id = old.ID
	}
	a.audit(ctx, userID, action, id, changes, nil)
}
