package guild

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// listClient is a client's copy of one member list, fed only the
// GUILD_MEMBER_LIST_UPDATEs a session got, applied as Discord's client
// applies them. Each item is "group:<id>" or "member:<user id>".
type listClient struct {
	id     string
	items  []string
	groups []protocol.MemberListGroup
	seen   int // updates applied
}

func itemLabel(t *testing.T, it protocol.MemberListItem) string {
	t.Helper()
	switch {
	case it.Group != nil:
		return "group:" + it.Group.ID
	case it.Member != nil && it.Member.User != nil:
		return fmt.Sprint("member:", it.Member.User.ID)
	}
	t.Fatalf("empty item %+v", it)
	return ""
}

// feed applies the updates s got since the last feed.
func (c *listClient) feed(t *testing.T, s *fakeSession) {
	t.Helper()
	ds := s.named(protocol.EventGuildMemberListUpdate)
	for _, d := range ds[c.seen:] {
		var u protocol.MemberListUpdate
		if err := json.Unmarshal(d.Data, &u); err != nil {
			t.Fatal(err)
		}
		if c.id != "" && u.ID != c.id {
			t.Fatalf("update of list %q, client holds %q", u.ID, c.id)
		}
		c.id, c.groups = u.ID, u.Groups
		for _, op := range u.Ops {
			switch op.Op {
			case protocol.ListOpSync:
				for i, it := range *op.Items {
					idx := op.Range[0] + i
					for len(c.items) <= idx {
						c.items = append(c.items, "")
					}
					c.items[idx] = itemLabel(t, it)
				}
			case protocol.ListOpInsert:
				c.items = slices.Insert(c.items, *op.Index, itemLabel(t, *op.Item))
			case protocol.ListOpUpdate:
				c.items[*op.Index] = itemLabel(t, *op.Item)
			case protocol.ListOpDelete:
				c.items = slices.Delete(c.items, *op.Index, *op.Index+1)
			case protocol.ListOpInvalidate:
			default:
				t.Fatalf("unknown op %q", op.Op)
			}
		}
	}
	c.seen = len(ds)
}

func labels(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			out = append(out, "group:"+p)
		case chat.ID:
			out = append(out, fmt.Sprint("member:", p))
		}
	}
	return out
}

func online(t *testing.T, e *env, guildID, userID chat.ID, status string) {
	t.Helper()
	if err := e.r.PresenceIn(guildID, userID, "", json.RawMessage(`{"status":"`+status+`","activities":[]}`)); err != nil {
		t.Fatal(err)
	}
}

func (e *env) watch(t *testing.T, guildID chat.ID, s *fakeSession, channels map[chat.ID][]protocol.ListRange) {
	t.Helper()
	if err := e.r.SubscribeMemberList(context.Background(), guildID, s.id, channels); err != nil {
		t.Fatal(err)
	}
	e.sync(guildID)
}

func TestMemberList(t *testing.T) {
	fanoutModes(t, Config{PassiveInterval: time.Hour}, testMemberList)
}

func testMemberList(t *testing.T, e *env, _ bool) {
	ctx := context.Background()
	g, owner, ms := bigGuild(t, e, 4) // m0..m3, sorted before "owner"
	general := *g.SystemChannelID
	hoist := true
	name := "mods"
	mods, err := e.r.CreateRole(ctx, g.ID, owner, RoleEdit{Name: &name, Hoist: &hoist})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.r.SetMemberRole(ctx, g.ID, owner, ms[2], mods.ID, true); err != nil {
		t.Fatal(err)
	}
	online(t, e, g.ID, ms[2], "online")
	online(t, e, g.ID, ms[3], "dnd")
	watcher := e.session(ms[0], allIntents, false)
	e.connect(t, g.ID, watcher, 250)
	for _, u := range []chat.ID{owner, ms[1]} { // enough sessions for relays
		e.connect(t, g.ID, e.session(u, allIntents, false), 250)
	}
	e.watch(t, g.ID, watcher, map[chat.ID][]protocol.ListRange{general: {{0, 99}}})
	c := &listClient{}
	c.feed(t, watcher)
	modsID := fmt.Sprint(mods.ID)
	want := labels(modsID, ms[2], "online", ms[3], "offline", ms[0], ms[1], owner)
	if c.id != protocol.MemberListEveryone || !slices.Equal(c.items, want) {
		t.Fatalf("sync: list %q %v, want everyone %v", c.id, c.items, want)
	}
	wantGroups := []protocol.MemberListGroup{{ID: modsID, Count: 1}, {ID: "online", Count: 1}, {ID: "offline", Count: 3}}
	if !slices.Equal(c.groups, wantGroups) {
		t.Fatalf("groups %+v, want %+v", c.groups, wantGroups)
	}

	steps := []struct {
		name string
		do   func()
		want []string
	}{
		{"m0 comes online", func() { online(t, e, g.ID, ms[0], "idle") },
			labels(modsID, ms[2], "online", ms[0], ms[3], "offline", ms[1], owner)},
		{"m1 gets the hoisted role while offline", func() {
			if err := e.r.SetMemberRole(ctx, g.ID, owner, ms[1], mods.ID, true); err != nil {
				t.Fatal(err)
			}
		}, labels(modsID, ms[2], "online", ms[0], ms[3], "offline", ms[1], owner)},
		{"m1 comes online under mods", func() { online(t, e, g.ID, ms[1], "online") },
			labels(modsID, ms[1], ms[2], "online", ms[0], ms[3], "offline", owner)},
		{"m2 goes offline", func() { online(t, e, g.ID, ms[2], "offline") },
			labels(modsID, ms[1], "online", ms[0], ms[3], "offline", ms[2], owner)},
		{"nick moves m3 after m0... and before", func() {
			nick := "aaa"
			if _, err := e.r.EditMember(ctx, g.ID, owner, ms[3], MemberEdit{Nick: &nick}); err != nil {
				t.Fatal(err)
			}
		}, labels(modsID, ms[1], "online", ms[3], ms[0], "offline", ms[2], owner)},
		{"a new member joins", func() {
			if _, err := e.r.AddMember(ctx, g.ID, e.user("zed", false)); err != nil {
				t.Fatal(err)
			}
		}, nil},
		{"m1 leaves: the mods group goes", func() {
			if err := e.r.RemoveMember(ctx, g.ID, ms[1], ms[1]); err != nil {
				t.Fatal(err)
			}
		}, nil},
	}
	var zed chat.ID
	for _, st := range steps {
		st.do()
		e.sync(g.ID)
		c.feed(t, watcher)
		want := st.want
		switch st.name {
		case "a new member joins":
			zed = lastMember(t, e, g.ID)
			want = labels(modsID, ms[1], "online", ms[3], ms[0], "offline", ms[2], owner, zed)
		case "m1 leaves: the mods group goes":
			want = labels("online", ms[3], ms[0], "offline", ms[2], owner, zed)
		}
		if !slices.Equal(c.items, want) {
			t.Fatalf("%s: client %v, want %v", st.name, c.items, want)
		}
	}
	if want := []protocol.MemberListGroup{{ID: "online", Count: 2}, {ID: "offline", Count: 3}}; !slices.Equal(c.groups, want) {
		t.Fatalf("groups %+v, want %+v", c.groups, want)
	}
}

// lastMember is the member with the highest user ID.
func lastMember(t *testing.T, e *env, guildID chat.ID) chat.ID {
	t.Helper()
	ms, err := e.r.Members(context.Background(), guildID, 0, 0, 1000)
	if err == nil && len(ms) == 0 {
		err = fmt.Errorf("no members")
	}
	if err != nil {
		// Members needs a member as the reader; use the actor directly.
		var id chat.ID
		if err := e.r.call(context.Background(), guildID, func(_ context.Context, a *actor) error {
			ids := a.sortedMemberIDs()
			id = ids[len(ids)-1]
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	return ms[len(ms)-1].User.ID
}

// TestMemberListMustNotSee: a session gets nothing for a channel its user
// cannot see; a private channel's list holds only its viewers, has its
// own id, and hears nothing of members outside it.
func TestMemberListMustNotSee(t *testing.T) {
	e := newEnv(t, Config{PassiveInterval: time.Hour})
	ctx := context.Background()
	g, owner, ms := bigGuild(t, e, 3)
	alice, bob := ms[0], ms[1]
	secret, err := e.r.CreateChannel(ctx, g.ID, owner, ChannelCreate{Name: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.r.PutOverwrite(ctx, secret.ID, owner, chat.Overwrite{ID: g.ID, Type: chat.OverwriteRole, Deny: protocol.PermViewChannel}); err != nil {
		t.Fatal(err)
	}
	if err := e.r.PutOverwrite(ctx, secret.ID, owner, chat.Overwrite{ID: bob, Type: chat.OverwriteMember, Allow: protocol.PermViewChannel}); err != nil {
		t.Fatal(err)
	}
	sAlice := e.session(alice, allIntents, false)
	sBob := e.session(bob, allIntents, false)
	stranger := e.session(e.user("stranger", false), allIntents, false)
	e.connect(t, g.ID, sAlice, 250)
	e.connect(t, g.ID, sBob, 250)
	e.watch(t, g.ID, sAlice, map[chat.ID][]protocol.ListRange{secret.ID: {{0, 99}}})
	e.watch(t, g.ID, stranger, map[chat.ID][]protocol.ListRange{*g.SystemChannelID: {{0, 99}}})
	e.watch(t, g.ID, sBob, map[chat.ID][]protocol.ListRange{secret.ID: {{0, 99}}})
	c := &listClient{}
	c.feed(t, sBob)
	if want := labels("offline", bob, owner); !slices.Equal(c.items, want) {
		t.Fatalf("secret list %v, want %v", c.items, want)
	}
	if c.id == protocol.MemberListEveryone || c.id == "" {
		t.Fatalf("secret list id %q", c.id)
	}
	// Alice's presence and nickname are nobody's business in #secret.
	online(t, e, g.ID, alice, "online")
	nick := "zz"
	if _, err := e.r.EditMember(ctx, g.ID, alice, alice, MemberEdit{Nick: &nick}); err != nil {
		t.Fatal(err)
	}
	online(t, e, g.ID, bob, "online")
	e.sync(g.ID)
	c.feed(t, sBob)
	if want := labels("online", bob, "offline", owner); !slices.Equal(c.items, want) {
		t.Fatalf("secret list %v, want %v", c.items, want)
	}
	for _, d := range sBob.named(protocol.EventGuildMemberListUpdate) {
		if strings.Contains(string(d.Data), fmt.Sprint(alice)) {
			t.Fatalf("bob's secret list mentions alice: %s", d.Data)
		}
	}
	if n := len(sBob.named(protocol.EventGuildMemberListUpdate)); n != 2 {
		t.Fatalf("bob got %d updates, want the sync and his own move", n)
	}
	if got := sAlice.named(protocol.EventGuildMemberListUpdate); len(got) != 0 {
		t.Fatalf("alice got %d updates of a channel she cannot see", len(got))
	}
	if got := stranger.named(protocol.EventGuildMemberListUpdate); len(got) != 0 {
		t.Fatalf("a session not in the guild got %d updates", len(got))
	}

	// Bob loses the channel: he leaves its list and his watch stops.
	if err := e.r.DeleteOverwrite(ctx, secret.ID, owner, bob); err != nil {
		t.Fatal(err)
	}
	online(t, e, g.ID, owner, "online")
	e.sync(g.ID)
	if n := len(sBob.named(protocol.EventGuildMemberListUpdate)); n != 2 {
		t.Fatalf("bob got %d updates after losing the channel", n)
	}
}

// TestMemberListRanges: a change past the end of a session's ranges does
// not reach it; a range it dropped is invalidated; limits are applied.
func TestMemberListRanges(t *testing.T) {
	e := newEnv(t, Config{PassiveInterval: time.Hour})
	g, _, ms := bigGuild(t, e, 8) // offline: m0..m7, owner: items 0..9
	general := *g.SystemChannelID
	s := e.session(ms[0], allIntents, false)
	e.connect(t, g.ID, s, 250)
	e.watch(t, g.ID, s, map[chat.ID][]protocol.ListRange{general: {{0, 3}}})
	c := &listClient{}
	c.feed(t, s)
	if want := labels("offline", ms[0], ms[1], ms[2]); !slices.Equal(c.items, want) {
		t.Fatalf("sync %v, want %v", c.items, want)
	}
	// m7 (index 8) goes to the top: the ops touch index 8 (outside) and 0-1
	// (inside): only the inside ones come.
	online(t, e, g.ID, ms[7], "online")
	e.sync(g.ID)
	ds := s.named(protocol.EventGuildMemberListUpdate)
	if len(ds) != 2 {
		t.Fatalf("%d updates", len(ds))
	}
	var u protocol.MemberListUpdate
	if err := json.Unmarshal(ds[1].Data, &u); err != nil {
		t.Fatal(err)
	}
	for _, op := range u.Ops {
		if op.Index != nil && *op.Index > 3 {
			t.Fatalf("op %s at %d reached a session watching [0,3]", op.Op, *op.Index)
		}
	}
	// m6 (now index 9) goes offline->dnd... online too; a session watching
	// [0,0] is not told of a change at 2.
	s2 := e.session(ms[1], allIntents, false)
	e.connect(t, g.ID, s2, 250)
	e.watch(t, g.ID, s2, map[chat.ID][]protocol.ListRange{general: {{0, 0}}})
	before := len(s2.named(protocol.EventGuildMemberListUpdate))
	online(t, e, g.ID, ms[6], "online") // joins "online" after m7: index 2
	e.sync(g.ID)
	if n := len(s2.named(protocol.EventGuildMemberListUpdate)); n != before {
		t.Fatalf("a change at index 2 reached a session watching [0,0]")
	}
	// Moving the range invalidates the old one.
	e.watch(t, g.ID, s, map[chat.ID][]protocol.ListRange{general: {{4, 7}}})
	ds = s.named(protocol.EventGuildMemberListUpdate)
	if err := json.Unmarshal(ds[len(ds)-1].Data, &u); err != nil {
		t.Fatal(err)
	}
	if len(u.Ops) != 2 || u.Ops[0].Op != protocol.ListOpInvalidate || *u.Ops[0].Range != [2]int{0, 3} ||
		u.Ops[1].Op != protocol.ListOpSync || len(*u.Ops[1].Items) != 4 {
		t.Fatalf("range move: %s", ds[len(ds)-1].Data)
	}
	// No ranges: the channel is no longer watched.
	e.watch(t, g.ID, s, map[chat.ID][]protocol.ListRange{general: {}})
	n := len(s.named(protocol.EventGuildMemberListUpdate))
	online(t, e, g.ID, ms[0], "online")
	e.sync(g.ID)
	if got := len(s.named(protocol.EventGuildMemberListUpdate)); got != n {
		t.Fatal("an unwatched channel still sends updates")
	}
}

// TestMemberListChannelLimit: a session watches at most
// MaxMemberListChannels channels; the oldest goes.
func TestMemberListChannelLimit(t *testing.T) {
	e := newEnv(t, Config{PassiveInterval: time.Hour})
	ctx := context.Background()
	g, owner, ms := bigGuild(t, e, 1)
	s := e.session(ms[0], allIntents, false)
	e.connect(t, g.ID, s, 250)
	var chans []chat.ID
	for i := range protocol.MaxMemberListChannels + 1 {
		ch, err := e.r.CreateChannel(ctx, g.ID, owner, ChannelCreate{Name: fmt.Sprint("c", i)})
		if err != nil {
			t.Fatal(err)
		}
		chans = append(chans, ch.ID)
		e.watch(t, g.ID, s, map[chat.ID][]protocol.ListRange{ch.ID: {{0, 99}}})
	}
	if err := e.r.call(ctx, g.ID, func(_ context.Context, a *actor) error {
		mine := a.ml.watches[s.id]
		if len(mine) != protocol.MaxMemberListChannels || mine[chans[0]] != nil {
			return fmt.Errorf("watching %d channels (first kept: %v)", len(mine), mine[chans[0]] != nil)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// A change outside a session's ranges still changes the counts it shows
// (member_count, online_count, the groups): those reach it, gathered, in
// an update with no ops, and nothing reaches a session the change did
// not make stale.
func TestMemberListCountsReachEveryWatcher(t *testing.T) {
	e := newEnv(t, Config{PassiveInterval: time.Hour, MemberListCountsEvery: 300 * time.Millisecond})
	g, _, ms := bigGuild(t, e, 8) // offline: m0..m7, owner: items 0..9
	general := *g.SystemChannelID
	online(t, e, g.ID, ms[6], "online") // online, m6, offline, m0..m5, m7, owner
	top := e.session(ms[0], allIntents, false)
	e.connect(t, g.ID, top, 250)
	e.watch(t, g.ID, top, map[chat.ID][]protocol.ListRange{general: {{0, 0}}})
	c := &listClient{}
	c.feed(t, top)
	if want := []protocol.MemberListGroup{{ID: "online", Count: 1}, {ID: "offline", Count: 8}}; !slices.Equal(c.groups, want) || len(c.items) != 1 {
		t.Fatalf("sync groups %+v items %v, want %+v", c.groups, c.items, want)
	}
	// m7 goes dnd: it moves from index 10 to 2, after m6; no op reaches
	// index 0, but the counts change.
	online(t, e, g.ID, ms[7], "dnd")
	e.sync(g.ID)
	if n := len(top.named(protocol.EventGuildMemberListUpdate)); n != 1 {
		t.Fatalf("%d updates at once, want only the sync (the counts come gathered)", n)
	}
	want := []protocol.MemberListGroup{{ID: "online", Count: 2}, {ID: "offline", Count: 7}}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.feed(t, top)
		if slices.Equal(c.groups, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("groups %+v after a change outside [0,0], want %+v", c.groups, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
	ds := top.named(protocol.EventGuildMemberListUpdate)
	var u protocol.MemberListUpdate
	if err := json.Unmarshal(ds[len(ds)-1].Data, &u); err != nil {
		t.Fatal(err)
	}
	if len(u.Ops) != 0 || u.OnlineCount != 2 || u.MemberCount != 9 || len(ds) != 2 {
		t.Fatalf("%d updates, the last %s", len(ds), ds[len(ds)-1].Data)
	}
	// An update in place (a nickname that keeps the order) changes no
	// counts: nothing more arrives.
	n := len(top.named(protocol.EventGuildMemberListUpdate))
	nick := "m7 again"
	if _, err := e.r.EditMember(context.Background(), g.ID, ms[7], ms[7], MemberEdit{Nick: &nick}); err != nil {
		t.Fatal(err)
	}
	e.sync(g.ID)
	time.Sleep(700 * time.Millisecond) // two periods
	e.sync(g.ID)
	if got := len(top.named(protocol.EventGuildMemberListUpdate)); got != n {
		t.Fatalf("%d updates after a change that moved no count", got-n)
	}
}
