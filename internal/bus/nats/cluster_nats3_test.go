//go:build nats3

package nats_test

// These tests need a real 3-server NATS cluster on 127.0.0.1:
//
//	scripts/nats start --nodes 3
//	go test -tags nats3 ./internal/bus/...
//	scripts/nats stop
//
// They kill and restart servers with scripts/nats.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/bus"
	"github.com/accordchat/accord/internal/bus/bustest"
	"github.com/accordchat/accord/internal/bus/nats"
	"github.com/accordchat/accord/internal/poll"
)

const script = "../../../scripts/nats"

// cluster is the running scripts/nats cluster.
type cluster struct {
	urls []string
	down int // server number taken down by Down; 0 if none
}

func newCluster(t *testing.T) *cluster {
	out, err := exec.Command(script, "urls").Output()
	if err != nil {
		t.Fatalf("no NATS cluster (start one with scripts/nats start --nodes 3): %v", err)
	}
	urls := strings.Split(strings.TrimSpace(string(out)), ",")
	if len(urls) < 3 {
		t.Fatalf("cluster has %d servers, want 3 (scripts/nats start --nodes 3)", len(urls))
	}
	return &cluster{urls: urls}
}

func (c *cluster) Connect(t *testing.T, o bustest.Options) bus.Bus {
	return connect(t, c.urls, o)
}

func runScript(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(script, args...)
	cmd.Stderr = os.Stderr
	if out, err := cmd.Output(); err != nil {
		t.Fatalf("scripts/nats %s: %v", strings.Join(args, " "), err)
	} else {
		t.Logf("%s", strings.TrimSpace(string(out)))
	}
}

// Down SIGKILLs the server victim is connected to; its clients fail over to
// the two others.
func (c *cluster) Down(t *testing.T, victim bus.Bus) {
	u := victim.(*nats.Bus).URL()
	for i, cu := range c.urls {
		if cu == u {
			c.down = i + 1
		}
	}
	if c.down == 0 {
		t.Fatalf("victim connected to %q, not one of %v", u, c.urls)
	}
	runScript(t, "kill", fmt.Sprint(c.down))
	t.Cleanup(func() { c.Up(t) })
}

func (c *cluster) Up(t *testing.T) {
	if c.down != 0 {
		runScript(t, "start", "--node", fmt.Sprint(c.down))
		c.down = 0
	}
}

func TestConformanceCluster(t *testing.T) {
	bustest.Run(t, func(t *testing.T) bustest.Network { return newCluster(t) })
}

// TestKillServerWhilePublishing kills the subscriber's server while a
// publisher on another server keeps publishing: the subscriber moves to a
// survivor, traffic continues, nothing arrives twice or out of order, and
// once messages flow again none is lost.
func TestKillServerWhilePublishing(t *testing.T) {
	c := newCluster(t)
	sub := connect(t, c.urls, bustest.Options{})
	var pub *nats.Bus
	poll.Until(t, 10*time.Second, time.Millisecond, func() error {
		p := connect(t, c.urls, bustest.Options{})
		if p.URL() == sub.URL() {
			_ = p.Close()
			return fmt.Errorf("publisher on the subscriber's server %s", p.URL())
		}
		pub = p
		return nil
	})
	subject := bus.NodeSubject(bustest.NodeID())
	var mu sync.Mutex
	var got []int
	if _, err := sub.Subscribe(subject, func(data []byte) {
		var i int
		fmt.Sscan(string(data), &i)
		mu.Lock()
		got = append(got, i)
		mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	received := func() []int {
		mu.Lock()
		defer mu.Unlock()
		return append([]int(nil), got...)
	}

	var published atomic.Int64 // messages 0..published-1 were sent
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := pub.Publish(context.Background(), subject, []byte(fmt.Sprint(i))); err != nil {
				t.Errorf("publish %d: %v", i, err)
				return
			}
			published.Store(int64(i + 1))
			time.Sleep(200 * time.Microsecond) // a steady stream, not a flood
		}
	}()
	stopPublisher := sync.OnceFunc(func() { close(stop); <-done })
	defer stopPublisher()
	// waitFor waits until a message numbered at least n has arrived.
	waitFor := func(n int) {
		t.Helper()
		poll.Until(t, 30*time.Second, 5*time.Millisecond, func() error {
			if r := received(); len(r) == 0 || r[len(r)-1] < n {
				return fmt.Errorf("no message >= %d received yet", n)
			}
			return nil
		})
	}
	waitFor(500)
	c.Down(t, sub)
	poll.Until(t, 30*time.Second, 10*time.Millisecond, func() error {
		if st := sub.Stats(); st.Reconnects == 0 || !st.Connected {
			return fmt.Errorf("subscriber stats %+v: not reconnected", st)
		}
		return nil
	})
	t.Logf("subscriber moved to %s", sub.URL())
	// Once a message published after the reconnect has arrived, the new
	// route is proven: from then on nothing may be lost.
	waitFor(int(published.Load()))
	proven := int(published.Load())
	waitFor(proven + 2000)
	stopPublisher()
	last := int(published.Load()) - 1
	waitFor(last)
	r := received()
	for k := 1; k < len(r); k++ {
		if r[k] <= r[k-1] {
			t.Fatalf("message %d after %d: duplicated or reordered", r[k], r[k-1])
		}
		if gap := r[k] - r[k-1] - 1; gap > 0 {
			if r[k-1] >= proven {
				t.Errorf("lost %d messages after %d, published after traffic had resumed", gap, r[k-1])
			}
		}
	}
	// Losses happen only before the proven point: while the subscriber's
	// server was dead or its interest had not yet crossed the routes.
	t.Logf("published %d, received %d, lost %d", last+1, len(r), last+1-len(r))
}
