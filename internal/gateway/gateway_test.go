package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/poll"
	"github.com/accordchat/accord/internal/protocol"
)

const (
	userID chat.ID = 1 << 30
	botID  chat.ID = 2 << 30
)

func hello(t *testing.T, c *client) {
	t.Helper()
	f := c.expect(protocol.OpHello, "")
	var h protocol.Hello
	if err := json.Unmarshal(f.D, &h); err != nil || h.HeartbeatInterval <= 0 {
		t.Fatalf("HELLO %s: %v", f.D, err)
	}
}

func TestHelloAndHeartbeat(t *testing.T) {
	e := newEnv(t, gateway.Config{HeartbeatInterval: 1234 * time.Millisecond})
	c := dial(t, e.url+"?v=10&encoding=json")
	f := c.expect(protocol.OpHello, "")
	if string(f.D) != `{"heartbeat_interval":1234}` {
		t.Fatalf("HELLO d = %s", f.D)
	}
	c.send(protocol.OpHeartbeat, nil) // allowed before IDENTIFY
	c.expect(protocol.OpHeartbeatACK, "")
	c.send(protocol.OpHeartbeat, 5)
	c.expect(protocol.OpHeartbeatACK, "")
}

func TestIdentifyReadyAndGuildCreate(t *testing.T) {
	e := newEnv(t, gateway.Config{})
	tok := e.acc.addUser(botID, true, chat.AppFlagGatewayMessageContentLimited, e.gids...)
	c := dial(t, e.url+"?v=10&encoding=json")
	hello(t, c)
	r := c.identify("Bot "+tok, protocol.IntentGuilds|protocol.IntentGuildMessages|protocol.IntentMessageContent, nil)
	if r.V != 10 || r.User.ID != botID || !r.User.Bot || r.SessionID == "" || r.seq != 1 {
		t.Fatalf("READY %+v", r)
	}
	if !strings.HasPrefix(r.ResumeGatewayURL, "ws://127.0.0.1:") {
		t.Fatalf("resume_gateway_url %q", r.ResumeGatewayURL)
	}
	if r.Application == nil || r.Application.ID != botID+1000 || r.Application.Flags != chat.AppFlagGatewayMessageContentLimited {
		t.Fatalf("READY application %+v", r.Application)
	}
	if len(r.Guilds) != len(e.gids) {
		t.Fatalf("READY guilds %+v", r.Guilds)
	}
	for _, g := range r.Guilds {
		if !g.Unavailable {
			t.Fatalf("READY guild %+v not unavailable", g)
		}
	}
	seen := map[string]bool{}
	for i := range e.gids {
		f := c.expect(protocol.OpDispatch, "GUILD_CREATE")
		if *f.S != int64(i+2) {
			t.Fatalf("GUILD_CREATE seq %d, want %d", *f.S, i+2)
		}
		var g struct {
			ID          string `json:"id"`
			Unavailable *bool  `json:"unavailable"`
		}
		_ = json.Unmarshal(f.D, &g)
		if g.Unavailable == nil || *g.Unavailable {
			t.Fatalf("GUILD_CREATE %s", f.D)
		}
		seen[g.ID] = true
	}
	if len(seen) != len(e.gids) {
		t.Fatalf("GUILD_CREATE for %v", seen)
	}
	// A dispatch published by the guild arrives with the next seq.
	e.rt.publish(e.gids[0], &protocol.Dispatch{Name: "MESSAGE_CREATE", Data: []byte(`{"id":"1"}`)})
	if f := c.expect(protocol.OpDispatch, "MESSAGE_CREATE"); *f.S != int64(len(e.gids)+2) || string(f.D) != `{"id":"1"}` {
		t.Fatalf("MESSAGE_CREATE s=%d d=%s", *f.S, f.D)
	}
	if st := e.gw.Stats(); st.Identified != 1 || st.Sessions != 1 || st.Connections != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestUserMayUsePrivilegedIntents(t *testing.T) {
	e := newEnv(t, gateway.Config{})
	tok := e.acc.addUser(userID, false, 0)
	c := dial(t, e.url)
	hello(t, c)
	r := c.identify(tok, protocol.IntentsAll, nil)
	if r.Application != nil {
		t.Fatalf("user READY has application %+v", r.Application)
	}
}

func TestCloseCodes(t *testing.T) {
	big := `{"op":1,"d":"` + strings.Repeat("x", protocol.MaxClientPayload) + `"}`
	tests := []struct {
		name  string
		query string
		cfg   gateway.Config
		bot   uint64 // app flags; 0 = user account
		run   func(c *client, tok string)
		code  int // counted in Stats
		code2 int // seen by c, if not code
	}{
		{name: "4001 unknown opcode", code: 4001, run: func(c *client, _ string) { c.send(99, nil) }},
		{name: "4002 not json", code: 4002, run: func(c *client, _ string) { c.sendRaw([]byte("hello")) }},
		{name: "4002 no op", code: 4002, run: func(c *client, _ string) { c.sendRaw([]byte(`{"d":1}`)) }},
		{name: "4002 too large", code: 4002, run: func(c *client, _ string) { c.sendRaw([]byte(big)) }},
		{name: "4002 bad identify", code: 4002, run: func(c *client, _ string) { c.sendRaw([]byte(`{"op":2,"d":"x"}`)) }},
		{name: "4003 not authenticated", code: 4003, run: func(c *client, _ string) {
			c.send(protocol.OpPresenceUpdate, map[string]any{"status": "online"})
		}},
		{name: "4004 bad token", code: 4004, run: func(c *client, _ string) {
			c.send(protocol.OpIdentify, map[string]any{"token": "nope", "intents": 1})
		}},
		{name: "4005 identify twice", code: 4005, run: func(c *client, tok string) {
			c.identify(tok, 1, nil)
			c.send(protocol.OpIdentify, map[string]any{"token": tok, "intents": 1})
		}},
		{name: "4007 resume seq ahead", code: 4007, run: func(c *client, tok string) {
			r := c.identify(tok, 1, nil)
			c2 := dial(c.t, strings.Split(r.ResumeGatewayURL, "?")[0])
			hello(c.t, c2)
			c2.send(protocol.OpResume, map[string]any{"token": tok, "session_id": r.SessionID, "seq": 99})
			c2.expectClose(4007)
			c.send(99, nil) // end the first connection too
		}, code2: 4001},
		{name: "4008 rate limited", code: 4008, cfg: gateway.Config{RateLimit: 5}, run: func(c *client, _ string) {
			for range 6 {
				c.send(protocol.OpHeartbeat, nil)
			}
		}},
		{name: "4009 heartbeat timeout", code: 4009, cfg: gateway.Config{HeartbeatInterval: 100 * time.Millisecond}, run: func(*client, string) {}},
		{name: "4010 invalid shard", code: 4010, run: func(c *client, tok string) {
			c.send(protocol.OpIdentify, map[string]any{"token": tok, "intents": 1, "shard": []int{2, 2}})
		}},
		{name: "4010 zero shards", code: 4010, run: func(c *client, tok string) {
			c.send(protocol.OpIdentify, map[string]any{"token": tok, "intents": 1, "shard": []int{0, 0}})
		}},
		{name: "4012 bad version", code: 4012, query: "?v=8&encoding=json", run: func(*client, string) {}},
		{name: "4013 invalid intents", code: 4013, run: func(c *client, tok string) {
			c.send(protocol.OpIdentify, map[string]any{"token": tok, "intents": 1 << 40})
		}},
		{name: "4013 missing intents", code: 4013, run: func(c *client, tok string) {
			c.send(protocol.OpIdentify, map[string]any{"token": tok})
		}},
		{name: "4014 disallowed intents", code: 4014, bot: chat.AppFlagGatewayPresenceLimited, run: func(c *client, tok string) {
			c.send(protocol.OpIdentify, map[string]any{"token": tok, "intents": protocol.IntentGuildMembers})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.cfg)
			tok := e.acc.addUser(botID, tt.bot != 0, tt.bot, e.gids...)
			c := dial(t, e.url+tt.query)
			if tt.query == "" {
				hello(t, c)
			}
			tt.run(c, tok)
			want := tt.code
			if tt.code2 != 0 {
				want = tt.code2
			}
			c.expectClose(want)
			poll.Until(t, 2*time.Second, 5*time.Millisecond, func() error {
				if n := e.gw.Stats().Closes[fmt.Sprint(tt.code)]; n == 0 {
					return fmt.Errorf("close %d not counted: %+v", tt.code, e.gw.Stats().Closes)
				}
				return nil
			})
		})
	}
}

func TestResumeReplaysMissedDispatches(t *testing.T) {
	e := newEnv(t, gateway.Config{})
	tok := e.acc.addUser(userID, false, 0, e.gids[0])
	c := dial(t, e.url)
	hello(t, c)
	r := c.identify(tok, protocol.IntentGuilds|protocol.IntentGuildMessages, nil)
	gc := c.expect(protocol.OpDispatch, "GUILD_CREATE")
	e.rt.publish(e.gids[0], &protocol.Dispatch{Name: "MESSAGE_CREATE", Data: []byte(`{"n":0}`)})
	last := *c.expect(protocol.OpDispatch, "MESSAGE_CREATE").S
	if last != *gc.S+1 {
		t.Fatalf("seq %d after %d", last, *gc.S)
	}
	// Drop the TCP connection without a close frame, as a network failure
	// would, and publish while the session is disconnected.
	_ = c.nc.Close()
	poll.Until(t, 2*time.Second, 2*time.Millisecond, func() error {
		if e.gw.Stats().Connections != 0 {
			return errNotYet
		}
		return nil
	})
	for i := 1; i <= 5; i++ {
		if n := e.rt.publish(e.gids[0], &protocol.Dispatch{Name: "MESSAGE_CREATE", Data: fmt.Appendf(nil, `{"n":%d}`, i)}); n != 1 {
			t.Fatalf("published to %d sessions", n)
		}
	}
	c2 := dial(t, r.ResumeGatewayURL+"?v=10&encoding=json")
	hello(t, c2)
	c2.send(protocol.OpResume, map[string]any{"token": tok, "session_id": r.SessionID, "seq": last})
	for i := 1; i <= 5; i++ {
		f := c2.expect(protocol.OpDispatch, "MESSAGE_CREATE")
		if *f.S != last+int64(i) || string(f.D) != fmt.Sprintf(`{"n":%d}`, i) {
			t.Fatalf("replay %d: s=%d d=%s", i, *f.S, f.D)
		}
	}
	f := c2.expect(protocol.OpDispatch, "RESUMED")
	if *f.S != last+6 {
		t.Fatalf("RESUMED s=%d", *f.S)
	}
	// Live again: the next dispatch follows.
	e.rt.publish(e.gids[0], &protocol.Dispatch{Name: "MESSAGE_CREATE", Data: []byte(`{"n":6}`)})
	if f := c2.expect(protocol.OpDispatch, "MESSAGE_CREATE"); *f.S != last+7 {
		t.Fatalf("after RESUMED s=%d", *f.S)
	}
	if e.gw.Stats().Resumed != 1 {
		t.Fatalf("stats %+v", e.gw.Stats())
	}
}

func TestResumeAfterHeartbeatTimeout(t *testing.T) {
	e := newEnv(t, gateway.Config{HeartbeatInterval: 100 * time.Millisecond})
	tok := e.acc.addUser(userID, false, 0, e.gids[0])
	c := dial(t, e.url)
	hello(t, c)
	r := c.identify(tok, protocol.IntentGuilds, nil)
	gc := c.expect(protocol.OpDispatch, "GUILD_CREATE")
	c.expectClose(4009)
	c2 := dial(t, e.url)
	hello(t, c2)
	c2.send(protocol.OpResume, map[string]any{"token": tok, "session_id": r.SessionID, "seq": *gc.S})
	c2.expect(protocol.OpDispatch, "RESUMED")
}

func TestInvalidSession(t *testing.T) {
	e := newEnv(t, gateway.Config{ResumeWindow: 50 * time.Millisecond})
	tok := e.acc.addUser(userID, false, 0, e.gids[0])
	t.Run("unknown", func(t *testing.T) {
		c := dial(t, e.url)
		hello(t, c)
		c.send(protocol.OpResume, map[string]any{"token": tok, "session_id": "nope", "seq": 1})
		if f := c.expect(protocol.OpInvalidSession, ""); string(f.D) != "false" {
			t.Fatalf("op 9 d=%s", f.D)
		}
		// The connection stays usable for a fresh IDENTIFY (discordgo does this).
		c.identify(tok, protocol.IntentGuilds, nil)
	})
	t.Run("expired", func(t *testing.T) {
		c := dial(t, e.url)
		hello(t, c)
		r := c.identify(tok, protocol.IntentGuilds, nil)
		c.expect(protocol.OpDispatch, "GUILD_CREATE")
		_ = c.nc.Close()
		poll.Until(t, 2*time.Second, 5*time.Millisecond, func() error {
			if e.gw.HasSession(r.SessionID) || e.rt.subscribed(e.gids[0], r.SessionID) {
				return errNotYet // still resumable, or still subscribed
			}
			return nil
		})
		c2 := dial(t, e.url)
		hello(t, c2)
		c2.send(protocol.OpResume, map[string]any{"token": tok, "session_id": r.SessionID, "seq": r.seq})
		if f := c2.expect(protocol.OpInvalidSession, ""); string(f.D) != "false" {
			t.Fatalf("op 9 d=%s", f.D)
		}
	})
	t.Run("client close 1000 ends the session", func(t *testing.T) {
		c := dial(t, e.url)
		hello(t, c)
		r := c.identify(tok, protocol.IntentGuilds, nil)
		_ = c.closeWith(1000)
		c.expectClose(1000)
		poll.Until(t, 2*time.Second, 5*time.Millisecond, func() error {
			if e.gw.HasSession(r.SessionID) {
				return errNotYet
			}
			return nil
		})
	})
}

func TestSharding(t *testing.T) {
	// Two shards identify at once: two rate-limit keys.
	e := newEnv(t, gateway.Config{MaxConcurrency: 2})
	tok := e.acc.addUser(botID, true, 0, e.gids...)
	for shard := range 2 {
		c := dial(t, e.url)
		hello(t, c)
		r := c.identify(tok, protocol.IntentGuilds, map[string]any{"shard": []int{shard, 2}})
		if len(r.Shard) != 2 || r.Shard[0] != shard || r.Shard[1] != 2 {
			t.Fatalf("READY shard %v", r.Shard)
		}
		var want []chat.ID
		for _, g := range e.gids {
			if int(uint64(g)>>22%2) == shard {
				want = append(want, g)
			}
		}
		if len(r.Guilds) != len(want) {
			t.Fatalf("shard %d: READY guilds %+v, want %v", shard, r.Guilds, want)
		}
		for i, g := range r.Guilds {
			if g.ID != want[i] {
				t.Fatalf("shard %d: READY guilds %+v, want %v", shard, r.Guilds, want)
			}
		}
		for range want {
			c.expect(protocol.OpDispatch, "GUILD_CREATE")
		}
	}
}

func TestZlibStream(t *testing.T) { testCompression(t, "zlib-stream") }

func TestZstdStream(t *testing.T) { testCompression(t, "zstd-stream") }

func testCompression(t *testing.T, mode string) {
	e := newEnv(t, gateway.Config{})
	tok := e.acc.addUser(userID, false, 0, e.gids[0])
	c := dial(t, e.url+"?v=10&encoding=json&compress="+mode)
	hello(t, c)
	c.identify(tok, protocol.IntentGuilds, nil)
	c.expect(protocol.OpDispatch, "GUILD_CREATE")
	for i := range 20 {
		e.rt.publish(e.gids[0], &protocol.Dispatch{Name: "MESSAGE_CREATE", Data: fmt.Appendf(nil, `{"content":"hello hello hello %d"}`, i)})
	}
	for i := range 20 {
		f := c.expect(protocol.OpDispatch, "MESSAGE_CREATE")
		if string(f.D) != fmt.Sprintf(`{"content":"hello hello hello %d"}`, i) {
			t.Fatalf("message %d: %s", i, f.D)
		}
	}
	c.send(protocol.OpHeartbeat, nil)
	c.expect(protocol.OpHeartbeatACK, "")
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.binary || mode == "zlib-stream" && c.syncs < 24 {
		t.Fatalf("binary=%v, %d frames ending in Z_SYNC_FLUSH", c.binary, c.syncs)
	}
}

func TestRequestGuildMembers(t *testing.T) {
	e := newEnv(t, gateway.Config{})
	e.rt.members = 2500
	tok := e.acc.addUser(botID, true, chat.AppFlagGatewayGuildMembersLimited, e.gids[0])
	c := dial(t, e.url)
	hello(t, c)
	c.identify(tok, protocol.IntentGuilds|protocol.IntentGuildMembers, nil)
	c.expect(protocol.OpDispatch, "GUILD_CREATE")
	c.send(protocol.OpRequestGuildMembers, map[string]any{"guild_id": e.gids[0].String(), "query": "", "limit": 0, "nonce": "n1"})
	total := 0
	for i := range 3 {
		f := c.expect(protocol.OpDispatch, "GUILD_MEMBERS_CHUNK")
		var ch protocol.GuildMembersChunk
		if err := json.Unmarshal(f.D, &ch); err != nil {
			t.Fatal(err)
		}
		if ch.ChunkIndex != i || ch.ChunkCount != 3 || ch.Nonce != "n1" || ch.GuildID != e.gids[0] || len(ch.Members) > 1000 {
			t.Fatalf("chunk %d: index %d count %d nonce %q members %d", i, ch.ChunkIndex, ch.ChunkCount, ch.Nonce, len(ch.Members))
		}
		total += len(ch.Members)
	}
	if total != 2500 {
		t.Fatalf("%d members", total)
	}
	e.rt.members = 0
	c.send(protocol.OpRequestGuildMembers, map[string]any{"guild_id": e.gids[0], "user_ids": "77", "limit": 0})
	f := c.expect(protocol.OpDispatch, "GUILD_MEMBERS_CHUNK")
	var ch protocol.GuildMembersChunk
	_ = json.Unmarshal(f.D, &ch)
	if ch.ChunkCount != 1 || len(ch.Members) != 0 || len(ch.NotFound) != 1 || ch.NotFound[0] != 77 {
		t.Fatalf("chunk %s", f.D)
	}
}

func TestPresenceUpdate(t *testing.T) {
	e := newEnv(t, gateway.Config{})
	tok := e.acc.addUser(userID, false, 0, e.gids[0])
	c := dial(t, e.url)
	hello(t, c)
	c.identify(tok, protocol.IntentGuilds, map[string]any{"presence": map[string]any{"status": "idle"}})
	c.send(protocol.OpPresenceUpdate, map[string]any{"since": nil, "activities": []any{}, "status": "dnd", "afk": false})
	poll.Until(t, 2*time.Second, 5*time.Millisecond, func() error {
		e.rt.mu.Lock()
		defer e.rt.mu.Unlock()
		if len(e.rt.presences) != 2 || !strings.Contains(string(e.rt.presences[1]), `"dnd"`) {
			return fmt.Errorf("presences %q", e.rt.presences)
		}
		return nil
	})
}

func TestShutdownSendsReconnect(t *testing.T) {
	e := newEnv(t, gateway.Config{})
	tok := e.acc.addUser(userID, false, 0)
	var cs []*client
	for range 3 {
		c := dial(t, e.url)
		hello(t, c)
		c.identify(tok, protocol.IntentGuilds, nil)
		cs = append(cs, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.gw.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		c.expect(protocol.OpReconnect, "")
		c.expectClose(4000)
	}
}

func TestSlowConsumerIsDisconnected(t *testing.T) {
	e := newEnv(t, gateway.Config{SendQueueBytes: 64 << 10, SocketWriteBuffer: 16 << 10})
	gid := e.gids[0]
	tok := e.acc.addUser(userID, false, 0, gid)
	// The stalled client never reads after READY: its socket buffers fill,
	// then its queue.
	dialStalled(t, e.url, tok)
	var readers []*client
	for range 100 {
		c := dial(t, e.url)
		hello(t, c)
		c.identify(tok, protocol.IntentGuilds, nil)
		c.expect(protocol.OpDispatch, "GUILD_CREATE")
		readers = append(readers, c)
	}
	poll.Until(t, 5*time.Second, 5*time.Millisecond, func() error {
		if n := e.rt.subscribers(gid); n != 101 {
			return fmt.Errorf("%d subscribers", n)
		}
		return nil
	})
	counts := make([]atomic.Int64, len(readers))
	for i, c := range readers {
		go func() {
			for f := range c.frames {
				if f.T == "MESSAGE_CREATE" {
					counts[i].Add(1)
				}
			}
		}()
	}
	body := []byte(`{"content":"` + strings.Repeat("x", 1000) + `"}`)
	sent := 0
	poll.Until(t, 20*time.Second, 0, func() error {
		// Bursts well under the queue bound: readers must never overflow.
		for range 20 {
			e.rt.publish(gid, &protocol.Dispatch{Name: "MESSAGE_CREATE", Data: body})
			sent++
		}
		// Pace the publisher by the readers, which keep up.
		poll.Until(t, 5*time.Second, time.Millisecond, func() error {
			for i := range counts {
				if n := counts[i].Load(); n < int64(sent-20) {
					return fmt.Errorf("reader %d has %d of %d", i, n, sent)
				}
			}
			return nil
		})
		if e.gw.Stats().SlowDisconnects == 0 {
			return errNotYet
		}
		return nil
	})
	poll.Until(t, 10*time.Second, time.Millisecond, func() error {
		for i := range counts {
			if n := counts[i].Load(); n != int64(sent) {
				return fmt.Errorf("reader %d has %d of %d", i, n, sent)
			}
		}
		return nil
	})
	if st := e.gw.Stats(); st.SlowDisconnects != 1 {
		t.Fatalf("stats %+v", st)
	}
	t.Logf("stalled client disconnected after %d messages of %d bytes", sent, len(body))
}

func TestResumeWhileOldConnectionOpen(t *testing.T) {
	e := newEnv(t, gateway.Config{})
	tok := e.acc.addUser(userID, false, 0, e.gids[0])
	c := dial(t, e.url)
	hello(t, c)
	r := c.identify(tok, protocol.IntentGuilds, nil)
	gc := c.expect(protocol.OpDispatch, "GUILD_CREATE")
	// The heartbeat reports seq, so the server may drop READY and
	// GUILD_CREATE from its replay log; resuming from that seq still works.
	c.send(protocol.OpHeartbeat, *gc.S)
	c.expect(protocol.OpHeartbeatACK, "")
	c2 := dial(t, e.url)
	hello(t, c2)
	c2.send(protocol.OpResume, map[string]any{"token": tok, "session_id": r.SessionID, "seq": *gc.S})
	c2.expect(protocol.OpDispatch, "RESUMED")
	c.expectClose(4000) // the superseded connection
	e.rt.publish(e.gids[0], &protocol.Dispatch{Name: "MESSAGE_CREATE", Data: []byte(`{}`)})
	if f := c2.expect(protocol.OpDispatch, "MESSAGE_CREATE"); *f.S != *gc.S+2 {
		t.Fatalf("s=%d after RESUMED at %d", *f.S, *gc.S+1)
	}
	// A client that lost what it acknowledged cannot be replayed to.
	c3 := dial(t, e.url)
	hello(t, c3)
	c3.send(protocol.OpResume, map[string]any{"token": tok, "session_id": r.SessionID, "seq": 0})
	c3.expect(protocol.OpInvalidSession, "")
}
