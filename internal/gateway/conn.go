package gateway

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"io"
	"net"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gobwas/ws"
	"github.com/klauspost/compress/zstd"

	"github.com/accordchat/accord/internal/protocol"
)

// WebSocket opcodes of the frames the server writes.
const (
	wsText   = 0x1
	wsBinary = 0x2
	wsClose  = 0x8
	wsPong   = 0xA
)

// maxBatch is roughly how many payload bytes one write syscall carries.
const maxBatch = 256 << 10

// maxHeader is the longest server frame header (opcode, 127, 8-byte length).
const maxHeader = 10

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
	resumeURL string
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

// start begins reading: through the poller when possible, else with a
// goroutine that blocks on the socket.
func (c *conn) start() {
	_ = c.nc.SetDeadline(time.Time{})
	if n := c.gw.cfg.SocketWriteBuffer; n > 0 {
		if tc, ok := c.nc.(interface{ SetWriteBuffer(int) error }); ok {
			_ = tc.SetWriteBuffer(n)
		}
	}
	c.rd = c.nc
	if c.gw.poll != nil && len(c.pre) == 0 {
		if fd, ok := connFD(c.nc); ok {
			// Registered under c.mu so that a concurrent teardown either
			// sees the registration or prevents it.
			c.mu.Lock()
			closed := c.closed
			if !closed {
				c.fd = fd
				if err := c.gw.poll.add(c); err != nil {
					c.fd = -1
				}
			}
			polled := c.fd >= 0
			c.mu.Unlock()
			if closed || polled {
				return
			}
		}
	}
	if len(c.pre) > 0 {
		c.rd = io.MultiReader(bytes.NewReader(c.pre), c.nc)
		c.pre = nil
	}
	go func() {
		for c.readOne(false) {
		}
	}()
}

// onReadable is run by the poller on its own goroutine when the socket has
// bytes (or was closed by the peer).
func (c *conn) onReadable() {
	if c.readOne(true) {
		c.gw.poll.rearm(c)
	}
}

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
	}
}

// readOne reads and handles one frame. It reports whether the connection
// is still open for reading.
func (c *conn) readOne(deadline bool) (open bool) {
	defer func() {
		// A bug in a payload handler must cost one connection, not the
		// process (net/http gives REST handlers the same protection).
		if r := recover(); r != nil {
			c.gw.log.Error("panic handling a payload", "panic", r, "stack", string(debug.Stack()))
			c.close(protocol.CloseUnknownError)
			open = false
		}
	}()
	if deadline {
		// Bytes have arrived; a frame that does not complete in time is a
		// stuck client.
		_ = c.nc.SetReadDeadline(time.Now().Add(c.gw.cfg.ReadTimeout))
	}
	h, err := ws.ReadHeader(c.rd)
	if err != nil {
		c.teardown()
		return false
	}
	if !h.Masked || h.Rsv != 0 {
		c.close(protocol.CloseDecodeError)
		return false
	}
	if h.Length > protocol.MaxClientPayload || int(h.Length)+len(c.frag) > protocol.MaxClientPayload {
		c.close(protocol.CloseDecodeError)
		return false
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	payload := (*bp)[:h.Length]
	if _, err := io.ReadFull(c.rd, payload); err != nil {
		c.teardown()
		return false
	}
	ws.Cipher(payload, h.Mask, 0)
	switch h.OpCode {
	case ws.OpClose:
		code := 1005
		if len(payload) >= 2 {
			code = int(binary.BigEndian.Uint16(payload))
		}
		c.clientClose(code)
		return false
	case ws.OpPing:
		c.enqueue(control{pong: true, b: append([]byte(nil), payload...)})
		return true
	case ws.OpPong:
		return true
	case ws.OpText, ws.OpBinary, ws.OpContinuation:
		if !h.Fin {
			c.frag = append(c.frag, payload...)
			return true
		}
		msg := payload
		if len(c.frag) > 0 {
			msg = append(c.frag, payload...)
			c.frag = nil
		}
		return c.handle(msg)
	default:
		c.close(protocol.CloseDecodeError)
		return false
	}
}

// allow counts one payload against the rate limit.
func (c *conn) allow() bool {
	now := time.Now()
	if now.Sub(c.rateStart) > c.gw.cfg.RateWindow {
		c.rateStart, c.rateCount = now, 0
	}
	c.rateCount++
	return c.rateCount <= c.gw.cfg.RateLimit
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
		if c.rc == nil || !c.gw.writers.push(c) {
			go c.writeLoop()
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
	}
}

// writeLoop runs rounds until there is nothing left to write, for
// connections that cannot be written without blocking (and after the pool
// has stopped).
func (c *conn) writeLoop() {
	for c.round(false) {
	}
}

// round drains the control queue and the session's unsent dispatches (up
// to maxBatch bytes) into one buffer and writes it with one syscall. It
// reports whether the caller should run another round; when it reports
// false the connection's writing flag is cleared or ownership passed on
// (to finishWrite, or to teardown).
//
// With raw true (a pool worker) the write does not block: what a full
// socket does not take goes to finishWrite on a goroutine of its own, and
// the socket has no deadline otherwise. With raw false the write blocks
// under Config.WriteTimeout.
func (c *conn) round(raw bool) bool {
	c.mu.Lock()
	if c.closed || !c.work {
		c.writing = false
		c.mu.Unlock()
		return false
	}
	c.work = false
	ctrl := c.ctrl
	c.ctrl = nil
	sess, code := c.sess, c.closeCode
	c.mu.Unlock()

	bp := bufPool.Get().(*[]byte)
	buf := (*bp)[:0]
	for _, f := range ctrl {
		if f.pong {
			buf = appendHeader(buf, wsPong, len(f.b))
			buf = append(buf, f.b...)
			continue
		}
		buf = c.appendMessage(buf, f.b)
	}
	var last int64
	if sess != nil && code == 0 {
		var more bool
		c.ents, more = sess.take(c, c.ents[:0], maxBatch)
		if !c.compress {
			// Grow the buffer once for the whole batch rather than
			// doubling it frame by frame.
			need := 0
			for _, e := range c.ents {
				need += maxHeader + e.d.FrameLen(e.seq)
			}
			buf = slices.Grow(buf, need)
		}
		for _, e := range c.ents {
			buf = c.appendDispatch(buf, e)
			last = e.seq
		}
		clear(c.ents)
		if more {
			c.mu.Lock()
			c.work = true
			c.mu.Unlock()
		}
	}
	timeout := c.gw.cfg.WriteTimeout
	if code != 0 {
		buf = appendClose(buf, code)
		timeout = min(timeout, time.Second)
	}
	var err error
	if len(buf) > 0 {
		if raw {
			var n int
			n, err = c.tryWrite(buf)
			if n < len(buf) && (err == nil || n == 0 && isDeadline(err)) {
				go c.finishWrite(bp, buf, buf[n:], timeout, code, sess, last)
				return false
			}
		} else {
			_ = c.nc.SetWriteDeadline(time.Now().Add(timeout))
			_, err = c.nc.Write(buf)
		}
	}
	releaseBuf(bp, buf)
	if err != nil || code != 0 {
		c.mu.Lock()
		c.writing = false
		c.mu.Unlock()
		c.teardown()
		return false
	}
	if last > 0 {
		sess.written(c, last)
	}
	return c.more()
}

// appendDispatch appends one dispatch frame. Uncompressed, the frame is
// built in place: header, then prefix + shared Data + suffix, no copies
// beyond the one into buf.
func (c *conn) appendDispatch(buf []byte, e entry) []byte {
	if !c.compress {
		buf = appendHeader(buf, wsText, e.d.FrameLen(e.seq))
		return e.d.AppendFrame(buf, e.seq)
	}
	bp := bufPool.Get().(*[]byte)
	frame := e.d.AppendFrame((*bp)[:0], e.seq)
	buf = c.appendMessage(buf, frame)
	*bp = frame[:0]
	bufPool.Put(bp)
	return buf
}

// appendMessage appends one gateway message as a text frame, or compressed
// as a binary frame: with zlib-stream its bytes up to and including the
// Z_SYNC_FLUSH marker 00 00 ff ff, with zstd-stream the flushed blocks of
// the connection's one zstd frame.
func (c *conn) appendMessage(buf, msg []byte) []byte {
	if !c.compress {
		buf = appendHeader(buf, wsText, len(msg))
		return append(buf, msg...)
	}
	c.zbuf.Reset()
	switch {
	case c.zstd:
		if c.zs == nil {
			// One zstd frame for the connection's lifetime; each message
			// is flushed as blocks of it. Window 2^18 as Discord uses.
			c.zs, _ = zstd.NewWriter(&c.zbuf, zstd.WithEncoderConcurrency(1),
				zstd.WithWindowSize(1<<18), zstd.WithLowerEncoderMem(true))
		}
		_, _ = c.zs.Write(msg)
		_ = c.zs.Flush()
	default:
		if c.zw == nil {
			// One deflate context per connection, as zlib-stream requires.
			c.zw, _ = zlib.NewWriterLevel(&c.zbuf, zlib.BestSpeed)
		}
		_, _ = c.zw.Write(msg)
		_ = c.zw.Flush()
	}
	buf = appendHeader(buf, wsBinary, c.zbuf.Len())
	return append(buf, c.zbuf.Bytes()...)
}

// releaseCompressor frees the zstd encoder's goroutine-free state once the
// writer is done; called from teardown, after which no writer runs again.
func (c *conn) releaseCompressor() {
	c.mu.Lock()
	writing := c.writing
	c.mu.Unlock()
	if !writing && c.zs != nil {
		_ = c.zs.Close()
	}
}

// appendHeader appends an unmasked, final WebSocket frame header.
func appendHeader(b []byte, op byte, n int) []byte {
	b = append(b, 0x80|op)
	switch {
	case n < 126:
		return append(b, byte(n))
	case n <= 0xffff:
		return append(b, 126, byte(n>>8), byte(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, 127), uint64(n))
	}
}

func appendClose(b []byte, code protocol.CloseCode) []byte {
	if code == 1005 { // "no status": an empty close frame
		return appendHeader(b, wsClose, 0)
	}
	reason := ""
	if code >= 4000 {
		reason = code.Error()
	}
	b = appendHeader(b, wsClose, 2+len(reason))
	b = binary.BigEndian.AppendUint16(b, uint16(code))
	return append(b, reason...)
}
