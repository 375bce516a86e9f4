package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gobwas/ws"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Gateway serves WebSocket gateway connections (it is an http.Handler for
// /gateway) and keeps their sessions. It implements guild.Directory. All
// methods are safe for concurrent use.
type Gateway struct {
	cfg     Config
	log     *slog.Logger
	poll    *poller // nil: one reading goroutine per connection
	writers *writerPool
	ctx     context.Context
	cancel  context.CancelFunc
	stats   counters
	limits  *limiter
	// presence combines each user's sessions' presences (presence.go).
	presence *presences

	// grMu guards grRunning; it is a leaf lock (taken under conn.mu).
	// grWG counts the goroutines startGoRoutine started.
	grMu      sync.Mutex
	grRunning bool // guarded by grMu; false once Shutdown waits on grWG
	grWG      sync.WaitGroup

	// Lock order: Session.mu, then conn.mu, then Gateway.mu.
	mu       sync.RWMutex
	closing  bool                   // guarded by mu; Shutdown has begun: no new connections
	drained  chan struct{}          // guarded by mu; closed (and set to nil) when closing and conns is empty
	conns    map[*conn]struct{}     // guarded by mu; open connections
	sessions map[string]*Session    // guarded by mu; by session_id
	byUser   map[chat.ID][]*Session // guarded by mu
}

// New returns a Gateway. Call Shutdown to stop it.
func New(cfg Config) (*Gateway, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &Gateway{
		cfg:       cfg,
		log:       cfg.Logger.WithGroup("gateway"),
		ctx:       ctx,
		cancel:    cancel,
		grRunning: true,
		conns:     make(map[*conn]struct{}),
		sessions:  make(map[string]*Session),
		byUser:    make(map[chat.ID][]*Session),
	}
	p, err := newPoller()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("gateway: poller: %w", err)
	}
	g.poll = p
	g.limits = newLimiter(&g.cfg)
	g.presence = newPresences(g)
	if p != nil {
		g.startGoRoutine(p.run)
	}
	g.writers = newWriterPool(g, cfg.Writers)
	g.startGoRoutine(g.sweep)
	return g, nil
}

// ServeHTTP upgrades the request to a gateway connection. Query parameters
// v (10, or 9), encoding (json, etf) and compress (zlib-stream, zstd-stream)
// are Discord's.
// Like Discord, a bad v or encoding is reported with a close code after the
// upgrade, so libraries see the reason.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.RLock()
	closing := g.closing
	g.mu.RUnlock()
	if closing {
		http.Error(w, "gateway shutting down", http.StatusServiceUnavailable)
		return
	}
	addr := clientPrefix(r)
	if !g.limits.acquireAddr(addr) {
		g.stats.addrLimited.Add(1)
		tooManyConnections(w)
		return
	}
	q := r.URL.Query()
	nc, rw, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		g.limits.releaseAddr(addr)
		g.log.Debug("upgrade failed", "err", err, "remote", r.RemoteAddr)
		return
	}
	c := &conn{gw: g, nc: nc, fd: -1, rc: rawConn(nc), addr: addr}
	c.lastBeat.Store(time.Now().UnixNano())
	c.resumeURL = g.cfg.ResumeURL
	if c.resumeURL == "" {
		scheme := "ws://"
		if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
			scheme = "wss://"
		}
		c.resumeURL = scheme + r.Host + "/gateway"
	}
	if n := rw.Reader.Buffered(); n > 0 {
		// The client sent frames before HELLO; keep them for the reader.
		c.pre = make([]byte, n)
		_, _ = rw.Reader.Read(c.pre)
	}
	_ = nc.SetDeadline(time.Time{}) // net/http's REST read/write timeouts stay on a hijacked conn
	var closeWith protocol.CloseCode
	switch v := q.Get("v"); v {
	case "", "10", "9":
	default:
		closeWith = protocol.CloseInvalidAPIVersion
	}
	switch q.Get("encoding") {
	case "", "json":
	case "etf":
		c.etf = true
	default:
		closeWith = protocol.CloseDecodeError
	}
	switch q.Get("compress") {
	case "":
	case "zlib-stream":
		c.compress = true
	case "zstd-stream":
		c.compress, c.zstd = true, true
	default:
		closeWith = protocol.CloseDecodeError
	}
	g.mu.Lock()
	if g.closing {
		// Shutdown began during the upgrade and will not see c.
		g.mu.Unlock()
		g.limits.releaseAddr(addr)
		_ = nc.Close()
		return
	}
	g.conns[c] = struct{}{}
	g.mu.Unlock()
	g.stats.connections.Add(1)
	c.enqueueControl(g.hello())
	if closeWith != 0 {
		c.close(closeWith)
		return
	}
	c.start()
}

func (g *Gateway) hello() []byte {
	d, _ := protocol.Marshal(protocol.Hello{HeartbeatInterval: int(g.cfg.HeartbeatInterval / time.Millisecond)})
	return protocol.AppendControl(nil, protocol.OpHello, d)
}

// sweep closes connections that missed their heartbeat and expires sessions
// whose resume window has passed. One goroutine scans everything: cheaper
// than a timer per connection at 15,000 connections.
func (g *Gateway) sweep() {
	every := g.cfg.HeartbeatTimeout / 4
	every = min(max(every, 10*time.Millisecond), time.Second)
	t := time.NewTicker(every)
	defer t.Stop()
	var conns []*conn
	var sessions []*Session
	var expired time.Time // when the limiter last forgot old entries
	for {
		select {
		case <-g.ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		conns, sessions = conns[:0], sessions[:0]
		g.mu.RLock()
		for c := range g.conns {
			if now.UnixNano()-c.lastBeat.Load() > int64(g.cfg.HeartbeatTimeout) {
				conns = append(conns, c)
			}
		}
		for _, s := range g.sessions {
			if s.expired(now) {
				sessions = append(sessions, s)
			}
		}
		g.mu.RUnlock()
		for _, c := range conns {
			g.stats.heartbeatTimeouts.Add(1)
			c.close(protocol.CloseSessionTimedOut)
		}
		for _, s := range sessions {
			g.invalidate(s)
		}
		if now.Sub(expired) >= 10*time.Second {
			expired = now
			g.limits.expire(now)
		}
	}
}

// forget removes a torn-down connection; the last one to go while Shutdown
// waits releases it.
func (g *Gateway) forget(c *conn) {
	g.mu.Lock()
	delete(g.conns, c)
	if g.drained != nil && len(g.conns) == 0 {
		close(g.drained)
		g.drained = nil
	}
	g.mu.Unlock()
	g.limits.releaseAddr(c.addr)
	g.stats.connections.Add(-1)
}
