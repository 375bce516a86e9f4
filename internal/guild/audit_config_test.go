package guild

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// newAuditGuild is newModGuild with the moderator's and bob's sessions
// (every intent) connected, to watch GUILD_AUDIT_LOG_ENTRY_CREATE.
func newAuditGuild(t *testing.T, e *env, perms protocol.Permission) (m modGuild, modS, bobS *fakeSession) {
	t.Helper()
	m = newModGuild(t, e, perms)
	modS, bobS = e.session(m.mod, allIntents, false), e.session(m.bob, allIntents, false)
	for _, s := range []*fakeSession{modS, bobS} {
		if err := e.r.Connect(context.Background(), m.g.ID, s, 250); err != nil {
			t.Fatal(err)
		}
	}
	return m, modS, bobS
}

// TestAuditLogRecordsConfiguration: overwrites created, changed and
// deleted (through PUT/DELETE .../permissions and through a channel
// edit), a guild edit, invites created and deleted and emoji created,
// renamed and deleted are recorded with Discord's action types, changes,
// options and the X-Audit-Log-Reason. Must not: a member without
// VIEW_AUDIT_LOG reads them or hears of them; entries older than 45 days
// are never returned.
func TestAuditLogRecordsConfiguration(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	m, modS, bobS := newAuditGuild(t, e, protocol.PermViewAuditLog)
	gid := m.g.ID
	why := func(s string) context.Context { return WithAuditReason(ctx, s) }
	start, err := e.r.AuditLog(ctx, gid, m.mod, AuditQuery{Limit: 1})
	if err != nil || len(start.Entries) != 1 {
		t.Fatalf("audit log before: %+v %v", start.Entries, err)
	}
	since := start.Entries[0].ID

	send := protocol.PermSendMessages
	if err := e.r.PutOverwrite(why("quiet"), m.ch, m.owner, chat.Overwrite{ID: m.juniorRole, Type: chat.OverwriteRole, Deny: send}); err != nil {
		t.Fatal(err)
	}
	if err := e.r.PutOverwrite(ctx, m.ch, m.owner, chat.Overwrite{ID: m.juniorRole, Type: chat.OverwriteRole, Allow: send}); err != nil {
		t.Fatal(err)
	}
	if err := e.r.DeleteOverwrite(ctx, m.ch, m.owner, m.juniorRole); err != nil {
		t.Fatal(err)
	}
	ows := []chat.Overwrite{{ID: m.bob, Type: chat.OverwriteMember, Deny: send}}
	if _, err := e.r.EditChannel(ctx, m.ch, m.owner, ChannelEdit{Overwrites: &ows}); err != nil {
		t.Fatal(err)
	}
	name := "renamed"
	if _, err := e.r.EditGuild(why("rebrand"), gid, m.owner, GuildEdit{Name: &name}); err != nil {
		t.Fatal(err)
	}
	inv, err := e.r.CreateInvite(ctx, m.ch, m.owner, 3600, 5)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.DeleteInvite(why("leaked"), inv.Code, m.owner); err != nil {
		t.Fatal(err)
	}
	emo, err := e.r.CreateEmoji(ctx, gid, m.owner, chat.GuildEmoji{ID: e.ids.Next(), Name: "blob", Format: "png"})
	if err != nil {
		t.Fatal(err)
	}
	newName := "blobby"
	if _, err := e.r.EditEmoji(ctx, gid, m.owner, emo.ID, EmojiEdit{Name: &newName}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.DeleteEmoji(why("ugly"), gid, m.owner, emo.ID); err != nil {
		t.Fatal(err)
	}
	e.sync(gid)

	log, err := e.r.AuditLog(ctx, gid, m.mod, AuditQuery{After: since, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	want := []int{protocol.AuditEmojiDelete, protocol.AuditEmojiUpdate, protocol.AuditEmojiCreate,
		protocol.AuditInviteDelete, protocol.AuditInviteCreate, protocol.AuditGuildUpdate,
		protocol.AuditChannelOverwriteCreate, protocol.AuditChannelOverwriteDelete,
		protocol.AuditChannelOverwriteUpdate, protocol.AuditChannelOverwriteCreate}
	if len(log.Entries) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(log.Entries), len(want), log.Entries)
	}
	for i, en := range log.Entries {
		if en.ActionType != want[i] || en.UserID == nil || *en.UserID != m.owner {
			t.Fatalf("entry %d: %+v, want action %d by the owner", i, en, want[i])
		}
	}
	changes := func(en protocol.AuditEntry) map[string][2]string {
		out := map[string][2]string{}
		for _, c := range en.Changes {
			out[c.Key] = [2]string{string(c.OldValue), string(c.NewValue)}
		}
		return out
	}
	reason := func(en protocol.AuditEntry) string {
		if en.Reason == nil {
			return ""
		}
		return *en.Reason
	}
	sendBits := `"` + strconv.FormatUint(send, 10) + `"`
	first := log.Entries[9] // the first overwrite: the junior role denied SEND_MESSAGES
	if c := changes(first); *first.TargetID != m.ch.String() || c["deny"][1] != sendBits || c["type"][1] != "0" ||
		first.Options["id"] != m.juniorRole.String() || first.Options["type"] != "0" || first.Options["role_name"] != "junior" ||
		reason(first) != "quiet" {
		t.Errorf("overwrite create %+v", first)
	}
	if c := changes(log.Entries[8]); c["allow"] != [2]string{`"0"`, sendBits} || c["deny"] != [2]string{sendBits, `"0"`} {
		t.Errorf("overwrite update %+v", log.Entries[8])
	}
	if c := changes(log.Entries[7]); c["allow"][0] != sendBits || c["allow"][1] != "" {
		t.Errorf("overwrite delete %+v", log.Entries[7])
	}
	if en := log.Entries[6]; en.Options["id"] != m.bob.String() || en.Options["type"] != "1" {
		t.Errorf("member overwrite through a channel edit %+v", en)
	}
	if en := log.Entries[5]; changes(en)["name"] != [2]string{`"moderated"`, `"renamed"`} || reason(en) != "rebrand" || *en.TargetID != gid.String() {
		t.Errorf("guild update %+v", en)
	}
	if en := log.Entries[4]; en.TargetID != nil || changes(en)["code"][1] != `"`+inv.Code+`"` || changes(en)["max_uses"][1] != "5" {
		t.Errorf("invite create %+v", en)
	}
	if en := log.Entries[3]; changes(en)["code"][0] != `"`+inv.Code+`"` || reason(en) != "leaked" {
		t.Errorf("invite delete %+v", en)
	}
	if en := log.Entries[1]; changes(en)["name"] != [2]string{`"blob"`, `"blobby"`} || *en.TargetID != emo.ID.String() {
		t.Errorf("emoji update %+v", en)
	}
	if en := log.Entries[0]; changes(en)["name"][0] != `"blobby"` || reason(en) != "ugly" {
		t.Errorf("emoji delete %+v", en)
	}

	// Must not: bob (no VIEW_AUDIT_LOG) reads the log or gets the events.
	if _, err := e.r.AuditLog(ctx, gid, m.bob, AuditQuery{Limit: 50}); !errors.Is(err, chat.ErrMissingPerms) {
		t.Fatalf("audit log without VIEW_AUDIT_LOG: %v", err)
	}
	if got := bobS.named(protocol.EventGuildAuditLogEntryCreate); len(got) != 0 {
		t.Fatalf("member without VIEW_AUDIT_LOG got %d entries", len(got))
	}
	if got := modS.named(protocol.EventGuildAuditLogEntryCreate); len(got) < len(want) {
		t.Fatalf("VIEW_AUDIT_LOG holder got %d entries, want at least %d", len(got), len(want))
	}

	// Must not see: an entry past the 45-day retention.
	old := chat.AuditEntry{ID: snowflake.FromTime(time.Now().Add(-store.AuditRetention - time.Minute)), GuildID: gid,
		UserID: m.owner, ActionType: protocol.AuditGuildUpdate}
	if err := e.st.PutAuditEntry(ctx, old); err != nil {
		t.Fatal(err)
	}
	all, err := e.r.AuditLog(ctx, gid, m.mod, AuditQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range all.Entries {
		if en.ID == old.ID {
			t.Fatal("an entry older than 45 days was returned")
		}
	}
}
