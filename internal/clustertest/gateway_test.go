//go:build cluster

package clustertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/poll"
	"github.com/accordchat/accord/internal/protocol"
)

// intents asks for the events the tests check: guilds, messages with
// their content, typing, direct messages.
const intents = protocol.IntentGuilds | protocol.IntentGuildMessages |
	protocol.IntentGuildMessageTyping | protocol.IntentMessageContent | protocol.IntentDirectMessages

// gw is a gateway client that behaves like discordgo: it IDENTIFYs,
// heartbeats, and when its connection drops or the server sends op 7
// RECONNECT it reconnects and RESUMEs; on INVALID_SESSION it IDENTIFYs
// again. When a node is unreachable it moves on to the next of its URLs,
// as a client behind a load balancer would. It records every dispatch.
//
// Its methods are safe for concurrent use; the recorded events it returns
// are copies.
type gw struct {
	name  string
	token string   // as sent in IDENTIFY and RESUME ("Bot ..." for bots)
	urls  []string // gateway URLs; the first is where it connects first
	// extra intents beyond the constant's; set before dialling.
	extra protocol.Intents

	cancel context.CancelFunc
	done   chan struct{}

	mu        sync.Mutex
	sessionID string // "" until READY and after INVALID_SESSION
	resumeURL string
	seq       int64
	url       string   // where the current connection goes
	incs      []*life  // one per READY; RESUMED continues the last
	history   []string // connection events, for failure messages
	invalid   int      // INVALID_SESSIONs received
	lastNote  string   // the last note added to history
	conn      *websocket.Conn
	held      chan struct{} // while not nil, run waits for it to close before connecting
	repeats   int           // notes equal to lastNote since it was added
}

// life is one gateway session as the client lived it: from its READY
// through any number of RESUMEs.
type life struct {
	url     string    // where READY came from
	ready   time.Time // when READY arrived
	resumed []time.Time
	events  []event // every dispatch, READY included
	seqErr  error   // the first sequence number out of order, if any
}

// event is one dispatch.
type event struct {
	seq  int64
	name string
	at   time.Time
	d    json.RawMessage
	f    eventData // d's fields the tests match on, decoded once
}

// dial starts a client for token connected first to urls[0].
func dial(t *testing.T, name, token string, urls ...string) *gw {
	t.Helper()
	return dialWith(t, 0, name, token, urls...)
}

// dialWith is dial asking for extra intents too.
func dialWith(t *testing.T, extra protocol.Intents, name, token string, urls ...string) *gw {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	g := &gw{name: name, token: token, urls: urls, extra: extra, cancel: cancel, done: make(chan struct{}), url: urls[0]}
	go g.run(ctx)
	t.Cleanup(g.close)
	poll.Until(t, 30*time.Second, 10*time.Millisecond, func() error {
		if g.last() == nil {
			return fmt.Errorf("%s: no READY yet (%s)", name, g.story())
		}
		return nil
	})
	return g
}

func (g *gw) close() {
	g.cancel()
	<-g.done
}

// run connects, and reconnects, until ctx ends.
func (g *gw) run(ctx context.Context) {
	defer close(g.done)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		g.mu.Lock()
		url, held := g.url, g.held
		g.mu.Unlock()
		if held != nil {
			select {
			case <-held:
			case <-ctx.Done():
				return
			}
		}
		err := g.connect(ctx, url)
		if ctx.Err() != nil {
			return
		}
		g.note("connection to %s ended: %v", url, err)
		var de dialError
		if errors.As(err, &de) {
			// The node is down: try the next URL, as a client whose
			// load balancer stopped routing to the dead node would.
			g.mu.Lock()
			g.url = g.next(url)
			g.mu.Unlock()
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
	}
}

// next is the URL after u in g.urls (resume URLs count as the first).
func (g *gw) next(u string) string {
	for i, x := range g.urls {
		if sameHost(x, u) {
			return g.urls[(i+1)%len(g.urls)]
		}
	}
	return g.urls[0]
}

func sameHost(a, b string) bool {
	host := func(s string) string {
		s = s[strings.Index(s, "//")+2:]
		if i := strings.IndexAny(s, "/?"); i >= 0 {
			s = s[:i]
		}
		return s
	}
	return host(a) == host(b)
}

type dialError struct{ error }

// connect runs one connection: HELLO, IDENTIFY or RESUME, then dispatches
// until the connection ends or the server asks for a reconnect.
func (g *gw) connect(ctx context.Context, url string) error {
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	conn, _, err := websocket.Dial(dctx, url, nil)
	cancel()
	if err != nil {
		return dialError{err}
	}
	defer conn.CloseNow()
	conn.SetReadLimit(64 << 20)
	g.mu.Lock()
	g.conn = conn
	g.mu.Unlock()
	cctx, stop := context.WithCancel(ctx)
	defer stop()
	var hello struct {
		Op int `json:"op"`
		D  struct {
			Interval int `json:"heartbeat_interval"`
		} `json:"d"`
	}
	if _, b, err := conn.Read(cctx); err != nil {
		return fmt.Errorf("read HELLO: %w", err)
	} else if err := json.Unmarshal(b, &hello); err != nil || hello.Op != protocol.OpHello || hello.D.Interval <= 0 {
		return fmt.Errorf("want HELLO, got %s", b)
	}
	go g.heartbeat(cctx, conn, time.Duration(hello.D.Interval)*time.Millisecond)
	g.mu.Lock()
	resume, sid, seq := g.sessionID != "", g.sessionID, g.seq
	g.mu.Unlock()
	if resume {
		g.note("RESUME %s seq %d on %s", sid, seq, url)
		err = g.send(cctx, conn, protocol.OpResume, map[string]any{"token": g.token, "session_id": sid, "seq": seq})
	} else {
		err = g.identify(cctx, conn, url)
	}
	if err != nil {
		return err
	}
	for {
		_, b, err := conn.Read(cctx)
		if err != nil {
			return err
		}
		var f struct {
			Op int             `json:"op"`
			S  int64           `json:"s"`
			T  string          `json:"t"`
			D  json.RawMessage `json:"d"`
		}
		if err := json.Unmarshal(b, &f); err != nil {
			return fmt.Errorf("bad frame %q: %w", b, err)
		}
		switch f.Op {
		case protocol.OpDispatch:
			g.dispatch(url, f.S, f.T, f.D)
		case protocol.OpHeartbeat:
			g.mu.Lock()
			seq := g.seq
			g.mu.Unlock()
			if err := g.send(cctx, conn, protocol.OpHeartbeat, seq); err != nil {
				return err
			}
		case protocol.OpReconnect:
			// As discordgo: close and reconnect to the resume URL; the
			// session stays resumable.
			g.note("RECONNECT (op 7) on %s", url)
			g.mu.Lock()
			if g.resumeURL != "" {
				g.url = g.resumeURL
			}
			g.mu.Unlock()
			return errors.New("op 7 RECONNECT")
		case protocol.OpInvalidSession:
			resumable := string(f.D) == "true"
			g.mu.Lock()
			g.invalid++
			if !resumable {
				g.sessionID, g.seq = "", 0
			}
			g.mu.Unlock()
			g.note("INVALID_SESSION d=%v on %s", resumable, url)
			if resumable {
				return errors.New("op 9 resumable: resume on a new connection")
			}
			// As discordgo: IDENTIFY again on the same connection.
			if err := g.identify(cctx, conn, url); err != nil {
				return err
			}
		}
	}
}

func (g *gw) identify(ctx context.Context, conn *websocket.Conn, url string) error {
	g.note("IDENTIFY on %s", url)
	return g.send(ctx, conn, protocol.OpIdentify, map[string]any{
		"token": g.token, "intents": intents | g.extra,
		"properties": map[string]string{"os": "linux", "browser": "clustertest", "device": "clustertest"},
	})
}

func (g *gw) send(ctx context.Context, conn *websocket.Conn, op int, d any) error {
	b, err := json.Marshal(map[string]any{"op": op, "d": d})
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return conn.Write(wctx, websocket.MessageText, b)
}

// heartbeat sends op 1 every interval (the first after a random part of
// it, as Discord asks) until ctx ends.
func (g *gw) heartbeat(ctx context.Context, conn *websocket.Conn, interval time.Duration) {
	wait := time.Duration(rand.Int64N(int64(interval)))
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = interval
		g.mu.Lock()
		seq := g.seq
		g.mu.Unlock()
		var d any
		if seq > 0 {
			d = seq
		}
		if g.send(ctx, conn, protocol.OpHeartbeat, d) != nil {
			return
		}
	}
}

// dispatch records one dispatch.
func (g *gw) dispatch(url string, seq int64, name string, d json.RawMessage) {
	now := time.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	switch name {
	case protocol.EventReady:
		var r struct {
			SessionID string `json:"session_id"`
			ResumeURL string `json:"resume_gateway_url"`
		}
		_ = json.Unmarshal(d, &r)
		g.sessionID, g.resumeURL = r.SessionID, r.ResumeURL
		if g.resumeURL != "" && !strings.Contains(g.resumeURL, "?") {
			g.resumeURL += "?v=10&encoding=json"
		}
		g.incs = append(g.incs, &life{url: url, ready: now})
		g.history = append(g.history, fmt.Sprintf("%s READY %s on %s", now.Format("15:04:05.000"), r.SessionID, url))
	case protocol.EventResumed:
		if l := g.lastLocked(); l != nil {
			l.resumed = append(l.resumed, now)
		}
		g.history = append(g.history, fmt.Sprintf("%s RESUMED on %s", now.Format("15:04:05.000"), url))
	}
	l := g.lastLocked()
	if l == nil {
		return // a dispatch before READY: the check of READY's seq reports it
	}
	if n := len(l.events); l.seqErr == nil && n > 0 && seq != l.events[n-1].seq+1 {
		l.seqErr = fmt.Errorf("%s: %s with seq %d after seq %d", g.name, name, seq, l.events[n-1].seq)
	}
	if l.seqErr == nil && len(l.events) == 0 && seq != 1 {
		l.seqErr = fmt.Errorf("%s: READY with seq %d, want 1", g.name, seq)
	}
	e := event{seq: seq, name: name, at: now, d: append(json.RawMessage(nil), d...)}
	_ = json.Unmarshal(d, &e.f)
	l.events = append(l.events, e)
	if seq > g.seq {
		g.seq = seq
	}
}

func (g *gw) lastLocked() *life {
	if len(g.incs) == 0 {
		return nil
	}
	return g.incs[len(g.incs)-1]
}

// last returns a copy of the current session's life, or nil before READY.
func (g *gw) last() *life {
	g.mu.Lock()
	defer g.mu.Unlock()
	l := g.lastLocked()
	if l == nil {
		return nil
	}
	c := *l
	c.events = append([]event(nil), l.events...)
	c.resumed = append([]time.Time(nil), l.resumed...)
	return &c
}

// lives is how many READYs the client has had.
func (g *gw) lives() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.incs)
}

// invalidSessions is how many INVALID_SESSIONs the client has had.
func (g *gw) invalidSessions() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.invalid
}

// note adds to the client's history; a note like the last one (a node
// refusing again and again) only counts as a repeat.
func (g *gw) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	g.mu.Lock()
	defer g.mu.Unlock()
	if msg == g.lastNote {
		g.repeats++
		return
	}
	if g.repeats > 0 {
		g.history = append(g.history, fmt.Sprintf("(the same %d more times)", g.repeats))
	}
	g.lastNote, g.repeats = msg, 0
	g.history = append(g.history, time.Now().Format("15:04:05.000")+" "+msg)
}

// story is the client's connection history, for failure messages.
func (g *gw) story() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	h := g.history
	if len(h) > 20 {
		h = append([]string{"..."}, h[len(h)-20:]...)
	}
	return g.name + ": " + strings.Join(h, "; ")
}

// cut closes the client's socket without a close frame, as a network
// failure would, and keeps the client from reconnecting until resume.
func (g *gw) cut() {
	g.mu.Lock()
	conn := g.conn
	g.held = make(chan struct{})
	g.mu.Unlock()
	g.note("connection cut by the test")
	if conn != nil {
		_ = conn.CloseNow()
	}
}

// resume lets a cut client reconnect; it RESUMEs its session.
func (g *gw) resume() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held != nil {
		close(g.held)
		g.held = nil
	}
}

// ids of the fields the tests match dispatches on.
type eventData struct {
	ID        chat.ID `json:"id"`
	GuildID   chat.ID `json:"guild_id"`
	ChannelID chat.ID `json:"channel_id"`
	UserID    chat.ID `json:"user_id"`
	Content   string  `json:"content"`
	Nonce     string  `json:"nonce"`
	Status    string  `json:"status"` // PRESENCE_UPDATE
	User      struct {
		ID chat.ID `json:"id"`
	} `json:"user"`
	Author struct {
		ID chat.ID `json:"id"`
	} `json:"author"`
}

func (e event) data() eventData { return e.f }

// guild is the guild an event belongs to: guild_id, or id for the
// GUILD_* events whose object is the guild.
func (e event) guild() chat.ID {
	d := e.data()
	if d.GuildID == 0 && strings.HasPrefix(e.name, "GUILD_") && e.name != "GUILD_MEMBERS_CHUNK" {
		return d.ID
	}
	return d.GuildID
}

// waitEvent waits until the client's current session has a dispatch for
// which match is true and returns the first.
func (g *gw) waitEvent(t *testing.T, what string, match func(event) bool) event {
	t.Helper()
	var found event
	poll.Until(t, 20*time.Second, 5*time.Millisecond, func() error {
		if l := g.last(); l != nil {
			for _, e := range l.events {
				if match(e) {
					found = e
					return nil
				}
			}
		}
		return fmt.Errorf("%s has no %s (%s)", g.name, what, g.story())
	})
	return found
}

// named matches dispatch name with d matching f.
func named(name string, f func(eventData) bool) func(event) bool {
	return func(e event) bool { return e.name == name && f(e.data()) }
}
