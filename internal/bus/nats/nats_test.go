package nats_test

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/bus"
	"github.com/accordchat/accord/internal/bus/bustest"
	"github.com/accordchat/accord/internal/bus/nats"
	"github.com/accordchat/accord/internal/poll"
)

// connect returns a Bus on urls with the suite's limits and fast
// reconnects, closed at the end of t.
func connect(t *testing.T, urls []string, o bustest.Options) *nats.Bus {
	t.Helper()
	b, err := nats.New(nats.Config{
		URLs: urls, Name: t.Name(),
		PendingMsgs: o.PendingMsgs, MaxInflight: o.MaxInflight,
		ReconnectWait: 20 * time.Millisecond, MaxReconnectWait: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// embedded is one in-process nats-server that can be stopped and started
// again on the same port.
type embedded struct {
	t    *testing.T
	url  string
	port int

	mu       sync.Mutex
	shutdown func() // guarded by mu; nil while down
}

func newEmbedded(t *testing.T) *embedded {
	u, shutdown, err := nats.StartEmbedded(nats.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(pu.Port())
	e := &embedded{t: t, url: u, port: port, shutdown: shutdown}
	t.Cleanup(func() { e.Down(t, nil) })
	return e
}

func (e *embedded) Connect(t *testing.T, o bustest.Options) bus.Bus {
	return connect(t, []string{e.url}, o)
}

func (e *embedded) Down(t *testing.T, _ bus.Bus) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shutdown != nil {
		e.shutdown()
		e.shutdown = nil
	}
}

func (e *embedded) Up(t *testing.T) {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, shutdown, err := nats.StartEmbedded(nats.EmbeddedOptions{Port: e.port})
	if err != nil {
		t.Fatalf("restart on port %d: %v", e.port, err)
	}
	e.shutdown = shutdown
}

func TestConformanceEmbedded(t *testing.T) {
	bustest.Run(t, func(t *testing.T) bustest.Network { return newEmbedded(t) })
}

func TestEmbeddedListensOnLoopback(t *testing.T) {
	e := newEmbedded(t)
	u, _ := url.Parse(e.url)
	if u.Hostname() != "127.0.0.1" || e.port <= 0 {
		t.Errorf("embedded server at %s: want 127.0.0.1 and a picked port", e.url)
	}
}

func TestConfig(t *testing.T) {
	for _, urls := range [][]string{nil, {"127.0.0.1:4222"}, {"http://127.0.0.1:4222"}} {
		if _, err := nats.New(nats.Config{URLs: urls}); err == nil {
			t.Errorf("URLs %q accepted", urls)
		}
	}
	// Nothing listens there: New fails within the connect timeout rather
	// than hanging.
	start := time.Now()
	_, err := nats.New(nats.Config{URLs: []string{"nats://127.0.0.1:1"}, ConnectTimeout: 500 * time.Millisecond})
	if err == nil {
		t.Error("connected to a port nothing listens on")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("failed connect took %v", d)
	}
}

// TestPublishBufferIsBounded: while disconnected, publishes are buffered
// up to ReconnectBuffer bytes and then fail with ErrUnavailable instead of
// growing without bound or blocking.
func TestPublishBufferIsBounded(t *testing.T) {
	e := newEmbedded(t)
	b, err := nats.New(nats.Config{URLs: []string{e.url}, ReconnectBuffer: 64 << 10, ReconnectWait: time.Hour, MaxReconnectWait: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	e.Down(t, b)
	// The disconnect is counted by the client's handler, which runs after
	// the connection is seen down: wait for both rather than race it (CI).
	poll.Until(t, 10*time.Second, 10*time.Millisecond, func() error {
		if st := b.Stats(); st.Connected || st.Disconnects == 0 {
			return fmt.Errorf("stats %+v", st)
		}
		return nil
	})
	subject := bus.NodeSubject(bustest.NodeID())
	payload := make([]byte, 1024)
	var failed bool
	for range 200 { // 200 KiB > 64 KiB
		if err := b.Publish(t.Context(), subject, payload); err != nil {
			if !errors.Is(err, bus.ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
			failed = true
			break
		}
	}
	if !failed {
		t.Error("200 KiB buffered in a 64 KiB reconnect buffer")
	}
	if st := b.Stats(); st.PublishErrors == 0 || st.Disconnects == 0 {
		t.Errorf("stats %+v: want the failure and the disconnect counted", st)
	}
}
