// Package local is the in-process Bus: what a single node uses, since it
// needs no NATS, and what tests use to run several nodes in one process.
// A Network is the switch; each Bus connected to it is one node's client.
//
// Delivery policy, the same as NATS's so that code tested here behaves the
// same on a cluster: Publish copies the payload into each subscriber's
// queue and never waits. Each subscription's queue is bounded in messages
// and bytes (Config.PendingMsgs, Config.PendingBytes); when it is full the
// message is dropped for that subscriber, counted in its Bus's
// Stats.Dropped, and Publish still returns nil. Requests run on the
// serving Bus's bounded handler pool; when it is full the requester gets
// bus.ErrBusy at once.
package local

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/accordchat/accord/internal/bus"
)

// Config configures one Bus. The zero value means the defaults.
type Config struct {
	// PendingMsgs and PendingBytes bound each subscription's queue of
	// messages not yet handled. Defaults: 65536 messages, 64 MiB (NATS's
	// client defaults are 512Ki messages and 64 MiB).
	PendingMsgs  int
	PendingBytes int
	// MaxPayload is the largest message accepted. Default bus.MaxPayload.
	MaxPayload int
	// RequestTimeout bounds a Request whose ctx has no deadline.
	// Default 5s.
	RequestTimeout time.Duration
	// MaxInflight bounds the request handlers running at once on this Bus.
	// Default 1024.
	MaxInflight int
}

func (c *Config) setDefaults() error {
	if c.PendingMsgs < 0 || c.PendingBytes < 0 || c.MaxPayload < 0 || c.RequestTimeout < 0 || c.MaxInflight < 0 {
		return errors.New("local: negative limit in Config")
	}
	if c.PendingMsgs == 0 {
		c.PendingMsgs = 65536
	}
	if c.PendingBytes == 0 {
		c.PendingBytes = 64 << 20
	}
	if c.MaxPayload == 0 {
		c.MaxPayload = bus.MaxPayload
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = 5 * time.Second
	}
	if c.MaxInflight == 0 {
		c.MaxInflight = 1024
	}
	return nil
}

// Network connects the Buses of one process. It is safe for concurrent use.
type Network struct {
	mu      sync.RWMutex
	subs    map[bus.Subject][]*sub    // guarded by mu
	servers map[bus.Subject][]*server // guarded by mu
}

// NewNetwork returns an empty Network.
func NewNetwork() *Network {
	return &Network{subs: map[bus.Subject][]*sub{}, servers: map[bus.Subject][]*server{}}
}

// New returns a Bus on a Network of its own: one node, no NATS.
func New(cfg Config) (*Bus, error) { return NewNetwork().Connect(cfg) }

// Connect returns a new Bus on n.
func (n *Network) Connect(cfg Config) (*Bus, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	return &Bus{net: n, cfg: cfg, pool: bus.NewPool(cfg.MaxInflight), own: map[any]bool{}}, nil
}

// Bus is one client of a Network. It is safe for concurrent use.
type Bus struct {
	net  *Network
	cfg  Config
	pool *bus.Pool
	cnt  bus.Counters
	wg   sync.WaitGroup // subscription goroutines

	mu     sync.Mutex
	closed bool         // guarded by mu
	own    map[any]bool // guarded by mu: live *sub and *server of this Bus
}

var _ bus.Bus = (*Bus)(nil)

func (b *Bus) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// Publish implements bus.Bus.
func (b *Bus) Publish(ctx context.Context, subject bus.Subject, data []byte) error {
	if err := b.checkSend(ctx, subject, data); err != nil {
		b.cnt.PublishErrors.Add(1)
		return err
	}
	b.net.mu.RLock()
	for _, s := range b.net.subs[subject] {
		s.push(slices.Clone(data))
	}
	b.net.mu.RUnlock()
	b.cnt.Published.Add(1)
	return nil
}

func (b *Bus) checkSend(ctx context.Context, subject bus.Subject, data []byte) error {
	if b.isClosed() {
		return bus.ErrClosed
	}
	if err := subject.Validate(); err != nil {
		return err
	}
	if len(data) > b.cfg.MaxPayload {
		return fmt.Errorf("%w: %d bytes > %d", bus.ErrTooLarge, len(data), b.cfg.MaxPayload)
	}
	return ctx.Err()
}

// Subscribe implements bus.Bus.
func (b *Bus) Subscribe(subject bus.Subject, h bus.Handler) (bus.Subscription, error) {
	if err := subject.Validate(); err != nil {
		return nil, err
	}
	s := &sub{bus: b, subject: subject, h: h, wake: make(chan struct{}, 1), done: make(chan struct{})}
	if err := b.register(s, func() { b.net.subs[subject] = append(b.net.subs[subject], s) }); err != nil {
		return nil, err
	}
	b.wg.Go(s.run)
	return s, nil
}

// register records x as b's and adds it to the network, unless b is closed.
func (b *Bus) register(x any, add func()) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return bus.ErrClosed
	}
	b.own[x] = true
	b.net.mu.Lock()
	add()
	b.net.mu.Unlock()
	return nil
}

// unregister removes x from the network; it reports whether x was still
// registered.
func (b *Bus) unregister(x any, remove func()) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.own[x] {
		return false
	}
	delete(b.own, x)
	b.net.mu.Lock()
	remove()
	b.net.mu.Unlock()
	return true
}

// Serve implements bus.Bus.
func (b *Bus) Serve(subject bus.Subject, h bus.RequestHandler) (bus.Subscription, error) {
	if err := subject.Validate(); err != nil {
		return nil, err
	}
	s := &server{bus: b, subject: subject, h: h}
	if err := b.register(s, func() { b.net.servers[subject] = append(b.net.servers[subject], s) }); err != nil {
		return nil, err
	}
	return s, nil
}

// Request implements bus.Bus.
func (b *Bus) Request(ctx context.Context, subject bus.Subject, req []byte) ([]byte, error) {
	b.cnt.Requests.Add(1)
	reply, err := b.request(ctx, subject, req)
	if err != nil {
		b.cnt.RequestErrors.Add(1)
	}
	return reply, err
}

func (b *Bus) request(ctx context.Context, subject bus.Subject, req []byte) ([]byte, error) {
	if err := b.checkSend(ctx, subject, req); err != nil {
		return nil, err
	}
	ctx, cancel := bus.RequestDeadline(ctx, b.cfg.RequestTimeout)
	defer cancel()
	b.net.mu.RLock()
	var srv *server
	if all := b.net.servers[subject]; len(all) > 0 {
		srv = all[0]
	}
	b.net.mu.RUnlock()
	if srv == nil {
		return nil, fmt.Errorf("%w on %s", bus.ErrNoResponders, subject)
	}
	type result struct {
		reply []byte
		err   error
	}
	done := make(chan result, 1)
	deadline, _ := ctx.Deadline()
	req = slices.Clone(req)
	err := srv.bus.pool.Go(deadline, func(hctx context.Context) {
		reply, err := srv.h(hctx, req)
		srv.bus.cnt.Served.Add(1)
		switch {
		case err != nil:
			err = bus.RemoteError(err.Error())
		case len(reply) > srv.bus.cfg.MaxPayload:
			reply, err = nil, bus.RemoteError(bus.ErrTooLarge.Error())
		}
		done <- result{slices.Clone(reply), err}
	})
	if errors.Is(err, bus.ErrClosed) {
		return nil, fmt.Errorf("%w on %s", bus.ErrNoResponders, subject)
	}
	if err != nil {
		return nil, err
	}
	select {
	case r := <-done:
		if r.err != nil && !time.Now().Before(deadline) {
			// The handler failed because the deadline passed (its ctx may
			// end a moment before the requester's): a timeout.
			return nil, fmt.Errorf("bus: request on %s: %w", subject, context.DeadlineExceeded)
		}
		return r.reply, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("bus: request on %s: %w", subject, ctx.Err())
	}
}

// Flush implements bus.Bus: a local publish has been handed over when
// Publish returns.
func (b *Bus) Flush(context.Context) error {
	if b.isClosed() {
		return bus.ErrClosed
	}
	return nil
}

// Stats implements bus.Bus.
func (b *Bus) Stats() bus.Stats { return b.cnt.Snapshot(!b.isClosed()) }

// Close implements bus.Bus. It waits for running handlers to return.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return bus.ErrClosed
	}
	b.closed = true
	var own []bus.Subscription
	for x := range b.own {
		own = append(own, x.(bus.Subscription))
	}
	b.mu.Unlock()
	for _, s := range own {
		_ = s.Unsubscribe()
	}
	b.pool.Close()
	b.wg.Wait()
	return nil
}

// server is one Serve registration.
type server struct {
	bus     *Bus
	subject bus.Subject
	h       bus.RequestHandler
}

func (s *server) Unsubscribe() error {
	s.bus.unregister(s, func() {
		s.bus.net.servers[s.subject] = slices.DeleteFunc(s.bus.net.servers[s.subject], func(x *server) bool { return x == s })
	})
	return nil
}
