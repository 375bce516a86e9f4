package guild

import (
	"context"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// TestAuditLogThreadChanges: a thread's creation, edit and deletion are
// recorded with the keys that describe them (name, type and settings at
// creation; only what changed at an edit; name and type at deletion),
// and an edit that changes nothing Discord lists records nothing.
func TestAuditLogThreadChanges(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	m, _, _ := newAuditGuild(t, e, protocol.PermViewAuditLog)
	gid := m.g.ID
	start, err := e.r.AuditLog(ctx, gid, m.mod, AuditQuery{Limit: 1})
	if err != nil || len(start.Entries) != 1 {
		t.Fatalf("audit log before: %+v %v", start.Entries, err)
	}
	since := start.Entries[0].ID

	th, err := e.r.StartThread(ctx, m.ch, m.owner, ThreadCreate{Name: "plans", Type: chat.ChannelPrivateThread})
	if err != nil {
		t.Fatal(err)
	}
	id := th.Thread.ID
	name, yes, dur := "final plans", true, 60
	if _, err := e.r.EditChannel(WithAuditReason(ctx, "tidy"), id, m.owner, ChannelEdit{Name: &name,
		Thread: &ThreadEdit{Locked: &yes, AutoArchiveDuration: &dur}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.EditChannel(ctx, id, m.owner, ChannelEdit{Name: &name}); err != nil { // no change
		t.Fatal(err)
	}
	if _, err := e.r.DeleteChannel(ctx, id, m.owner); err != nil {
		t.Fatal(err)
	}
	e.sync(gid)

	log, err := e.r.AuditLog(ctx, gid, m.mod, AuditQuery{After: since, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	want := []int{protocol.AuditThreadDelete, protocol.AuditThreadUpdate, protocol.AuditThreadCreate}
	if len(log.Entries) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(log.Entries), len(want), log.Entries)
	}
	changes := make([]map[string][2]string, len(want))
	for i, en := range log.Entries {
		if en.ActionType != want[i] || en.TargetID == nil || *en.TargetID != id.String() {
			t.Fatalf("entry %d: %+v, want action %d on the thread", i, en, want[i])
		}
		changes[i] = map[string][2]string{}
		for _, c := range en.Changes {
			changes[i][c.Key] = [2]string{string(c.OldValue), string(c.NewValue)}
		}
	}
	created, edited, deleted := changes[2], changes[1], changes[0]
	if created["name"][1] != `"plans"` || created["type"][1] != "12" || created["invitable"][1] != "true" ||
		created["locked"][1] != "false" || created["auto_archive_duration"][1] != "1440" {
		t.Errorf("create changes %v", created)
	}
	if len(edited) != 3 || edited["name"] != [2]string{`"plans"`, `"final plans"`} || edited["locked"] != [2]string{"false", "true"} ||
		edited["auto_archive_duration"] != [2]string{"1440", "60"} {
		t.Errorf("edit changes %v", edited)
	}
	if r := log.Entries[1].Reason; r == nil || *r != "tidy" {
		t.Errorf("edit reason %v", r)
	}
	if deleted["name"][0] != `"final plans"` || deleted["type"][0] != "12" || deleted["name"][1] != "" {
		t.Errorf("delete changes %v", deleted)
	}
}
