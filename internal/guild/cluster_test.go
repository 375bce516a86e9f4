package guild

import (
	"context"
	"errors"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

// placement is a Placement the test moves guilds with.
type placement struct {
	mu      sync.Mutex
	owner   string // "" or "self": this node
	settled bool
}

func (p *placement) set(owner string, settled bool) {
	p.mu.Lock()
	p.owner, p.settled = owner, settled
	p.mu.Unlock()
}

func (p *placement) Owner(chat.ID) (string, bool, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.owner == "" || p.owner == "self" {
		return "self", true, p.settled
	}
	return p.owner, false, p.settled
}

// delivery is one RemoteSender.Deliver call.
type delivery struct {
	node  string
	parts []RemotePart
}

type remote struct {
	mu     sync.Mutex
	got    []delivery
	events int // Deliver calls
}

func (r *remote) Deliver(_ chat.ID, nodes map[string][]RemotePart) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events++
	for node, parts := range nodes {
		cp := make([]RemotePart, len(parts))
		for i, p := range parts {
			cp[i] = RemotePart{D: p.D, Sessions: append([]string(nil), p.Sessions...)}
		}
		r.got = append(r.got, delivery{node, cp})
	}
}

// named returns, per node, the sessions that got events called name.
func (r *remote) named(name string) (calls map[string]int, sessions map[string][]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	calls, sessions = map[string]int{}, map[string][]string{}
	for _, d := range r.got {
		counted := false
		for _, p := range d.parts {
			if p.D.Name != name {
				continue
			}
			if !counted {
				calls[d.node]++
				counted = true
			}
			sessions[d.node] = append(sessions[d.node], p.Sessions...)
		}
	}
	for _, s := range sessions {
		sort.Strings(s)
	}
	return calls, sessions
}

// remoteFake is a session of another node.
type remoteFake struct {
	*fakeSession
	node string
}

func (s remoteFake) Node() string { return s.node }

func newClusterEnv(t *testing.T) (*env, *placement, *remote) {
	p := &placement{settled: true}
	rs := &remote{}
	return newEnv(t, Config{Placement: p, Remote: rs}), p, rs
}

// Manifold: one event reaches the sessions of another node in one
// Deliver call per node, never through their Send, and only the sessions
// that may see it (must not see: a member denied VIEW_CHANNEL on node c).
func TestRemoteFanOutOneDeliveryPerNode(t *testing.T) {
	e, _, rs := newClusterEnv(t)
	ctx := context.Background()
	owner := e.user("owner", false)
	g, err := e.r.CreateGuild(ctx, owner, "manifold")
	if err != nil {
		t.Fatal(err)
	}
	ch := *g.SystemChannelID
	var members []chat.ID
	for i := range 5 {
		u := e.user("m"+string(rune('0'+i)), false)
		if _, err := e.r.AddMember(ctx, g.ID, u); err != nil {
			t.Fatal(err)
		}
		members = append(members, u)
	}
	hidden := members[4]
	if err := e.r.PutOverwrite(ctx, ch, owner, chat.Overwrite{ID: hidden, Type: chat.OverwriteMember, Deny: protocol.PermViewChannel}); err != nil {
		t.Fatal(err)
	}
	local := e.session(owner, allIntents, false)
	var onB, onC []remoteFake
	for i, u := range members {
		s := remoteFake{&fakeSession{id: "r" + string(rune('0'+i)), user: u, intents: allIntents}, "b"}
		if i >= 3 {
			s.node = "c"
			onC = append(onC, s)
		} else {
			onB = append(onB, s)
		}
		if err := e.r.Connect(ctx, g.ID, s, 50); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.r.Connect(ctx, g.ID, local, 50); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.CreateMessage(ctx, ch, owner, MessageCreate{Content: "to every node once"}); err != nil {
		t.Fatal(err)
	}
	e.sync(g.ID)

	calls, sessions := rs.named(protocol.EventMessageCreate)
	if calls["b"] != 1 || calls["c"] != 1 || len(calls) != 2 {
		t.Fatalf("Deliver calls per node for one MESSAGE_CREATE = %v, want b:1 c:1", calls)
	}
	if want := []string{"r0", "r1", "r2"}; !slices.Equal(sessions["b"], want) {
		t.Errorf("node b recipients %v, want %v", sessions["b"], want)
	}
	if want := []string{"r3"}; !slices.Equal(sessions["c"], want) {
		t.Errorf("node c recipients %v, want %v (r4 may not see the channel)", sessions["c"], want)
	}
	if n := len(local.named(protocol.EventMessageCreate)); n != 1 {
		t.Errorf("local session got %d MESSAGE_CREATE, want 1", n)
	}
	for _, s := range append(onB, onC...) {
		if got := s.events(); len(got) != 0 {
			t.Errorf("remote session %s was sent %d dispatches directly; it must get them only through Deliver", s.id, len(got))
		}
	}
	rs.mu.Lock()
	events := rs.events
	rs.mu.Unlock()
	if events != 6 { // 5 remote GUILD_CREATEs, 1 MESSAGE_CREATE
		t.Errorf("Deliver called %d times, want once per event with remote recipients (6)", events)
	}
	if calls, _ := rs.named(protocol.EventGuildCreate); calls["b"] != 3 || calls["c"] != 2 {
		t.Errorf("GUILD_CREATE deliveries %v, want one per subscribing session (b:3 c:2)", calls)
	}
}

// An operation on a guild another node owns fails before it has any
// effect (must not do: write a message this node's actor cannot order).
func TestNotOwnerHasNoEffect(t *testing.T) {
	e, p, _ := newClusterEnv(t)
	ctx := context.Background()
	owner := e.user("owner", false)
	g, err := e.r.CreateGuild(ctx, owner, "elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	ch := *g.SystemChannelID
	p.set("b", true)
	if n := e.r.Release(); n != 1 {
		t.Fatalf("Release stopped %d actors, want 1", n)
	}
	var no *NotOwnerError
	if _, err := e.r.CreateMessage(ctx, ch, owner, MessageCreate{Content: "lost?"}); !errors.As(err, &no) || no.Node != "b" {
		t.Fatalf("CreateMessage on another node's guild: %v, want NotOwnerError naming b", err)
	}
	if err := e.r.Connect(ctx, g.ID, e.session(owner, allIntents, false), 50); !errors.As(err, &no) {
		t.Fatalf("Connect: %v, want NotOwnerError", err)
	}
	if _, err := e.r.CreateGuild(ctx, owner, "nowhere"); err == nil {
		t.Fatal("CreateGuild succeeded on a node that owns no guild")
	}
	ms, err := e.st.Messages(ctx, ch, store.Page{Limit: 10})
	if err != nil || len(ms) != 0 {
		t.Fatalf("messages stored: %d (%v), want none", len(ms), err)
	}
	// Back here: the actor reloads from the store and serves again.
	p.set("self", true)
	if _, err := e.r.CreateMessage(ctx, ch, owner, MessageCreate{Content: "home again"}); err != nil {
		t.Fatalf("CreateMessage after the guild came back: %v", err)
	}
}

// While a guild settles after a move, subscriptions go through (other
// nodes move their sessions here) and writes wait (none may be made before
// every session can receive it).
func TestUnsettledRefusesWritesNotSubscriptions(t *testing.T) {
	e, p, _ := newClusterEnv(t)
	ctx := context.Background()
	owner := e.user("owner", false)
	g, err := e.r.CreateGuild(ctx, owner, "settling")
	if err != nil {
		t.Fatal(err)
	}
	p.set("self", false)
	s := e.session(owner, allIntents, false)
	if err := e.r.Connect(ctx, g.ID, s, 50); err != nil {
		t.Fatalf("Connect while settling: %v", err)
	}
	var no *NotOwnerError
	if _, err := e.r.CreateMessage(ctx, *g.SystemChannelID, owner, MessageCreate{Content: "too early"}); !errors.As(err, &no) || no.Node != "" {
		t.Fatalf("CreateMessage while settling: %v, want NotOwnerError without a node", err)
	}
	p.set("self", true)
	if _, err := e.r.CreateMessage(ctx, *g.SystemChannelID, owner, MessageCreate{Content: "settled"}); err != nil {
		t.Fatal(err)
	}
}
