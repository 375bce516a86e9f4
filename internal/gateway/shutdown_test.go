package gateway_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/poll"
	"github.com/accordchat/accord/internal/protocol"
)

// After Shutdown returns, no goroutine the gateway started is left: the
// poller, the sweeper, the writers, a connection's own reader and a write
// blocked on a full socket are all tracked and waited for.
func TestShutdownLeavesNoGoroutines(t *testing.T) {
	before := gatewayGoroutines()
	e := newEnv(t, gateway.Config{
		SendQueueBytes:    64 << 20,
		SocketWriteBuffer: 16 << 10,
		WriteTimeout:      2 * time.Second,
	})
	gid := e.gids[0]
	tok := e.acc.addUser(userID, false, 0, gid)
	for _, q := range []string{"", "?compress=zlib-stream"} {
		c := dial(t, e.url+q)
		hello(t, c)
		c.identify(tok, protocol.IntentGuilds, nil)
	}
	// Bytes sent with the upgrade request make the server read that
	// connection on a goroutine of its own rather than through the poller.
	eager := dialEager(t, e.url)
	// A client that never reads: its socket fills and a writer hands the
	// rest of a write to a goroutine that blocks.
	dialStalled(t, e.url, tok)
	poll.Until(t, 5*time.Second, 5*time.Millisecond, func() error {
		if n := e.rt.subscribers(gid); n != 3 {
			return fmt.Errorf("%d subscribers", n)
		}
		return nil
	})
	body := []byte(`{"content":"` + strings.Repeat("x", 4000) + `"}`)
	for range 200 {
		e.rt.publish(gid, &protocol.Dispatch{Name: protocol.EventMessageCreate, Data: body})
	}
	for _, fn := range []string{".(*conn).readLoop", ".(*conn).finishWrite", ".(*writerPool).work", ".(*Gateway).sweep"} {
		poll.Until(t, 5*time.Second, 5*time.Millisecond, func() error {
			for _, stack := range gatewayGoroutines() {
				if strings.Contains(stack, "internal/gateway"+fn) {
					return nil
				}
			}
			return fmt.Errorf("no goroutine in %s", fn)
		})
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.gw.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	poll.Until(t, 5*time.Second, 5*time.Millisecond, func() error {
		var left []string
		for id, stack := range gatewayGoroutines() {
			if _, ok := before[id]; !ok {
				left = append(left, stack)
			}
		}
		if len(left) > 0 {
			slices.Sort(left)
			return fmt.Errorf("%d gateway goroutines left after Shutdown:\n\n%s", len(left), strings.Join(left, "\n\n"))
		}
		return nil
	})
	_ = eager.SetReadDeadline(time.Now().Add(5 * time.Second))
	if b, _ := io.ReadAll(eager); !bytes.Contains(b, []byte(`{"op":7,"d":null}`)) {
		t.Fatalf("the eager client got no RECONNECT: %q", b)
	}
}

// gatewayGoroutines returns, by goroutine id, the stacks that run code of
// package gateway (the tests' own package is gateway_test).
func gatewayGoroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	out := make(map[string]string)
	for _, stack := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(stack, "accord/internal/gateway.") {
			id, _, _ := strings.Cut(strings.TrimPrefix(stack, "goroutine "), " ")
			out[id] = stack
		}
	}
	return out
}

// dialEager sends the upgrade request and a heartbeat in one write and
// waits for the heartbeat's ACK.
func dialEager(t *testing.T, rawURL string) net.Conn {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nc.Close() })
	var req bytes.Buffer
	fmt.Fprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", u.Path, u.Host)
	if err := ws.WriteFrame(&req, ws.MaskFrame(ws.NewTextFrame([]byte(`{"op":1,"d":null}`)))); err != nil {
		t.Fatal(err)
	}
	if _, err := nc.Write(req.Bytes()); err != nil {
		t.Fatal(err)
	}
	_ = nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	var got []byte
	b := make([]byte, 4096)
	for !bytes.Contains(got, []byte(`{"op":11,"d":null}`)) {
		n, err := nc.Read(b)
		if err != nil {
			t.Fatalf("eager client: %v after %q", err, got)
		}
		got = append(got, b[:n]...)
	}
	return nc
}
