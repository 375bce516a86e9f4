// Package h1 serves the plain HTTP/1.1 requests of keep-alive REST
// connections with less work per request than net/http, and hands a
// connection to net/http at the first request it does not take.
//
// Why: a bot posting messages makes one small request after another on
// one connection. net/http spends about 11 µs of each (out of ~75 µs of
// server CPU for a durable message) outside the handler: a goroutine per
// request that watches the socket for a close (started and stopped with
// two deadline changes), a fresh bufio.Writer, the response header map
// cloned and sorted, and ~25 allocations. This server reads the request
// head from its connection's buffer, calls the same http.Handler with an
// *http.Request, and writes the whole answer in one write(2).
//
// It takes only what it can serve exactly like net/http: HTTP/1.1,
// origin-form targets under the prefixes it is given, a head that fits in
// its 4 KiB buffer, no body or a Content-Length one of at most MaxBody
// bytes, no Upgrade, Expect or Transfer-Encoding. Anything else (a
// WebSocket upgrade, a multipart upload, HTTP/1.0, a malformed request,
// the web client's files) goes to Fallback with every byte read so far,
// and the connection stays there.
package h1

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Server is the lean front of an http.Server. Set the fields before Serve.
type Server struct {
	// Handler serves the requests taken here. Required.
	Handler http.Handler
	// Fallback serves every connection handed over. Required; its Handler
	// should be Handler, and its timeouts are the ones below.
	Fallback *http.Server
	// Prefixes are the path prefixes taken here (e.g. "/api/"); a request
	// for any other path is handed over. Empty takes every path.
	Prefixes []string
	// MaxBody is the largest Content-Length taken here. Default 64 KiB.
	MaxBody int
	// Logger receives handler panics. Default slog.Default().
	Logger *slog.Logger

	mu       sync.Mutex
	ln       net.Listener
	conns    map[*conn]struct{}
	handoff  *handoffListener
	shutdown atomic.Bool
}

// bufSize is a connection's read buffer, and so the largest request head
// taken here (net/http reads with the same size).
const bufSize = 4096

// Serve accepts connections on ln until Shutdown or an accept error, and
// starts Fallback on the connections it hands over. Like http.Server it
// returns http.ErrServerClosed after Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	if s.Handler == nil || s.Fallback == nil {
		return errors.New("h1: Serve needs Handler and Fallback")
	}
	if s.MaxBody <= 0 {
		s.MaxBody = 64 << 10
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	s.mu.Lock()
	if s.shutdown.Load() {
		s.mu.Unlock()
		_ = ln.Close()
		return http.ErrServerClosed
	}
	s.ln = ln
	s.conns = map[*conn]struct{}{}
	s.handoff = newHandoffListener(ln.Addr())
	s.mu.Unlock()
	fallbackDone := make(chan error, 1)
	go func() { fallbackDone <- s.Fallback.Serve(s.handoff) }()

	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.shutdown.Load() {
				return http.ErrServerClosed
			}
			var te interface{ Temporary() bool }
			if errors.As(err, &te) && te.Temporary() {
				// As net/http does: an exhausted fd table (EMFILE is
				// temporary) is waited out, not the end of serving.
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			s.handoff.Close()
			<-fallbackDone
			return err
		}
		backoff = 0
		c := &conn{s: s, nc: nc, remote: nc.RemoteAddr().String()}
		if !s.track(c, true) {
			_ = nc.Close()
			continue
		}
		go c.serve()
	}
}

// Shutdown stops accepting, closes idle connections, waits for the ones
// serving a request to finish it (or for ctx), then shuts Fallback down.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	first := !s.shutdown.Swap(true)
	ln := s.ln
	s.mu.Unlock()
	if ln == nil { // Serve never ran
		return s.Fallback.Shutdown(ctx)
	}
	if first {
		_ = ln.Close()
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if s.closeIdle() {
			break
		}
		select {
		case <-ctx.Done():
			s.closeAll()
			return errors.Join(ctx.Err(), s.Fallback.Shutdown(ctx))
		case <-tick.C:
		}
	}
	return s.Fallback.Shutdown(ctx)
}

// closeIdle closes the connections waiting for a request and reports
// whether none is left.
func (s *Server) closeIdle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.idle.Load() {
			_ = c.nc.Close()
			delete(s.conns, c)
		}
	}
	return len(s.conns) == 0
}

func (s *Server) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		_ = c.nc.Close()
		delete(s.conns, c)
	}
}

// track adds c to (or removes it from) the connections Shutdown waits
// for; adding fails once Shutdown began.
func (s *Server) track(c *conn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !add {
		delete(s.conns, c)
		return true
	}
	if s.shutdown.Load() {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

// takes reports whether path is under one of the prefixes served here.
func (s *Server) takes(path string) bool {
	if len(s.Prefixes) == 0 {
		return true
	}
	for _, p := range s.Prefixes {
		if len(path) >= len(p) && path[:len(p)] == p {
			return true
		}
	}
	return false
}

// timeouts are Fallback's, so that both halves bound a connection alike.
func (s *Server) readHeaderTimeout() time.Duration {
	if d := s.Fallback.ReadHeaderTimeout; d > 0 {
		return d
	}
	return s.Fallback.ReadTimeout
}

func (s *Server) idleTimeout() time.Duration {
	if d := s.Fallback.IdleTimeout; d > 0 {
		return d
	}
	return s.Fallback.ReadTimeout
}

// panicked logs a handler's panic as net/http does; ErrAbortHandler is
// silent.
func (s *Server) panicked(v any, remote string) {
	if v == http.ErrAbortHandler {
		return
	}
	buf := make([]byte, 64<<10)
	buf = buf[:runtime.Stack(buf, false)]
	s.Logger.Error("h1: panic serving "+remote, "panic", v, "stack", string(buf))
}

// conn is one connection served here until it closes or is handed over.
type conn struct {
	s      *Server
	nc     net.Conn
	remote string
	idle   atomic.Bool // waiting for a request: Shutdown may close it

	br    *bufio.Reader
	bodyR bodyReader
	// resHeader is the answers' header map, cleared after each.
	resHeader http.Header
	ctx       context.Context
}

// serve reads and answers requests until the connection ends or a
// request is handed over.
func (c *conn) serve() {
	handedOver := false
	defer func() {
		if v := recover(); v != nil {
			c.s.panicked(v, c.remote)
		}
		if !handedOver {
			_ = c.nc.Close()
		}
		c.s.track(c, false)
	}()
	c.br = bufio.NewReaderSize(c.nc, bufSize)
	c.ctx = context.WithValue(context.WithValue(context.Background(),
		http.ServerContextKey, c.s.Fallback), http.LocalAddrContextKey, c.nc.LocalAddr())
	first := true
	for {
		wait := c.s.idleTimeout()
		if first {
			wait = c.s.readHeaderTimeout()
		}
		c.idle.Store(true)
		if c.br.Buffered() == 0 {
			if wait > 0 {
				_ = c.nc.SetReadDeadline(time.Now().Add(wait))
			}
			if _, err := c.br.Peek(1); err != nil {
				return
			}
		}
		c.idle.Store(false) // a request that came is served, then the connection closes if Shutdown began
		start := time.Now()
		if d := c.s.readHeaderTimeout(); d > 0 {
			_ = c.nc.SetReadDeadline(start.Add(d))
		}
		head, err := readHead(c.br, c.s.Fallback.MaxHeaderBytes)
		if err != nil {
			return
		}
		var req request
		if head == nil || !req.parse(head) || req.contentLength > c.s.MaxBody || !c.s.takes(req.url.Path) {
			handedOver = true
			c.handOver()
			return
		}
		if !c.serveOne(&req, len(head), start) {
			return
		}
		first = false
	}
}

// handOver gives the connection, with what its buffer holds, to Fallback.
func (c *conn) handOver() {
	hc := &handedConn{Conn: c.nc, br: c.br}
	if !c.s.handoff.give(hc) {
		_ = c.nc.Close()
	}
}

// serveOne answers the request whose head (headLen bytes) is at the front
// of the buffer, and reports whether the connection may serve another.
func (c *conn) serveOne(req *request, headLen int, start time.Time) bool {
	if _, err := c.br.Discard(headLen); err != nil {
		return false
	}
	var body io.ReadCloser = http.NoBody
	if n := req.contentLength; n > 0 {
		if c.br.Buffered() < n {
			if d := c.s.Fallback.ReadTimeout; d > 0 {
				_ = c.nc.SetReadDeadline(start.Add(d))
			}
		}
		bp := getBuf()
		defer putBuf(bp)
		if cap(*bp) < n {
			*bp = make([]byte, n)
		}
		b := (*bp)[:n]
		if _, err := io.ReadFull(c.br, b); err != nil {
			return false
		}
		c.bodyR.Reset(b)
		body = &c.bodyR
	}
	if d := c.s.Fallback.WriteTimeout; d > 0 {
		_ = c.nc.SetWriteDeadline(start.Add(d))
	}
	ctx, cancel := context.WithCancel(c.ctx)
	r := req.httpRequest(ctx, c.remote, body)
	if c.resHeader == nil {
		c.resHeader = make(http.Header, 8)
	}
	w := &response{c: c, req: r, head: req.method == http.MethodHead, declared: -1, closeAfter: req.close, header: c.resHeader}
	outp, bodyp := getBuf(), getBuf()
	w.out, w.body = *outp, *bodyp
	ok := c.call(w, r)
	cancel()
	c.bodyR.Reset(nil) // its bytes are the next request's
	if !ok {
		return false
	}
	keep := w.finish()
	*outp, *bodyp = w.out, w.body
	putBuf(outp)
	putBuf(bodyp)
	// The header map is the next answer's too: a handler has no business
	// with its ResponseWriter once it returned (net/http's would be as
	// unsafe to touch).
	clear(c.resHeader)
	return keep && !c.s.shutdown.Load()
}

// Request bodies and answers are built in pooled buffers, not ones kept
// per connection: a bot's idle keep-alive connection would otherwise hold
// the buffers of its largest answer (a history page: tens of KB).
var bufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

func getBuf() *[]byte { return bufs.Get().(*[]byte) }

// putBuf returns a buffer to the pool unless it grew large.
func putBuf(bp *[]byte) {
	if cap(*bp) <= 64<<10 {
		*bp = (*bp)[:0]
		bufs.Put(bp)
	}
}

// call runs the handler and reports whether it returned normally.
func (c *conn) call(w *response, r *http.Request) (ok bool) {
	defer func() {
		if v := recover(); v != nil {
			c.s.panicked(v, c.remote)
			ok = false
		}
	}()
	c.s.Handler.ServeHTTP(w, r)
	return true
}
