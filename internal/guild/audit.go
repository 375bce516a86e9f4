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
	if before != nil && after != nil {
		a.auditOverwrites(ctx, userID, cur.ID, old.Overwrites, cur.Overwrites)
		if len(changes) == 0 {
			return // positions only: Discord records none
		}
	}
	id := cur.ID
	if after == nil {
		id = old.ID
	}
	a.audit(ctx, userID, action, id, changes, nil)
}

// auditOverwrites records the overwrites of channelID that were created
// (13), changed (14) or deleted (15) between before and after, one entry
// each, as Discord does, with the overwrite's id, type and role name in
// the options.
func (a *actor) auditOverwrites(ctx context.Context, userID, channelID chat.ID, before, after []chat.Overwrite) {
	find := func(ows []chat.Overwrite, id chat.ID) *chat.Overwrite {
		for i := range ows {
			if ows[i].ID == id {
				return &ows[i]
			}
		}
		return nil
	}
	options := func(ow chat.Overwrite) map[string]string {
		o := map[string]string{"id": ow.ID.String(), "type": strconv.Itoa(ow.Type)}
		if ro := a.roles[ow.ID]; ow.Type == chat.OverwriteRole && ro != nil {
			o["role_name"] = ro.Name
		}
		return o
	}
	bits := func(b uint64) string { return strconv.FormatUint(b, 10) }
	for _, ow := range after {
		old := find(before, ow.ID)
		switch {
		case old == nil:
			a.audit(ctx, userID, protocol.AuditChannelOverwriteCreate, channelID, []chat.AuditChange{
				change("id", nil, ow.ID), change("type", nil, ow.Type),
				change("allow", nil, bits(ow.Allow)), change("deny", nil, bits(ow.Deny))}, options(ow))
		case old.Allow != ow.Allow || old.Deny != ow.Deny:
			var changes []chat.AuditChange
			if old.Allow != ow.Allow {
				changes = append(changes, change("allow", bits(old.Allow), bits(ow.Allow)))
			}
			if old.Deny != ow.Deny {
				changes = append(changes, change("deny", bits(old.Deny), bits(ow.Deny)))
			}
			a.audit(ctx, userID, protocol.AuditChannelOverwriteUpdate, channelID, changes, options(ow))
		}
	}
	for _, ow := range before {
		if find(after, ow.ID) == nil {
			a.audit(ctx, userID, protocol.AuditChannelOverwriteDelete, channelID, []chat.AuditChange{
				change("id", ow.ID, nil), change("type", ow.Type, nil),
				change("allow", bits(ow.Allow), nil), change("deny", bits(ow.Deny), nil)}, options(ow))
		}
	}
}

// auditGuild records a guild edit (GUILD_UPDATE) with the keys that
// changed; nothing when none did.
func (a *actor) auditGuild(ctx context.Context, userID chat.ID, before, after chat.Guild) {
	var changes []chat.AuditChange
	if before.Name != after.Name {
		changes = append(changes, change("name", before.Name, after.Name))
	}
	if before.Description != after.Description {
		changes = append(changes, change("description", optional(before.Description), optional(after.Description)))
	}
	if before.Icon != after.Icon {
		changes = append(changes, change("icon_hash", optional(before.Icon), optional(after.Icon)))
	}
	if before.SystemChannelID != after.SystemChannelID {
		id := func(v chat.ID) any {
			if v == 0 {
				return nil
			}
			return v
		}
		changes = append(changes, change("system_channel_id", id(before.SystemChannelID), id(after.SystemChannelID)))
	}
	if len(changes) > 0 {
		a.audit(ctx, userID, protocol.AuditGuildUpdate, a.id, changes, nil)
	}
}

// auditInvite records an invite created or deleted; like Discord, the
// entry has no target and names the invite in its changes.
func (a *actor) auditInvite(ctx context.Context, userID chat.ID, action int, inv chat.Invite) {
	keys := []struct {
		k string
		v any
	}{{"code", inv.Code}, {"channel_id", inv.ChannelID}, {"inviter_id", inv.InviterID},
		{"uses", inv.Uses}, {"max_uses", inv.MaxUses}, {"max_age", inv.MaxAge}, {"temporary", false}}
	changes := make([]chat.AuditChange, 0, len(keys))
	for _, kv := range keys {
		if action == protocol.AuditInviteDelete {
			changes = append(changes, change(kv.k, kv.v, nil))
		} else {
			changes = append(changes, change(kv.k, nil, kv.v))
		}
	}
	a.audit(ctx, userID, action, 0, changes, nil)
}

// auditEmoji records an emoji created, renamed or deleted (before or
// after nil).
func (a *actor) auditEmoji(ctx context.Context, userID chat.ID, action int, before, after *chat.GuildEmoji) {
	var old, cur any
	id := chat.ID(0)
	if before != nil {
		old, id = before.Name, before.ID
	}
	if after != nil {
		cur, id = after.Name, after.ID
	}
	if before != nil && after != nil && before.Name == after.Name {
		return // roles only: Discord records name changes
	}
	a.audit(ctx, userID, action, id, []chat.AuditChange{change("name", old, cur)}, nil)
}

// auditThread records a thread created, changed or deleted (before or
// after nil) with the keys Discord lists for threads: name and type at
// creation and deletion, and whichever of name, archived, locked,
// auto_archive_duration, rate_limit_per_user, invitable and applied_tags
// changed.
func (a *actor) auditThread(ctx context.Context, userID chat.ID, action int, before, after *chat.Channel) {
	var changes []chat.AuditChange
	th := after
	if th == nil {
		th = before
	}
	switch {
	case before == nil:
		changes = append(changes, change("name", nil, after.Name), change("type", nil, after.Type),
			change("rate_limit_per_user", nil, after.RateLimit))
		if m := after.Thread; m != nil {
			changes = append(changes, change("archived", nil, m.Archived), change("locked", nil, m.Locked),
				change("auto_archive_duration", nil, m.AutoArchiveDuration))
			if after.Type == chat.ChannelPrivateThread {
				changes = append(changes, change("invitable", nil, m.Invitable))
			}
		}
	case after == nil:
		changes = append(changes, change("name", before.Name, nil), change("type", before.Type, nil))
	default:
		old, cur := before.Thread, after.Thread
		if before.Name != after.Name {
			changes = append(changes, change("name", before.Name, after.Name))
		}
		if before.RateLimit != after.RateLimit {
			changes = append(changes, change("rate_limit_per_user", before.RateLimit, after.RateLimit))
		}
		if old != nil && cur != nil {
			if old.Archived != cur.Archived {
				changes = append(changes, change("archived", old.Archived, cur.Archived))
			}
			if old.Locked != cur.Locked {
				changes = append(changes, change("locked", old.Locked, cur.Locked))
			}
			if old.AutoArchiveDuration != cur.AutoArchiveDuration {
				changes = append(changes, change("auto_archive_duration", old.AutoArchiveDuration, cur.AutoArchiveDuration))
			}
			if old.Invitable != cur.Invitable {
				changes = append(changes, change("invitable", old.Invitable, cur.Invitable))
			}
			if !slices.Equal(old.AppliedTags, cur.AppliedTags) {
				changes = append(changes, change("applied_tags", ids(old.AppliedTags), ids(cur.AppliedTags)))
			}
		}
		if len(changes) == 0 {
			return // nothing Discord would list
		}
	}
	a.audit(ctx, userID, action, th.ID, changes, nil)
}

// ids are snowflakes as Discord writes them in JSON: strings, never null.
func ids(in []chat.ID) []string {
	out := make([]string, 0, len(in))
	for _, id := range in {
		out = append(out, id.String())
	}
	return out
}
