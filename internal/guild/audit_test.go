package guild

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

func TestAuditLogRecordsModeration(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	m, modS, bobS := newAuditGuild(t, e, protocol.PermBanMembers|protocol.PermKickMembers|protocol.PermModerateMembers|
		protocol.PermManageMessages|protocol.PermManageChannels|protocol.PermViewAuditLog)
	gid := m.g.ID
	why := func(s string) context.Context { return WithAuditReason(ctx, s) }
	stranger := e.user("stranger", false)

	if err := e.r.CreateBan(ctx, gid, m.mod, stranger, BanRequest{Reason: "raider"}); err != nil {
		t.Fatal(err)
	}
	if err := e.r.RemoveBan(why("appeal"), gid, m.mod, stranger); err != nil {
		t.Fatal(err)
	}
	until := time.Now().Add(time.Hour)
	if _, err := e.r.EditMember(why("cool down"), gid, m.mod, m.bob, MemberEdit{SetTimeout: true, TimeoutUntil: &until}); err != nil {
		t.Fatal(err)
	}
	var ids []chat.ID
	for range 2 {
		b, err := e.r.CreateMessage(ctx, m.ch, m.owner, MessageCreate{Content: "x"})
		if err != nil {
			t.Fatal(err)
		}
		var msg struct {
			ID chat.ID `json:"id"`
		}
		_ = json.Unmarshal(b, &msg)
		ids = append(ids, msg.ID)
	}
	if err := e.r.BulkDeleteMessages(why("cleanup"), m.ch, m.mod, ids); err != nil {
		t.Fatal(err)
	}
	slowName, ten := "slow", 10
	ch, err := e.r.CreateChannel(ctx, gid, m.mod, ChannelCreate{Name: slowName, Type: chat.ChannelText})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.EditChannel(ctx, ch.ID, m.mod, ChannelEdit{RateLimit: &ten}); err != nil {
		t.Fatal(err)
	}
	if err := e.r.RemoveMember(why("rules"), gid, m.mod, m.carol); err != nil {
		t.Fatal(err)
	}
	e.sync(gid)

	want := []int{protocol.AuditMemberKick, protocol.AuditChannelUpdate, protocol.AuditChannelCreate,
		protocol.AuditMessageBulkDelete, protocol.AuditMemberUpdate, protocol.AuditMemberBanRemove, protocol.AuditMemberBanAdd}
	log, err := e.r.AuditLog(ctx, gid, m.mod, AuditQuery{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	// newModGuild's role setup is recorded too (owner's MEMBER_ROLE_UPDATE
	// and ROLE_CREATE entries): they come after ours, newest first.
	var got []int
	for _, en := range log.Entries[:len(want)] {
		got = append(got, en.ActionType)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("actions newest first %v, want %v", got, want)
	}
	byAction := map[int]protocol.AuditEntry{}
	for _, en := range log.Entries {
		if _, ok := byAction[en.ActionType]; !ok {
			byAction[en.ActionType] = en
		}
	}
	reason := func(action int) string {
		if r := byAction[action].Reason; r != nil {
			return *r
		}
		return ""
	}
	for action, r := range map[int]string{protocol.AuditMemberBanAdd: "raider", protocol.AuditMemberBanRemove: "appeal",
		protocol.AuditMemberUpdate: "cool down", protocol.AuditMessageBulkDelete: "cleanup", protocol.AuditMemberKick: "rules"} {
		if got := reason(action); got != r {
			t.Errorf("action %d reason %q, want %q", action, got, r)
		}
	}
	if en := byAction[protocol.AuditMemberUpdate]; en.TargetID == nil || *en.TargetID != m.bob.String() ||
		len(en.Changes) != 1 || en.Changes[0].Key != "communication_disabled_until" || *en.UserID != m.mod {
		t.Errorf("timeout entry %+v", en)
	}
	if en := byAction[protocol.AuditMessageBulkDelete]; en.Options["count"] != "2" || *en.TargetID != m.ch.String() {
		t.Errorf("bulk delete entry %+v", en)
	}
	if en := byAction[protocol.AuditChannelUpdate]; len(en.Changes) != 1 || en.Changes[0].Key != "rate_limit_per_user" ||
		string(en.Changes[0].NewValue) != "10" || string(en.Changes[0].OldValue) != "0" {
		t.Errorf("channel update entry %+v", en)
	}
	if !slices.ContainsFunc(log.Users, func(u protocol.User) bool { return u.ID == m.bob }) {
		t.Errorf("users lack the timeout's target: %+v", log.Users)
	}

	// PUT/DELETE .../roles/{role} record MEMBER_ROLE_UPDATE with $add/$remove.
	if err := e.r.SetMemberRole(why("promoted"), gid, m.owner, m.bob, m.juniorRole, true); err != nil {
		t.Fatal(err)
	}
	roles, err := e.r.AuditLog(ctx, gid, m.mod, AuditQuery{ActionType: protocol.AuditMemberRoleUpdate, UserID: m.owner, Limit: 1})
	if err != nil || len(roles.Entries) != 1 {
		t.Fatalf("role update entries %+v %v", roles.Entries, err)
	}
	if en := roles.Entries[0]; *en.TargetID != m.bob.String() || len(en.Changes) != 1 || en.Changes[0].Key != "$add" ||
		!strings.Contains(string(en.Changes[0].NewValue), m.juniorRole.String()) || en.Reason == nil || *en.Reason != "promoted" {
		t.Fatalf("role update entry %+v", en)
	}

	// Filters and paging.
	only, err := e.r.AuditLog(ctx, gid, m.mod, AuditQuery{ActionType: protocol.AuditMemberBanAdd, Limit: 50})
	if err != nil || len(only.Entries) != 1 || only.Entries[0].ActionType != protocol.AuditMemberBanAdd {
		t.Fatalf("action_type filter: %+v %v", only.Entries, err)
	}
	mine, err := e.r.AuditLog(ctx, gid, m.mod, AuditQuery{UserID: m.mod, Limit: 50})
	if err != nil || len(mine.Entries) != len(want) {
		t.Fatalf("user_id filter: %d entries %v", len(mine.Entries), err)
	}
	page, err := e.r.AuditLog(ctx, gid, m.mod, AuditQuery{UserID: m.mod, Before: log.Entries[1].ID, Limit: 2})
	if err != nil || len(page.Entries) != 2 || page.Entries[0].ID != log.Entries[2].ID {
		t.Fatalf("before+limit: %+v %v", page.Entries, err)
	}

	// Must not: read without VIEW_AUDIT_LOG; the event to a member without it.
	if _, err := e.r.AuditLog(ctx, gid, m.bob, AuditQuery{Limit: 50}); !errors.Is(err, chat.ErrMissingPerms) {
		t.Fatalf("audit log without VIEW_AUDIT_LOG: %v", err)
	}
	if got := bobS.named(protocol.EventGuildAuditLogEntryCreate); len(got) != 0 {
		t.Fatalf("member without VIEW_AUDIT_LOG got %d entries", len(got))
	}
	evs := modS.named(protocol.EventGuildAuditLogEntryCreate)
	if len(evs) != len(want)+1 { // and the role update
		t.Fatalf("VIEW_AUDIT_LOG holder got %d GUILD_AUDIT_LOG_ENTRY_CREATE, want %d", len(evs), len(want)+1)
	}
	var ev protocol.AuditEntry
	if err := json.Unmarshal(evs[0].Data, &ev); err != nil || ev.GuildID != gid || ev.ActionType != protocol.AuditMemberBanAdd {
		t.Fatalf("GUILD_AUDIT_LOG_ENTRY_CREATE %s", evs[0].Data)
	}
}
