package gateway_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/poll"
	"github.com/accordchat/accord/internal/protocol"
)

// A client whose socket stops accepting bytes is closed after WriteTimeout
// even when its queue is far under SendQueueBytes, and while its last write
// waits, the shared writers keep serving everyone else.
func TestStalledSocketClosedAfterWriteTimeout(t *testing.T) {
	e := newEnv(t, gateway.Config{
		SendQueueBytes:    64 << 20,
		SocketWriteBuffer: 16 << 10,
		WriteTimeout:      3 * time.Second,
		Writers:           1, // one worker: a blocked write would starve the reader
	})
	gid := e.gids[0]
	tok := e.acc.addUser(userID, false, 0, gid)
	dialStalled(t, e.url, tok)
	reader := dial(t, e.url)
	hello(t, reader)
	reader.identify(tok, protocol.IntentGuilds, nil)
	reader.expect(protocol.OpDispatch, "GUILD_CREATE")
	poll.Until(t, 5*time.Second, 5*time.Millisecond, func() error {
		if n := e.rt.subscribers(gid); n != 2 {
			return fmt.Errorf("%d subscribers", n)
		}
		return nil
	})
	var got atomic.Int64
	go func() {
		for f := range reader.frames {
			if f.T == "MESSAGE_CREATE" {
				got.Add(1)
			}
		}
	}()
	body := []byte(`{"content":"` + strings.Repeat("x", 4000) + `"}`)
	const n = 1000 // ~4 MB: far more than both sockets' buffers
	for range n {
		e.rt.publish(gid, &protocol.Dispatch{Name: "MESSAGE_CREATE", Data: body})
	}
	start := time.Now()
	poll.Until(t, 10*time.Second, 5*time.Millisecond, func() error {
		if m := got.Load(); m != n {
			return fmt.Errorf("reader has %d of %d", m, n)
		}
		return nil
	})
	// Had the one worker blocked on the stalled socket, the reader would
	// only have been served once that write timed out.
	if c := e.gw.Stats().Connections; c != 2 {
		t.Fatalf("the reader finished only after the stalled client was closed (%d connections open, %v)", c, time.Since(start))
	}
	poll.Until(t, 10*time.Second, 5*time.Millisecond, func() error {
		if c := e.gw.Stats().Connections; c != 1 {
			return fmt.Errorf("%d connections open", c)
		}
		return nil
	})
	if st := e.gw.Stats(); st.SlowDisconnects != 0 {
		t.Fatalf("closed as a slow consumer, not by the write timeout: %+v", st)
	}
}
