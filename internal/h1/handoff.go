package h1

import (
	"bufio"
	"errors"
	"net"
	"sync"
	"syscall"
)

// handoffListener is the listener Fallback serves: it yields the
// connections handed over.
type handoffListener struct {
	addr net.Addr
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
}

func newHandoffListener(addr net.Addr) *handoffListener {
	return &handoffListener{addr: addr, ch: make(chan net.Conn), done: make(chan struct{})}
}

func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *handoffListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *handoffListener) Addr() net.Addr { return l.addr }

// give hands c to Fallback; false once the listener is closed.
func (l *handoffListener) give(c net.Conn) bool {
	select {
	case l.ch <- c:
		return true
	case <-l.done:
		return false
	}
}

// handedConn is a connection handed over: its reads return first the
// bytes this server had buffered (the request it did not take), then the
// socket's.
type handedConn struct {
	net.Conn
	mu sync.Mutex
	br *bufio.Reader // nil once drained
}

func (c *handedConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	if br := c.br; br != nil {
		if br.Buffered() > 0 {
			n, err := br.Read(p) // only what is buffered: no read(2)
			if br.Buffered() == 0 {
				c.br = nil
			}
			c.mu.Unlock()
			return n, err
		}
		c.br = nil
	}
	c.mu.Unlock()
	return c.Conn.Read(p)
}

// SyscallConn gives the socket to a caller that reads it directly (the
// gateway's poller), once no buffered byte would be skipped.
func (c *handedConn) SyscallConn() (syscall.RawConn, error) {
	c.mu.Lock()
	pending := c.br != nil && c.br.Buffered() > 0
	c.mu.Unlock()
	if pending {
		return nil, errors.New("h1: bytes of the connection are still buffered")
	}
	sc, ok := c.Conn.(syscall.Conn)
	if !ok {
		return nil, errors.New("h1: not a socket")
	}
	return sc.SyscallConn()
}
