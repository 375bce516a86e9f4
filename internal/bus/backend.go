package bus

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// This file holds what every backend needs the same way, so that bus/local
// and bus/nats count and run request handlers alike.

// Counters are a backend's Stats as atomics. The zero value is ready; all
// methods are safe for concurrent use.
type Counters struct {
	Published, PublishErrors, Received, Dropped atomic.Uint64
	Requests, RequestErrors, Served             atomic.Uint64
	Disconnects, Reconnects, Errors             atomic.Uint64
}

// Snapshot returns the counters as Stats, with Connected as given.
func (c *Counters) Snapshot(connected bool) Stats {
	return Stats{
		Published: c.Published.Load(), PublishErrors: c.PublishErrors.Load(),
		Received: c.Received.Load(), Dropped: c.Dropped.Load(),
		Requests: c.Requests.Load(), RequestErrors: c.RequestErrors.Load(), Served: c.Served.Load(),
		Disconnects: c.Disconnects.Load(), Reconnects: c.Reconnects.Load(), Errors: c.Errors.Load(),
		Connected: connected,
	}
}

// Pool runs request handlers for a backend: each in its own goroutine, at
// most a fixed number at once, with a context cancelled by Close, which
// waits for every one of them (STYLE rule 8: no goroutine outlives its
// owner). All methods are safe for concurrent use.
type Pool struct {
	ctx    context.Context
	cancel context.CancelFunc
	slots  chan struct{}
	wg     sync.WaitGroup

	mu     sync.Mutex // guards closed against wg.Add racing wg.Wait
	closed bool
}

// NewPool returns a Pool that runs at most limit handlers at once.
func NewPool(limit int) *Pool {
	ctx, cancel := context.WithCancel(context.Background())
	return &Pool{ctx: ctx, cancel: cancel, slots: make(chan struct{}, limit)}
}

// Go runs f in a new goroutine with a context that ends at deadline (none
// if zero) or when the Pool closes. It returns ErrBusy without running f
// when limit handlers are already running, and ErrClosed after Close.
func (p *Pool) Go(deadline time.Time, f func(ctx context.Context)) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	select {
	case p.slots <- struct{}{}:
	default:
		return ErrBusy
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer func() { <-p.slots }()
		ctx, cancel := p.ctx, context.CancelFunc(func() {})
		if !deadline.IsZero() {
			ctx, cancel = context.WithDeadline(ctx, deadline)
		}
		defer cancel()
		f(ctx)
	}()
	return nil
}

// Close cancels every running handler's context and waits for them to
// return. Go fails with ErrClosed afterwards.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	p.wg.Wait()
}

// RequestDeadline is ctx's deadline, or now plus def when ctx has none:
// every request waits a bounded time.
func RequestDeadline(ctx context.Context, def time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, def)
}
