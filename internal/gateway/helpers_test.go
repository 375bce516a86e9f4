package gateway_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/klauspost/compress/zstd"

	"github.com/accordchat/accord/internal/auth"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

// accounts is an in-memory Accounts for tests of the gateway alone; the
// end-to-end tests use the real store through accordtest.
type accounts struct {
	mu     sync.Mutex
	tokens map[string]chat.ID
	users  map[chat.ID]chat.User
	apps   map[chat.ID]chat.Application // by bot id
	guilds map[chat.ID][]chat.ID
}

func newAccounts() *accounts {
	return &accounts{
		tokens: map[string]chat.ID{}, users: map[chat.ID]chat.User{},
		apps: map[chat.ID]chat.Application{}, guilds: map[chat.ID][]chat.ID{},
	}
}

// addUser makes a user in the given guilds and returns its token.
func (a *accounts) addUser(id chat.ID, bot bool, appFlags uint64, guilds ...chat.ID) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	tok, hash, err := auth.NewToken(id)
	if err != nil {
		panic(err)
	}
	a.tokens[string(hash)] = id
	a.users[id] = chat.User{ID: id, Username: fmt.Sprintf("user%d", id), Bot: bot}
	if bot {
		a.apps[id] = chat.Application{ID: id + 1000, BotID: id, Flags: appFlags}
	}
	a.guilds[id] = guilds
	return tok
}

func (a *accounts) TokenUser(_ context.Context, h []byte) (chat.ID, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if id, ok := a.tokens[string(h)]; ok {
		return id, nil
	}
	return 0, store.ErrNotFound
}

func (a *accounts) User(_ context.Context, id chat.ID) (chat.User, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if u, ok := a.users[id]; ok {
		return u, nil
	}
	return chat.User{}, store.ErrNotFound
}

func (a *accounts) ApplicationByBot(_ context.Context, id chat.ID) (chat.Application, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if app, ok := a.apps[id]; ok {
		return app, nil
	}
	return chat.Application{}, store.ErrNotFound
}

func (a *accounts) UserGuilds(_ context.Context, id chat.ID) ([]chat.ID, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]chat.ID(nil), a.guilds[id]...), nil
}

// router is a small guild layer for tests of the gateway alone: it keeps
// subscriptions and lets a test publish dispatches to a guild's sessions.
type router struct {
	mu        sync.Mutex
	subs      map[chat.ID]map[string]gateway.Subscriber
	presences []json.RawMessage
	members   int // how many members RequestMembers returns
	// busy is how many more Connects fail with guild.ErrBusy (a full
	// guild inbox); fail maps guilds whose Connect fails otherwise, and
	// connects counts the calls per guild.
	busy     int
	fail     map[chat.ID]error
	connects map[chat.ID]int
}

func newRouter() *router { return &router{subs: map[chat.ID]map[string]gateway.Subscriber{}} }

func (r *router) Connect(_ context.Context, gid chat.ID, s gateway.Subscriber, _ int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.connects == nil {
		r.connects = map[chat.ID]int{}
	}
	r.connects[gid]++
	if err := r.fail[gid]; err != nil {
		return err
	}
	if r.busy > 0 {
		r.busy--
		return guild.ErrBusy
	}
	if r.subs[gid] == nil {
		r.subs[gid] = map[string]gateway.Subscriber{}
	}
	r.subs[gid][s.ID()] = s
	s.Send(&protocol.Dispatch{Name: "GUILD_CREATE", Data: fmt.Appendf(nil, `{"id":"%d","unavailable":false,"channels":[]}`, gid)})
	return nil
}

func (r *router) Disconnect(gid chat.ID, sid string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.subs[gid], sid)
}

func (r *router) Subscribe(context.Context, chat.ID, string) error { return nil }

func (r *router) UpdatePresence(_ context.Context, _ chat.ID, p json.RawMessage) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.presences = append(r.presences, append(json.RawMessage(nil), p...))
	return nil
}

func (r *router) RequestMembers(_ context.Context, _ chat.ID, req gateway.MembersRequest) ([]json.RawMessage, []chat.ID, error) {
	var out []json.RawMessage
	for i := range r.members {
		out = append(out, fmt.Appendf(nil, `{"user":{"id":"%d"}}`, i+1))
	}
	return out, req.UserIDs, nil
}

// publish sends d to every session subscribed to gid, as a guild actor
// would, and returns how many got it.
func (r *router) publish(gid chat.ID, d *protocol.Dispatch) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.subs[gid] {
		s.Send(d)
	}
	return len(r.subs[gid])
}

func (r *router) subscribed(gid chat.ID, sid string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.subs[gid][sid] != nil
}

func (r *router) subscribers(gid chat.ID) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.subs[gid])
}

// env is a gateway on 127.0.0.1:0 with in-memory accounts and router.
type env struct {
	t    *testing.T
	gw   *gateway.Gateway
	acc  *accounts
	rt   *router
	srv  *httptest.Server
	url  string // ws://host/gateway
	gids []chat.ID
}

func newEnv(t *testing.T, cfg gateway.Config) *env {
	t.Helper()
	e := &env{t: t, acc: newAccounts(), rt: newRouter()}
	cfg.Accounts = e.acc
	if cfg.Guilds == nil { // else a test's own guild layer (e.rt unused)
		cfg.Guilds = e.rt
	}
	gw, err := gateway.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.gw = gw
	mux := http.NewServeMux()
	mux.Handle("/gateway", gw)
	e.srv = httptest.NewServer(mux)
	e.url = "ws" + strings.TrimPrefix(e.srv.URL, "http") + "/gateway"
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = gw.Shutdown(ctx)
		e.srv.Close()
	})
	// Guild ids whose shard (id>>22)%2 is 0 and 1.
	e.gids = []chat.ID{10 << 22, 11 << 22, 12 << 22}
	return e
}

// frame is a decoded gateway payload as a client sees it.
type frame struct {
	Op int             `json:"op"`
	S  *int64          `json:"s"`
	T  string          `json:"t"`
	D  json.RawMessage `json:"d"`
}

// client is a raw-protocol WebSocket client. A goroutine reads frames into
// a channel so tests can wait with deadlines.
type client struct {
	t      *testing.T
	nc     net.Conn
	frames chan frame
	done   chan struct{}
	mu     sync.Mutex
	code   int // close code received from the server; -1 if the TCP conn dropped
	binary bool
	syncs  int // zlib frames ending in 00 00 ff ff
	wmu    sync.Mutex
	etf    bool // encoding=etf: payloads are ETF terms both ways (etf_test.go)
}

func dial(t *testing.T, url string) *client {
	t.Helper()
	c, err := dialErr(url, true)
	if err != nil {
		t.Fatal(err)
	}
	c.t = t
	t.Cleanup(func() { _ = c.nc.Close() })
	return c
}

// dialStalled connects a client that never reads its socket and
// identifies it with token (intents GUILDS): once READY and the guilds'
// events fill its small receive buffer, the server's writes to it stall.
func dialStalled(t *testing.T, url, token string) *client {
	t.Helper()
	c, err := dialErr(url, false)
	if err != nil {
		t.Fatal(err)
	}
	c.t = t
	t.Cleanup(func() { _ = c.nc.Close() })
	c.send(protocol.OpIdentify, map[string]any{"token": token, "intents": 1})
	return c
}

// dialErr connects; with read false nothing reads the socket (a stalled
// client).
func dialErr(url string, read bool) (*client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d := ws.Dialer{}
	if !read {
		// A stalled client with a small receive buffer fills up sooner.
		d.NetDial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err == nil {
				_ = nc.(*net.TCPConn).SetReadBuffer(4096)
			}
			return nc, err
		}
	}
	nc, br, _, err := d.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	c := &client{nc: nc, frames: make(chan frame, 4096), done: make(chan struct{}), etf: strings.Contains(url, "encoding=etf")}
	if read {
		var r io.Reader = nc
		if br != nil {
			r = io.MultiReader(br, nc)
		}
		mode := ""
		if i := strings.Index(url, "compress="); i >= 0 {
			mode, _, _ = strings.Cut(url[i+len("compress="):], "&")
		}
		go c.readLoop(r, mode)
	}
	return c, nil
}

func (c *client) readLoop(r io.Reader, compression string) {
	defer close(c.done)
	var pw *io.PipeWriter
	if compression != "" {
		var pr *io.PipeReader
		pr, pw = io.Pipe()
		// The decoder owns c.frames: it closes it once the reader below
		// has closed pw, so no frame is sent on a closed channel.
		go func() {
			defer close(c.frames)
			defer func() { _, _ = io.Copy(io.Discard, pr) }()
			var zr io.Reader
			var err error
			if compression == "zstd-stream" {
				zr, err = zstd.NewReader(pr)
			} else {
				zr, err = zlib.NewReader(pr)
			}
			if err != nil {
				return
			}
			if c.etf {
				c.readETFStream(zr)
				return
			}
			dec := json.NewDecoder(zr)
			for {
				var f frame
				if err := dec.Decode(&f); err != nil {
					return
				}
				c.frames <- f
			}
		}()
		defer pw.Close()
	} else {
		defer close(c.frames)
	}
	rw := struct {
		io.Reader
		io.Writer
	}{r, c.nc}
	for {
		h, err := ws.ReadHeader(rw)
		if err != nil {
			c.setCode(-1)
			return
		}
		p := make([]byte, h.Length)
		if _, err := io.ReadFull(rw, p); err != nil {
			c.setCode(-1)
			return
		}
		switch h.OpCode {
		case ws.OpClose:
			code := 1005
			if len(p) >= 2 {
				code = int(binary.BigEndian.Uint16(p))
			}
			c.setCode(code)
			return
		case ws.OpText:
			var f frame
			if err := json.Unmarshal(p, &f); err != nil {
				panic(fmt.Sprintf("server sent invalid JSON %q: %v", p, err))
			}
			c.frames <- f
		case ws.OpBinary:
			c.mu.Lock()
			c.binary = true
			if bytes.HasSuffix(p, []byte{0, 0, 0xff, 0xff}) {
				c.syncs++
			}
			c.mu.Unlock()
			if pw != nil {
				_, _ = pw.Write(p)
			} else if c.etf {
				c.frames <- etfFrame(p)
			}
		}
	}
}

func (c *client) setCode(code int) {
	c.mu.Lock()
	if c.code == 0 {
		c.code = code
	}
	c.mu.Unlock()
}

// send writes one masked text frame.
func (c *client) send(op int, d any) {
	c.t.Helper()
	b, err := json.Marshal(map[string]any{"op": op, "d": d})
	if err != nil {
		c.t.Fatal(err)
	}
	if c.etf {
		c.sendETF(b)
		return
	}
	c.sendRaw(b)
}

func (c *client) sendRaw(b []byte) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = wsutil.WriteClientMessage(c.nc, ws.OpText, b)
}

// next returns the next frame, failing the test after 5 s.
func (c *client) next() frame {
	c.t.Helper()
	select {
	case f, ok := <-c.frames:
		if !ok {
			c.t.Fatalf("connection closed (code %d) while waiting for a frame", c.closeCode())
		}
		return f
	case <-time.After(5 * time.Second):
		c.t.Fatal("no frame within 5s")
	}
	return frame{}
}

// expect returns the next frame and checks its op and event name.
func (c *client) expect(op int, name string) frame {
	c.t.Helper()
	f := c.next()
	if f.Op != op || f.T != name {
		c.t.Fatalf("got op %d %q (d=%s), want op %d %q", f.Op, f.T, f.D, op, name)
	}
	return f
}

// expectClose waits for the server to close with code.
func (c *client) expectClose(code int) {
	c.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-c.frames:
			if ok {
				continue // frames before the close, e.g. HELLO
			}
			if got := c.closeCode(); got != code {
				c.t.Fatalf("closed with %d, want %d", got, code)
			}
			return
		case <-timeout:
			c.t.Fatalf("not closed within 5s, want %d", code)
		}
	}
}

// closeWith sends a close frame with code.
func (c *client) closeWith(code int) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return wsutil.WriteClientMessage(c.nc, ws.OpClose, ws.NewCloseFrameBody(ws.StatusCode(code), ""))
}

func (c *client) closeCode() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.code
}

// identify sends IDENTIFY and returns READY's data.
func (c *client) identify(token string, intents protocol.Intents, extra map[string]any) readyData {
	c.t.Helper()
	d := map[string]any{"token": token, "intents": intents, "properties": map[string]string{"os": "linux"}}
	for k, v := range extra {
		d[k] = v
	}
	c.send(protocol.OpIdentify, d)
	f := c.expect(protocol.OpDispatch, "READY")
	var r readyData
	if err := json.Unmarshal(f.D, &r); err != nil {
		c.t.Fatal(err)
	}
	var raw struct {
		User map[string]json.RawMessage `json:"user"`
	}
	_ = json.Unmarshal(f.D, &raw)
	// discord.py indexes these keys directly.
	for _, k := range []string{"id", "username", "discriminator", "avatar", "global_name"} {
		if _, ok := raw.User[k]; !ok {
			c.t.Fatalf("READY user lacks %q: %s", k, f.D)
		}
	}
	r.seq = *f.S
	return r
}

type readyData struct {
	V                int                     `json:"v"`
	ReadState        *protocol.ReadStateList `json:"read_state"`
	SessionID        string                  `json:"session_id"`
	ResumeGatewayURL string                  `json:"resume_gateway_url"`
	User             struct {
		ID  chat.ID `json:"id"`
		Bot bool    `json:"bot"`
	} `json:"user"`
	Guilds []struct {
		ID          chat.ID `json:"id"`
		Unavailable bool    `json:"unavailable"`
	} `json:"guilds"`
	Shard       []int `json:"shard"`
	Application *struct {
		ID    chat.ID `json:"id"`
		Flags uint64  `json:"flags"`
	} `json:"application"`
	seq int64
}

var errNotYet = errors.New("not yet")
