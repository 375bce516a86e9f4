package gateway

import (
	"bytes"
	"compress/zlib"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/accordchat/accord/internal/protocol"
)

// control is a frame without a sequence number (HELLO, ACK, op 7, op 9) or a
// WebSocket pong.
type control struct {
	pong bool
	b    []byte
}

// conn is one WebSocket connection. A connection has no goroutine while it
// is idle: the poller starts a reader when bytes arrive, and kick hands the
// connection to the writer pool when there is something to write. Only the
// one writer holding it (writing) writes to the socket.
type conn struct {
	gw        *Gateway
	nc        net.Conn
	gen       uint32 // poller registration generation, set by poller.add
	pre       []byte // bytes the HTTP server read past the upgrade request
	compress  bool   // zlib-stream or zstd-stream
	zstd      bool   // zstd-stream
	etf       bool   // encoding=etf: payloads are ETF binary frames both ways (etf.go)
	resumeURL string
	addr      netip.Prefix // the client address it counts against (Config.MaxConnsPerAddr)
	lastBeat  atomic.Int64 // unix ns of the last heartbeat (or of the upgrade)

	// Reader state, used only by the one goroutine reading at a time.
	rd        io.Reader
	frag      []byte // data frames of a fragmented message so far
	rateStart time.Time
	rateCount int

	mu          sync.Mutex
	sess        *Session           // guarded by mu
	ctrl        []control          // guarded by mu; written before dispatches
	work        bool               // guarded by mu; the writer must look again
	writing     bool               // guarded by mu; a writer holds c (queued, running or finishing a write)
	closeCode   protocol.CloseCode // guarded by mu; non-zero: closing with it
	closed      bool               // guarded by mu; torn down
	fd          int                // guarded by mu (set once); -1 when not polled
	endsSession bool               // guarded by mu; the client closed with 1000/1001
	echo        bool               // guarded by mu; closeCode is the client's, echoed

	rc syscall.RawConn // set at construction; nil: blocking writes only

	// Writer state, used only by the running writer.
	wfn  func(fd uintptr) bool // c.rawWrite, made once
	wbuf []byte                // tryWrite's buffer, wn of it written, werr its error
	wn   int
	werr error
	zw   *zlib.Writer
	zs   *zstd.Encoder
	zbuf bytes.Buffer
	ents []entry
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

func (c *conn) session() *Session {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sess
}

// setSession attaches s to c. If c was torn down meanwhile (the client left
// during IDENTIFY or RESUME), s is marked disconnected so that it expires.
func (c *conn) setSession(s *Session) {
	c.mu.Lock()
	c.sess = s
	closed := c.closed
	c.mu.Unlock()
	if closed {
		s.detach(c)
		c.gw.presence.changed(s)
	}
}

// enqueueControl queues a gateway payload without sequence number.
func (c *conn) enqueueControl(b []byte) { c.enqueue(control{b: b}) }

func (c *conn) enqueue(f control) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.closeCode != 0 {
		return
	}
	c.ctrl = append(c.ctrl, f)
	c.kickLocked()
}

// kick makes the writer look for new dispatches.
func (c *conn) kick() {
	c.mu.Lock()
	c.kickLocked()
	c.mu.Unlock()
}

func (c *conn) kickLocked() {
	if c.closed {
		return
	}
	c.work = true
	if !c.writing {
		c.writing = true
		if (c.rc == nil || !c.gw.writers.push(c)) && !c.gw.startGoRoutine(c.writeLoop) {
			// Shutdown is already waiting for the gateway's goroutines
			// (c outlived its connection drain): drop the connection;
			// its reader, if any, tears it down.
			c.writing = false
			_ = c.nc.Close()
		}
	}
}

// close writes what control frames are queued and a close frame with code,
// then closes the socket. It does not wait.
func (c *conn) close(code protocol.CloseCode) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.closeCode != 0 {
		return
	}
	c.closeCode = code
	c.kickLocked()
}

// closeSlow closes a connection whose send queue overflowed. A writer
// blocked on the full socket is interrupted.
func (c *conn) closeSlow() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.closeCode != 0 {
		return
	}
	c.closeCode = protocol.CloseUnknownError
	if c.writing {
		_ = c.nc.SetWriteDeadline(time.Now())
	}
	c.kickLocked()
}

// clientClose answers a close frame from the client by echoing its code.
// Like Discord, a close with 1000 or 1001 ends the session; any other keeps
// it resumable.
func (c *conn) clientClose(code int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.closeCode != 0 {
		return
	}
	c.endsSession = code == 1000 || code == 1001
	c.echo = true
	c.closeCode = protocol.CloseCode(code)
	c.kickLocked()
}

// teardown closes the socket, detaches the session and forgets c. It is
// idempotent.
func (c *conn) teardown() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	sess, code, ends, echo, fd := c.sess, c.closeCode, c.endsSession, c.echo, c.fd
	c.mu.Unlock()
	if fd >= 0 {
		c.gw.poll.remove(c)
	}
	_ = c.nc.Close()
	c.gw.forget(c)
	c.releaseCompressor()
	if code != 0 && !echo {
		c.gw.stats.closed(code)
	}
	if sess != nil {
		sess.detach(c)
		if ends || (code != 0 && !code.Reconnectable()) {
			c.gw.invalidate(sess)
		}
		c.gw.presence.changed(sess)
	}
}
