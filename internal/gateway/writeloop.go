package gateway

import (
	"errors"
	"os"
	"slices"
	"syscall"
	"time"

	"github.com/accordchat/accord/internal/protocol"
)

// maxBatch is roughly how many payload bytes one write syscall carries.
const maxBatch = 256 << 10

// writeLoop runs rounds until there is nothing left to write, for
// connections that cannot be written without blocking (and after the pool
// has stopped).
func (c *conn) writeLoop() {
	for c.round(false) {
	}
}

// goWriteLoop runs writeLoop on a goroutine of its own, or on the caller's
// once Shutdown is waiting for the gateway's goroutines.
func (c *conn) goWriteLoop() {
	if !c.gw.startGoRoutine(c.writeLoop) {
		c.writeLoop()
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
		if c.etf {
			buf = c.appendETF(buf, f.b)
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
				finish := func() { c.finishWrite(bp, buf, buf[n:], timeout, code, sess, last) }
				if !c.gw.startGoRoutine(finish) {
					finish() // Shutdown is waiting: no new goroutines
				}
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

// finishWrite writes the rest of a round that a full socket did not take,
// blocking under the write deadline, then finishes the round: records the
// dispatches as written, tears down after a close frame, or gives the
// connection back to the pool if more is queued.
func (c *conn) finishWrite(bp *[]byte, buf, rest []byte, timeout time.Duration, code protocol.CloseCode, sess *Session, last int64) {
	_ = c.nc.SetWriteDeadline(time.Now().Add(timeout))
	c.mu.Lock()
	if code == 0 && c.closeCode != 0 {
		// closeSlow came while this round was being built.
		_ = c.nc.SetWriteDeadline(time.Now())
	}
	c.mu.Unlock()
	_, err := c.nc.Write(rest)
	releaseBuf(bp, buf)
	if err == nil && code == 0 {
		// Raw writes check the deadline too; clear it for them.
		_ = c.nc.SetWriteDeadline(time.Time{})
	}
	if err != nil || code != 0 {
		c.mu.Lock()
		c.writing = false
		c.mu.Unlock()
		c.teardown()
		return
	}
	if last > 0 {
		sess.written(c, last)
	}
	if c.more() && !c.gw.writers.push(c) {
		c.writeLoop()
	}
}

// more reports whether the writer must run another round, and if not
// clears the writing flag.
func (c *conn) more() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || !c.work {
		c.writing = false
		return false
	}
	return true
}

// tryWrite writes as much of buf as the socket takes without blocking and
// returns how much that was. An error other than a full socket is returned;
// os.ErrDeadlineExceeded means closeSlow interrupted the connection.
func (c *conn) tryWrite(buf []byte) (int, error) {
	c.wbuf, c.wn, c.werr = buf, 0, nil
	if c.wfn == nil {
		c.wfn = c.rawWrite
	}
	err := c.rc.Write(c.wfn)
	n, werr := c.wn, c.werr
	c.wbuf, c.werr = nil, nil
	if err == nil {
		err = werr
	}
	return n, err
}

// rawWrite is the syscall.RawConn callback of tryWrite. It always returns
// true: on EAGAIN the caller hands the rest to finishWrite instead of
// letting the runtime park the worker.
func (c *conn) rawWrite(fd uintptr) bool {
	for c.wn < len(c.wbuf) {
		n, err := syscall.Write(int(fd), c.wbuf[c.wn:])
		if n > 0 {
			c.wn += n
		}
		switch {
		case err == nil:
		case err == syscall.EINTR:
		case err == syscall.EAGAIN:
			return true
		default:
			c.werr = err
			return true
		}
	}
	return true
}

// rawConn returns nc's syscall.RawConn for non-blocking writes, if it has one.
func rawConn(nc any) syscall.RawConn {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return rc
}

func isDeadline(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

func releaseBuf(bp *[]byte, buf []byte) {
	if cap(buf) <= 1<<20 {
		*bp = buf[:0]
		bufPool.Put(bp)
	}
}
