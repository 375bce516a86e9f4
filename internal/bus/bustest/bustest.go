// Package bustest is the conformance suite every Bus backend passes
// (STYLE rule 25): Run(t, newNetwork) checks publish/subscribe on node
// subjects, Envelope integrity, ordering per publisher, slow subscribers,
// request/reply with deadlines, busy and failing handlers, unsubscribe and
// close, and, for backends with a server that can be taken away, recovery
// after an outage. bus/local runs it always, bus/nats against an embedded
// server always and against a real 3-node cluster behind the nats3 tag.
package bustest

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/bus"
	"github.com/accordchat/accord/internal/poll"
)

// Options are the limits a test asks of a Bus; zero means the backend's
// default.
type Options struct {
	PendingMsgs int // per-subscription queue bound
	MaxInflight int // concurrent request handlers
}

// Network is a backend under test: one network that several Buses join,
// as the nodes of a cluster do.
type Network interface {
	// Connect returns a new Bus on the network. The suite closes it; the
	// Network must close it at the end of t too, if still open.
	Connect(t *testing.T, o Options) bus.Bus
}

// Outage is implemented by Networks whose server can be taken away.
type Outage interface {
	// Down stops the server victim is connected to.
	Down(t *testing.T, victim bus.Bus)
	// Up brings it back.
	Up(t *testing.T)
}

// Run runs the conformance suite; newNetwork is called once per subtest.
func Run(t *testing.T, newNetwork func(t *testing.T) Network) {
	tests := []struct {
		name string
		run  func(t *testing.T, n Network)
	}{
		{"PublishSubscribe", testPublishSubscribe},
		{"EnvelopeIntegrity", testEnvelopeIntegrity},
		{"TooLarge", testTooLarge},
		{"OrderPerPublisher", testOrder},
		{"SlowSubscriberNeverBlocksPublisher", testSlowSubscriber},
		{"RequestReply", testRequestReply},
		{"RequestTimeout", testRequestTimeout},
		{"RequestBusy", testRequestBusy},
		{"UnsubscribeAndClose", testUnsubscribeAndClose},
		{"CloseCancelsHandlers", testCloseCancelsHandlers},
		{"Outage", testOutage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, newNetwork(t)) })
	}
}

var nodeSeq atomic.Int64

// NodeID returns a node id no other test of this process uses, so that
// tests sharing a real NATS cluster never see each other's traffic.
func NodeID() string {
	return fmt.Sprintf("t%d-%d", time.Now().UnixNano(), nodeSeq.Add(1))
}

// probe marks the messages sync sends to learn that a route works.
var probe = []byte("\x00probe")

// inbox collects what a subscription receives, ignoring probes except to
// note that one arrived.
type inbox struct {
	mu     sync.Mutex
	msgs   [][]byte
	probed bool
}

func (in *inbox) handle(data []byte) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if bytes.Equal(data, probe) {
		in.probed = true
		return
	}
	in.msgs = append(in.msgs, data)
}

func (in *inbox) got() [][]byte {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([][]byte(nil), in.msgs...)
}

// wait waits until the inbox holds n messages.
func (in *inbox) wait(t *testing.T, n int) [][]byte {
	t.Helper()
	poll.Until(t, 20*time.Second, 5*time.Millisecond, func() error {
		if got := len(in.got()); got < n {
			return fmt.Errorf("received %d of %d messages", got, n)
		}
		return nil
	})
	return in.got()
}

// subscribe subscribes b to subject with a new inbox and waits until pub's
// messages reach it: on a cluster, interest takes a moment to cross
// servers. Probes published after the first one arrives come before
// anything pub publishes next (order per publisher), and are ignored.
func subscribe(t *testing.T, b, pub bus.Bus, subject bus.Subject) (*inbox, bus.Subscription) {
	t.Helper()
	in := &inbox{}
	sub, err := b.Subscribe(subject, in.handle)
	if err != nil {
		t.Fatalf("Subscribe %s: %v", subject, err)
	}
	waitRoute(t, pub, subject, in)
	return in, sub
}

func waitRoute(t *testing.T, pub bus.Bus, subject bus.Subject, in *inbox) {
	t.Helper()
	in.mu.Lock()
	in.probed = false // a probe from before does not show the route works now
	in.mu.Unlock()
	poll.Until(t, 30*time.Second, 20*time.Millisecond, func() error {
		in.mu.Lock()
		ok := in.probed
		in.mu.Unlock()
		if ok {
			return nil
		}
		if err := pub.Publish(context.Background(), subject, probe); err != nil {
			return fmt.Errorf("probe: %w", err)
		}
		return fmt.Errorf("no probe arrived on %s", subject)
	})
}

func publish(t *testing.T, b bus.Bus, subject bus.Subject, data []byte) {
	t.Helper()
	if err := b.Publish(t.Context(), subject, data); err != nil {
		t.Fatalf("Publish %s: %v", subject, err)
	}
}

func seqMsg(publisher, i int) []byte {
	return []byte(strconv.Itoa(publisher) + ":" + strconv.Itoa(i))
}

// checkSeq checks that msgs hold, for each publisher, 0..n-1 in order.
func checkSeq(t *testing.T, msgs [][]byte, publishers, n int) {
	t.Helper()
	next := make([]int, publishers)
	for _, m := range msgs {
		var p, i int
		if _, err := fmt.Sscanf(string(m), "%d:%d", &p, &i); err != nil || p < 0 || p >= publishers {
			t.Fatalf("unexpected message %q", m)
		}
		if i != next[p] {
			t.Fatalf("publisher %d: got message %d, want %d (lost or reordered)", p, i, next[p])
		}
		next[p]++
	}
	for p, got := range next {
		if got != n {
			t.Errorf("publisher %d: got %d messages, want %d", p, got, n)
		}
	}
}
