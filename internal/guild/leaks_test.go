package guild

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// watchesOf describes what the actor's member-list accounting holds of a
// session: its entry in ml.watches and its watches in the lists' watcher
// and stale sets ("" when nothing).
func watchesOf(t *testing.T, e *env, guildID chat.ID, sessionID string) string {
	t.Helper()
	var out string
	if err := e.r.call(context.Background(), guildID, func(_ context.Context, a *actor) error {
		if mine := a.ml.watches[sessionID]; mine != nil {
			out += fmt.Sprintf("watches: %d channels; ", len(mine))
		}
		for id, l := range a.ml.lists {
			for w := range l.watchers {
				if w.session == sessionID {
					out += fmt.Sprintf("watcher of list %s; ", id)
				}
			}
			for w := range l.stale {
				if w.session == sessionID {
					out += fmt.Sprintf("stale in list %s; ", id)
				}
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestMemberListWatchesGoWithSession: a session that subscribed to a
// member list (op 14) and then ended leaves nothing in the actor's watch
// accounting, at once, with no later role, channel or overwrite change to
// rebuild the lists (must not: its watches linger until an op happens to
// land in their ranges). Its session closing (Disconnect) and its node
// dying (DropNode) both end it; a session that merely subscribes again
// keeps watching, and the other watchers are untouched.
func TestMemberListWatchesGoWithSession(t *testing.T) {
	e := newEnv(t, Config{PassiveInterval: time.Hour, Remote: &remote{}})
	g, _, ms := bigGuild(t, e, 4)
	general := *g.SystemChannelID
	ranges := map[chat.ID][]protocol.ListRange{general: {{0, 99}}}

	stay := e.session(ms[0], allIntents, false)
	closing := e.session(ms[1], allIntents, false)
	again := e.session(ms[2], allIntents, false)
	onDead := remoteFake{&fakeSession{id: "n2-session", user: ms[3], intents: allIntents}, "n2"}
	for _, s := range []*fakeSession{stay, closing, again} {
		e.connect(t, g.ID, s, 250)
		e.watch(t, g.ID, s, ranges)
	}
	if err := e.r.Connect(context.Background(), g.ID, onDead, 250); err != nil {
		t.Fatal(err)
	}
	e.watch(t, g.ID, onDead.fakeSession, ranges)
	for _, id := range []string{stay.id, closing.id, again.id, onDead.id} {
		if watchesOf(t, e, g.ID, id) == "" {
			t.Fatalf("session %s watches nothing after op 14", id)
		}
	}

	e.r.Disconnect(g.ID, closing.id)
	e.r.DropNode("n2")
	e.connect(t, g.ID, again, 250) // e.g. a Connect retried after a lost reply
	e.sync(g.ID)

	if got := watchesOf(t, e, g.ID, closing.id); got != "" {
		t.Errorf("after Disconnect the actor still holds %q of the session", got)
	}
	if got := watchesOf(t, e, g.ID, onDead.id); got != "" {
		t.Errorf("after DropNode the actor still holds %q of the dead node's session", got)
	}
	if watchesOf(t, e, g.ID, again.id) == "" {
		t.Errorf("a session subscribed again lost its member-list watch")
	}
	// The sessions left still get the list's changes.
	c := &listClient{}
	c.feed(t, stay)
	online(t, e, g.ID, ms[0], "online")
	e.sync(g.ID)
	c.feed(t, stay)
	if want := labels("online", ms[0], "offline"); !slices.Equal(c.items[:3], want) {
		t.Fatalf("remaining watcher's list %v, want it to start %v", c.items, want)
	}
}

// TestDropNodeTakesItsPresence: when a cluster node dies (DropNode), what
// it held of users' presences goes. A user online only through it goes
// offline to the guild's watchers and out of presNodes (must not: stay
// online for good, as the dead node never sends the offline); a user also
// online through another node stays online with that node's platforms
// only; a user online only elsewhere hears nothing.
func TestDropNodeTakesItsPresence(t *testing.T) {
	e := newEnv(t, Config{PassiveInterval: time.Hour})
	ctx := context.Background()
	owner := e.user("owner", false)
	g, _ := e.r.CreateGuild(ctx, owner, "g")
	only, both, elsewhere := e.user("only", false), e.user("both", false), e.user("elsewhere", false)
	for _, u := range []chat.ID{only, both, elsewhere} {
		if _, err := e.r.AddMember(ctx, g.ID, u); err != nil {
			t.Fatal(err)
		}
	}
	watcher := e.session(owner, allIntents, false)
	e.connect(t, g.ID, watcher, 250)
	set := func(u chat.ID, node, body string) {
		t.Helper()
		if err := e.r.PresenceIn(g.ID, u, node, json.RawMessage(body)); err != nil {
			t.Fatal(err)
		}
	}
	set(only, "n2", `{"status":"online","activities":[],"client_status":{"desktop":"online"}}`)
	set(both, "n1", `{"status":"online","activities":[],"client_status":{"web":"online"}}`)
	set(both, "n2", `{"status":"dnd","activities":[],"client_status":{"mobile":"dnd"}}`)
	set(elsewhere, "n1", `{"status":"idle","activities":[],"client_status":{"web":"idle"}}`)
	e.sync(g.ID)
	before := map[chat.ID]int{}
	for _, u := range []chat.ID{only, both, elsewhere} {
		before[u] = len(presenceUpdates(t, watcher, u))
	}

	e.r.DropNode("n2")
	e.sync(g.ID) // after the drop: the inbox is in order

	ps := presenceUpdates(t, watcher, only)
	if len(ps) != before[only]+1 || ps[len(ps)-1].Status != protocol.StatusOffline {
		t.Errorf("user online only on n2: %d PRESENCE_UPDATEs after the drop (last %+v), want one, offline",
			len(ps)-before[only], ps[len(ps)-1])
	}
	ps = presenceUpdates(t, watcher, both)
	if p := ps[len(ps)-1]; len(ps) != before[both]+1 || p.Status != protocol.StatusOnline ||
		p.ClientStatus["web"] != "online" || p.ClientStatus["mobile"] != "" {
		t.Errorf("user on n1 and n2: %d PRESENCE_UPDATEs after the drop (last %+v), want one, online on web only",
			len(ps)-before[both], p)
	}
	if n := len(presenceUpdates(t, watcher, elsewhere)) - before[elsewhere]; n != 0 {
		t.Errorf("user online only on n1 got %d PRESENCE_UPDATEs from n2's drop, want none", n)
	}
	if err := e.r.call(ctx, g.ID, func(_ context.Context, a *actor) error {
		for u, list := range a.presNodes {
			for _, np := range list {
				if np.node == "n2" {
					return fmt.Errorf("presNodes of %d still holds dead node n2", u)
				}
			}
		}
		if _, ok := a.presNodes[only]; ok {
			return fmt.Errorf("presNodes keeps an empty entry for a user no node holds")
		}
		if _, ok := a.presence[only]; ok {
			return fmt.Errorf("user online only on n2 still has a presence")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
