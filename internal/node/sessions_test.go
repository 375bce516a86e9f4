package node

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/accordchat/accord/internal/bus"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/cluster"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
)

// endable is a gateway session as far as its end goes: Ended turns true
// when the gateway invalidates it, before it releases its guilds.
type endable struct {
	*session
	ended atomic.Bool
}

func (s *endable) Ended() bool { return s.ended.Load() }

// oneUser is the gateway of node a: user 1's live sessions.
type oneUser struct{ ss []guild.Session }

func (u oneUser) UserSessions(id chat.ID) []guild.Session {
	if id == 1 {
		return u.ss
	}
	return nil
}
func (oneUser) CloseUserSessions(chat.ID, protocol.CloseCode) {}

// owner stands for node b, which owns every guild: it accepts
// subscriptions, records the unsubscriptions, and sends events to a
// through a real link (b.Deliver).
type owner struct {
	b     *Node
	mu    sync.Mutex
	disco []string // "guild/session" of each kindDisconnect
}

func (o *owner) serve(_ context.Context, raw []byte) ([]byte, error) {
	var req request
	if err := json.Unmarshal(raw, &req); err != nil {
		return nil, fmt.Errorf("owner: bad request: %w", err)
	}
	var rep reply
	switch req.Kind {
	case kindConnect:
	case kindDisconnect:
		o.mu.Lock()
		o.disco = append(o.disco, fmt.Sprintf("%d/%s", req.Guild, req.ID))
		o.mu.Unlock()
	case kindReplay:
		rep = o.b.out.serveReplay(req)
	default:
		return nil, fmt.Errorf("owner: unexpected %q", req.Kind)
	}
	return json.Marshal(rep)
}

func (o *owner) disconnects() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := slices.Clone(o.disco)
	slices.Sort(out)
	return out
}

// sessionNode is node a, where user 1's session s lives, with every guild
// owned by node b (o).
func sessionNode(t *testing.T) (a *Node, o *owner, s *endable) {
	t.Helper()
	conn := connector(t)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var err error
	if a, err = New(Config{Self: "a", Incarnation: 1, Bus: conn(), Store: noGuilds{}, Manifold: true, Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	o = &owner{}
	bb := conn()
	if o.b, err = New(Config{Self: "b", Incarnation: 1, Bus: bb, Store: noGuilds{}, Manifold: true, Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	if _, err := bb.Serve(bus.RPCSubject("b"), o.serve); err != nil {
		t.Fatal(err)
	}
	if _, err := a.cfg.Bus.Subscribe(bus.NodeSubject("a"), a.in.receive); err != nil {
		t.Fatal(err)
	}
	a.view.Store(&view{ready: true, members: cluster.NewMembers(cluster.Member{ID: "b", Incarnation: 1})})
	s = &endable{session: &session{id: "s1"}}
	a.SetSessions(oneUser{ss: []guild.Session{s}})
	return a, o, s
}

// tracked is what a keeps for a session: its guilds, or nil if nothing.
func (n *Node) tracked(sessionID string) []chat.ID {
	n.subsMu.Lock()
	defer n.subsMu.Unlock()
	ls := n.subs[sessionID]
	if ls == nil {
		return nil
	}
	var out []chat.ID
	ls.guilds.each(func(g chat.ID, _ cluster.Member) { out = append(out, g) })
	slices.Sort(out)
	return out
}

// endSession does what gateway.invalidate does with a Node once it has
// marked s ended (TestSessionEndUsesDisconnectSession checks the gateway
// side): DisconnectSession.
func endSession(n *Node, s *endable) {
	s.ended.Store(true)
	n.DisconnectSession(s.ID())
}

// A guild joined after READY and left during the session is known to the
// node alone: when the session ends, its subscription there is released
// too, and the node keeps nothing of the session.
func TestSessionEndReleasesGuildsJoinedAndLeft(t *testing.T) {
	const guildA, guildB chat.ID = 1, 2
	a, o, s := sessionNode(t)
	ctx := context.Background()
	if err := a.Connect(ctx, guildA, s, 0); err != nil { // READY
		t.Fatal(err)
	}
	a.subscribeUser(guildB, 1) // the "joined" broadcast, after READY
	if got := a.tracked("s1"); !slices.Equal(got, []chat.ID{guildA, guildB}) {
		t.Fatalf("tracked %v after READY and a join, want [%d %d]", got, guildA, guildB)
	}
	// The user leaves B (or B is deleted): its owner sends GUILD_DELETE
	// and drops the subscription; the user's guilds are now only A.
	gone := &protocol.Dispatch{Name: protocol.EventGuildDelete, Data: []byte(`{"id":"2"}`)}
	o.b.Deliver(guildB, map[string][]guild.RemotePart{"a": {{D: gone, Sessions: []string{"s1"}}}})
	waitUntil(t, func() bool { return len(s.events()) == 1 })

	endSession(a, s)
	if got := a.tracked("s1"); got != nil {
		t.Fatalf("node still tracks guilds %v of an ended session", got)
	}
	a.subsMu.Lock()
	left := len(a.subs)
	a.subsMu.Unlock()
	if left != 0 {
		t.Fatalf("node keeps %d sessions, want none", left)
	}
	want := []string{"1/s1", "2/s1"}
	waitUntil(t, func() bool { return len(o.disconnects()) >= len(want) })
	if got := o.disconnects(); !slices.Equal(got, want) {
		t.Errorf("owner got disconnects %v, want %v", got, want)
	}
}

// A join that subscribes a session while it ends (the gateway released
// its guilds before the join tracked it) releases the subscription
// itself: nothing else would.
func TestJoinRacingSessionEndIsReleased(t *testing.T) {
	const guildB chat.ID = 2
	a, o, s := sessionNode(t)
	endSession(a, s) // the session had no guilds yet
	a.subscribeUser(guildB, 1)
	if got := a.tracked("s1"); got != nil {
		t.Fatalf("node tracks guilds %v of a session that ended before its join finished", got)
	}
	waitUntil(t, func() bool { return len(o.disconnects()) == 1 })
	if got := o.disconnects(); !slices.Equal(got, []string{"2/s1"}) {
		t.Errorf("owner got disconnects %v, want [2/s1]", got)
	}
}
