package gateway_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	cws "github.com/coder/websocket"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/etf"
	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

// Idle-session memory, measured in one process: heap in use plus goroutine
// stacks after N sessions are open and idle, minus before, divided by N.
// The figure includes the test's own client sockets, so it is an upper
// bound on the server's share; BenchmarkIdleTCPPair gives the cost of the
// bare loopback connection pair for comparison. Keep N modest: each
// session costs two file descriptors in this process.
//
//	go test -run '^$' -bench 'Idle' -benchtime 1x ./internal/gateway

const idleSessions = 2000

func memInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

func reportPerSession(b *testing.B, before uint64, n int) {
	after := memInUse()
	per := float64(int64(after)-int64(before)) / float64(n)
	b.ReportMetric(per, "B/session")
	b.ReportMetric(0, "ns/op")
	b.Logf("%d idle sessions: %.0f bytes each (heap+stack, client sockets included)", n, per)
}

// BenchmarkIdleSessionMemory measures this package: identified sessions,
// each subscribed to a guild, with no traffic.
func BenchmarkIdleSessionMemory(b *testing.B) {
	for range b.N {
		acc, rt := newAccounts(), newRouter()
		gw, err := gateway.New(gateway.Config{Accounts: acc, Guilds: rt, DisableLimits: true})
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(gw)
		url := "ws" + strings.TrimPrefix(srv.URL, "http")
		gid := chat.ID(10 << 22)
		tok := acc.addUser(1<<30, false, 0, gid)
		identify := []byte(fmt.Sprintf(`{"op":2,"d":{"token":%q,"intents":513,"properties":{}}}`, tok))
		conns := make([]net.Conn, 0, idleSessions)
		before := memInUse()
		for range idleSessions {
			nc := dialIdle(b, url)
			conns = append(conns, nc)
			readFrames(b, nc, 1) // HELLO
			if err := wsutil.WriteClientText(nc, identify); err != nil {
				b.Fatal(err)
			}
			readFrames(b, nc, 2) // READY, GUILD_CREATE
			// A real client's heartbeat carries its last seq, which lets
			// the server drop the replay of READY and GUILD_CREATE.
			_ = wsutil.WriteClientText(nc, []byte(`{"op":1,"d":2}`))
			readFrames(b, nc, 1) // ACK
		}
		reportPerSession(b, before, idleSessions)
		for _, nc := range conns {
			_ = nc.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = gw.Shutdown(ctx)
		cancel()
		srv.Close()
	}
}

// dialIdle connects a client that holds no goroutine and no buffer.
func dialIdle(b *testing.B, url string) net.Conn {
	nc, br, _, err := ws.Dial(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	if br != nil {
		// The server's first frames arrived with the handshake.
		nc = &bufferedConn{Conn: nc, br: br}
	}
	return nc
}

type bufferedConn struct {
	net.Conn
	br *bufio.Reader
}

func (c *bufferedConn) Read(p []byte) (int, error) {
	if c.br != nil {
		if c.br.Buffered() > 0 {
			return c.br.Read(p)
		}
		ws.PutReader(c.br)
		c.br = nil
	}
	return c.Conn.Read(p)
}

func readFrames(b *testing.B, nc net.Conn, n int) {
	for range n {
		if _, _, err := wsutil.ReadServerData(nc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIdleGoroutinePerConn measures the common alternative: a
// coder/websocket server with one reading goroutine per connection (the
// handler's), doing the same handshake.
func BenchmarkIdleGoroutinePerConn(b *testing.B) {
	for range b.N {
		var wg sync.WaitGroup
		ctx, cancel := context.WithCancel(context.Background())
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := cws.Accept(w, r, nil)
			if err != nil {
				return
			}
			wg.Add(1)
			defer wg.Done()
			_ = c.Write(ctx, cws.MessageText, []byte(`{"op":10,"d":{"heartbeat_interval":41250}}`))
			for {
				_, msg, err := c.Read(ctx)
				if err != nil {
					return
				}
				if strings.Contains(string(msg), `"op":2`) {
					_ = c.Write(ctx, cws.MessageText, []byte(`{"op":0,"t":"READY","s":1,"d":{}}`))
					_ = c.Write(ctx, cws.MessageText, []byte(`{"op":0,"t":"GUILD_CREATE","s":2,"d":{}}`))
				}
			}
		}))
		url := "ws" + strings.TrimPrefix(srv.URL, "http")
		conns := make([]net.Conn, 0, idleSessions)
		before := memInUse()
		for range idleSessions {
			nc := dialIdle(b, url)
			conns = append(conns, nc)
			readFrames(b, nc, 1)
			_ = wsutil.WriteClientText(nc, []byte(`{"op":2,"d":{}}`))
			readFrames(b, nc, 2)
		}
		reportPerSession(b, before, idleSessions)
		cancel()
		for _, nc := range conns {
			_ = nc.Close()
		}
		wg.Wait()
		srv.Close()
	}
}

// BenchmarkIdleTCPPair is the floor: a bare loopback connection, both ends
// held open by this process.
func BenchmarkIdleTCPPair(b *testing.B) {
	for range b.N {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		accepted := make(chan net.Conn, idleSessions)
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				accepted <- c
			}
		}()
		var conns []net.Conn
		before := memInUse()
		for range idleSessions {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			conns = append(conns, c, <-accepted)
		}
		reportPerSession(b, before, idleSessions)
		for _, c := range conns {
			_ = c.Close()
		}
		_ = ln.Close()
	}
}

// skipFrame reads past one unmasked server frame without allocating (so
// that the benchmark's allocations are the server's), returning its length.
func skipFrame(br *bufio.Reader) (int, error) {
	h, err := br.Peek(2)
	if err != nil {
		return -1, err
	}
	n, hl := int(h[1]&0x7f), 2
	switch n {
	case 126:
		if h, err = br.Peek(4); err != nil {
			return -1, err
		}
		n, hl = int(h[2])<<8|int(h[3]), 4
	case 127:
		if h, err = br.Peek(10); err != nil {
			return -1, err
		}
		n, hl = int(binary.BigEndian.Uint64(h[2:])), 10
	}
	_, err = br.Discard(hl + n)
	return n, err
}

// BenchmarkFanout publishes one MESSAGE_CREATE to sessions connected over
// loopback and waits until every client has read it. The clients run in
// this process and share its CPUs, so this is a floor for the server alone.
//
//	go test -run '^$' -bench Fanout ./internal/gateway
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) { benchFanout(b, n, false) })
	}
}

// benchFanout runs BenchmarkFanout with JSON or ETF sessions. With ETF,
// each op publishes a new dispatch, so that each op pays for its one
// conversion; it fails unless that is exactly one per op.
func benchFanout(b *testing.B, n int, useETF bool) {
	acc, rt := newAccounts(), newRouter()
	gw, err := gateway.New(gateway.Config{Accounts: acc, Guilds: rt, DisableLimits: true})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	defer srv.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = gw.Shutdown(ctx)
	}()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	gid := chat.ID(10 << 22)
	tok := acc.addUser(1<<30, false, 0, gid)
	identify := []byte(fmt.Sprintf(`{"op":2,"d":{"token":%q,"intents":513,"properties":{}}}`, tok))
	writeIdentify := func(nc net.Conn) { _ = wsutil.WriteClientText(nc, identify) }
	if useETF {
		url += "?v=10&encoding=etf"
		term, err := etf.AppendJSON([]byte{etf.Version}, identify)
		if err != nil {
			b.Fatal(err)
		}
		writeIdentify = func(nc net.Conn) { _ = wsutil.WriteClientBinary(nc, term) }
	}
	var received atomic.Int64
	for range n {
		nc := dialIdle(b, url)
		defer nc.Close()
		readFrames(b, nc, 1)
		writeIdentify(nc)
		readFrames(b, nc, 2)
		go func() {
			// Count frames by reading headers and skipping payloads:
			// the cheapest client possible.
			br := bufio.NewReaderSize(nc, 64<<10)
			for {
				n, err := skipFrame(br)
				if err != nil || n < 0 {
					return
				}
				received.Add(1)
			}
		}()
	}
	data := []byte(`{"id":"1","channel_id":"2","content":"` + strings.Repeat("x", 200) + `"}`)
	d := &protocol.Dispatch{Name: "MESSAGE_CREATE", Data: data}
	encodes := gateway.ETFEncodes()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if useETF {
			d = &protocol.Dispatch{Name: "MESSAGE_CREATE", Data: data}
		}
		rt.publish(gid, d)
	}
	want := int64(b.N) * int64(n)
	for received.Load() < want {
		time.Sleep(100 * time.Microsecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(want)/b.Elapsed().Seconds(), "deliveries/s")
	if useETF {
		per := float64(gateway.ETFEncodes()-encodes) / float64(b.N)
		b.ReportMetric(per, "etf-encodes/op")
		if per != 1 {
			b.Fatalf("%.2f ETF conversions per event to %d sessions, want 1", per, n)
		}
	}
}

// BenchmarkIdleSessionMemoryServer is BenchmarkIdleSessionMemory inside a
// whole server: each session is also subscribed to a real guild actor.
func BenchmarkIdleSessionMemoryServer(b *testing.B) {
	for range b.N {
		s := accordtest.RunServer(b, server.Config{Gateway: server.GatewayConfig{Options: gateway.Config{DisableLimits: true}}})
		alice := s.Register(b, "alice")
		alice.CreateGuild(b, "idle")
		var gw struct {
			URL string `json:"url"`
		}
		s.Anonymous().Must(b, 200, "GET", "/gateway", nil, &gw)
		identify := []byte(fmt.Sprintf(`{"op":2,"d":{"token":%q,"intents":513,"properties":{}}}`, alice.Token))
		conns := make([]net.Conn, 0, idleSessions)
		before := memInUse()
		for range idleSessions {
			nc := dialIdle(b, gw.URL+"?v=10&encoding=json")
			conns = append(conns, nc)
			readFrames(b, nc, 1)
			_ = wsutil.WriteClientText(nc, identify)
			readFrames(b, nc, 2)
			_ = wsutil.WriteClientText(nc, []byte(`{"op":1,"d":2}`))
			readFrames(b, nc, 1)
		}
		reportPerSession(b, before, idleSessions)
		for _, nc := range conns {
			_ = nc.Close()
		}
	}
}
