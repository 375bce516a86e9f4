package gateway

import "sync"

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
		g.startGoRoutine(p.work)
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
			// The pool has stopped: finish c on a goroutine of its own.
			c.goWriteLoop()
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
