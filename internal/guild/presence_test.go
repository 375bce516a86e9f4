package guild

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/poll"
	"github.com/accordchat/accord/internal/protocol"
)

func presenceUpdates(t *testing.T, s *fakeSession, userID chat.ID) []protocol.Presence {
	t.Helper()
	var out []protocol.Presence
	for _, d := range s.named(protocol.EventPresenceUpdate) {
		var p protocol.Presence
		if err := json.Unmarshal(d.Data, &p); err != nil {
			t.Fatal(err)
		}
		if p.User.ID == userID {
			out = append(out, p)
		}
	}
	return out
}

// TestPresenceFlappingCoalesced: a user who changes status 50 times within
// one window costs each watching session one immediate PRESENCE_UPDATE and
// one more, of the latest state, at the end of the window; a guild below
// the size where coalescing starts gets every change.
func TestPresenceFlappingCoalesced(t *testing.T) {
	const window = 300 * time.Millisecond
	// A frozen clock keeps all 50 changes inside one window however slow
	// the machine; the window's end is a real timer.
	frozen := time.Now()
	e := newEnv(t, Config{PassiveInterval: time.Hour, PresenceEvery: window, PresenceCoalesceFrom: 3,
		Now: func() time.Time { return frozen }})
	ctx := context.Background()
	owner, flapper := e.user("owner", false), e.user("flapper", false)
	big, _ := e.r.CreateGuild(ctx, owner, "big")
	small, _ := e.r.CreateGuild(ctx, flapper, "small")
	if _, err := e.r.AddMember(ctx, big.ID, flapper); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.AddMember(ctx, big.ID, e.user("third", false)); err != nil {
		t.Fatal(err)
	}
	watchers := make([]*fakeSession, 20)
	for i := range watchers {
		watchers[i] = e.session(owner, allIntents, false)
		e.connect(t, big.ID, watchers[i], 250)
	}
	self := e.session(flapper, allIntents, false)
	e.connect(t, small.ID, self, 250)

	statuses := []string{protocol.StatusOnline, protocol.StatusIdle, protocol.StatusDND}
	for i := range 50 {
		raw := json.RawMessage(`{"status":"` + statuses[i%3] + `","activities":[]}`)
		if err := e.r.UpdatePresence(ctx, flapper, raw); err != nil {
			t.Fatal(err)
		}
	}
	last := statuses[49%3]
	e.sync(big.ID)
	e.sync(small.ID)
	for _, w := range watchers {
		if n := len(presenceUpdates(t, w, flapper)); n != 1 {
			t.Fatalf("before the window ends a watcher got %d updates, want 1", n)
		}
	}
	// The small guild (2 members < 3) is not coalesced.
	if n := len(presenceUpdates(t, self, flapper)); n != 50 {
		t.Fatalf("small guild: %d updates, want 50", n)
	}
	poll.Until(t, 3*time.Second, 10*time.Millisecond, func() error {
		e.sync(big.ID)
		for _, w := range watchers {
			if len(presenceUpdates(t, w, flapper)) < 2 {
				return errors.New("no update at the end of the window")
			}
		}
		return nil
	})
	time.Sleep(2 * window) // nothing more may come
	e.sync(big.ID)
	total := 0
	for _, w := range watchers {
		ps := presenceUpdates(t, w, flapper)
		total += len(ps)
		if len(ps) != 2 || ps[1].Status != last {
			t.Fatalf("watcher got %d updates, last %+v; want 2 ending %q", len(ps), ps[len(ps)-1], last)
		}
	}
	t.Logf("50 changes x 20 sessions: %d deliveries (uncoalesced: 1000)", total)
}

// TestPresenceInvisible: invisible reaches others as offline, without the
// activities or client status the user set, and a change of activities
// while invisible sends nothing at all.
func TestPresenceInvisible(t *testing.T) {
	e := newEnv(t, Config{PassiveInterval: time.Hour})
	ctx := context.Background()
	owner, alice := e.user("owner", false), e.user("alice", false)
	g, _ := e.r.CreateGuild(ctx, owner, "g")
	if _, err := e.r.AddMember(ctx, g.ID, alice); err != nil {
		t.Fatal(err)
	}
	w := e.session(owner, allIntents, false)
	e.connect(t, g.ID, w, 250)
	set := func(raw string) {
		t.Helper()
		if err := e.r.UpdatePresence(ctx, alice, json.RawMessage(raw)); err != nil {
			t.Fatal(err)
		}
		e.sync(g.ID)
	}
	set(`{"status":"online","activities":[{"name":"Chess","type":0}],"client_status":{"web":"online"}}`)
	set(`{"status":"invisible","activities":[{"name":"Secret","type":0}],"client_status":{}}`)
	set(`{"status":"invisible","activities":[{"name":"Other secret","type":0}],"client_status":{}}`)
	ps := presenceUpdates(t, w, alice)
	if len(ps) != 2 || ps[0].Status != "online" || ps[0].ClientStatus["web"] != "online" || ps[0].ClientStatus["desktop"] != "" {
		t.Fatalf("updates %+v", ps)
	}
	if ps[1].Status != "offline" || string(ps[1].Activities) != "[]" || len(ps[1].ClientStatus) != 0 {
		t.Fatalf("invisible seen as %+v", ps[1])
	}
	// A new session's GUILD_CREATE lists no presence for her.
	w2 := e.session(owner, allIntents, false)
	e.connect(t, g.ID, w2, 250)
	e.sync(g.ID)
	var gc struct {
		Presences []protocol.Presence `json:"presences"`
	}
	_ = json.Unmarshal(w2.named("GUILD_CREATE")[0].Data, &gc)
	for _, p := range gc.Presences {
		if p.User.ID == alice {
			t.Fatalf("GUILD_CREATE shows invisible alice: %+v", p)
		}
	}
}

// TestPresencePassiveSessions: a user session passive in a big guild gets
// no PRESENCE_UPDATE until it subscribes (op 14/37), as in Discord's lazy
// guilds; a bot session in the same guild gets every one.
func TestPresencePassiveSessions(t *testing.T) {
	e := newEnv(t, Config{PassiveInterval: time.Hour})
	ctx := context.Background()
	g, owner, ids := bigGuild(t, e, 55)
	passive := e.session(owner, allIntents, false)
	e.connect(t, g.ID, passive, 50) // 56 members > large_threshold 50
	bot := e.user("bot", true)
	if _, err := e.r.AddMember(ctx, g.ID, bot); err != nil {
		t.Fatal(err)
	}
	botSess := e.session(bot, allIntents, true)
	e.connect(t, g.ID, botSess, 50)
	online(t, e, g.ID, ids[0], protocol.StatusOnline)
	e.sync(g.ID)
	if n := len(presenceUpdates(t, passive, ids[0])); n != 0 {
		t.Fatalf("passive session got %d PRESENCE_UPDATEs", n)
	}
	if n := len(presenceUpdates(t, botSess, ids[0])); n != 1 {
		t.Fatalf("bot got %d PRESENCE_UPDATEs, want 1", n)
	}
	if err := e.r.Subscribe(ctx, g.ID, passive.id); err != nil {
		t.Fatal(err)
	}
	online(t, e, g.ID, ids[0], protocol.StatusIdle)
	e.sync(g.ID)
	if ps := presenceUpdates(t, passive, ids[0]); len(ps) != 1 || ps[0].Status != "idle" {
		t.Fatalf("subscribed session got %+v", ps)
	}
}

// TestPresenceAcrossNodes: a user with sessions on two gateway nodes of a
// cluster stays online while either node holds one, the latest node's
// change wins, and client_status lists both nodes' platforms; offline
// comes only when both have let go.
func TestPresenceAcrossNodes(t *testing.T) {
	e := newEnv(t, Config{PassiveInterval: time.Hour})
	ctx := context.Background()
	owner, user := e.user("owner", false), e.user("roamer", false)
	g, _ := e.r.CreateGuild(ctx, owner, "g")
	if _, err := e.r.AddMember(ctx, g.ID, user); err != nil {
		t.Fatal(err)
	}
	watcher := e.session(owner, allIntents, false)
	e.connect(t, g.ID, watcher, 250)
	set := func(node, body string) protocol.Presence {
		t.Helper()
		if err := e.r.PresenceIn(g.ID, user, node, json.RawMessage(body)); err != nil {
			t.Fatal(err)
		}
		e.sync(g.ID)
		ps := presenceUpdates(t, watcher, user)
		if len(ps) == 0 {
			t.Fatalf("no PRESENCE_UPDATE after %s from %s", body, node)
		}
		return ps[len(ps)-1]
	}
	p := set("a", `{"status":"online","activities":[],"client_status":{"web":"online"}}`)
	if p.Status != protocol.StatusOnline {
		t.Fatalf("after node a: %+v", p)
	}
	p = set("b", `{"status":"dnd","activities":[],"client_status":{"mobile":"dnd"}}`)
	if p.Status != protocol.StatusDND || p.ClientStatus["web"] != "online" || p.ClientStatus["mobile"] != "dnd" {
		t.Fatalf("after node b: %+v, want dnd with web online and mobile dnd", p)
	}
	// Node b's last session ends: the user is still online on node a.
	p = set("b", `{"status":"offline","activities":[],"client_status":{}}`)
	if p.Status != protocol.StatusOnline || p.ClientStatus["mobile"] != "" || p.ClientStatus["web"] != "online" {
		t.Fatalf("after node b let go: %+v, want online from node a only", p)
	}
	// Must not: invisible on node a, the latest change, hides the user
	// although they were online there before.
	p = set("b", `{"status":"online","activities":[],"client_status":{"mobile":"online"}}`)
	p = set("a", `{"status":"invisible","activities":[],"client_status":{"web":"invisible"}}`)
	if p.Status != protocol.StatusOffline || len(p.ClientStatus) != 0 {
		t.Fatalf("after invisible on node a: %+v, want offline to others", p)
	}
	set("a", `{"status":"online","activities":[],"client_status":{"web":"online"}}`)
	set("a", `{"status":"offline","activities":[],"client_status":{}}`)
	p = set("b", `{"status":"offline","activities":[],"client_status":{}}`)
	if p.Status != protocol.StatusOffline {
		t.Fatalf("after both let go: %+v", p)
	}
}
