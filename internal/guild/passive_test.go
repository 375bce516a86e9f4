package guild

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// bigGuild creates a guild owned by a new user with extra more members and
// returns it with its owner and the members' IDs.
func bigGuild(t *testing.T, e *env, extra int) (protocol.Guild, chat.ID, []chat.ID) {
	t.Helper()
	ctx := context.Background()
	owner := e.user("owner", false)
	g, err := e.r.CreateGuild(ctx, owner, "big")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]chat.ID, extra)
	for i := range ids {
		ids[i] = e.user(fmt.Sprint("m", i), false)
		if _, err := e.r.AddMember(ctx, g.ID, ids[i]); err != nil {
			t.Fatal(err)
		}
	}
	return g, owner, ids
}

// tick runs a passive update now, as the actor's ticker would, and waits
// until it has been handed out.
func (e *env) tick(guildID chat.ID) {
	e.t.Helper()
	if err := e.r.call(context.Background(), guildID, func(_ context.Context, a *actor) error { a.passiveTick(); return nil }); err != nil {
		e.t.Fatal(err)
	}
	e.sync(guildID)
}

func (e *env) connect(t *testing.T, guildID chat.ID, s *fakeSession, lt int) {
	t.Helper()
	if err := e.r.Connect(context.Background(), guildID, s, lt); err != nil {
		t.Fatal(err)
	}
}

func messageID(t *testing.T, body []byte) chat.ID {
	t.Helper()
	var m struct {
		ID chat.ID `json:"id"`
	}
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	return m.ID
}

func decodePassive(t *testing.T, d *protocol.Dispatch) protocol.PassiveUpdateEvent {
	t.Helper()
	var p protocol.PassiveUpdateEvent
	if err := json.Unmarshal(d.Data, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// fanoutModes runs a test with fan-out in the actor and in relays (a
// threshold of 2 sessions, 2 sessions per relay).
func fanoutModes(t *testing.T, cfg Config, f func(t *testing.T, e *env, relays bool)) {
	for _, relays := range []bool{false, true} {
		t.Run(fmt.Sprintf("relays=%v", relays), func(t *testing.T) {
			c := cfg
			if relays {
				c.RelayThreshold, c.RelaySessions = 2, 2
			} else {
				c.DisableRelays = true
			}
			e := newEnv(t, c)
			f(t, e, relays)
			if (e.r.Relays() > 0) != relays {
				t.Fatalf("%d relays running", e.r.Relays())
			}
		})
	}
}

func TestPassiveUntilSubscribed(t *testing.T) {
	// The ticker is far off: the test runs each passive update itself.
	fanoutModes(t, Config{PassiveInterval: time.Hour}, testPassiveUntilSubscribed)
}

func testPassiveUntilSubscribed(t *testing.T, e *env, relays bool) {
	ctx := context.Background()
	g, owner, ms := bigGuild(t, e, 55) // 56 members > large_threshold 50
	alice, hidden := ms[0], ms[1]
	general := *g.SystemChannelID
	secret, err := e.r.CreateChannel(ctx, g.ID, owner, ChannelCreate{Name: "secret"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.r.PutOverwrite(ctx, secret.ID, owner, chat.Overwrite{ID: g.ID, Type: chat.OverwriteRole, Deny: protocol.PermViewChannel}); err != nil {
		t.Fatal(err)
	}
	if err := e.r.PutOverwrite(ctx, general, owner, chat.Overwrite{ID: hidden, Type: chat.OverwriteMember, Deny: protocol.PermViewChannel}); err != nil {
		t.Fatal(err)
	}
	bot := e.user("bot", true)
	if _, err := e.r.AddMember(ctx, g.ID, bot); err != nil {
		t.Fatal(err)
	}
	a1 := e.session(alice, allIntents, false)
	a2 := e.session(alice, allIntents, false) // same visibility as a1
	sHidden := e.session(hidden, allIntents, false)
	sOwner := e.session(owner, allIntents, false)
	sBot := e.session(bot, allIntents, true)
	sBig := e.session(alice, allIntents, false) // large_threshold 250 > 57 members: never passive
	for _, s := range []*fakeSession{a1, a2, sHidden, sOwner, sBot} {
		e.connect(t, g.ID, s, 50)
	}
	e.connect(t, g.ID, sBig, 250)

	m1, err := e.r.CreateMessage(ctx, general, owner, MessageCreate{Content: "one"})
	if err != nil {
		t.Fatal(err)
	}
	m2, err := e.r.CreateMessage(ctx, secret.ID, owner, MessageCreate{Content: "two"})
	if err != nil {
		t.Fatal(err)
	}
	m3, err := e.r.CreateMessage(ctx, general, bot, MessageCreate{Content: "three"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.r.Typing(ctx, general, owner); err != nil {
		t.Fatal(err)
	}
	edited := "three, edited"
	if _, err := e.r.EditMessage(ctx, general, messageID(t, m3), bot, MessageEdit{Content: &edited}); err != nil {
		t.Fatal(err)
	}
	if err := e.r.DeleteMessage(ctx, general, messageID(t, m3), bot); err != nil {
		t.Fatal(err)
	}
	e.sync(g.ID)
	for _, name := range []string{"MESSAGE_CREATE", "MESSAGE_UPDATE", "MESSAGE_DELETE", "TYPING_START"} {
		if n := len(a1.named(name)); n != 0 {
			t.Errorf("passive session got %d %s", n, name)
		}
	}
	if n := len(sBot.named("MESSAGE_CREATE")); n != 2 {
		t.Errorf("bot (never passive) got %d MESSAGE_CREATE, want 2", n)
	}
	if n := len(sBig.named("MESSAGE_CREATE")); n != 2 {
		t.Errorf("session with large_threshold 250 got %d MESSAGE_CREATE, want 2", n)
	}
	if n := len(sOwner.named("MESSAGE_CREATE")); n != 2 {
		t.Errorf("passive author got %d MESSAGE_CREATE, want its own 2", n)
	}
	if len(a1.named("PASSIVE_UPDATE_V1")) != 0 {
		t.Fatal("passive update before the tick")
	}

	e.tick(g.ID)
	got := a1.named("PASSIVE_UPDATE_V1")
	if len(got) != 1 {
		t.Fatalf("alice got %d PASSIVE_UPDATE_V1, want 1", len(got))
	}
	p := decodePassive(t, got[0])
	if p.GuildID != g.ID || len(p.Channels) != 1 || p.Channels[0].ID != general || p.Channels[0].LastMessageID != messageID(t, m3) {
		t.Fatalf("alice's passive update %s (want general with last message %d)", got[0].Data, messageID(t, m3))
	}
	if b := a2.named("PASSIVE_UPDATE_V1"); len(b) != 1 || string(b[0].Data) != string(got[0].Data) {
		t.Error("sessions that see the same channels got different updates")
	} else if !relays && b[0] != got[0] {
		t.Error("sessions that see the same channels should share one encoded update")
	}
	if n := len(sHidden.named("PASSIVE_UPDATE_V1")); n != 0 {
		t.Errorf("session that sees neither changed channel got %d updates", n)
	}
	po := sOwner.named("PASSIVE_UPDATE_V1")
	if len(po) != 1 {
		t.Fatalf("owner got %d passive updates", len(po))
	}
	last := map[chat.ID]chat.ID{}
	for _, c := range decodePassive(t, po[0]).Channels {
		last[c.ID] = c.LastMessageID
	}
	if len(last) != 2 || last[general] != messageID(t, m3) || last[secret.ID] != messageID(t, m2) {
		t.Fatalf("owner's passive update %s", po[0].Data)
	}
	if mc := sBig.named("MESSAGE_CREATE"); string(mc[0].Data) != string(m1) {
		t.Errorf("active session's first message %s, want %s", mc[0].Data, m1)
	}
	for _, s := range []*fakeSession{sBot, sBig} {
		if n := len(s.named("PASSIVE_UPDATE_V1")); n != 0 {
			t.Errorf("active session got %d passive updates", n)
		}
	}
	// Nothing changed: nothing is sent.
	e.tick(g.ID)
	if n := len(a1.named("PASSIVE_UPDATE_V1")); n != 1 {
		t.Fatalf("update without changes: %d", n)
	}

	// op 14: a1 becomes active and gets the next message; a2 stays passive.
	if err := e.r.Subscribe(ctx, g.ID, a1.ID()); err != nil {
		t.Fatal(err)
	}
	m4, err := e.r.CreateMessage(ctx, general, owner, MessageCreate{Content: "four"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.r.Typing(ctx, general, owner); err != nil {
		t.Fatal(err)
	}
	e.sync(g.ID)
	if mc := a1.named("MESSAGE_CREATE"); len(mc) != 1 || string(mc[0].Data) != string(m4) {
		t.Fatalf("after op 14 got %v, want the new message", mc)
	}
	if len(a1.named("TYPING_START")) != 1 {
		t.Error("after op 14 no TYPING_START")
	}
	if n := len(a2.named("MESSAGE_CREATE")); n != 0 {
		t.Errorf("other passive session of the same user got %d MESSAGE_CREATE", n)
	}
	e.tick(g.ID)
	if n := len(a1.named("PASSIVE_UPDATE_V1")); n != 1 {
		t.Error("active session still gets passive updates")
	}
	if n := len(a2.named("PASSIVE_UPDATE_V1")); n != 2 {
		t.Errorf("passive session got %d updates, want 2", n)
	}
}

func TestPassiveMentions(t *testing.T) {
	fanoutModes(t, Config{PassiveInterval: time.Hour}, testPassiveMentions)
}

func testPassiveMentions(t *testing.T, e *env, _ bool) {
	ctx := context.Background()
	g, owner, ms := bigGuild(t, e, 55)
	alice, bob, carol := ms[0], ms[1], ms[2]
	general := *g.SystemChannelID
	role, err := e.r.CreateRole(ctx, g.ID, owner, RoleEdit{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.r.SetMemberRole(ctx, g.ID, owner, bob, role.ID, true); err != nil {
		t.Fatal(err)
	}
	// carol may not mention @everyone: her @everyone reaches no passive session.
	if err := e.r.PutOverwrite(ctx, general, owner, chat.Overwrite{ID: carol, Type: chat.OverwriteMember, Deny: protocol.PermMentionEveryone}); err != nil {
		t.Fatal(err)
	}
	sAlice := e.session(alice, allIntents, false)
	sBob := e.session(bob, allIntents, false)
	sDave := e.session(ms[3], allIntents, false)
	for _, s := range []*fakeSession{sAlice, sBob, sDave} {
		e.connect(t, g.ID, s, 50)
	}
	contents := func(s *fakeSession) []string {
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
	for _, c := range []struct {
		author  chat.ID
		content string
	}{
		{owner, "nobody"},
		{owner, fmt.Sprintf("hi <@%d>", alice)},
		{owner, fmt.Sprintf("hi <@&%d>", role.ID)},
		{carol, "@everyone not allowed"},
		{owner, "@everyone allowed"},
		{owner, "@here too"},
		{owner, fmt.Sprintf("hi <@%d>", carol)},
	} {
		if _, err := e.r.CreateMessage(ctx, general, c.author, MessageCreate{Content: c.content}); err != nil {
			t.Fatal(err)
		}
	}
	e.sync(g.ID)
	want := func(s *fakeSession, who string, w ...string) {
		t.Helper()
		if got := contents(s); fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s got %q, want %q", who, got, w)
		}
	}
	want(sAlice, "alice", fmt.Sprintf("hi <@%d>", alice), "@everyone allowed", "@here too")
	want(sBob, "bob (with the role)", fmt.Sprintf("hi <@&%d>", role.ID), "@everyone allowed", "@here too")
	want(sDave, "dave (not mentioned)", "@everyone allowed", "@here too")
}

func TestSmallGuildAndPassiveOff(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name    string
		cfg     Config
		members int
	}{
		{"small guild", Config{}, 10},
		{"passive off", Config{DisablePassive: true, PassiveInterval: time.Millisecond}, 55},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, c.cfg)
			g, owner, ms := bigGuild(t, e, c.members)
			s := e.session(ms[0], allIntents, false)
			e.connect(t, g.ID, s, 50)
			for i := range 3 {
				if _, err := e.r.CreateMessage(ctx, *g.SystemChannelID, owner, MessageCreate{Content: fmt.Sprint(i)}); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.r.Typing(ctx, *g.SystemChannelID, owner); err != nil {
				t.Fatal(err)
			}
			e.tick(g.ID)
			if n := len(s.named("MESSAGE_CREATE")); n != 3 {
				t.Errorf("got %d MESSAGE_CREATE, want 3", n)
			}
			if n := len(s.named("TYPING_START")); n != 1 {
				t.Errorf("got %d TYPING_START, want 1", n)
			}
			if n := len(s.named("PASSIVE_UPDATE_V1")); n != 0 {
				t.Errorf("got %d PASSIVE_UPDATE_V1, want none", n)
			}
		})
	}
}

// TestPassiveTicker checks the actor's own ticker sends the update.
func TestPassiveTicker(t *testing.T) {
	e := newEnv(t, Config{PassiveInterval: 10 * time.Millisecond})
	g, owner, ms := bigGuild(t, e, 55)
	s := e.session(ms[0], allIntents, false)
	e.connect(t, g.ID, s, 50)
	body, err := e.r.CreateMessage(context.Background(), *g.SystemChannelID, owner, MessageCreate{Content: "x"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "PASSIVE_UPDATE_V1", func() bool { return len(s.named("PASSIVE_UPDATE_V1")) == 1 })
	p := decodePassive(t, s.named("PASSIVE_UPDATE_V1")[0])
	if len(p.Channels) != 1 || p.Channels[0].LastMessageID != messageID(t, body) {
		t.Fatalf("update %+v", p)
	}
}

// joinSession is a fakeSession with a shard and a large_threshold, as
// gateway sessions have.
type joinSession struct {
	fakeSession
	lt      int
	inShard bool
}

func (s *joinSession) LargeThreshold() int  { return s.lt }
func (s *joinSession) InShard(chat.ID) bool { return s.inShard }

// TestJoinSubscribesShardSessionsWithTheirThreshold: a user who joins after
// READY is subscribed only on sessions whose shard has the guild, each with
// its own large_threshold.
func TestJoinSubscribesShardSessionsWithTheirThreshold(t *testing.T) {
	e := newEnv(t, Config{PassiveInterval: time.Hour})
	ctx := context.Background()
	g, owner, _ := bigGuild(t, e, 55)
	dave := e.user("dave", false)
	in50 := &joinSession{fakeSession: fakeSession{id: "in50", user: dave, intents: allIntents}, lt: 50, inShard: true}
	in250 := &joinSession{fakeSession: fakeSession{id: "in250", user: dave, intents: allIntents}, lt: 250, inShard: true}
	out := &joinSession{fakeSession: fakeSession{id: "out", user: dave, intents: allIntents}, lt: 250, inShard: false}
	e.dir.mu.Lock()
	e.dir.sessions[dave] = []Session{in50, in250, out}
	e.dir.mu.Unlock()
	if _, err := e.r.AddMember(ctx, g.ID, dave); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.CreateMessage(ctx, *g.SystemChannelID, owner, MessageCreate{Content: "hello"}); err != nil {
		t.Fatal(err)
	}
	e.sync(g.ID)
	if len(in50.named("GUILD_CREATE")) != 1 || len(in250.named("GUILD_CREATE")) != 1 {
		t.Fatal("in-shard sessions not subscribed on join")
	}
	if n := len(out.events()); n != 0 {
		t.Fatalf("session of another shard got %d events", n)
	}
	if n := len(in50.named("MESSAGE_CREATE")); n != 0 {
		t.Errorf("large_threshold 50 session (passive) got %d MESSAGE_CREATE", n)
	}
	if n := len(in250.named("MESSAGE_CREATE")); n != 1 {
		t.Errorf("large_threshold 250 session got %d MESSAGE_CREATE, want 1", n)
	}
	var gc struct {
		Large bool `json:"large"`
	}
	_ = json.Unmarshal(in250.named("GUILD_CREATE")[0].Data, &gc)
	if gc.Large {
		t.Error("GUILD_CREATE large with large_threshold 250")
	}
}
