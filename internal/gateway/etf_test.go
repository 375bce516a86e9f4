package gateway_test

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/etf"
	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/poll"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

// The test client speaks ETF as erlpack-based libraries do: binary frames
// each holding one term. It converts terms to JSON with internal/etf
// (checked against Erlang/OTP there) so the JSON helpers apply.

// etfFrame decodes one server message.
func etfFrame(p []byte) frame {
	js, err := etf.ToJSON(nil, p)
	if err != nil {
		panic(fmt.Sprintf("server sent invalid ETF %x: %v", p, err))
	}
	var f frame
	if err := json.Unmarshal(js, &f); err != nil {
		panic(fmt.Sprintf("server sent ETF %s that is not a payload: %v", js, err))
	}
	return f
}

// readETFStream reads decompressed zlib-stream or zstd-stream messages:
// consecutive terms, each delimited by its own structure.
func (c *client) readETFStream(r io.Reader) {
	br := bufio.NewReader(r)
	for {
		term, err := readTerm(br)
		if err != nil {
			return
		}
		c.frames <- etfFrame(term)
	}
}

var errTag = errors.New("unexpected tag")

// readTerm reads one whole term (version byte included) of the kinds the
// server writes.
func readTerm(r *bufio.Reader) ([]byte, error) {
	var buf []byte
	read := func(n int) ([]byte, error) {
		start := len(buf)
		buf = append(buf, make([]byte, n)...)
		_, err := io.ReadFull(r, buf[start:])
		return buf[start:], err
	}
	var term func() error
	term = func() error {
		tag, err := read(1)
		if err != nil {
			return err
		}
		var n int
		switch tag[0] {
		case 97, 106: // SMALL_INTEGER, NIL
			if tag[0] == 97 {
				_, err = read(1)
			}
			return err
		case 98:
			_, err = read(4)
			return err
		case 70:
			_, err = read(8)
			return err
		case 115, 110: // SMALL_ATOM, SMALL_BIG: a 1-byte length (+ sign)
			p, err := read(1)
			if err != nil {
				return err
			}
			n = int(p[0])
			if tag[0] == 110 {
				n++
			}
			_, err = read(n)
			return err
		case 109, 108, 116: // BINARY, LIST, MAP: a 4-byte count
			p, err := read(4)
			if err != nil {
				return err
			}
			n = int(binary.BigEndian.Uint32(p))
		default:
			return fmt.Errorf("%w %d", errTag, tag[0])
		}
		switch tag[0] {
		case 109:
			_, err = read(n)
			return err
		case 116:
			n *= 2
		default:
			n++ // the tail
		}
		for range n {
			if err := term(); err != nil {
				return err
			}
		}
		return nil
	}
	if _, err := read(1); err != nil {
		return nil, err
	}
	return buf, term()
}

// sendETF sends the JSON payload b as an ETF binary frame.
func (c *client) sendETF(b []byte) {
	c.t.Helper()
	term, err := etf.AppendJSON([]byte{etf.Version}, b)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendBinary(term)
}

func (c *client) sendBinary(b []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = wsutil.WriteClientMessage(c.nc, ws.OpBinary, b)
}

// IDENTIFY, READY, GUILD_CREATE, MESSAGE_CREATE, heartbeat, then a
// dropped connection and RESUME with replay, all in ETF, with each
// compression.
func TestETFSession(t *testing.T) {
	for _, mode := range []string{"", "zlib-stream", "zstd-stream"} {
		t.Run("compress="+mode, func(t *testing.T) {
			e := newEnv(t, gateway.Config{})
			tok := e.acc.addUser(userID, false, 0, e.gids[0])
			url := e.url + "?v=10&encoding=etf"
			if mode != "" {
				url += "&compress=" + mode
			}
			c := dial(t, url)
			hello(t, c)
			r := c.identify(tok, protocol.IntentGuilds|protocol.IntentGuildMessages, nil)
			if r.User.ID != userID || r.SessionID == "" {
				t.Fatalf("READY %+v", r)
			}
			gc := c.expect(protocol.OpDispatch, "GUILD_CREATE")
			var g struct {
				ID any `json:"id"`
			}
			if err := json.Unmarshal(gc.D, &g); err != nil || g.ID != fmt.Sprint(e.gids[0]) {
				t.Fatalf("GUILD_CREATE id %#v (a snowflake is a binary, not an integer): %s", g.ID, gc.D)
			}
			msg := func(i int) []byte {
				return fmt.Appendf(nil, `{"id":"1234567890123456789","content":"hé \"%d\"\n","n":%d,"ratio":1.5,"nonce":null,"tts":false,"embeds":[],"mentions":[{"id":"1"}]}`, i, i)
			}
			e.rt.publish(e.gids[0], &protocol.Dispatch{Name: "MESSAGE_CREATE", Data: msg(0)})
			f := c.expect(protocol.OpDispatch, "MESSAGE_CREATE")
			if string(f.D) != string(msg(0)) || *f.S != *gc.S+1 {
				t.Fatalf("MESSAGE_CREATE s=%d d=%s", *f.S, f.D)
			}
			last := *f.S
			c.send(protocol.OpHeartbeat, last)
			c.expect(protocol.OpHeartbeatACK, "")

			_ = c.nc.Close() // a network failure: no close frame
			poll.Until(t, 2*time.Second, 2*time.Millisecond, func() error {
				if e.gw.Stats().Connections != 0 {
					return errNotYet
				}
				return nil
			})
			for i := 1; i <= 3; i++ {
				e.rt.publish(e.gids[0], &protocol.Dispatch{Name: "MESSAGE_CREATE", Data: msg(i)})
			}
			c2 := dial(t, url)
			hello(t, c2)
			c2.send(protocol.OpResume, map[string]any{"token": tok, "session_id": r.SessionID, "seq": last})
			for i := 1; i <= 3; i++ {
				f := c2.expect(protocol.OpDispatch, "MESSAGE_CREATE")
				if *f.S != last+int64(i) || string(f.D) != string(msg(i)) {
					t.Fatalf("replay %d: s=%d d=%s", i, *f.S, f.D)
				}
			}
			c2.expect(protocol.OpDispatch, "RESUMED")
			c2.mu.Lock()
			defer c2.mu.Unlock()
			if !c2.binary || mode == "zlib-stream" && c2.syncs < 5 {
				t.Fatalf("binary=%v, %d frames ending in Z_SYNC_FLUSH", c2.binary, c2.syncs)
			}
		})
	}
}

// Snowflakes sent as integers (erlpack encodes a number as one) or as
// binaries are both read: op 8 with an integer guild id and user ids.
func TestETFClientIntegers(t *testing.T) {
	e := newEnv(t, gateway.Config{})
	tok := e.acc.addUser(userID, false, 0, e.gids[0])
	c := dial(t, e.url+"?v=10&encoding=etf")
	hello(t, c)
	c.identify(tok, protocol.IntentGuilds, nil)
	c.expect(protocol.OpDispatch, "GUILD_CREATE")
	c.send(protocol.OpRequestGuildMembers, map[string]any{"guild_id": uint64(e.gids[0]), "user_ids": []any{uint64(1) << 62, "5"}, "nonce": "n"})
	f := c.expect(protocol.OpDispatch, "GUILD_MEMBERS_CHUNK")
	var chunk struct {
		GuildID  string   `json:"guild_id"`
		NotFound []string `json:"not_found"`
		Nonce    string   `json:"nonce"`
	}
	if err := json.Unmarshal(f.D, &chunk); err != nil || chunk.GuildID != fmt.Sprint(e.gids[0]) ||
		len(chunk.NotFound) != 2 || chunk.NotFound[0] != fmt.Sprint(uint64(1)<<62) || chunk.Nonce != "n" {
		t.Fatalf("GUILD_MEMBERS_CHUNK %s: %v", f.D, err)
	}
}

// A frame that is not a term of Discord's subset, or not a payload, closes
// with 4002 as malformed JSON does.
func TestETFMalformedCloses4002(t *testing.T) {
	tests := []struct{ name, hex string }{
		{"JSON on an ETF connection", hex.EncodeToString([]byte(`{"op":1,"d":null}`))},
		{"bare version byte", "83"},
		{"truncated map", "8374000000026d000000026f706101"},
		{"trailing bytes", "8374000000016d000000026f70610100"},
		{"a list, not a map", "836a"},
		{"no op", "8374000000016d0000000164" + "7303" + "6e696c"},
		{"op is a binary", "8374000000016d000000026f70" + "6d0000000131"},
		{"improper list", "8374000000026d000000026f706101" + "6d0000000164" + "6c00000001610161" + "02"},
		{"compressed term", "8350000000ff789c"},
		{"a pid", "8358" + "7300" + "00000000" + "00000000" + "00000000"},
		{"integer over 64 bits", "8374000000026d000000026f706101" + "6d0000000164" + "6e0900" + "010000000000000001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, gateway.Config{})
			c := dial(t, e.url+"?v=10&encoding=etf")
			hello(t, c)
			b, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			c.sendBinary(b)
			c.expectClose(int(protocol.CloseDecodeError))
		})
	}
}

// An unknown encoding is still refused.
func TestUnknownEncodingCloses4002(t *testing.T) {
	e := newEnv(t, gateway.Config{})
	c := dial(t, e.url+"?v=10&encoding=msgpack")
	c.expectClose(int(protocol.CloseDecodeError))
}

func allocated() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

// Must not do: a term that announces more than it holds, nests deeply, or
// is bigger than the frame limit is refused with 4002 without allocating
// what it announces.
func TestETFHostileTermsRefused(t *testing.T) {
	payload := func(d string) string { return "8374000000026d000000026f706101" + "6d0000000164" + d }
	tests := []struct{ name, hex string }{
		{"list of 4G elements", payload("6cffffffff6a")},
		{"binary of 4 GB", payload("6dffffffff00")},
		{"map of 4G pairs", payload("74ffffffff")},
		{"4G-pair payload", "8374ffffffff"},
		{"nested 600 deep", payload(strings.Repeat("6c00000001", 600) + "6a" + strings.Repeat("6a", 600))},
		{"atom of 64 KB", payload("64ffff")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, gateway.Config{})
			c := dial(t, e.url+"?v=10&encoding=etf")
			hello(t, c)
			b, err := hex.DecodeString(tt.hex)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > protocol.MaxClientPayload {
				t.Fatalf("test term of %d bytes is over the frame limit", len(b))
			}
			before := allocated()
			c.sendBinary(b)
			c.expectClose(int(protocol.CloseDecodeError))
			if grew := allocated() - before; grew > 8<<20 {
				t.Fatalf("%d bytes allocated for a refused term", grew)
			}
		})
	}
	t.Run("frame over 4096 bytes", func(t *testing.T) {
		e := newEnv(t, gateway.Config{})
		c := dial(t, e.url+"?v=10&encoding=etf")
		hello(t, c)
		before := allocated()
		c.wmu.Lock()
		err := ws.WriteHeader(c.nc, ws.Header{Fin: true, OpCode: ws.OpBinary, Masked: true, Mask: ws.NewMask(), Length: 64 << 20})
		_, _ = c.nc.Write([]byte{131, 116, 0xff, 0xff, 0xff, 0xff})
		c.wmu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		c.expectClose(int(protocol.CloseDecodeError))
		if grew := allocated() - before; grew > 8<<20 {
			t.Fatalf("%d bytes allocated for a refused frame", grew)
		}
	})
}

// Must not do: atoms are not interned (Erlang's atom table is not
// collected; a server that created an atom per name could be exhausted).
// A flood of distinct atoms costs each frame's conversion and nothing that
// stays.
func TestETFAtomFloodRetainsNothing(t *testing.T) {
	e := newEnv(t, gateway.Config{DisableLimits: true})
	c := dial(t, e.url+"?v=10&encoding=etf")
	hello(t, c)
	const frames, atoms = 300, 280
	flood := func(k int) []byte {
		// {"op":1,"d":[atom, atom, ...]}: a heartbeat whose d is not a
		// sequence number is still answered, as for JSON.
		b, _ := hex.DecodeString("8374000000026d000000026f706101" + "6d0000000164")
		b = binary.BigEndian.AppendUint32(append(b, 108), atoms)
		for i := range atoms {
			name := fmt.Sprintf("a%04d_%04d", k, i)
			b = append(append(b, 115, byte(len(name))), name...)
		}
		return append(b, 106)
	}
	if n := len(flood(0)); n > protocol.MaxClientPayload {
		t.Fatalf("flood frame of %d bytes", n)
	}
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	before, total := heap(), allocated()
	for k := range frames {
		c.sendBinary(flood(k))
		c.expect(protocol.OpHeartbeatACK, "")
	}
	if grew := int64(heap()) - int64(before); grew > 4<<20 {
		t.Errorf("heap grew %d bytes after %d frames of distinct atoms", grew, frames)
	}
	if per := (allocated() - total) / frames; per > 256<<10 {
		t.Errorf("%d bytes allocated per 4 KB frame", per)
	}
}

// The send queue is bounded in bytes for ETF sessions as for JSON ones: a
// stalled ETF client is disconnected while an ETF reader keeps up.
func TestETFSlowConsumerIsDisconnected(t *testing.T) {
	e := newEnv(t, gateway.Config{SendQueueBytes: 64 << 10, SocketWriteBuffer: 16 << 10})
	gid := e.gids[0]
	tok := e.acc.addUser(userID, false, 0, gid)
	dialStalled(t, e.url+"?v=10&encoding=etf", tok)
	c := dial(t, e.url+"?v=10&encoding=etf")
	hello(t, c)
	c.identify(tok, protocol.IntentGuilds, nil)
	c.expect(protocol.OpDispatch, "GUILD_CREATE")
	poll.Until(t, 5*time.Second, 5*time.Millisecond, func() error {
		if n := e.rt.subscribers(gid); n != 2 {
			return fmt.Errorf("%d subscribers", n)
		}
		return nil
	})
	body := []byte(`{"content":"` + strings.Repeat("x", 1000) + `"}`)
	sent := 0
	poll.Until(t, 20*time.Second, 0, func() error {
		for range 20 {
			e.rt.publish(gid, &protocol.Dispatch{Name: "MESSAGE_CREATE", Data: body})
			sent++
		}
		for range 20 { // the reader keeps pace
			c.expect(protocol.OpDispatch, "MESSAGE_CREATE")
		}
		if e.gw.Stats().SlowDisconnects == 0 {
			return errNotYet
		}
		return nil
	})
	// The close code is counted when the close frame is written, after the
	// overflow is counted: wait for it rather than race it.
	poll.Until(t, 5*time.Second, time.Millisecond, func() error {
		if st := e.gw.Stats(); st.Closes["4000"] == 0 {
			return fmt.Errorf("stats %+v", st)
		}
		return nil
	})
	if st := e.gw.Stats(); st.SlowDisconnects != 1 || st.Closes["4000"] != 1 {
		t.Fatalf("stats %+v", st)
	}
	t.Logf("stalled ETF client disconnected after %d messages of %d bytes", sent, len(body))
}

// A dispatch fanned out to many ETF sessions is converted to ETF once, and
// JSON sessions of the same event do not convert it at all.
func TestETFDispatchEncodedOncePerEvent(t *testing.T) {
	e := newEnv(t, gateway.Config{})
	var clients []*client
	for i := range 12 {
		uid := userID + chat.ID(i)
		tok := e.acc.addUser(uid, false, 0, e.gids[0])
		url := e.url + "?v=10&encoding=etf"
		if i%3 == 0 {
			url = e.url + "?v=10&encoding=json"
		}
		if i%4 == 1 {
			url += "&compress=zlib-stream"
		}
		c := dial(t, url)
		hello(t, c)
		c.identify(tok, protocol.IntentGuilds|protocol.IntentGuildMessages, nil)
		c.expect(protocol.OpDispatch, "GUILD_CREATE")
		clients = append(clients, c)
	}
	before := gateway.ETFEncodes()
	d := &protocol.Dispatch{Name: "MESSAGE_CREATE", Data: []byte(`{"id":"99","content":"fan out"}`)}
	if n := e.rt.publish(e.gids[0], d); n != len(clients) {
		t.Fatalf("published to %d sessions", n)
	}
	for _, c := range clients {
		if f := c.expect(protocol.OpDispatch, "MESSAGE_CREATE"); string(f.D) != string(d.Data) {
			t.Fatalf("got %s", f.D)
		}
	}
	if n := gateway.ETFEncodes() - before; n != 1 {
		t.Fatalf("%d ETF conversions for one event to 8 ETF sessions, want 1", n)
	}
}

// End to end through the whole server: an ETF client with zlib-stream
// sees the MESSAGE_CREATE that REST returned, snowflakes as strings.
func TestEndToEndETF(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{})
	alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
	_, general := alice.CreateGuild(t, "etf")
	bob.Join(t, alice, general)
	url := strings.Replace(gatewayURL(t, s), "encoding=json", "encoding=etf&compress=zlib-stream", 1)
	g := dial(t, url)
	hello(t, g)
	r := g.identify(bob.Token, protocol.IntentGuilds|protocol.IntentGuildMessages|protocol.IntentMessageContent, nil)
	for range r.Guilds {
		g.expect(protocol.OpDispatch, "GUILD_CREATE")
	}
	rest := post(t, alice, general, "hello over etf")
	content, ch, raw := nextMessage(t, g)
	if content != "hello over etf" || ch != general {
		t.Fatalf("MESSAGE_CREATE %s", raw)
	}
	var want, got map[string]any
	_ = json.Unmarshal(rest, &want)
	_ = json.Unmarshal(raw, &got)
	for _, k := range []string{"id", "channel_id", "content", "timestamp"} {
		if _, ok := got[k].(string); !ok || got[k] != want[k] {
			t.Errorf("%s: gateway %#v, REST %#v", k, got[k], want[k])
		}
	}
}

// BenchmarkFanoutETF is BenchmarkFanout with ETF sessions: each event is
// converted once however many sessions it reaches (etf-encodes/op).
//
//	go test -run '^$' -bench 'Fanout(ETF)?$' ./internal/gateway
func BenchmarkFanoutETF(b *testing.B) {
	for _, n := range []int{100, 1000} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) { benchFanout(b, n, true) })
	}
}
