package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// clock is a fake clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Unix(1_764_651_600, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// hub is an in-memory Transport shared by several nodes: Publish hands the
// message to every subscriber at once, in the caller's goroutine.
type hub struct {
	mu      sync.Mutex
	subs    map[int]func([]byte)
	next    int
	sent    [][]byte // every message published, in order
	pubErr  error    // returned by Publish when set
	subErr  error    // returned by Subscribe when set
	dropAll bool     // Publish loses messages (a partition)
}

func newHub() *hub { return &hub{subs: map[int]func([]byte){}} }

func (h *hub) Publish(_ context.Context, msg []byte) error {
	h.mu.Lock()
	if h.pubErr != nil {
		defer h.mu.Unlock()
		return h.pubErr
	}
	h.sent = append(h.sent, msg)
	var subs []func([]byte)
	if !h.dropAll {
		for _, s := range h.subs {
			subs = append(subs, s)
		}
	}
	h.mu.Unlock()
	for _, s := range subs {
		s(msg)
	}
	return nil
}

func (h *hub) Subscribe(handle func([]byte)) (func(), error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subErr != nil {
		return nil, h.subErr
	}
	id := h.next
	h.next++
	h.subs[id] = handle
	return func() {
		h.mu.Lock()
		delete(h.subs, id)
		h.mu.Unlock()
	}, nil
}

func (h *hub) subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

var quiet = slog.New(slog.DiscardHandler)

// testNode starts a Membership on tr with the fake clock, subscribed but
// not running: the test drives its beats and sweeps.
func testNode(t *testing.T, tr Transport, clk *clock, id string, incarnation uint64) *Membership {
	t.Helper()
	m, err := New(Config{Node: id, URL: "http://" + id + ":8080", Transport: tr, Incarnation: incarnation, Now: clk.Now, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	unsubscribe, err := m.start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unsubscribe)
	return m
}

// ids lists a snapshot's node ids.
func ids(ms Members) []string {
	var out []string
	for _, m := range ms.All() {
		out = append(out, m.ID)
	}
	return out
}

func wantIDs(t *testing.T, m *Membership, want ...string) {
	t.Helper()
	got := ids(m.Members())
	if len(got) != len(want) {
		t.Fatalf("%s sees %v, want %v", m.Self().ID, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s sees %v, want %v", m.Self().ID, got, want)
		}
	}
}

func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestJoinThenDeadAfterSilence(t *testing.T) {
	clk, h := newClock(), newHub()
	a := testNode(t, h, clk, "a", 1)
	b := testNode(t, h, clk, "b", 1)
	wantIDs(t, a, "a")
	ms0, changed := a.Watch()

	b.beat(t.Context(), false)
	wantIDs(t, a, "a", "b")
	if !closed(changed) {
		t.Fatal("a join did not close the changed channel")
	}
	ms1, changed := a.Watch()
	if ms1.Version() <= ms0.Version() {
		t.Fatalf("version %d after a join, was %d", ms1.Version(), ms0.Version())
	}

	// Silent for just under DeadAfter: still live.
	clk.Advance(3*time.Second - time.Millisecond)
	a.sweep()
	wantIDs(t, a, "a", "b")
	if closed(changed) {
		t.Fatal("changed closed with no change")
	}
	// A heartbeat restarts the count.
	b.beat(t.Context(), false)
	clk.Advance(3*time.Second - time.Millisecond)
	a.sweep()
	wantIDs(t, a, "a", "b")
	// DeadAfter of silence: dead.
	clk.Advance(time.Millisecond)
	a.sweep()
	wantIDs(t, a, "a")
	if !closed(changed) {
		t.Fatal("a death did not close the changed channel")
	}
	if v := a.Members().Version(); v <= ms1.Version() {
		t.Fatalf("version %d after a death, was %d", v, ms1.Version())
	}
	if s := a.Stats(); s.Joins != 1 || s.Deaths != 1 {
		t.Fatalf("stats %+v, want 1 join and 1 death", s)
	}
}

// TestReplayCannotKeepDeadNodeAlive: a duplicated or replayed heartbeat
// (same incarnation, sequence not above the last) must not count as a sign
// of life, nor bring a dead node back.
func TestReplayCannotKeepDeadNodeAlive(t *testing.T) {
	clk, h := newClock(), newHub()
	a := testNode(t, h, clk, "a", 1)
	b := testNode(t, h, clk, "b", 1)
	b.beat(t.Context(), false)
	old := h.sent[len(h.sent)-1]
	clk.Advance(2 * time.Second)
	a.receive(old)
	clk.Advance(time.Second)
	a.sweep()
	wantIDs(t, a, "a")
	a.receive(old)
	wantIDs(t, a, "a")
	if s := a.Stats(); s.Stale != 2 {
		t.Fatalf("stale %d, want 2", s.Stale)
	}
	// The same run coming back (a partition healed) with a newer
	// sequence is live again.
	b.beat(t.Context(), false)
	wantIDs(t, a, "a", "b")
}

func TestRestartedNodeRejoins(t *testing.T) {
	clk, h := newClock(), newHub()
	a := testNode(t, h, clk, "a", 1)
	b1 := testNode(t, h, clk, "b", 100)
	b1.beat(t.Context(), false)
	b1.beat(t.Context(), false)
	late := h.sent[len(h.sent)-1]

	t.Run("after being found dead", func(t *testing.T) {
		clk.Advance(3 * time.Second)
		a.sweep()
		wantIDs(t, a, "a")
		b2 := testNode(t, h, clk, "b", 200)
		b2.beat(t.Context(), false)
		wantIDs(t, a, "a", "b")
		if m, _ := a.Members().Get("b"); m.Incarnation != 200 {
			t.Fatalf("b's incarnation %d, want 200", m.Incarnation)
		}
	})
	t.Run("before being found dead", func(t *testing.T) {
		_, changed := a.Watch()
		b3 := testNode(t, h, clk, "b", 300)
		b3.beat(t.Context(), false) // seq 1, below the old run's
		if m, _ := a.Members().Get("b"); m.Incarnation != 300 {
			t.Fatalf("b's incarnation %d, want 300", m.Incarnation)
		}
		if !closed(changed) {
			t.Fatal("a restart did not close the changed channel")
		}
		// The old run's last heartbeat arrives late: ignored.
		a.receive(late)
		if m, _ := a.Members().Get("b"); m.Incarnation != 300 {
			t.Fatalf("a late heartbeat of an old run took b back to incarnation %d", m.Incarnation)
		}
	})
}

func TestLeavingNodeIsDeadAtOnce(t *testing.T) {
	clk, h := newClock(), newHub()
	a := testNode(t, h, clk, "a", 1)
	b := testNode(t, h, clk, "b", 1)
	b.beat(t.Context(), false)
	wantIDs(t, a, "a", "b")
	b.beat(t.Context(), true)
	wantIDs(t, a, "a")
	if hl := a.Health(); len(hl.Nodes) != 2 || hl.Nodes[1].Live {
		t.Fatalf("health %+v: want b listed, not live", hl)
	}
	if s := a.Stats(); s.Leaves != 1 {
		t.Fatalf("leaves %d, want 1", s.Leaves)
	}
}

// TestBadHeartbeatsChangeNothing: junk on the subject, forged ids and a
// heartbeat under this node's own id change nobody's view.
func TestBadHeartbeatsChangeNothing(t *testing.T) {
	clk, h := newClock(), newHub()
	a := testNode(t, h, clk, "a", 1)
	forged, err := Heartbeat{Node: "a", URL: "http://evil", Incarnation: 2, Seq: 99}.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	badID, _ := Heartbeat{Node: "x", Incarnation: 1, Seq: 1}.MarshalBinary()
	badID[fixedLen+1] = '.'
	for _, msg := range [][]byte{nil, []byte("{}"), {9, 0}, badID, forged} {
		a.receive(msg)
	}
	wantIDs(t, a, "a")
	if m, _ := a.Members().Get("a"); m.URL != "http://a:8080" || m.Incarnation != 1 {
		t.Fatalf("self is now %+v", m)
	}
	if v := a.Members().Version(); v != 1 {
		t.Fatalf("version %d, want 1", v)
	}
	if s := a.Stats(); s.Malformed != 4 || s.Conflicts != 1 {
		t.Fatalf("stats %+v, want 4 malformed and 1 conflict", s)
	}
}

// TestMaxNodesBoundsMemory: heartbeats under ever new ids cannot grow the
// table past MaxNodes; dead nodes make room for new ones.
func TestMaxNodesBoundsMemory(t *testing.T) {
	clk, h := newClock(), newHub()
	a, err := New(Config{Node: "a", Transport: h, Now: clk.Now, Logger: quiet, MaxNodes: 2})
	if err != nil {
		t.Fatal(err)
	}
	send := func(id string, seq uint64) {
		msg, err := Heartbeat{Node: id, Incarnation: 1, Seq: seq}.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		a.receive(msg)
	}
	send("b", 1)
	send("c", 1)
	send("d", 1)
	wantIDs(t, a, "a", "b", "c")
	if s := a.Stats(); s.Rejected != 1 {
		t.Fatalf("rejected %d, want 1", s.Rejected)
	}
	clk.Advance(2 * time.Second)
	send("c", 2)
	clk.Advance(time.Second)
	a.sweep() // b dead
	send("d", 2)
	wantIDs(t, a, "a", "c", "d")
	if n := len(a.Health().Nodes); n != 3 {
		t.Fatalf("health lists %d nodes, want 3 (MaxNodes 2 and self)", n)
	}
}

func TestHealth(t *testing.T) {
	clk, h := newClock(), newHub()
	a := testNode(t, h, clk, "n2", 1)
	testNode(t, h, clk, "n1", 1).beat(t.Context(), false)
	testNode(t, h, clk, "n3", 1).beat(t.Context(), false)
	clk.Advance(3 * time.Second)
	a.sweep()
	got, err := json.Marshal(a.Health())
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"node":"n2","nodes":[` +
		`{"id":"n1","url":"http://n1:8080","live":false},` +
		`{"id":"n2","url":"http://n2:8080","live":true},` +
		`{"id":"n3","url":"http://n3:8080","live":false}]}`
	if string(got) != want {
		t.Fatalf("health\n got %s\nwant %s", got, want)
	}
	// Dead nodes are forgotten after ForgetAfter.
	clk.Advance(time.Minute)
	a.sweep()
	got, _ = json.Marshal(a.Health())
	if want := `{"node":"n2","nodes":[{"id":"n2","url":"http://n2:8080","live":true}]}`; string(got) != want {
		t.Fatalf("health after ForgetAfter\n got %s\nwant %s", got, want)
	}
}

func TestReady(t *testing.T) {
	clk, h := newClock(), newHub()
	a := testNode(t, h, clk, "a", 1)
	clk.Advance(3*time.Second - time.Millisecond)
	a.sweep()
	if closed(a.Ready()) {
		t.Fatal("ready before DeadAfter")
	}
	clk.Advance(time.Millisecond)
	a.sweep()
	if !closed(a.Ready()) {
		t.Fatal("not ready after DeadAfter")
	}
	a.sweep() // closing twice would panic
}

// TestNodesAgree: three nodes that heard each other compute the same
// members and the same owner for every guild, and agree again after one
// dies.
func TestNodesAgree(t *testing.T) {
	clk, h := newClock(), newHub()
	ms := []*Membership{testNode(t, h, clk, "n1", 1), testNode(t, h, clk, "n2", 1), testNode(t, h, clk, "n3", 1)}
	for _, m := range ms {
		m.beat(t.Context(), false)
	}
	gs := guildSets(1000)["snowflake"]
	check := func(live []*Membership) {
		t.Helper()
		first := live[0].Members()
		for _, m := range live[1:] {
			if !m.Members().Equal(first) {
				t.Fatalf("%s sees %v, %s sees %v", m.Self().ID, ids(m.Members()), live[0].Self().ID, ids(first))
			}
		}
		for _, g := range gs {
			o := first.ownerID(g)
			for _, m := range live[1:] {
				if got := m.Members().ownerID(g); got != o {
					t.Fatalf("guild %d: %s says %s, %s says %s", g, m.Self().ID, got, live[0].Self().ID, o)
				}
			}
		}
	}
	check(ms)
	before := ms[0].Members()
	clk.Advance(2 * time.Second)
	ms[0].beat(t.Context(), false)
	ms[1].beat(t.Context(), false)
	clk.Advance(time.Second)
	for _, m := range ms[:2] {
		m.sweep()
	}
	check(ms[:2])
	for _, mv := range Moves(before, ms[0].Members(), gs) {
		if mv.From != "n3" {
			t.Fatalf("n3 died, but %+v moved", mv)
		}
	}
}

// TestRun runs a Membership on real time: it announces itself, finds a
// silent node dead, says it is leaving when stopped and unsubscribes.
func TestRun(t *testing.T) {
	h := newHub()
	clk := newClock() // the watcher's clock; Run's node uses time.Now
	watcher := testNode(t, h, clk, "w", 1)
	m, err := New(Config{Node: "r", Transport: h, Interval: 5 * time.Millisecond, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()

	// waitFor waits for m's view to satisfy ok. It reads the snapshot and
	// the changed channel together, so no change slips in between.
	waitFor := func(m *Membership, what string, ok func(Members) bool) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			ms, changed := m.Watch()
			if ok(ms) {
				return
			}
			select {
			case <-changed:
			case <-deadline:
				t.Fatalf("timed out waiting for %s; %s sees %v, stats %+v", what, m.Self().ID, ids(ms), m.Stats())
			}
		}
	}
	has := func(id string) func(Members) bool {
		return func(ms Members) bool { _, ok := ms.Get(id); return ok }
	}
	hasNot := func(id string) func(Members) bool {
		return func(ms Members) bool { _, ok := ms.Get(id); return !ok }
	}
	waitFor(watcher, "r to join", has("r"))
	// r has subscribed (it beats only after), so it hears w at once; then
	// finds it dead after 15 ms of silence.
	watcher.beat(t.Context(), false)
	if !has("w")(m.Members()) {
		t.Fatalf("r did not hear w: r sees %v", ids(m.Members()))
	}
	waitFor(m, "r to find w dead", hasNot("w"))
	select {
	case <-m.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("r never ready")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	waitFor(watcher, "r to leave", hasNot("r"))
	if n := h.subscribers(); n != 1 {
		t.Fatalf("%d subscribers after Run returned, want the watcher's only", n)
	}
}

func TestRunErrors(t *testing.T) {
	h := newHub()
	h.subErr = errors.New("no bus")
	m, err := New(Config{Node: "a", Transport: h, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Run(t.Context()); !errors.Is(err, h.subErr) {
		t.Fatalf("Run = %v, want the subscribe error", err)
	}
	h.subErr, h.pubErr = nil, errors.New("bus down")
	m.beat(t.Context(), false)
	if s := m.Stats(); s.PublishErrors != 1 {
		t.Fatalf("publish errors %d, want 1", s.PublishErrors)
	}
}

func TestConfig(t *testing.T) {
	h := newHub()
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no node id", Config{Transport: h}},
		{"bad node id", Config{Node: "a.b", Transport: h}},
		{"bad url", Config{Node: "a", URL: "http://a b", Transport: h}},
		{"no transport", Config{Node: "a"}},
		{"negative interval", Config{Node: "a", Transport: h, Interval: -1}},
		{"negative max nodes", Config{Node: "a", Transport: h, MaxNodes: -1}},
		{"dead after one interval", Config{Node: "a", Transport: h, Interval: time.Second, DeadAfter: time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg); err == nil {
				t.Fatal("New accepted it")
			}
		})
	}
	m, err := New(Config{Node: "a", Transport: h})
	if err != nil {
		t.Fatal(err)
	}
	if c := m.cfg; c.Interval != time.Second || c.DeadAfter != 3*time.Second || c.ForgetAfter != time.Minute || c.MaxNodes != 256 || c.Incarnation == 0 {
		t.Fatalf("defaults %+v", c)
	}
}
