package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"syscall"
	"time"
)

// On Linux the bench client reads its sockets from a few epoll loops
// instead of one goroutine per connection: a ready socket costs one read
// syscall and no goroutine switch, and an idle one costs nothing. The
// loops own duplicates of the sockets' descriptors (the net.Conns that
// dialled them are closed, so Go's own poller no longer watches them).

// epollLoop reads the sockets registered with it.
type epollLoop struct {
	g    *group
	epfd int
}

// startLoops starts one loop per CPU.
func startLoops(ctx context.Context, g *group) []*epollLoop {
	n := max(1, min(runtime.GOMAXPROCS(0), 4))
	var loops []*epollLoop
	for range n {
		epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
		if err != nil {
			for _, l := range loops {
				_ = syscall.Close(l.epfd)
			}
			return nil // fall back to a goroutine per connection
		}
		loops = append(loops, &epollLoop{g: g, epfd: epfd})
	}
	for _, l := range loops {
		g.loopsWG.Add(1)
		go func() {
			defer g.loopsWG.Done()
			l.run(ctx)
		}()
	}
	return loops
}

// add takes over nc: its descriptor is duplicated, nc closed, the frames
// already buffered handled, and the socket registered.
func (l *epollLoop) add(c *gwConn, nc net.Conn) error {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		nc.Close()
		return errors.New("not a TCP connection")
	}
	sc, err := tc.SyscallConn()
	if err != nil {
		nc.Close()
		return err
	}
	fd := -1
	cerr := sc.Control(func(s uintptr) { fd, err = syscall.Dup(int(s)) })
	nc.Close()
	if cerr != nil || err != nil {
		return fmt.Errorf("dup socket: %w", errors.Join(cerr, err))
	}
	syscall.CloseOnExec(fd)
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return err
	}
	rc := &rawConn{fd: fd, epfd: l.epfd}
	c.mu.Lock()
	c.nc = rc
	c.mu.Unlock()
	// Frames that came with the upgrade response (HELLO) are handled
	// before the loop can see the socket.
	now := time.Now().UnixNano()
	for {
		op, p, ok, err := c.fr.parse()
		if err != nil {
			c.closeConn()
			return err
		}
		if !ok {
			break
		}
		if !c.process(op, p, now) {
			c.closeConn()
			return nil
		}
	}
	c.armed.Store(true) // hands c.fr to the loop
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd), Pad: int32(c.i)}
	if err := syscall.EpollCtl(l.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		c.closeConn()
		return fmt.Errorf("epoll add: %w", err)
	}
	return nil
}

// close closes the epoll instance, after its loop ended and its sockets
// were closed.
func (l *epollLoop) close() { _ = syscall.Close(l.epfd) }

func (l *epollLoop) run(ctx context.Context) {
	events := make([]syscall.EpollEvent, 512)
	timeout := 0
	for ctx.Err() == nil {
		n, err := syscall.EpollWait(l.epfd, events, timeout)
		if err != nil {
			if errors.Is(err, syscall.EINTR) {
				continue
			}
			return
		}
		for _, ev := range events[:n] {
			c := l.g.conns[ev.Pad]
			if !c.readReady(int(ev.Fd)) {
				c.closeConn()
			}
		}
		switch {
		case n == 0 && timeout == 0:
			timeout = 100 // nothing ready: block (ms)
		case n > 0 && n < len(events)/8:
			// A trickle: let more sockets become ready so one wake-up
			// serves many (a blocking wait per frame costs the client
			// more CPU than the frame). Bounds the added latency to
			// about this sleep.
			timeout = 0
			time.Sleep(500 * time.Microsecond)
		default:
			timeout = 0
		}
	}
}

// readReady reads what fd has once (level-triggered epoll reports it
// again if more is waiting) and handles the complete frames; false means
// the connection is done.
func (c *gwConn) readReady(fd int) bool {
	if !c.armed.Load() {
		return true
	}
	fr := &c.fr
	if fr.r > 0 {
		fr.w = copy(fr.buf, fr.buf[fr.r:fr.w])
		fr.r = 0
	}
	n, err := syscall.Read(fd, fr.buf[fr.w:])
	if err != nil {
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
			return true
		}
		c.g.fail(c, fmt.Errorf("read: %w", err))
		return false
	}
	if n == 0 {
		c.g.fail(c, errors.New("connection closed by the server"))
		return false
	}
	fr.w += n
	c.bytes.Add(int64(n))
	now := time.Now().UnixNano()
	for {
		op, p, ok, err := fr.parse()
		if err != nil {
			c.g.fail(c, err)
			return false
		}
		if !ok {
			return true
		}
		if !c.process(op, p, now) {
			return false
		}
	}
}

// rawConn writes to a non-blocking socket owned by an epoll loop.
type rawConn struct {
	fd, epfd int
	deadline time.Time
}

func (r *rawConn) SetWriteDeadline(t time.Time) error { r.deadline = t; return nil }

func (r *rawConn) Write(b []byte) (int, error) {
	written := 0
	for written < len(b) {
		n, err := syscall.Write(r.fd, b[written:])
		if n > 0 {
			written += n
		}
		switch {
		case err == nil:
		case errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR):
			if !r.deadline.IsZero() && time.Now().After(r.deadline) {
				return written, errors.New("write: deadline exceeded")
			}
			time.Sleep(time.Millisecond) // the kernel's send buffer is full: rare for these small frames
		default:
			return written, fmt.Errorf("write: %w", err)
		}
	}
	return written, nil
}

// Close unregisters and closes the socket; callers hold gwConn.mu and
// never call it twice.
func (r *rawConn) Close() error {
	_ = syscall.EpollCtl(r.epfd, syscall.EPOLL_CTL_DEL, r.fd, nil)
	return syscall.Close(r.fd)
}
