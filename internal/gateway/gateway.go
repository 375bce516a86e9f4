package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Accounts is what the gateway reads from the store to authenticate a
// session. store.Store satisfies it.
type Accounts interface {
	TokenUser(ctx context.Context, tokenHash []byte) (chat.ID, error)
	User(ctx context.Context, id chat.ID) (chat.User, error)
	ApplicationByBot(ctx context.Context, botID chat.ID) (chat.Application, error)
	UserGuilds(ctx context.Context, userID chat.ID) ([]chat.ID, error)
}

// Config configures a Gateway. The zero value of every field but Accounts
// and Guilds means its default.
type Config struct {
	Accounts Accounts // required
	Guilds   Guilds   // required
	Logger   *slog.Logger

	// ResumeURL is sent as READY's resume_gateway_url, e.g.
	// "ws://127.0.0.1:8080/gateway". Default: derived from the upgrade
	// request's Host header.
	ResumeURL string
	// HeartbeatInterval is sent in HELLO. Default 41.25 s (Discord's value).
	HeartbeatInterval time.Duration
	// HeartbeatTimeout is how long a connection may go without a heartbeat
	// before it is closed with 4009 (the session stays resumable).
	// Default: 1.5 × HeartbeatInterval.
	HeartbeatTimeout time.Duration
	// SendQueueBytes bounds the dispatch bytes queued for a connected
	// session and not yet written to its socket. Overflow closes the
	// connection with 4000 (resumable). Default 1 MiB.
	SendQueueBytes int
	// ResumeBytes bounds what a disconnected session buffers for RESUME;
	// beyond it the session is invalidated. Default 4 × SendQueueBytes.
	ResumeBytes int
	// ReplayBytes bounds how much already-written history a session keeps so
	// a client that lost in-flight frames can still resume. Default 256 KiB.
	ReplayBytes int
	// ResumeWindow is how long a disconnected session stays resumable.
	// Default 3 minutes.
	ResumeWindow time.Duration
	// SocketWriteBuffer, if set, is the kernel send buffer of each socket
	// (SO_SNDBUF). Smaller buffers find slow consumers sooner and cost less
	// kernel memory. Default: the kernel's autotuning.
	SocketWriteBuffer int
	// WriteTimeout is how long a full socket may take to accept the rest of
	// a write before the connection is closed. Default 10 s.
	WriteTimeout time.Duration
	// Writers is the number of writer goroutines shared by all
	// connections. Default GOMAXPROCS.
	Writers int
	// ReadTimeout bounds reading one frame once its first byte has arrived.
	// Default 10 s.
	ReadTimeout time.Duration
	// RateLimit is how many payloads a client may send per RateWindow before
	// it is closed with 4008. Defaults 120 and 60 s, as Discord.
	RateLimit  int
	RateWindow time.Duration
	// RequestTimeout bounds the store and guild calls a payload causes.
	// Default 10 s.
	RequestTimeout time.Duration
}

func (c *Config) setDefaults() error {
	if c.Accounts == nil || c.Guilds == nil {
		return errors.New("gateway: Config.Accounts and Config.Guilds are required")
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = 41250 * time.Millisecond
	}
	if c.HeartbeatTimeout <= 0 {
		c.HeartbeatTimeout = c.HeartbeatInterval * 3 / 2
	}
	if c.SendQueueBytes <= 0 {
		c.SendQueueBytes = 1 << 20
	}
	if c.ResumeBytes <= 0 {
		c.ResumeBytes = 4 * c.SendQueueBytes
	}
	if c.ReplayBytes <= 0 {
		c.ReplayBytes = 256 << 10
	}
	if c.ResumeWindow <= 0 {
		c.ResumeWindow = 3 * time.Minute
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.Writers <= 0 {
		c.Writers = runtime.GOMAXPROCS(0)
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 10 * time.Second
	}
	if c.RateLimit <= 0 {
		c.RateLimit = 120
	}
	if c.RateWindow <= 0 {
		c.RateWindow = 60 * time.Second
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 10 * time.Second
	}
	return nil
}

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
	wg      sync.WaitGroup
	stats   counters

	// Lock order: Session.mu, then conn.mu, then Gateway.mu.
	mu       sync.RWMutex
	closing  bool                   // guarded by mu
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
		cfg:      cfg,
		log:      cfg.Logger.WithGroup("gateway"),
		ctx:      ctx,
		cancel:   cancel,
		conns:    make(map[*conn]struct{}),
		sessions: make(map[string]*Session),
		byUser:   make(map[chat.ID][]*Session),
	}
	p, err := newPoller()
	if err != nil {
		cancel()
		return nil, fmt.Errorf("gateway: poller: %w", err)
	}
	g.poll = p
	if p != nil {
		g.goFunc(p.run)
	}
	g.writers = newWriterPool(g, cfg.Writers)
	g.goFunc(g.sweep)
	return g, nil
}

// goFunc runs f on a goroutine that Shutdown waits for.
func (g *Gateway) goFunc(f func()) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		f()
	}()
}

// ServeHTTP upgrades the request to a gateway connection. Query parameters
// v (10, or 9), encoding (json) and compress (zlib-stream, zstd-stream) are
// Discord's.
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
	q := r.URL.Query()
	nc, rw, _, err := ws.UpgradeHTTP(r, w)
	if err != nil {
		g.log.Debug("upgrade failed", "err", err, "remote", r.RemoteAddr)
		return
	}
	c := &conn{gw: g, nc: nc, fd: -1, rc: rawConn(nc)}
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
	var closeWith protocol.CloseCode
	switch v := q.Get("v"); v {
	case "", "10", "9":
	default:
		closeWith = protocol.CloseInvalidAPIVersion
	}
	if e := q.Get("encoding"); e != "" && e != "json" {
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
	d, _ := json.Marshal(protocol.Hello{HeartbeatInterval: int(g.cfg.HeartbeatInterval / time.Millisecond)})
	return protocol.AppendControl(nil, protocol.OpHello, d)
}

// UserSessions returns the sessions of a user that are connected or still
// resumable (guild.Directory). A resumable session buffers what it is sent.
func (g *Gateway) UserSessions(userID chat.ID) []Subscriber {
	g.mu.RLock()
	defer g.mu.RUnlock()
	ss := g.byUser[userID]
	out := make([]Subscriber, 0, len(ss))
	for _, s := range ss {
		out = append(out, s)
	}
	return out
}

// CloseUserSessions ends every session of userID for good, as when the
// token they identified with is revoked: each is made unresumable, and a
// connected one is closed with code.
func (g *Gateway) CloseUserSessions(userID chat.ID, code protocol.CloseCode) {
	g.mu.RLock()
	ss := append([]*Session(nil), g.byUser[userID]...)
	g.mu.RUnlock()
	for _, s := range ss {
		s.mu.Lock()
		c := s.c
		s.mu.Unlock()
		g.invalidate(s)
		if c != nil {
			c.close(code)
		}
	}
}

// Shutdown sends op 7 RECONNECT to every connection, closes them once it is
// written (or ctx ends) and stops the gateway's goroutines.
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.mu.Lock()
	if g.closing {
		g.mu.Unlock()
		return nil
	}
	g.closing = true
	conns := make([]*conn, 0, len(g.conns))
	for c := range g.conns {
		conns = append(conns, c)
	}
	g.mu.Unlock()
	reconnect := protocol.AppendControl(nil, protocol.OpReconnect, []byte("null"))
	for _, c := range conns {
		c.enqueueControl(reconnect)
		c.close(protocol.CloseUnknownError)
	}
	var err error
	for {
		g.mu.RLock()
		n := len(g.conns)
		g.mu.RUnlock()
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			err = fmt.Errorf("gateway: shutdown: %d connections left: %w", n, ctx.Err())
			g.mu.RLock()
			for c := range g.conns {
				_ = c.nc.Close()
			}
			g.mu.RUnlock()
		case <-time.After(5 * time.Millisecond):
			continue
		}
		break
	}
	g.cancel()
	if g.poll != nil {
		g.poll.close()
	}
	g.writers.stop()
	g.wg.Wait()
	if g.poll != nil {
		g.poll.release()
	}
	return err
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
	}
}

// register makes s findable by session id and user.
func (g *Gateway) register(s *Session) {
	g.mu.Lock()
	g.sessions[s.id] = s
	g.byUser[s.userID] = append(g.byUser[s.userID], s)
	g.mu.Unlock()
	g.stats.sessions.Add(1)
}

// lookup returns the live session with id, or nil.
func (g *Gateway) lookup(id string) *Session {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.sessions[id]
}

// invalidate ends s for good: it can no longer be resumed and is removed
// from its guilds.
func (g *Gateway) invalidate(s *Session) {
	if !s.kill() {
		return
	}
	g.mu.Lock()
	if g.sessions[s.id] == s {
		delete(g.sessions, s.id)
		g.stats.sessions.Add(-1)
	}
	list := g.byUser[s.userID]
	for i, x := range list {
		if x == s {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(g.byUser, s.userID)
	} else {
		g.byUser[s.userID] = list
	}
	g.mu.Unlock()
	g.stats.invalidated.Add(1)
	// Guilds joined after READY are known only to the guild layer, so ask
	// the store for the current list as well.
	guilds := s.guildIDs()
	ctx, cancel := context.WithTimeout(g.ctx, g.cfg.RequestTimeout)
	defer cancel()
	if ids, err := g.cfg.Accounts.UserGuilds(ctx, s.userID); err == nil {
		guilds = append(guilds, ids...)
	}
	seen := make(map[chat.ID]bool, len(guilds))
	for _, id := range guilds {
		if !seen[id] {
			seen[id] = true
			g.cfg.Guilds.Disconnect(id, s.id)
		}
	}
}

func (g *Gateway) forget(c *conn) {
	g.mu.Lock()
	delete(g.conns, c)
	g.mu.Unlock()
	g.stats.connections.Add(-1)
}

func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Stats is a snapshot of the gateway's counters.
type Stats struct {
	Connections       int64            // open WebSocket connections
	Sessions          int64            // connected or resumable sessions
	Identified        int64            // successful IDENTIFYs
	Resumed           int64            // successful RESUMEs
	Invalidated       int64            // sessions ended for good
	SlowDisconnects   int64            // connections closed because their send queue overflowed
	HeartbeatTimeouts int64            // connections closed with 4009
	Closes            map[string]int64 // connections closed by the server, by close code
}

type counters struct {
	connections, sessions, identified, resumed, invalidated atomic.Int64
	slow, heartbeatTimeouts                                 atomic.Int64
	closes                                                  [16]atomic.Int64 // 4000..4014, then other
}

func (c *counters) closed(code protocol.CloseCode) {
	i := int(code) - 4000
	if i < 0 || i >= len(c.closes)-1 {
		i = len(c.closes) - 1
	}
	c.closes[i].Add(1)
}

// Stats returns the gateway's counters, for metrics.
func (g *Gateway) Stats() Stats {
	s := Stats{
		Connections:       g.stats.connections.Load(),
		Sessions:          g.stats.sessions.Load(),
		Identified:        g.stats.identified.Load(),
		Resumed:           g.stats.resumed.Load(),
		Invalidated:       g.stats.invalidated.Load(),
		SlowDisconnects:   g.stats.slow.Load(),
		HeartbeatTimeouts: g.stats.heartbeatTimeouts.Load(),
		Closes:            make(map[string]int64),
	}
	for i := range g.stats.closes {
		if n := g.stats.closes[i].Load(); n > 0 {
			k := strconv.Itoa(4000 + i)
			if i == len(g.stats.closes)-1 {
				k = "other"
			}
			s.Closes[k] = n
		}
	}
	return s
}
