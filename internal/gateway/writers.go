package gateway

import (
	"errors"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/accordchat/accord/internal/protocol"
)

// writerPool is a fixed set of writer goroutines fed by a FIFO of
// connections with something to write. Starting a goroutine per wake-up
// cost ~10 % of the server's CPU at 5 messages/s to 10,000 sessions; the
// pool has no goroutine creation on the hot path and still no goroutine per
// idle connection. A worker gives a connection one round (one write of up
// to maxBatch bytes) and puts it back at the tail if it has more, so one
// busy connection cannot hold a worker.
//
// Workers never block on a socket: they write with a non-blocking write(2)
// through syscall.RawConn. If the socket is full, the rest of the buffer is
// handed to a goroutine of its own that blocks under the write deadline
// (finishWrite); only full sockets pay for a goroutine and a deadline.
type writerPool struct {
	mu      sync.Mutex
	cond    sync.Cond
	q       []*conn // guarded by mu; q[head:] wait for a worker
	head    int     // guarded by mu
	waiting int     // guarded by mu; idle workers
	stopped bool    // guarded by mu
}

func newWriterPool(g *Gateway, n int) *writerPool {
	p := &writerPool{}
	p.cond.L = &p.mu
	for range n {
		g.goFunc(p.work)
	}
	return p
}

// push queues c, whose writing flag the caller has set. It reports false
// once the pool has stopped; the caller then writes on its own goroutine.
func (p *writerPool) push(c *conn) bool {
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return false
	}
	p.q = append(p.q, c)
	if p.waiting > 0 {
		p.cond.Signal()
	}
	p.mu.Unlock()
	return true
}

func (p *writerPool) work() {
	for {
		p.mu.Lock()
		for p.head == len(p.q) && !p.stopped {
			p.waiting++
			p.cond.Wait()
			p.waiting--
		}
		if p.head == len(p.q) {
			p.mu.Unlock()
			return
		}
		c := p.q[p.head]
		p.q[p.head] = nil
		p.head++
		if p.head == len(p.q) {
			p.q, p.head = p.q[:0], 0
		} else if p.head > 1024 && p.head*2 > len(p.q) {
			n := copy(p.q, p.q[p.head:])
			clear(p.q[n:])
			p.q, p.head = p.q[:n], 0
		}
		p.mu.Unlock()
		if c.round(true) && !p.push(c) {
			go c.writeLoop()
		}
	}
}

// stop ends the workers once the queue is empty; later pushes fail.
func (p *writerPool) stop() {
	p.mu.Lock()
	p.stopped = true
	p.cond.Broadcast()
	p.mu.Unlock()
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

func isDeadline(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

func releaseBuf(bp *[]byte, buf []byte) {
	if cap(buf) <= 1<<20 {
		*bp = buf[:0]
		bufPool.Put(bp)
	}
}
