package node

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/bus"
	"github.com/accordchat/accord/internal/bus/local"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/cluster"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/poll"
	"github.com/accordchat/accord/internal/protocol"
)

// lossy drops the published frames drop says to, as a NATS server that
// dies with them in flight would.
type lossy struct {
	bus.Bus
	mu   sync.Mutex
	n    int
	drop func(n int) bool // n counts frames to node subjects from 1
}

func (l *lossy) Publish(ctx context.Context, s bus.Subject, data []byte) error {
	if f, err := decodeFrame(data); err == nil && f.seq != 0 {
		l.mu.Lock()
		l.n++
		n := l.n
		l.mu.Unlock()
		if l.drop != nil && l.drop(n) {
			return nil
		}
	}
	return l.Bus.Publish(ctx, s, data)
}

// session records its dispatches.
type session struct {
	id  string
	mu  sync.Mutex
	got []string
}

func (s *session) ID() string                { return s.id }
func (s *session) UserID() chat.ID           { return 1 }
func (s *session) Intents() protocol.Intents { return protocol.IntentsAll }
func (s *session) Bot() bool                 { return false }
func (s *session) Send(d *protocol.Dispatch) {
	s.mu.Lock()
	s.got = append(s.got, string(d.Data))
	s.mu.Unlock()
}

func (s *session) events() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

type noGuilds struct{}

func (noGuilds) UserGuilds(context.Context, chat.ID) ([]chat.ID, error) { return nil, nil }

// pair is a sender node a and a destination node b on one in-process bus,
// with only the link machinery running.
func pair(t *testing.T, manifold bool, drop func(int) bool) (a, b *Node, lb *lossy) {
	t.Helper()
	conn := connector(t)
	lb = &lossy{Bus: conn(), drop: drop}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var err error
	if a, err = New(Config{Self: "a", Incarnation: 1, Bus: lb, Store: noGuilds{}, Manifold: manifold, Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	if b, err = New(Config{Self: "b", Incarnation: 1, Bus: conn(), Store: noGuilds{}, Manifold: manifold, Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.cfg.Bus.Serve(bus.RPCSubject("a"), a.serve); err != nil {
		t.Fatal(err)
	}
	if _, err := b.cfg.Bus.Subscribe(bus.NodeSubject("b"), b.in.receive); err != nil {
		t.Fatal(err)
	}
	return a, b, lb
}

// connector returns a function that connects one more bus client to a
// fresh in-process network, closed when the test ends.
func connector(t *testing.T) func() bus.Bus {
	net := local.NewNetwork()
	return func() bus.Bus {
		c, err := net.Connect(local.Config{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
}

func (n *Node) trackAll(ss ...*session) {
	for _, s := range ss {
		n.track(s, 0, 7, cluster.Member{ID: "a", Incarnation: 1})
	}
}

func dispatch(i int) *protocol.Dispatch {
	return &protocol.Dispatch{Name: protocol.EventMessageCreate, Data: []byte(strconv.Itoa(i))}
}

// Manifold: one message per destination node per event, whatever the
// number of recipients there; without it, one per recipient.
func TestManifoldOneMessagePerNode(t *testing.T) {
	for _, manifold := range []bool{true, false} {
		a, b, _ := pair(t, manifold, nil)
		ss := []*session{{id: "s1"}, {id: "s2"}, {id: "s3"}}
		b.trackAll(ss...)
		for i := 1; i <= 10; i++ {
			a.Deliver(7, map[string][]guild.RemotePart{"b": {{D: dispatch(i), Sessions: []string{"s1", "s2", "s3"}}}})
		}
		waitUntil(t, func() bool { return len(ss[2].events()) == 10 })
		want := uint64(10)
		if !manifold {
			want = 30
		}
		if got := a.stats.envelopes.Load(); got != want {
			t.Errorf("manifold=%v: %d messages for 10 events to 3 sessions of one node, want %d", manifold, got, want)
		}
		if got := a.stats.remoteEvents.Load(); got != 10 {
			t.Errorf("manifold=%v: remote events %d, want 10", manifold, got)
		}
		for _, s := range ss {
			if got := s.events(); len(got) != 10 || got[0] != "1" || got[9] != "10" {
				t.Errorf("manifold=%v: session %s got %v, want 1..10 in order", manifold, s.id, got)
			}
		}
	}
}

// One event with recipients on two nodes is one remote event and two
// messages: NATS messages per event = the number of nodes with recipients.
func TestMessagesPerEventIsNodesWithRecipients(t *testing.T) {
	a, b, _ := pair(t, true, nil)
	s := &session{id: "s1"}
	b.trackAll(s)
	a.Deliver(7, map[string][]guild.RemotePart{
		"b": {{D: dispatch(1), Sessions: []string{"s1", "s9"}}},
		"c": {{D: dispatch(1), Sessions: []string{"s2", "s3", "s4"}}},
	})
	waitUntil(t, func() bool { return len(s.events()) == 1 })
	if e, m := a.stats.remoteEvents.Load(), a.stats.envelopes.Load(); e != 1 || m != 2 {
		t.Fatalf("remote events %d, messages %d; want 1 and 2", e, m)
	}
}

// Frames lost in flight are fetched again from the sender's ring before
// the next one is delivered: every session still gets every event, in
// order, once.
func TestGapIsReplayedInOrder(t *testing.T) {
	a, b, _ := pair(t, true, func(n int) bool { return n == 2 || n == 3 || n == 7 })
	s := &session{id: "s1"}
	b.trackAll(s)
	for i := 1; i <= 8; i++ {
		a.Deliver(7, map[string][]guild.RemotePart{"b": {{D: dispatch(i), Sessions: []string{"s1"}}}})
	}
	waitUntil(t, func() bool { return len(s.events()) >= 8 })
	time.Sleep(20 * time.Millisecond) // a duplicate would show by now
	want := []string{"1", "2", "3", "4", "5", "6", "7", "8"}
	if got := s.events(); !slices.Equal(got, want) {
		t.Fatalf("session got %v, want %v", got, want)
	}
	if got := b.stats.replayed.Load(); got != 3 {
		t.Errorf("replayed %d frames, want 3", got)
	}
	if got := b.stats.lost.Load(); got != 0 {
		t.Errorf("lost %d frames, want 0", got)
	}
}

// A loss at the end of a burst has no later frame to reveal it: the
// sender's tick does.
func TestTickRevealsLossAtTheEnd(t *testing.T) {
	a, b, _ := pair(t, true, func(n int) bool { return n == 3 })
	s := &session{id: "s1"}
	b.trackAll(s)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.out.tick(ctx)
	for i := 1; i <= 3; i++ {
		a.Deliver(7, map[string][]guild.RemotePart{"b": {{D: dispatch(i), Sessions: []string{"s1"}}}})
	}
	waitUntil(t, func() bool { return len(s.events()) == 3 })
	if got := s.events(); !slices.Equal(got, []string{"1", "2", "3"}) {
		t.Fatalf("session got %v", got)
	}
}

// Must not see: a frame for a session this node does not have reaches
// nobody, and a malformed frame is dropped and counted.
func TestUnknownSessionsAndGarbage(t *testing.T) {
	a, b, _ := pair(t, true, nil)
	s := &session{id: "s1"}
	b.trackAll(s)
	a.Deliver(7, map[string][]guild.RemotePart{"b": {{D: dispatch(1), Sessions: []string{"other"}}}})
	a.Deliver(7, map[string][]guild.RemotePart{"b": {{D: dispatch(2), Sessions: []string{"s1"}}}})
	b.in.receive([]byte{9, 9, 9})
	waitUntil(t, func() bool { return len(s.events()) == 1 })
	if got := s.events(); !slices.Equal(got, []string{"2"}) {
		t.Fatalf("session got %v, want only its own event", got)
	}
	if b.stats.malformed.Load() != 1 {
		t.Errorf("malformed = %d, want 1", b.stats.malformed.Load())
	}
}

// waitUntil polls f for up to 5 s.
func waitUntil(t *testing.T, f func() bool) {
	t.Helper()
	poll.Until(t, 5*time.Second, time.Millisecond, func() error {
		if !f() {
			return errors.New("not yet")
		}
		return nil
	})
}

// A guild that has just changed owner is unsettled at its new owner for
// Settle; others, and later, are settled.
func TestOwnerSettles(t *testing.T) {
	n, err := New(Config{Self: "a", Bus: &lossy{}, Store: noGuilds{}, Settle: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, self, _ := n.Owner(1); self {
		t.Fatal("a node owns a guild before its membership is ready")
	}
	prev := cluster.NewMembers(cluster.Member{ID: "a"}, cluster.Member{ID: "b"})
	cur := cluster.NewMembers(cluster.Member{ID: "a"})
	n.view.Store(&view{ready: true, members: cur, prev: prev, changedAt: time.Now()})
	var moved, stayed chat.ID
	for g := chat.ID(1); moved == 0 || stayed == 0; g++ {
		if o, _ := prev.Owner(g); o.ID == "b" {
			moved = g
		} else {
			stayed = g
		}
	}
	if _, self, settled := n.Owner(moved); !self || settled {
		t.Errorf("moved guild: self=%v settled=%v, want owned and unsettled", self, settled)
	}
	if _, self, settled := n.Owner(stayed); !self || !settled {
		t.Errorf("guild that stayed: self=%v settled=%v, want owned and settled", self, settled)
	}
	time.Sleep(60 * time.Millisecond)
	if _, _, settled := n.Owner(moved); !settled {
		t.Error("moved guild still unsettled after Settle")
	}
}

func FuzzDecodeFrame(f *testing.F) {
	var o outLinks
	o.init(&Node{cfg: Config{Self: "n1", Incarnation: 5}})
	env := bus.Envelope{Guild: 1, Parts: []bus.Part{{Event: "X", Data: []byte("{}"), Sessions: []string{"s"}}}}
	f.Add(env.Append(o.header(nil, 3)))
	f.Add(o.header(nil, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := decodeFrame(b)
		if err != nil {
			return
		}
		if fr.seq != 0 {
			again := fr.env.Append(nil)
			if _, err := bus.DecodeEnvelope(again); err != nil {
				t.Fatalf("re-encoded envelope does not decode: %v", err)
			}
		}
	})
}

// The replay ring is bounded in bytes as well as in frames: 12 frames of
// 1 MiB keep at most ringBytes (the newest always), a replay from an
// evicted number says "lost" and starts at the oldest frame kept, and a
// frame larger than the whole budget is still kept alone.
func TestRingBoundedInBytes(t *testing.T) {
	a, b, _ := pair(t, true, func(int) bool { return false })
	s := &session{id: "s1"}
	b.trackAll(s)
	big := func(i int) *protocol.Dispatch {
		data := make([]byte, 1<<20)
		copy(data, strconv.Itoa(i))
		return &protocol.Dispatch{Name: protocol.EventGuildCreate, Data: data}
	}
	for i := 1; i <= 12; i++ {
		a.Deliver(7, map[string][]guild.RemotePart{"b": {{D: big(i), Sessions: []string{"s1"}}}})
	}
	l := a.out.link("b")
	l.mu.Lock()
	kept, oldest, seq := l.bytes, l.oldest, l.seq
	sum := 0
	for q := oldest; q <= seq; q++ {
		sum += len(l.ring[q%ringSize])
	}
	l.mu.Unlock()
	if kept > ringBytes || kept != sum || seq != 12 || oldest <= 1 || oldest > seq {
		t.Fatalf("ring holds %d bytes (frames %d..%d sum to %d), want at most %d", kept, oldest, seq, sum, ringBytes)
	}
	rep := a.out.serveReplay(request{From: "b", Incarnation: 1, Seq: 1})
	if rep.Code != "lost" || uint64(len(rep.Frames)) != seq-oldest+1 {
		t.Fatalf("replay from 1: code %q, %d frames; want lost, %d", rep.Code, len(rep.Frames), seq-oldest+1)
	}
	if rep = a.out.serveReplay(request{From: "b", Incarnation: 1, Seq: oldest}); rep.Code != "" {
		t.Fatalf("replay from the oldest kept frame: code %q", rep.Code)
	}

	huge := &protocol.Dispatch{Name: protocol.EventGuildCreate, Data: make([]byte, ringBytes+1)}
	a.Deliver(7, map[string][]guild.RemotePart{"b": {{D: huge, Sessions: []string{"s1"}}}})
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.oldest != l.seq || l.bytes <= ringBytes || l.ring[l.seq%ringSize] == nil {
		t.Fatalf("a frame over the budget: oldest %d, seq %d, %d bytes kept", l.oldest, l.seq, l.bytes)
	}
}
