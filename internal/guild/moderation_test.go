package guild

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// clock is an injectable Config.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// modGuild is a guild with an owner, a moderator whose role (position 2)
// carries perms, a junior (role at position 1, no extra permissions) and
// two plain members.
type modGuild struct {
	g                              protocol.Guild
	ch                             chat.ID
	owner, mod, junior, bob, carol chat.ID
	modRole, juniorRole            chat.ID
}

func newModGuild(t *testing.T, e *env, perms protocol.Permission) modGuild {
	t.Helper()
	ctx := context.Background()
	var m modGuild
	m.owner, m.mod, m.junior = e.user("owner", false), e.user("mod", false), e.user("junior", false)
	m.bob, m.carol = e.user("bob", false), e.user("carol", false)
	g, err := e.r.CreateGuild(ctx, m.owner, "moderated")
	if err != nil {
		t.Fatal(err)
	}
	m.g, m.ch = g, *g.SystemChannelID
	for _, u := range []chat.ID{m.mod, m.junior, m.bob, m.carol} {
		if _, err := e.r.AddMember(ctx, g.ID, u); err != nil {
			t.Fatal(err)
		}
	}
	name, none := "mod", uint64(protocol.PermDefaultEveryone)
	p := uint64(perms) | none
	ro, err := e.r.CreateRole(ctx, g.ID, m.owner, RoleEdit{Name: &name, Permissions: &p})
	if err != nil {
		t.Fatal(err)
	}
	jname := "junior"
	jr, err := e.r.CreateRole(ctx, g.ID, m.owner, RoleEdit{Name: &jname, Permissions: &none})
	if err != nil {
		t.Fatal(err)
	}
	m.modRole, m.juniorRole = ro.ID, jr.ID
	if err := e.r.SetMemberRole(ctx, g.ID, m.owner, m.mod, ro.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := e.r.SetMemberRole(ctx, g.ID, m.owner, m.junior, jr.ID, true); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBanRemovesMemberEventsAndBlocksRejoin(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	m := newModGuild(t, e, protocol.PermBanMembers)
	gid := m.g.ID
	modS := e.session(m.mod, allIntents, false)
	noIntent := e.session(m.mod, allIntents&^protocol.IntentGuildModeration, false)
	carolS := e.session(m.carol, allIntents, false)
	bobS := e.session(m.bob, allIntents, false)
	for _, s := range []*fakeSession{modS, noIntent, carolS, bobS} {
		if err := e.r.Connect(ctx, gid, s, 250); err != nil {
			t.Fatal(err)
		}
	}

	// Who may not ban whom.
	cases := []struct {
		name         string
		user, target chat.ID
		want         error
	}{
		{"NoPermission", m.carol, m.bob, chat.ErrMissingPerms},
		{"NonMember", e.user("stranger", false), m.bob, chat.ErrMissingAccess},
		{"Owner", m.mod, m.owner, chat.ErrMissingPerms},
		{"Self", m.mod, m.mod, chat.ErrMissingPerms},
		{"OwnerSelf", m.owner, m.owner, chat.ErrMissingPerms},
		{"UnknownUser", m.mod, e.ids.Next(), chat.ErrUnknownUser},
	}
	for _, c := range cases {
		if err := e.r.CreateBan(ctx, gid, c.user, c.target, BanRequest{}); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", c.name, err, c.want)
		}
	}
	// A moderator cannot ban a member whose top role is at or above theirs.
	if err := e.r.SetMemberRole(ctx, gid, m.owner, m.carol, m.modRole, true); err != nil {
		t.Fatal(err)
	}
	if err := e.r.CreateBan(ctx, gid, m.mod, m.carol, BanRequest{}); !errors.Is(err, chat.ErrMissingPerms) {
		t.Errorf("equal role: err = %v", err)
	}
	if err := e.r.SetMemberRole(ctx, gid, m.owner, m.carol, m.modRole, false); err != nil {
		t.Fatal(err)
	}
	if bans, err := e.st.GuildBans(ctx, gid, 0, 0); err != nil || len(bans) != 0 {
		t.Fatalf("refused bans stored: %v %v", bans, err)
	}
	e.sync(gid)
	if got := modS.named(protocol.EventGuildBanAdd); len(got) != 0 {
		t.Fatalf("GUILD_BAN_ADD for refused bans: %v", got)
	}

	if err := e.r.CreateBan(ctx, gid, m.mod, m.bob, BanRequest{Reason: "spam"}); err != nil {
		t.Fatal(err)
	}
	e.sync(gid)
	adds := modS.named(protocol.EventGuildBanAdd)
	if len(adds) != 1 {
		t.Fatalf("moderator's GUILD_BAN_ADD: %d", len(adds))
	}
	var ev protocol.GuildBanEvent
	if err := json.Unmarshal(adds[0].Data, &ev); err != nil || ev.GuildID != gid || ev.User.ID != m.bob {
		t.Fatalf("GUILD_BAN_ADD %s (%v)", adds[0].Data, err)
	}
	// Must not see: a session without GUILD_MODERATION, a member without
	// BAN_MEMBERS or VIEW_AUDIT_LOG.
	if got := noIntent.named(protocol.EventGuildBanAdd); len(got) != 0 {
		t.Errorf("session without GUILD_MODERATION got %d GUILD_BAN_ADD", len(got))
	}
	if got := carolS.named(protocol.EventGuildBanAdd); len(got) != 0 {
		t.Errorf("member without BAN_MEMBERS got %d GUILD_BAN_ADD", len(got))
	}
	if got := carolS.named(protocol.EventGuildMemberRemove); len(got) != 1 {
		t.Errorf("GUILD_MEMBER_REMOVE to members: %d", len(got))
	}
	// The banned member is gone, with a GUILD_DELETE to their sessions,
	// and gets none of the guild's events after it.
	if got := bobS.named(protocol.EventGuildDelete); len(got) != 1 {
		t.Fatalf("banned member's GUILD_DELETE: %d", len(got))
	}
	if _, err := e.r.Member(ctx, gid, m.owner, m.bob); !errors.Is(err, chat.ErrUnknownMember) {
		t.Fatalf("banned user still a member: %v", err)
	}
	before := len(bobS.events())
	if _, err := e.r.CreateMessage(ctx, m.ch, m.owner, MessageCreate{Content: "after the ban"}); err != nil {
		t.Fatal(err)
	}
	e.sync(gid)
	if got := len(bobS.events()); got != before {
		t.Fatalf("banned user's session got %d events after the ban", got-before)
	}
	if _, err := e.r.Messages(ctx, m.ch, m.bob, storePage(10)); !errors.Is(err, chat.ErrMissingAccess) {
		t.Fatalf("banned user reads history: %v", err)
	}
	// No way back in while banned.
	if _, err := e.r.AddMember(ctx, gid, m.bob); err == nil {
		t.Fatal("banned user rejoined")
	} else {
		wantAPICode(t, "rejoin", err, protocol.CodeUserBanned)
	}
	b, err := e.r.Ban(ctx, gid, m.mod, m.bob)
	if err != nil || b.User.ID != m.bob || b.Reason == nil || *b.Reason != "spam" {
		t.Fatalf("ban %+v %v", b, err)
	}
	if _, err := e.r.Ban(ctx, gid, m.carol, m.bob); !errors.Is(err, chat.ErrMissingPerms) {
		t.Fatalf("ban read without BAN_MEMBERS: %v", err)
	}

	// Lifting it: only with BAN_MEMBERS; GUILD_BAN_REMOVE; then the user
	// may join again; lifting twice is 10026.
	if err := e.r.RemoveBan(ctx, gid, m.carol, m.bob); !errors.Is(err, chat.ErrMissingPerms) {
		t.Fatalf("unban without BAN_MEMBERS: %v", err)
	}
	if err := e.r.RemoveBan(ctx, gid, m.mod, m.bob); err != nil {
		t.Fatal(err)
	}
	e.sync(gid)
	if got := modS.named(protocol.EventGuildBanRemove); len(got) != 1 {
		t.Fatalf("GUILD_BAN_REMOVE: %d", len(got))
	}
	if got := carolS.named(protocol.EventGuildBanRemove); len(got) != 0 {
		t.Fatalf("member without BAN_MEMBERS got GUILD_BAN_REMOVE")
	}
	err = e.r.RemoveBan(ctx, gid, m.mod, m.bob)
	wantAPICode(t, "unban twice", err, protocol.CodeUnknownBan)
	_, err = e.r.Ban(ctx, gid, m.mod, m.bob)
	wantAPICode(t, "lifted ban", err, protocol.CodeUnknownBan)
	if added, err := e.r.AddMember(ctx, gid, m.bob); err != nil || !added {
		t.Fatalf("rejoin after unban: %v %v", added, err)
	}
}

func storePage(limit int) store.Page { return store.Page{Limit: limit} }

// A user with VIEW_AUDIT_LOG but not BAN_MEMBERS gets ban events too
// (Discord's rule), and a non-member can be banned ahead of joining.
func TestBanEventsToAuditLogViewersAndNonMemberBan(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	m := newModGuild(t, e, protocol.PermBanMembers)
	gid := m.g.ID
	auditName, auditPerms := "auditor", uint64(protocol.PermViewAuditLog)
	ro, err := e.r.CreateRole(ctx, gid, m.owner, RoleEdit{Name: &auditName, Permissions: &auditPerms})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.r.SetMemberRole(ctx, gid, m.owner, m.carol, ro.ID, true); err != nil {
		t.Fatal(err)
	}
	carolS := e.session(m.carol, allIntents, false)
	if err := e.r.Connect(ctx, gid, carolS, 250); err != nil {
		t.Fatal(err)
	}
	outsider := e.user("outsider", false)
	if err := e.r.CreateBan(ctx, gid, m.mod, outsider, BanRequest{}); err != nil {
		t.Fatal(err)
	}
	e.sync(gid)
	if got := carolS.named(protocol.EventGuildBanAdd); len(got) != 1 {
		t.Fatalf("VIEW_AUDIT_LOG holder's GUILD_BAN_ADD: %d", len(got))
	}
	_, err = e.r.AddMember(ctx, gid, outsider)
	wantAPICode(t, "banned outsider joins", err, protocol.CodeUserBanned)
}

func TestBansPageAndSurviveReload(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	m := newModGuild(t, e, protocol.PermBanMembers)
	gid := m.g.ID
	var users []chat.ID
	for range 5 {
		u := e.user("u"+e.ids.Next().String(), false)
		if err := e.r.CreateBan(ctx, gid, m.mod, u, BanRequest{}); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	slices.Sort(users)
	page := func(p BanPage) []chat.ID {
		t.Helper()
		bans, err := e.r.Bans(ctx, gid, m.mod, p)
		if err != nil {
			t.Fatal(err)
		}
		var out []chat.ID
		for _, b := range bans {
			out = append(out, b.User.ID)
		}
		return out
	}
	cases := []struct {
		name string
		p    BanPage
		want []chat.ID
	}{
		{"All", BanPage{Limit: 1000}, users},
		{"Limit2", BanPage{Limit: 2}, users[:2]},
		{"After", BanPage{After: users[1], Limit: 2}, users[2:4]},
		{"Before", BanPage{Before: users[3], Limit: 2}, users[1:3]},
		{"BeforeWins", BanPage{Before: users[1], After: users[3], Limit: 10}, users[:1]},
	}
	for _, c := range cases {
		if got := page(c.p); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if _, err := e.r.Bans(ctx, gid, m.carol, BanPage{Limit: 10}); !errors.Is(err, chat.ErrMissingPerms) {
		t.Fatalf("list without BAN_MEMBERS: %v", err)
	}

	// A registry started afresh on the same store has the bans.
	cfg := e.r.cfg
	r2, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	bans, err := r2.Bans(ctx, gid, m.mod, BanPage{Limit: 1000})
	if err != nil || len(bans) != len(users) {
		t.Fatalf("bans after reload: %d %v", len(bans), err)
	}
	_, err = r2.AddMember(ctx, gid, users[0])
	wantAPICode(t, "banned user joins after reload", err, protocol.CodeUserBanned)
}

func TestBulkBan(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	m := newModGuild(t, e, protocol.PermBanMembers|protocol.PermManageGuild)
	gid := m.g.ID
	outsider := e.user("outsider", false)
	unknown := e.ids.Next()
	if err := e.r.CreateBan(ctx, gid, m.mod, m.carol, BanRequest{}); err != nil {
		t.Fatal(err)
	}
	res, err := e.r.BulkBan(ctx, gid, m.mod, []chat.ID{m.bob, m.owner, m.carol, unknown, outsider, m.junior}, BanRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.BannedUsers, []chat.ID{m.bob, outsider, m.junior}) ||
		!slices.Equal(res.FailedUsers, []chat.ID{m.owner, m.carol, unknown}) {
		t.Fatalf("bulk ban %+v", res)
	}
	_, err = e.r.BulkBan(ctx, gid, m.mod, []chat.ID{m.owner, m.carol}, BanRequest{})
	wantAPICode(t, "nobody banned", err, protocol.CodeBulkBanFailed)

	// BAN_MEMBERS alone is not enough: bulk ban needs MANAGE_GUILD too.
	e2 := newEnv(t, Config{})
	m2 := newModGuild(t, e2, protocol.PermBanMembers)
	if _, err := e2.r.BulkBan(ctx, m2.g.ID, m2.mod, []chat.ID{m2.bob}, BanRequest{}); !errors.Is(err, chat.ErrMissingPerms) {
		t.Fatalf("bulk ban without MANAGE_GUILD: %v", err)
	}
}

// Banning with delete_message_seconds deletes the user's messages of that
// window in every channel (others' and older ones stay), with one
// MESSAGE_DELETE_BULK per channel (MESSAGE_DELETE for a single message)
// to those who can see it, and their attachment blobs released.
func TestBanDeletesRecentMessages(t *testing.T) {
	var gone goneAttachments
	e := newEnv(t, Config{AttachmentsGone: gone.record})
	ctx := context.Background()
	m := newModGuild(t, e, protocol.PermBanMembers)
	gid := m.g.ID
	ch2, err := e.r.CreateChannel(ctx, gid, m.owner, ChannelCreate{Name: "second", Type: chat.ChannelText})
	if err != nil {
		t.Fatal(err)
	}
	s := e.session(m.carol, allIntents, false)
	if err := e.r.Connect(ctx, gid, s, 250); err != nil {
		t.Fatal(err)
	}
	send := func(ch, user chat.ID, req MessageCreate) chat.ID {
		t.Helper()
		b, err := e.r.CreateMessage(ctx, ch, user, req)
		if err != nil {
			t.Fatal(err)
		}
		var msg struct {
			ID chat.ID `json:"id"`
		}
		if err := json.Unmarshal(b, &msg); err != nil {
			t.Fatal(err)
		}
		return msg.ID
	}
	// An hour-old message of bob's, written straight to the store.
	old := chat.Message{ID: snowflake.FromTime(time.Now().Add(-time.Hour)), ChannelID: m.ch, GuildID: gid, AuthorID: m.bob, Content: "old"}
	if err := e.r.data.CreateMessage(ctx, old); err != nil {
		t.Fatal(err)
	}
	att := chat.Attachment{ID: e.ids.Next(), Filename: "a.txt", Size: 1}
	b1 := send(m.ch, m.bob, MessageCreate{Content: "one", Attachments: []chat.Attachment{att}})
	keep := send(m.ch, m.carol, MessageCreate{Content: "carol"})
	b2 := send(m.ch, m.bob, MessageCreate{Content: "two"})
	b3 := send(ch2.ID, m.bob, MessageCreate{Content: "three"})

	if err := e.r.CreateBan(ctx, gid, m.mod, m.bob, BanRequest{DeleteMessages: 10 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	e.sync(gid)
	bulk := s.named(protocol.EventMessageDeleteBulk)
	if len(bulk) != 1 {
		t.Fatalf("MESSAGE_DELETE_BULK: %d", len(bulk))
	}
	var ev protocol.MessageDeleteBulkEvent
	if err := json.Unmarshal(bulk[0].Data, &ev); err != nil {
		t.Fatal(err)
	}
	slices.Sort(ev.IDs)
	if ev.ChannelID != m.ch || !slices.Equal(ev.IDs, []chat.ID{b1, b2}) {
		t.Fatalf("MESSAGE_DELETE_BULK %s", bulk[0].Data)
	}
	single := s.named(protocol.EventMessageDelete)
	if len(single) != 1 {
		t.Fatalf("MESSAGE_DELETE: %d", len(single))
	}
	var del protocol.MessageDeleteEvent
	if err := json.Unmarshal(single[0].Data, &del); err != nil || del.ID != b3 || del.ChannelID != ch2.ID {
		t.Fatalf("MESSAGE_DELETE %s", single[0].Data)
	}
	for _, id := range []chat.ID{b1, b2} {
		if _, err := e.r.data.Message(ctx, m.ch, id); !errors.Is(err, chat.ErrUnknownMessage) {
			t.Errorf("message %d survived the ban: %v", id, err)
		}
	}
	for _, id := range []chat.ID{old.ID, keep} {
		if _, err := e.r.data.Message(ctx, m.ch, id); err != nil {
			t.Errorf("message %d outside the window or of another author was deleted: %v", id, err)
		}
	}
	if got := gone.ids(); !slices.Equal(got, []chat.ID{att.ID}) {
		t.Fatalf("attachments released: %v, want %v", got, att.ID)
	}
}

func TestTimeoutRefusesSendAndReactUntilItEnds(t *testing.T) {
	clk := &clock{now: time.Now()}
	e := newEnv(t, Config{Now: clk.Now})
	ctx := context.Background()
	m := newModGuild(t, e, protocol.PermModerateMembers)
	gid := m.g.ID
	msg, err := e.r.CreateMessage(ctx, m.ch, m.owner, MessageCreate{Content: "react to me"})
	if err != nil {
		t.Fatal(err)
	}
	var target struct {
		ID chat.ID `json:"id"`
	}
	if err := json.Unmarshal(msg, &target); err != nil {
		t.Fatal(err)
	}
	s := e.session(m.carol, allIntents, false)
	if err := e.r.Connect(ctx, gid, s, 250); err != nil {
		t.Fatal(err)
	}
	until := clk.Now().Add(time.Hour)
	timeout := func(user, targetID chat.ID, t0 *time.Time) error {
		_, err := e.r.EditMember(ctx, gid, user, targetID, MemberEdit{SetTimeout: true, TimeoutUntil: t0})
		return err
	}

	// Who may not time out whom, and for how long.
	tooLong := clk.Now().Add(28*24*time.Hour + time.Minute)
	if err := timeout(m.mod, m.bob, &tooLong); err == nil {
		t.Fatal("timeout beyond 28 days accepted")
	} else {
		wantAPICode(t, "28 days", err, protocol.CodeInvalidFormBody)
	}
	for name, c := range map[string][2]chat.ID{
		"NoPermission": {m.carol, m.bob},
		"Owner":        {m.mod, m.owner},
		"Self":         {m.mod, m.mod},
	} {
		if err := timeout(c[0], c[1], &until); !errors.Is(err, chat.ErrMissingPerms) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	adminName, admin := "admin", uint64(protocol.PermAdministrator)
	ar, err := e.r.CreateRole(ctx, gid, m.owner, RoleEdit{Name: &adminName, Permissions: &admin})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.r.SetMemberRole(ctx, gid, m.owner, m.junior, ar.ID, true); err != nil {
		t.Fatal(err)
	}
	// The admin role sits at position 1, below the moderator's: the
	// hierarchy allows it, but administrators cannot be timed out.
	if err := timeout(m.mod, m.junior, &until); !errors.Is(err, chat.ErrMissingPerms) {
		t.Errorf("administrator timed out: %v", err)
	}

	if err := timeout(m.mod, m.bob, &until); err != nil {
		t.Fatal(err)
	}
	e.sync(gid)
	updates := s.named(protocol.EventGuildMemberUpdate)
	if len(updates) == 0 {
		t.Fatal("no GUILD_MEMBER_UPDATE for the timeout")
	}
	var upd protocol.Member
	if err := json.Unmarshal(updates[len(updates)-1].Data, &upd); err != nil {
		t.Fatal(err)
	}
	if upd.User.ID != m.bob || upd.CommunicationDisabledUntil == nil || *upd.CommunicationDisabledUntil != protocol.Timestamp(until) {
		t.Fatalf("GUILD_MEMBER_UPDATE %s", updates[len(updates)-1].Data)
	}

	// During the timeout: no send, reaction or typing; reading still works.
	if _, err := e.r.CreateMessage(ctx, m.ch, m.bob, MessageCreate{Content: "muted"}); !errors.Is(err, chat.ErrMissingPerms) {
		t.Fatalf("send while timed out: %v", err)
	}
	if err := e.r.AddReaction(ctx, m.ch, target.ID, m.bob, chat.Emoji{Name: "👍"}); !errors.Is(err, chat.ErrMissingPerms) {
		t.Fatalf("react while timed out: %v", err)
	}
	if err := e.r.Typing(ctx, m.ch, m.bob); !errors.Is(err, chat.ErrMissingPerms) {
		t.Fatalf("typing while timed out: %v", err)
	}
	if ms, err := e.r.Messages(ctx, m.ch, m.bob, storePage(10)); err != nil || len(ms) == 0 {
		t.Fatalf("history while timed out: %d %v", len(ms), err)
	}
	// The owner is exempt from nothing here, but the clock ends it.
	clk.advance(time.Hour + time.Second)
	if _, err := e.r.CreateMessage(ctx, m.ch, m.bob, MessageCreate{Content: "free"}); err != nil {
		t.Fatalf("send after the timeout ended: %v", err)
	}
	if err := e.r.AddReaction(ctx, m.ch, target.ID, m.bob, chat.Emoji{Name: "👍"}); err != nil {
		t.Fatalf("react after the timeout ended: %v", err)
	}

	// Lifting a timeout early with null.
	until2 := clk.Now().Add(time.Hour)
	if err := timeout(m.mod, m.bob, &until2); err != nil {
		t.Fatal(err)
	}
	if err := timeout(m.mod, m.bob, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.CreateMessage(ctx, m.ch, m.bob, MessageCreate{Content: "lifted"}); err != nil {
		t.Fatalf("send after the timeout was lifted: %v", err)
	}
}

func TestSlowmode(t *testing.T) {
	clk := &clock{now: time.Now()}
	e := newEnv(t, Config{Now: clk.Now})
	ctx := context.Background()
	m := newModGuild(t, e, protocol.PermManageMessages|protocol.PermManageChannels)
	gid := m.g.ID
	ten := 10
	if _, err := e.r.EditChannel(ctx, m.ch, m.owner, ChannelEdit{RateLimit: &ten}); err != nil {
		t.Fatal(err)
	}
	bypassName, bypass := "bypass", uint64(protocol.PermBypassSlowmode)
	br, err := e.r.CreateRole(ctx, gid, m.owner, RoleEdit{Name: &bypassName, Permissions: &bypass})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.r.SetMemberRole(ctx, gid, m.owner, m.carol, br.ID, true); err != nil {
		t.Fatal(err)
	}
	bot := e.user("bot", true)
	if _, err := e.r.AddMember(ctx, gid, bot); err != nil {
		t.Fatal(err)
	}
	send := func(user chat.ID) error {
		_, err := e.r.CreateMessage(ctx, m.ch, user, MessageCreate{Content: "hi"})
		return err
	}
	if err := send(m.bob); err != nil {
		t.Fatal(err)
	}
	clk.advance(4 * time.Second)
	err = send(m.bob)
	var slow *SlowmodeError
	if !errors.As(err, &slow) || slow.RetryAfter != 6*time.Second {
		t.Fatalf("second message in the window: %v", err)
	}
	// MANAGE_MESSAGES and MANAGE_CHANNELS no longer bypass slowmode.
	for i := range 2 {
		if err := send(m.mod); (i == 0) != (err == nil) {
			t.Fatalf("moderator message %d: %v", i, err)
		}
	}
	// BYPASS_SLOWMODE, the owner (every bit) and bots are unaffected.
	for _, u := range []chat.ID{m.carol, m.owner, bot} {
		for i := range 3 {
			if err := send(u); err != nil {
				t.Fatalf("user %d message %d: %v", u, i, err)
			}
		}
	}
	clk.advance(6 * time.Second)
	if err := send(m.bob); err != nil {
		t.Fatalf("message after the window: %v", err)
	}
	// Ended windows are dropped, so memory stays bounded by recent senders.
	clk.advance(11 * time.Second)
	n, err := ask(ctx, e.r, gid, func(_ context.Context, a *actor) (int, error) {
		a.pruneSlowmode()
		return len(a.slow), nil
	})
	if err != nil || n != 0 {
		t.Fatalf("slowmode entries after every window ended: %d %v", n, err)
	}
}

// Bulk delete ignores IDs of no message, sends one MESSAGE_DELETE_BULK
// with the real ones to those who can see the channel, and takes their
// reactions and attachment blobs with them.
func TestBulkDeleteIgnoresUnknownAndCleansUp(t *testing.T) {
	var gone goneAttachments
	e := newEnv(t, Config{AttachmentsGone: gone.record})
	ctx := context.Background()
	m := newModGuild(t, e, protocol.PermManageMessages)
	gid := m.g.ID
	s := e.session(m.carol, allIntents, false)
	if err := e.r.Connect(ctx, gid, s, 250); err != nil {
		t.Fatal(err)
	}
	att := chat.Attachment{ID: e.ids.Next(), Filename: "x.txt", Size: 1}
	var ids []chat.ID
	for i := range 3 {
		req := MessageCreate{Content: "m"}
		if i == 0 {
			req.Attachments = []chat.Attachment{att}
		}
		b, err := e.r.CreateMessage(ctx, m.ch, m.owner, req)
		if err != nil {
			t.Fatal(err)
		}
		var msg struct {
			ID chat.ID `json:"id"`
		}
		_ = json.Unmarshal(b, &msg)
		ids = append(ids, msg.ID)
	}
	if err := e.r.AddReaction(ctx, m.ch, ids[0], m.carol, chat.Emoji{Name: "x"}); err != nil {
		t.Fatal(err)
	}
	if err := e.r.BulkDeleteMessages(ctx, m.ch, m.carol, ids[:2]); !errors.Is(err, chat.ErrMissingPerms) {
		t.Fatalf("bulk delete without MANAGE_MESSAGES: %v", err)
	}
	unknown := e.ids.Next()
	if err := e.r.BulkDeleteMessages(ctx, m.ch, m.mod, []chat.ID{ids[0], unknown, ids[1]}); err != nil {
		t.Fatal(err)
	}
	e.sync(gid)
	bulk := s.named(protocol.EventMessageDeleteBulk)
	if len(bulk) != 1 {
		t.Fatalf("MESSAGE_DELETE_BULK: %d", len(bulk))
	}
	var ev protocol.MessageDeleteBulkEvent
	if err := json.Unmarshal(bulk[0].Data, &ev); err != nil || !slices.Equal(ev.IDs, ids[:2]) {
		t.Fatalf("MESSAGE_DELETE_BULK %s", bulk[0].Data)
	}
	if rs, err := e.st.Reactions(ctx, m.ch, ids[:1]); err != nil || len(rs) != 0 {
		t.Fatalf("reactions of a deleted message: %v %v", rs, err)
	}
	if _, err := e.r.data.Message(ctx, m.ch, ids[2]); err != nil {
		t.Fatalf("message not named was deleted: %v", err)
	}
	if got := gone.ids(); !slices.Equal(got, []chat.ID{att.ID}) {
		t.Fatalf("attachments released %v", got)
	}
}

// An actor with open slowmode windows does not exit when idle: its windows
// live only in memory, and a fresh actor would let the user send at once.
func TestSlowmodeOutlivesIdleActor(t *testing.T) {
	e := newEnv(t, Config{IdleTimeout: 20 * time.Millisecond})
	ctx := context.Background()
	owner, bob := e.user("owner", false), e.user("bob", false)
	g, err := e.r.CreateGuild(ctx, owner, "idle slowmode")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.AddMember(ctx, g.ID, bob); err != nil {
		t.Fatal(err)
	}
	hour := 3600
	if _, err := e.r.EditChannel(ctx, *g.SystemChannelID, owner, ChannelEdit{RateLimit: &hour}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.CreateMessage(ctx, *g.SystemChannelID, bob, MessageCreate{Content: "one"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // ten idle timeouts
	_, err = e.r.CreateMessage(ctx, *g.SystemChannelID, bob, MessageCreate{Content: "two"})
	var slow *SlowmodeError
	if !errors.As(err, &slow) {
		t.Fatalf("second message after the actor sat idle: %v", err)
	}
}

// goneAttachments records the attachments a registry released
// (Config.AttachmentsGone), which it may call from any goroutine.
type goneAttachments struct {
	mu  sync.Mutex
	all []chat.ID
}

func (g *goneAttachments) record(_ chat.ID, as []chat.Attachment) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, a := range as {
		g.all = append(g.all, a.ID)
	}
}

func (g *goneAttachments) ids() []chat.ID {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.all)
}
