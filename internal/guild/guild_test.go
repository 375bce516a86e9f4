package guild

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/data"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
	"github.com/accordchat/accord/internal/store/pebble"
)

// fakeSession records what an actor sends it, standing in for a gateway
// session (guild's side of the contract only needs these five methods).
type fakeSession struct {
	id      string
	user    chat.ID
	intents protocol.Intents
	bot     bool

	mu  sync.Mutex
	got []*protocol.Dispatch
}

func (s *fakeSession) ID() string                { return s.id }
func (s *fakeSession) UserID() chat.ID           { return s.user }
func (s *fakeSession) Intents() protocol.Intents { return s.intents }
func (s *fakeSession) Bot() bool                 { return s.bot }
func (s *fakeSession) Send(d *protocol.Dispatch) {
	s.mu.Lock()
	s.got = append(s.got, d)
	s.mu.Unlock()
}
func (s *fakeSession) events() []*protocol.Dispatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*protocol.Dispatch(nil), s.got...)
}

// named returns the events called name.
func (s *fakeSession) named(name string) []*protocol.Dispatch {
	var out []*protocol.Dispatch
	for _, d := range s.events() {
		if d.Name == name {
			out = append(out, d)
		}
	}
	return out
}

type directory struct {
	mu       sync.Mutex
	sessions map[chat.ID][]Session
}

func (d *directory) UserSessions(id chat.ID) []Session {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sessions[id]
}

type env struct {
	t   testing.TB
	r   *Registry
	st  store.Store
	ids *snowflake.Generator
	dir *directory
	// data is the registry's data service: tests that write messages,
	// reactions or pins behind the registry's back go through it, as the
	// server's code must (it caches what it sees written).
	data *data.Service
}

func newEnv(t testing.TB, cfg Config) *env {
	t.Helper()
	return newEnvWrapped(t, cfg, nil)
}

// newEnvWrapped is newEnv whose registry reaches the store through
// wrap(store) (nil: directly); env.st stays the store itself.
func newEnvWrapped(t testing.TB, cfg Config, wrap func(store.Store) store.Store) *env {
	t.Helper()
	st, err := pebble.New(pebble.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ids, _ := snowflake.New(1, 1)
	ds, _ := data.New(data.Config{Store: st})
	cfg.Store, cfg.Data, cfg.IDs, cfg.Users = st, ds, ids, st
	if wrap != nil {
		cfg.Store = wrap(st)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dir := &directory{sessions: map[chat.ID][]Session{}}
	r.SetDirectory(dir)
	t.Cleanup(func() {
		r.Close()
		_ = st.Close()
	})
	return &env{t: t, r: r, st: st, ids: ids, dir: dir, data: ds}
}

func (e *env) user(name string, bot bool) chat.ID {
	e.t.Helper()
	u := chat.User{ID: e.ids.Next(), Username: name, Bot: bot}
	if err := e.st.CreateUser(context.Background(), u, chat.Credentials{UserID: u.ID}); err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}

func (e *env) session(user chat.ID, intents protocol.Intents, bot bool) *fakeSession {
	s := &fakeSession{id: fmt.Sprintf("s-%d-%d", user, e.ids.Next()), user: user, intents: intents, bot: bot}
	e.dir.mu.Lock()
	e.dir.sessions[user] = append(e.dir.sessions[user], s)
	e.dir.mu.Unlock()
	return s
}

// waitFor polls until f holds.
func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// sync waits until every event queued so far in the guild has been handed
// to sessions: a call returns only after the actor ran it, events with
// nothing in flight are handed out synchronously, and the barrier waits for
// relays to hand out what they were sent.
func (e *env) sync(guildID chat.ID) {
	e.t.Helper()
	if err := e.r.call(context.Background(), guildID, func(_ context.Context, a *actor) error { a.barrier(); return nil }); err != nil {
		e.t.Fatal(err)
	}
}

const allIntents = protocol.IntentsAll

func TestConnectSendsGuildCreateThenEventsInOrder(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	owner := e.user("owner", false)
	g, err := e.r.CreateGuild(ctx, owner, "ordered")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.r.Connect(ctx, g.ID, e.session(owner, 0, false), 50); err != nil { // no intents: GUILD_CREATE only
		t.Fatal(err)
	}
	s := e.session(owner, allIntents, false)
	if err := e.r.Connect(ctx, g.ID, s, 50); err != nil {
		t.Fatal(err)
	}
	e.sync(g.ID)
	evs := s.events()
	if len(evs) != 1 || evs[0].Name != "GUILD_CREATE" {
		t.Fatalf("first events %v", evs)
	}
	var gc struct {
		ID          chat.ID `json:"id"`
		Unavailable *bool   `json:"unavailable"`
		MemberCount int     `json:"member_count"`
		Channels    []struct {
			ID      chat.ID `json:"id"`
			GuildID chat.ID `json:"guild_id"`
		} `json:"channels"`
		Members []json.RawMessage `json:"members"`
		Roles   []json.RawMessage `json:"roles"`
	}
	if err := json.Unmarshal(evs[0].Data, &gc); err != nil {
		t.Fatal(err)
	}
	if gc.ID != g.ID || gc.Unavailable == nil || *gc.Unavailable || gc.MemberCount != 1 || len(gc.Channels) != 1 ||
		gc.Channels[0].GuildID != g.ID || len(gc.Members) != 1 || len(gc.Roles) != 1 {
		t.Fatalf("GUILD_CREATE %s", evs[0].Data)
	}
	ch := gc.Channels[0].ID

	// Concurrent writers: MESSAGE_CREATEs reach the session in ID order
	// (the order the actor applied them), each exactly once.
	var wg sync.WaitGroup
	const writers, each = 4, 25
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if _, err := e.r.CreateMessage(ctx, ch, owner, MessageCreate{Content: fmt.Sprintf("w%d m%d", w, i)}); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	e.sync(g.ID)
	msgs := s.named("MESSAGE_CREATE")
	if len(msgs) != writers*each {
		t.Fatalf("got %d MESSAGE_CREATE, want %d", len(msgs), writers*each)
	}
	var last chat.ID
	for _, d := range msgs {
		var m struct {
			ID      chat.ID `json:"id"`
			GuildID chat.ID `json:"guild_id"`
			Member  *struct {
				Roles []chat.ID `json:"roles"`
			} `json:"member"`
		}
		if err := json.Unmarshal(d.Data, &m); err != nil {
			t.Fatal(err)
		}
		if m.ID <= last || m.GuildID != g.ID || m.Member == nil {
			t.Fatalf("out of order or incomplete: %s after %d", d.Data, last)
		}
		last = m.ID
	}
}

func TestCreateMessageReplyBytesEqualDispatch(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	owner := e.user("owner", false)
	g, _ := e.r.CreateGuild(ctx, owner, "same bytes")
	s := e.session(owner, allIntents, false)
	if err := e.r.Connect(ctx, g.ID, s, 50); err != nil {
		t.Fatal(err)
	}
	body, err := e.r.CreateMessage(ctx, *g.SystemChannelID, owner, MessageCreate{Content: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	e.sync(g.ID)
	got := s.named("MESSAGE_CREATE")
	if len(got) != 1 || string(got[0].Data) != string(body) {
		t.Fatalf("dispatch %v\nreply    %s", got, body)
	}
}

func TestFanOutFiltering(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	owner := e.user("owner", false)
	member := e.user("member", false)
	hidden := e.user("hidden", false)
	bot := e.user("bot", true)
	g, _ := e.r.CreateGuild(ctx, owner, "filter")
	ch := *g.SystemChannelID
	for _, u := range []chat.ID{member, hidden, bot} {
		if _, err := e.r.AddMember(ctx, g.ID, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.r.PutOverwrite(ctx, ch, owner, chat.Overwrite{ID: hidden, Type: chat.OverwriteMember, Deny: protocol.PermViewChannel}); err != nil {
		t.Fatal(err)
	}
	sMember := e.session(member, allIntents, false)
	sNoMsgIntent := e.session(member, protocol.IntentGuilds, false)
	sHidden := e.session(hidden, allIntents, false)
	sBot := e.session(bot, protocol.IntentGuilds|protocol.IntentGuildMessages, true)
	sBotContent := e.session(bot, protocol.IntentGuilds|protocol.IntentGuildMessages|protocol.IntentMessageContent, true)
	for _, s := range []*fakeSession{sMember, sNoMsgIntent, sHidden, sBot, sBotContent} {
		if err := e.r.Connect(ctx, g.ID, s, 50); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.r.CreateMessage(ctx, ch, owner, MessageCreate{Content: "secret stuff"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.CreateMessage(ctx, ch, owner, MessageCreate{Content: fmt.Sprintf("hey <@%d>", bot)}); err != nil {
		t.Fatal(err)
	}
	e.sync(g.ID)
	content := func(s *fakeSession) []string {
		var out []string
		for _, d := range s.named("MESSAGE_CREATE") {
			var m struct {
				Content string `json:"content"`
			}
			_ = json.Unmarshal(d.Data, &m)
			out = append(out, m.Content)
		}
		return out
	}
	if got := content(sMember); len(got) != 2 || got[0] != "secret stuff" {
		t.Errorf("member got %q", got)
	}
	if got := content(sNoMsgIntent); len(got) != 0 {
		t.Errorf("session without GUILD_MESSAGES got %q", got)
	}
	if got := content(sHidden); len(got) != 0 {
		t.Errorf("member without VIEW_CHANNEL got %q", got)
	}
	if got := content(sBot); len(got) != 2 || got[0] != "" || got[1] == "" {
		t.Errorf("bot without MESSAGE_CONTENT got %q (want empty, then the mention)", got)
	}
	if got := content(sBotContent); len(got) != 2 || got[0] != "secret stuff" {
		t.Errorf("bot with MESSAGE_CONTENT got %q", got)
	}
	// The stripped variant is encoded once and shared, not per session.
	if a, b := sBot.named("MESSAGE_CREATE")[1], sBotContent.named("MESSAGE_CREATE")[1]; a != b {
		t.Error("mentioned bot should share the full dispatch")
	}

	// Removing the overwrite makes the channel visible at once.
	if err := e.r.DeleteOverwrite(ctx, ch, owner, hidden); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.CreateMessage(ctx, ch, owner, MessageCreate{Content: "now visible"}); err != nil {
		t.Fatal(err)
	}
	e.sync(g.ID)
	if got := content(sHidden); len(got) != 1 || got[0] != "now visible" {
		t.Errorf("after overwrite removal hidden got %q", got)
	}
	// And a role overwrite hides it again for everyone without the role.
	if err := e.r.PutOverwrite(ctx, ch, owner, chat.Overwrite{ID: g.ID, Type: chat.OverwriteRole, Deny: protocol.PermViewChannel}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.CreateMessage(ctx, ch, owner, MessageCreate{Content: "owner only"}); err != nil {
		t.Fatal(err)
	}
	e.sync(g.ID)
	if got := content(sMember); len(got) != 3 {
		t.Errorf("@everyone deny: member got %q (want the 3 before the deny)", got)
	}
	// TYPING_START needs GUILD_MESSAGE_TYPING.
	if err := e.r.Typing(ctx, ch, owner); err != nil {
		t.Fatal(err)
	}
	e.sync(g.ID)
	if len(sBot.named("TYPING_START")) != 0 {
		t.Error("typing without the intent")
	}
}

func TestJoinLeaveAndGuildEvents(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	owner := e.user("owner", false)
	bob := e.user("bob", false)
	sOwner := e.session(owner, allIntents, false)
	g, _ := e.r.CreateGuild(ctx, owner, "joins")
	e.sync(g.ID)
	if len(sOwner.named("GUILD_CREATE")) != 1 {
		t.Fatalf("owner's live session not subscribed on create: %v", sOwner.events())
	}
	sBob := e.session(bob, allIntents, false)
	if err := e.r.Connect(ctx, g.ID, sBob, 50); !errors.Is(err, chat.ErrMissingAccess) {
		t.Fatalf("non-member connect: %v", err)
	}
	if _, err := e.r.AddMember(ctx, g.ID, bob); err != nil {
		t.Fatal(err)
	}
	e.sync(g.ID)
	if len(sBob.named("GUILD_CREATE")) != 1 || len(sOwner.named("GUILD_MEMBER_ADD")) != 1 {
		t.Fatalf("join: bob %v owner %v", sBob.events(), sOwner.events())
	}
	if _, err := e.r.CreateRole(ctx, g.ID, owner, RoleEdit{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.EditGuild(ctx, g.ID, owner, GuildEdit{}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.CreateChannel(ctx, g.ID, owner, ChannelCreate{Name: "two"}); err != nil {
		t.Fatal(err)
	}
	e.sync(g.ID)
	for _, name := range []string{"GUILD_ROLE_CREATE", "GUILD_UPDATE", "CHANNEL_CREATE"} {
		if len(sBob.named(name)) != 1 {
			t.Errorf("bob missed %s", name)
		}
	}
	// Kick: bob's session gets GUILD_DELETE and nothing afterwards.
	if err := e.r.RemoveMember(ctx, g.ID, owner, bob); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.CreateMessage(ctx, *g.SystemChannelID, owner, MessageCreate{Content: "after kick"}); err != nil {
		t.Fatal(err)
	}
	e.sync(g.ID)
	evs := sBob.events()
	if evs[len(evs)-1].Name != "GUILD_DELETE" {
		t.Fatalf("bob's last event %s", evs[len(evs)-1].Name)
	}
	if len(sOwner.named("GUILD_MEMBER_REMOVE")) != 1 {
		t.Error("owner missed GUILD_MEMBER_REMOVE")
	}
	// Disconnect stops delivery.
	e.r.Disconnect(g.ID, sOwner.ID())
	e.sync(g.ID)
	n := len(sOwner.events())
	if _, err := e.r.CreateMessage(ctx, *g.SystemChannelID, owner, MessageCreate{Content: "after disconnect"}); err != nil {
		t.Fatal(err)
	}
	e.sync(g.ID)
	if len(sOwner.events()) != n {
		t.Error("disconnected session still receives")
	}
}

func TestPresenceAndRequestMembers(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	owner := e.user("owner", false)
	alice := e.user("alice", false)
	albert := e.user("albert", false)
	g, _ := e.r.CreateGuild(ctx, owner, "presence")
	for _, u := range []chat.ID{alice, albert} {
		if _, err := e.r.AddMember(ctx, g.ID, u); err != nil {
			t.Fatal(err)
		}
	}
	withP := e.session(owner, allIntents, false)
	withoutP := e.session(owner, protocol.IntentGuilds, false)
	for _, s := range []*fakeSession{withP, withoutP} {
		if err := e.r.Connect(ctx, g.ID, s, 50); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.r.UpdatePresence(ctx, alice, json.RawMessage(`{"status":"online","activities":[],"afk":false,"since":null}`)); err != nil {
		t.Fatal(err)
	}
	e.sync(g.ID)
	if len(withP.named("PRESENCE_UPDATE")) != 1 || len(withoutP.named("PRESENCE_UPDATE")) != 0 {
		t.Fatalf("presence fan-out: %v / %v", withP.events(), withoutP.events())
	}
	ms, notFound, err := e.r.RequestMembers(ctx, g.ID, MembersRequest{Query: "AL", Limit: 10})
	if err != nil || len(ms) != 2 || len(notFound) != 0 {
		t.Fatalf("query: %d %v %v", len(ms), notFound, err)
	}
	ms, notFound, err = e.r.RequestMembers(ctx, g.ID, MembersRequest{UserIDs: []chat.ID{alice, 42}})
	if err != nil || len(ms) != 1 || len(notFound) != 1 || notFound[0] != 42 {
		t.Fatalf("user_ids: %d %v %v", len(ms), notFound, err)
	}
	if _, _, err := e.r.RequestMembers(ctx, g.ID, MembersRequest{UserID: 42}); !errors.Is(err, chat.ErrMissingAccess) {
		t.Fatalf("outsider request: %v", err)
	}
	// GUILD_CREATE without GUILD_PRESENCES carries only the user itself.
	var gc struct {
		Members []json.RawMessage `json:"members"`
		Large   bool              `json:"large"`
	}
	_ = json.Unmarshal(withoutP.named("GUILD_CREATE")[0].Data, &gc)
	if len(gc.Members) != 1 || gc.Large {
		t.Errorf("members without presences intent: %d", len(gc.Members))
	}
	_ = json.Unmarshal(withP.named("GUILD_CREATE")[0].Data, &gc)
	if len(gc.Members) != 3 {
		t.Errorf("members with presences intent: %d", len(gc.Members))
	}
}

func TestInboxFull(t *testing.T) {
	e := newEnv(t, Config{InboxSize: 1})
	ctx := context.Background()
	owner := e.user("owner", false)
	g, _ := e.r.CreateGuild(ctx, owner, "busy")
	block, started := make(chan struct{}), make(chan struct{})
	if err := e.r.push(g.ID, func(a *actor) { close(started); <-block }); err != nil {
		t.Fatal(err)
	}
	<-started
	if err := e.r.push(g.ID, func(a *actor) {}); err != nil { // fills the one slot
		t.Fatal(err)
	}
	_, err := e.r.CreateMessage(ctx, *g.SystemChannelID, owner, MessageCreate{Content: "x"})
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("push to a full inbox: %v, want ErrBusy", err)
	}
	close(block)
	e.r.mu.RLock()
	a := e.r.actors[g.ID]
	e.r.mu.RUnlock()
	waitFor(t, "inbox to drain", func() bool { return len(a.inbox) == 0 })
	if _, err := e.r.CreateMessage(ctx, *g.SystemChannelID, owner, MessageCreate{Content: "x"}); err != nil {
		t.Fatalf("after draining: %v", err)
	}
}

func TestIdleActorStopsAndRestarts(t *testing.T) {
	e := newEnv(t, Config{IdleTimeout: 20 * time.Millisecond})
	ctx := context.Background()
	owner := e.user("owner", false)
	g, _ := e.r.CreateGuild(ctx, owner, "idle")
	running := func() bool {
		e.r.mu.RLock()
		defer e.r.mu.RUnlock()
		return e.r.actors[g.ID] != nil
	}
	waitFor(t, "idle actor to stop", func() bool { return !running() })
	// The next call starts it again from the store.
	if _, err := e.r.CreateMessage(ctx, *g.SystemChannelID, owner, MessageCreate{Content: "back"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.Guild(ctx, 999, owner, false); !errors.Is(err, chat.ErrUnknownGuild) {
		t.Fatalf("unknown guild: %v", err)
	}
}

func TestMentionTokens(t *testing.T) {
	users, roles := mentionTokens("<@1> <@!2> <@&3> <@1> <@> <@x> <@4 <@&99999999999999999999999>")
	if fmt.Sprint(users) != "[1 2]" || fmt.Sprint(roles) != "[3]" {
		t.Fatalf("users %v roles %v", users, roles)
	}
}

// TestEveryMutationDispatches walks the REST-visible changes and checks
// each produces its gateway event, in order, with guild_id where Discord
// sends it.
func TestEveryMutationDispatches(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	owner := e.user("owner", false)
	bob := e.user("bob", false)
	g, _ := e.r.CreateGuild(ctx, owner, "events")
	ch := *g.SystemChannelID
	s := e.session(owner, allIntents, false)
	if err := e.r.Connect(ctx, g.ID, s, 50); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := e.r.AddMember(ctx, g.ID, bob)
	must(err)
	name := "renamed"
	_, err = e.r.EditGuild(ctx, g.ID, owner, GuildEdit{Name: &name})
	must(err)
	c2, err := e.r.CreateChannel(ctx, g.ID, owner, ChannelCreate{Name: "two"})
	must(err)
	_, err = e.r.EditChannel(ctx, c2.ID, owner, ChannelEdit{Name: &name})
	must(err)
	_, err = e.r.DeleteChannel(ctx, c2.ID, owner)
	must(err)
	ro, err := e.r.CreateRole(ctx, g.ID, owner, RoleEdit{})
	must(err)
	_, err = e.r.EditRole(ctx, g.ID, owner, ro.ID, RoleEdit{Name: &name})
	must(err)
	must(e.r.SetMemberRole(ctx, g.ID, owner, bob, ro.ID, true))
	must(e.r.DeleteRole(ctx, g.ID, owner, ro.ID))
	m1, err := e.r.CreateMessage(ctx, ch, owner, MessageCreate{Content: "one"})
	must(err)
	var msg struct {
		ID chat.ID `json:"id"`
	}
	_ = json.Unmarshal(m1, &msg)
	edited := "one, edited"
	_, err = e.r.EditMessage(ctx, ch, msg.ID, owner, MessageEdit{Content: &edited})
	must(err)
	must(e.r.DeleteMessage(ctx, ch, msg.ID, owner))
	// Bulk delete ignores IDs of no message (1 and 2), so it needs two
	// real ones to dispatch.
	var bulk []chat.ID
	for range 2 {
		b, err := e.r.CreateMessage(ctx, ch, owner, MessageCreate{Content: "bulk"})
		must(err)
		_ = json.Unmarshal(b, &msg)
		bulk = append(bulk, msg.ID)
	}
	must(e.r.BulkDeleteMessages(ctx, ch, owner, append(bulk, 1, 2)))
	must(e.r.Typing(ctx, ch, owner))
	must(e.r.RemoveMember(ctx, g.ID, owner, bob))
	must(e.r.DeleteGuild(ctx, g.ID, owner))
	e.r.Disconnect(g.ID, s.ID()) // harmless after GUILD_DELETE

	// The owner holds VIEW_AUDIT_LOG: each recorded change is followed
	// by its audit log entry.
	const audit = "GUILD_AUDIT_LOG_ENTRY_CREATE"
	want := []string{"GUILD_CREATE", "GUILD_MEMBER_ADD", "GUILD_UPDATE", audit, "CHANNEL_CREATE", audit, "CHANNEL_UPDATE", audit,
		"CHANNEL_DELETE", audit, "GUILD_ROLE_CREATE", audit, "GUILD_ROLE_UPDATE", audit, "GUILD_MEMBER_UPDATE", audit,
		"GUILD_ROLE_DELETE", audit,
		"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "MESSAGE_CREATE", "MESSAGE_CREATE", "MESSAGE_DELETE_BULK", audit,
		"TYPING_START", "GUILD_MEMBER_REMOVE", audit, "GUILD_DELETE"}
	var got []string
	for _, d := range s.events() {
		got = append(got, d.Name)
		var body struct {
			GuildID *chat.ID `json:"guild_id"`
			ID      chat.ID  `json:"id"`
		}
		_ = json.Unmarshal(d.Data, &body)
		switch d.Name {
		case "GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE":
			if body.ID != g.ID {
				t.Errorf("%s: id %d", d.Name, body.ID)
			}
		default:
			if body.GuildID == nil || *body.GuildID != g.ID {
				t.Errorf("%s without guild_id: %s", d.Name, d.Data)
			}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("events\n got %v\nwant %v", got, want)
	}
}

func TestUserChangedSendsUserUpdate(t *testing.T) {
	e := newEnv(t, Config{})
	id := e.user("old", false)
	s := e.session(id, 0, false)
	// The caller (PATCH /users/@me) updates the store, which here is
	// Config.Users, before telling the registry.
	nu := chat.User{ID: id, Username: "new"}
	if err := e.st.UpdateUser(context.Background(), nu); err != nil {
		t.Fatal(err)
	}
	e.r.UserChanged(nu)
	evs := s.named("USER_UPDATE")
	if len(evs) != 1 || !strings.Contains(string(evs[0].Data), `"username":"new"`) {
		t.Fatalf("USER_UPDATE %v", evs)
	}
	u, err := e.r.User(context.Background(), id)
	if err != nil || u.Username != "new" {
		t.Fatalf("cached user %+v %v", u, err)
	}
}
