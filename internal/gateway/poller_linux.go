//go:build linux

package gateway

import (
	"errors"
	"net"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// poller watches idle connections with one epoll instance, so that an idle
// connection costs no goroutine and no read buffer: when a socket becomes
// readable the poller starts a short-lived goroutine that reads one frame.
// Registrations are one-shot: the reader re-arms after it is done, so at
// most one reader runs per connection.
type poller struct {
	epfd int
	wake int // eventfd in the epoll set; close writes it to end run

	mu    sync.Mutex
	conns map[int32]*conn // guarded by mu; by fd
	gen   uint32          // guarded by mu
}

const pollEvents = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT

func newPoller() (*poller, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		_ = unix.Close(fd)
		return nil, err
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)}
	if err := unix.EpollCtl(fd, unix.EPOLL_CTL_ADD, wake, &ev); err != nil {
		_ = unix.Close(wake)
		_ = unix.Close(fd)
		return nil, err
	}
	return &poller{epfd: fd, wake: wake, conns: make(map[int32]*conn)}, nil
}

// connFD returns the socket's file descriptor, if it has one.
func connFD(nc net.Conn) (int, bool) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return 0, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, false
	}
	fd := -1
	if err := rc.Control(func(f uintptr) { fd = int(f) }); err != nil || fd < 0 {
		return 0, false
	}
	return fd, true
}

// add registers c.fd. The generation number travels in the event so that an
// event for a closed connection never reaches a new one that reuses its fd.
func (p *poller) add(c *conn) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gen++
	c.gen = p.gen
	ev := unix.EpollEvent{Events: pollEvents, Fd: int32(c.fd), Pad: int32(c.gen)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		return err
	}
	p.conns[int32(c.fd)] = c
	return nil
}

// rearm asks for the next readable event of c.
func (p *poller) rearm(c *conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns[int32(c.fd)] != c {
		return
	}
	ev := unix.EpollEvent{Events: pollEvents, Fd: int32(c.fd), Pad: int32(c.gen)}
	_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, c.fd, &ev)
}

// remove unregisters c; call it before closing the socket.
func (p *poller) remove(c *conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns[int32(c.fd)] != c {
		return
	}
	delete(p.conns, int32(c.fd))
	_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
}

// run waits for readable sockets and starts a reader for each, until close.
func (p *poller) run() {
	events := make([]unix.EpollEvent, 256)
	for {
		n, err := unix.EpollWait(p.epfd, events, -1)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		for _, ev := range events[:n] {
			if ev.Fd == int32(p.wake) {
				return
			}
			p.mu.Lock()
			c := p.conns[ev.Fd]
			p.mu.Unlock()
			if c == nil || c.gen != uint32(ev.Pad) {
				continue
			}
			if !c.gw.startGoRoutine(c.onReadable) {
				c.teardown() // shutting down
			}
		}
	}
}

// close wakes run, which returns. The descriptors stay open until release.
func (p *poller) close() {
	var one [8]byte
	one[0] = 1 // any non-zero count makes the eventfd readable
	_, _ = unix.Write(p.wake, one[:])
}

// release closes the epoll and wake descriptors; call after run has
// returned.
func (p *poller) release() {
	_ = unix.Close(p.epfd)
	_ = unix.Close(p.wake)
}
