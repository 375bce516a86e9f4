package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/poll"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

// heartbeats sends n heartbeats and reads their n ACKs.
func heartbeats(c *client, n int) {
	c.t.Helper()
	for range n {
		c.send(protocol.OpHeartbeat, nil)
	}
	for range n {
		c.expect(protocol.OpHeartbeatACK, "")
	}
}

// identifyAll identifies with GUILDS and GUILD_MEMBERS and reads READY
// and the GUILD_CREATEs.
func identifyAll(c *client, tok string) {
	c.t.Helper()
	r := c.identify(tok, protocol.IntentGuilds|protocol.IntentGuildMembers, nil)
	for range r.Guilds {
		c.expect(protocol.OpDispatch, protocol.EventGuildCreate)
	}
}

// expectInvalidSession reads op 9 d:false, then checks that the connection
// stayed open (a heartbeat is answered).
func expectInvalidSession(c *client) {
	c.t.Helper()
	if f := c.expect(protocol.OpInvalidSession, ""); string(f.D) != "false" {
		c.t.Fatalf("op 9 d=%s, want false", f.D)
	}
	heartbeats(c, 1)
}

// Discord's 120 payloads per 60 s per connection, with the default
// config: the 121st (heartbeats count, as on Discord) closes with 4008.
func TestCommandLimitClosesWith4008(t *testing.T) {
	e := newEnv(t, gateway.Config{})
	c := dial(t, e.url)
	hello(t, c)
	heartbeats(c, 120)
	c.send(protocol.OpHeartbeat, nil)
	c.expectClose(int(protocol.CloseRateLimited))
}

// A bot may IDENTIFY once per 5 s per rate-limit key (shard_id %
// max_concurrency); over it, op 9 d:false and the connection stays.
func TestIdentifyConcurrency(t *testing.T) {
	e := newEnv(t, gateway.Config{MaxConcurrency: 2})
	tok := e.acc.addUser(botID, true, 0, e.gids...)
	identify := func(shard int) *client {
		c := dial(t, e.url)
		hello(t, c)
		c.send(protocol.OpIdentify, map[string]any{"token": tok, "intents": 1, "shard": []int{shard, 4}})
		return c
	}
	identify(0).expect(protocol.OpDispatch, "READY")
	identify(1).expect(protocol.OpDispatch, "READY") // key 1
	expectInvalidSession(identify(2))                // key 0 again within 5 s
	expectInvalidSession(identify(0))
	if st := e.gw.Stats(); st.IdentifyLimited != 2 || st.Identified != 2 {
		t.Fatalf("stats %+v", st)
	}
}

// The daily budget is spent by IDENTIFYs (of users too), reported by
// SessionStartLimit, and an IDENTIFY over it gets op 9.
func TestSessionStartBudget(t *testing.T) {
	e := newEnv(t, gateway.Config{SessionStarts: 2, SessionStartWindow: time.Hour})
	tok := e.acc.addUser(userID, false, 0)
	if l := e.gw.SessionStartLimit(userID); l.Total != 2 || l.Remaining != 2 || l.ResetAfter != 3600000 || l.MaxConcurrency != 1 {
		t.Fatalf("fresh budget %+v", l)
	}
	for want := 1; want >= 0; want-- {
		c := dial(t, e.url)
		hello(t, c)
		c.identify(tok, 1, nil)
		if l := e.gw.SessionStartLimit(userID); l.Remaining != want || l.ResetAfter <= 0 || l.ResetAfter > 3600000 {
			t.Fatalf("budget %+v, want %d remaining", l, want)
		}
	}
	c := dial(t, e.url)
	hello(t, c)
	c.send(protocol.OpIdentify, map[string]any{"token": tok, "intents": 1})
	expectInvalidSession(c)
	if l := e.gw.SessionStartLimit(userID); l.Remaining != 0 {
		t.Fatalf("refused IDENTIFY counted: %+v", l)
	}
}

// GET /gateway/bot reports the budget the gateway keeps: one IDENTIFY
// later, remaining is one less.
func TestGatewayBotReportsSessionStarts(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{})
	alice := s.Register(t, "alice")
	gd, _ := alice.CreateGuild(t, "budget")
	b := bot(t, s, alice, gd.ID)
	limit := func() protocol.SessionStartLimit {
		var gb protocol.GatewayBot
		b.Must(t, 200, "GET", "/gateway/bot", nil, &gb)
		return gb.SessionStartLimit
	}
	before := limit()
	connect(t, s, b, protocol.IntentGuilds)
	after := limit()
	if before.Remaining != before.Total || after.Remaining != before.Remaining-1 || after.Total != 1000 ||
		after.MaxConcurrency != 1 || after.ResetAfter <= 0 || after.ResetAfter > 86400000 {
		t.Fatalf("session_start_limit before %+v, after one IDENTIFY %+v", before, after)
	}
}

// "Request all members" of one guild twice within 30 s: the second gets
// Discord's RATE_LIMITED dispatch with retry_after and meta, and the
// connection stays; other guilds and queries are not throttled.
func TestRequestAllMembersThrottled(t *testing.T) {
	e := newEnv(t, gateway.Config{})
	e.rt.members = 1
	tok := e.acc.addUser(userID, false, 0, e.gids...)
	c := dial(t, e.url)
	hello(t, c)
	identifyAll(c, tok)
	all := func(gid any, nonce string) {
		c.send(protocol.OpRequestGuildMembers, map[string]any{"guild_id": gid, "query": "", "limit": 0, "nonce": nonce})
	}
	all(e.gids[0], "n1")
	c.expect(protocol.OpDispatch, protocol.EventGuildMembersChunk)
	all(e.gids[0], "n2")
	f := c.expect(protocol.OpDispatch, protocol.EventRateLimited)
	var rl protocol.GatewayRateLimited
	if err := json.Unmarshal(f.D, &rl); err != nil || rl.Opcode != protocol.OpRequestGuildMembers ||
		rl.RetryAfter <= 0 || rl.RetryAfter > 30 || rl.Meta.GuildID != e.gids[0] || rl.Meta.Nonce != "n2" {
		t.Fatalf("RATE_LIMITED %s (%v)", f.D, err)
	}
	all(e.gids[1], "n3")
	c.expect(protocol.OpDispatch, protocol.EventGuildMembersChunk)
	c.send(protocol.OpRequestGuildMembers, map[string]any{"guild_id": e.gids[0], "query": "a", "limit": 10})
	c.expect(protocol.OpDispatch, protocol.EventGuildMembersChunk)
	heartbeats(c, 1)
	if st := e.gw.Stats(); st.MembersLimited != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// upgrade sends a WebSocket upgrade request and returns the answer.
func upgrade(t *testing.T, url string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", "http"+strings.TrimPrefix(url, "ws"), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Connection", "Upgrade")
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Sec-WebSocket-Version", "13")
	req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

// Connection N+1 from one address gets 429 with Discord's body before any
// upgrade; once one closes, the address may connect again.
func TestConnectionsPerAddress(t *testing.T) {
	e := newEnv(t, gateway.Config{MaxConnsPerAddr: 3})
	var open []*client
	for range 3 {
		c := dial(t, e.url)
		hello(t, c)
		open = append(open, c)
	}
	resp := upgrade(t, e.url)
	body, _ := io.ReadAll(resp.Body)
	var rl protocol.RateLimited
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Content-Type") != "application/json" ||
		resp.Header.Get("Retry-After") == "" || json.Unmarshal(body, &rl) != nil || rl.RetryAfter <= 0 || rl.Message == "" {
		t.Fatalf("connection 4: %s %v %s", resp.Status, resp.Header, body)
	}
	if st := e.gw.Stats(); st.Connections != 3 || st.AddrLimited != 1 {
		t.Fatalf("stats %+v", st)
	}
	_ = open[0].closeWith(1000)
	open[0].expectClose(1000)
	poll.Until(t, 2*time.Second, 5*time.Millisecond, func() error {
		if resp := upgrade(t, e.url); resp.StatusCode != http.StatusSwitchingProtocols {
			return errNotYet
		}
		return nil
	})
}

// A frame header announcing 64 MB is refused with 4002 on sight: the
// server neither waits for nor allocates the payload.
func TestOversizeFrameClosedBeforeRead(t *testing.T) {
	for _, disable := range []bool{false, true} { // a size limit, not a rate limit
		e := newEnv(t, gateway.Config{DisableLimits: disable})
		c := dial(t, e.url)
		hello(t, c)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		c.wmu.Lock()
		err := ws.WriteHeader(c.nc, ws.Header{Fin: true, OpCode: ws.OpText, Masked: true, Mask: ws.NewMask(), Length: 64 << 20})
		_, _ = c.nc.Write([]byte(`{"op":1,`))
		c.wmu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		c.expectClose(int(protocol.CloseDecodeError))
		runtime.ReadMemStats(&ms)
		if grew := ms.TotalAlloc - before; grew > 8<<20 {
			t.Fatalf("disable=%v: %d bytes allocated for a refused frame", disable, grew)
		}
	}
}

// DisableLimits (--rate-limits=false) switches every limit above off.
func TestDisableLimits(t *testing.T) {
	e := newEnv(t, gateway.Config{DisableLimits: true, MaxConnsPerAddr: 2, SessionStarts: 1})
	e.rt.members = 1
	tok := e.acc.addUser(botID, true, chat.AppFlagGatewayGuildMembers, e.gids...)
	var conns []*client
	for range 4 { // over MaxConnsPerAddr, the identify concurrency and the budget
		c := dial(t, e.url)
		hello(t, c)
		identifyAll(c, tok)
		conns = append(conns, c)
	}
	c := conns[0]
	heartbeats(c, 150) // over 120 per 60 s
	for range 2 {
		c.send(protocol.OpRequestGuildMembers, map[string]any{"guild_id": e.gids[0], "query": "", "limit": 0})
		c.expect(protocol.OpDispatch, protocol.EventGuildMembersChunk)
	}
	if l := e.gw.SessionStartLimit(botID); l.Remaining != l.Total {
		t.Fatalf("budget counted with limits off: %+v", l)
	}
	if st := e.gw.Stats(); st.IdentifyLimited+st.MembersLimited+st.AddrLimited != 0 || st.Closes["4008"] != 0 {
		t.Fatalf("stats %+v", st)
	}
}
