// Package nats is the Bus over a NATS cluster (github.com/nats-io/nats.go):
// how the nodes of a cluster reach each other. StartEmbedded runs an
// in-process nats-server for `accord serve --nats embedded` and for tests.
//
// The connection reconnects forever, trying every server of the cluster
// with a capped exponential backoff and jitter. While it is down, Publish
// buffers up to Config.ReconnectBuffer bytes and then fails with
// bus.ErrUnavailable; the buffer is flushed on reconnect. Subscriptions are
// restored by the client on reconnect. Each subscription's queue of
// unhandled messages is bounded (Config.PendingMsgs, Config.PendingBytes);
// past that NATS drops messages for it, counted in Stats.Dropped. Delivery
// is at most once (see package bus).
package nats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/accordchat/accord/internal/bus"
	natsgo "github.com/nats-io/nats.go"
)

// Config configures one Bus. The zero value means the defaults, except URLs.
type Config struct {
	// URLs are the cluster's client URLs (nats://host:port); at least one.
	// The client also learns the other servers of the cluster from the one
	// it reaches.
	URLs []string
	// Name names the connection in the server's monitoring (the node id).
	Name string
	// ConnectTimeout bounds the first connection. Default 2s.
	ConnectTimeout time.Duration
	// ReconnectWait is the first pause after every server was tried and
	// failed; it doubles per round up to MaxReconnectWait, plus up to 25%
	// jitter. Defaults 100ms and 2s.
	ReconnectWait    time.Duration
	MaxReconnectWait time.Duration
	// ReconnectBuffer bounds, in bytes, what Publish buffers while
	// disconnected. Default 8 MiB.
	ReconnectBuffer int
	// PingInterval is how often the client checks a quiet connection; two
	// unanswered pings mark it dead. Default 2s.
	PingInterval time.Duration
	// PendingMsgs and PendingBytes bound each subscription's queue of
	// unhandled messages. Defaults 65536 and 64 MiB.
	PendingMsgs  int
	PendingBytes int
	// RequestTimeout bounds a Request whose ctx has no deadline. Default 5s.
	RequestTimeout time.Duration
	// MaxInflight bounds the request handlers running at once. Default 1024.
	MaxInflight int
	// Logger gets connection events; nil discards them.
	Logger *slog.Logger
}

func (c *Config) setDefaults() error {
	if len(c.URLs) == 0 {
		return errors.New("nats: no server URLs")
	}
	for _, u := range c.URLs {
		if !strings.HasPrefix(u, "nats://") {
			return fmt.Errorf("nats: server URL %q must start with nats://", u)
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.ConnectTimeout, 2*time.Second)
	def(&c.ReconnectWait, 100*time.Millisecond)
	def(&c.MaxReconnectWait, 2*time.Second)
	def(&c.PingInterval, 2*time.Second)
	def(&c.RequestTimeout, 5*time.Second)
	defInt := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	defInt(&c.ReconnectBuffer, 8<<20)
	defInt(&c.PendingMsgs, 65536)
	defInt(&c.PendingBytes, 64<<20)
	defInt(&c.MaxInflight, 1024)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Headers Accord puts on requests and replies.
const (
	hdrDeadline = "Accord-Deadline" // request: the requester's deadline, Unix nanoseconds
	hdrError    = "Accord-Error"    // reply: the handler's error text
	hdrBusy     = "Accord-Busy"     // reply: the handler pool was full
)

// Bus is a bus.Bus over one NATS connection. It is safe for concurrent use.
type Bus struct {
	nc   *natsgo.Conn
	cfg  Config
	log  *slog.Logger
	pool *bus.Pool
	cnt  bus.Counters

	mu      sync.Mutex
	closed  bool                   // guarded by mu
	subs    map[*subscription]bool // guarded by mu
	dropped uint64                 // guarded by mu: drops of subscriptions gone
}

var _ bus.Bus = (*Bus)(nil)

// New connects to the cluster. It fails if no server answers within
// cfg.ConnectTimeout; after that the connection is kept up forever.
func New(cfg Config) (*Bus, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	b := &Bus{cfg: cfg, log: cfg.Logger, pool: bus.NewPool(cfg.MaxInflight), subs: map[*subscription]bool{}}
	opts := []natsgo.Option{
		natsgo.Name(cfg.Name),
		natsgo.Timeout(cfg.ConnectTimeout),
		natsgo.MaxReconnects(-1),
		natsgo.CustomReconnectDelay(b.backoff),
		natsgo.ReconnectBufSize(cfg.ReconnectBuffer),
		natsgo.PingInterval(cfg.PingInterval),
		natsgo.MaxPingsOutstanding(2),
		natsgo.DisconnectErrHandler(func(_ *natsgo.Conn, err error) {
			b.cnt.Disconnects.Add(1)
			b.log.Warn("nats disconnected", "err", err)
		}),
		natsgo.ReconnectHandler(func(nc *natsgo.Conn) {
			b.cnt.Reconnects.Add(1)
			b.log.Info("nats reconnected", "url", nc.ConnectedUrl())
		}),
		natsgo.ErrorHandler(func(_ *natsgo.Conn, s *natsgo.Subscription, err error) {
			b.cnt.Errors.Add(1)
			subj := ""
			if s != nil {
				subj = s.Subject
			}
			b.log.Warn("nats async error", "subject", subj, "err", err)
		}),
	}
	nc, err := natsgo.Connect(strings.Join(cfg.URLs, ","), opts...)
	if err != nil {
		b.pool.Close()
		return nil, fmt.Errorf("nats: connect to %s: %w", strings.Join(cfg.URLs, ","), err)
	}
	b.nc = nc
	return b, nil
}

// backoff is the pause after round attempts of trying every server.
func (b *Bus) backoff(attempts int) time.Duration {
	d := b.cfg.ReconnectWait
	for i := 1; i < attempts && d < b.cfg.MaxReconnectWait; i++ {
		d *= 2
	}
	d = min(d, b.cfg.MaxReconnectWait)
	return d + rand.N(d/4+1)
}

// URL is the server this Bus is connected to now ("" while disconnected).
func (b *Bus) URL() string { return b.nc.ConnectedUrl() }

// mapErr turns nats.go's errors into bus's.
func mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, natsgo.ErrConnectionClosed):
		return bus.ErrClosed
	case errors.Is(err, natsgo.ErrReconnectBufExceeded):
		return fmt.Errorf("%w (%v)", bus.ErrUnavailable, err)
	case errors.Is(err, natsgo.ErrMaxPayload):
		return fmt.Errorf("%w (%v)", bus.ErrTooLarge, err)
	case errors.Is(err, natsgo.ErrNoResponders):
		return bus.ErrNoResponders
	case errors.Is(err, natsgo.ErrTimeout):
		return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
	case errors.Is(err, natsgo.ErrBadSubject):
		return fmt.Errorf("%w (%v)", bus.ErrBadSubject, err)
	}
	return err
}

func (b *Bus) check(ctx context.Context, subject bus.Subject) error {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return bus.ErrClosed
	}
	if err := subject.Validate(); err != nil {
		return err
	}
	return ctx.Err()
}

// Publish implements bus.Bus.
func (b *Bus) Publish(ctx context.Context, subject bus.Subject, data []byte) error {
	err := b.check(ctx, subject)
	if err == nil {
		err = mapErr(b.nc.Publish(string(subject), data))
	}
	if err != nil {
		b.cnt.PublishErrors.Add(1)
		return fmt.Errorf("bus: publish %s: %w", subject, err)
	}
	b.cnt.Published.Add(1)
	return nil
}

// Request implements bus.Bus.
func (b *Bus) Request(ctx context.Context, subject bus.Subject, req []byte) ([]byte, error) {
	b.cnt.Requests.Add(1)
	reply, err := b.request(ctx, subject, req)
	if err != nil {
		b.cnt.RequestErrors.Add(1)
		return nil, fmt.Errorf("bus: request %s: %w", subject, err)
	}
	return reply, nil
}

func (b *Bus) request(ctx context.Context, subject bus.Subject, req []byte) ([]byte, error) {
	if err := b.check(ctx, subject); err != nil {
		return nil, err
	}
	ctx, cancel := bus.RequestDeadline(ctx, b.cfg.RequestTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	m := &natsgo.Msg{Subject: string(subject), Data: req, Header: natsgo.Header{}}
	m.Header.Set(hdrDeadline, strconv.FormatInt(deadline.UnixNano(), 10))
	r, err := b.nc.RequestMsgWithContext(ctx, m)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, mapErr(err)
	}
	if r.Header.Get(hdrBusy) != "" {
		return nil, bus.ErrBusy
	}
	if msg := r.Header.Get(hdrError); msg != "" {
		if !time.Now().Before(deadline) {
			// The handler failed because the deadline passed (its ctx may
			// end a moment before the requester's): a timeout.
			return nil, context.DeadlineExceeded
		}
		return nil, bus.RemoteError(msg)
	}
	return r.Data, nil
}

// Serve implements bus.Bus.
func (b *Bus) Serve(subject bus.Subject, h bus.RequestHandler) (bus.Subscription, error) {
	return b.subscribe(subject, func(m *natsgo.Msg) {
		var deadline time.Time
		if ns, err := strconv.ParseInt(m.Header.Get(hdrDeadline), 10, 64); err == nil {
			deadline = time.Unix(0, ns)
		}
		err := b.pool.Go(deadline, func(ctx context.Context) {
			reply, err := h(ctx, m.Data)
			b.cnt.Served.Add(1)
			r := &natsgo.Msg{Data: reply}
			if err != nil {
				r.Data, r.Header = nil, natsgo.Header{hdrError: {err.Error()}}
			}
			b.respond(m, r)
		})
		if errors.Is(err, bus.ErrBusy) {
			b.respond(m, &natsgo.Msg{Header: natsgo.Header{hdrBusy: {"1"}}})
		}
	})
}

// respond sends r as m's reply. A reply too large for NATS is replaced by
// an error reply, so the requester learns why instead of timing out.
func (b *Bus) respond(m, r *natsgo.Msg) {
	err := m.RespondMsg(r)
	if errors.Is(err, natsgo.ErrMaxPayload) {
		err = m.RespondMsg(&natsgo.Msg{Header: natsgo.Header{hdrError: {bus.ErrTooLarge.Error()}}})
	}
	if err != nil {
		b.cnt.Errors.Add(1)
		b.log.Warn("nats reply failed", "subject", m.Subject, "err", err)
	}
}

// Subscribe implements bus.Bus.
func (b *Bus) Subscribe(subject bus.Subject, h bus.Handler) (bus.Subscription, error) {
	return b.subscribe(subject, func(m *natsgo.Msg) {
		b.cnt.Received.Add(1)
		h(m.Data)
	})
}

func (b *Bus) subscribe(subject bus.Subject, h func(*natsgo.Msg)) (bus.Subscription, error) {
	if err := b.check(context.Background(), subject); err != nil {
		return nil, err
	}
	s := &subscription{bus: b}
	if err := b.register(s, subject, h); err != nil {
		return nil, fmt.Errorf("bus: subscribe %s: %w", subject, err)
	}
	// A round trip makes the server know of the subscription before
	// Subscribe returns, so that "from now on" holds on this server.
	// While disconnected, the client resubscribes on reconnect.
	if b.nc.IsConnected() {
		_ = b.nc.FlushTimeout(b.cfg.ConnectTimeout)
	}
	return s, nil
}

// register subscribes s to subject on the connection, unless b is closed.
func (b *Bus) register(s *subscription, subject bus.Subject, h func(*natsgo.Msg)) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return bus.ErrClosed
	}
	ns, err := b.nc.Subscribe(string(subject), func(m *natsgo.Msg) {
		// nats.go may hand over a message it queued before Unsubscribe.
		s.mu.Lock()
		done := s.done
		s.mu.Unlock()
		if !done {
			h(m)
		}
	})
	if err != nil {
		return mapErr(err)
	}
	if err := ns.SetPendingLimits(b.cfg.PendingMsgs, b.cfg.PendingBytes); err != nil {
		_ = ns.Unsubscribe()
		return mapErr(err)
	}
	s.ns = ns
	b.subs[s] = true
	return nil
}

// Flush implements bus.Bus: a PING after what is buffered, and its PONG.
func (b *Bus) Flush(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, b.cfg.RequestTimeout)
		defer cancel()
	}
	if err := b.nc.FlushWithContext(ctx); err != nil {
		return mapErr(err)
	}
	return nil
}

// Stats implements bus.Bus.
func (b *Bus) Stats() bus.Stats {
	st := b.cnt.Snapshot(b.nc.IsConnected())
	b.mu.Lock()
	st.Dropped += b.dropped
	for s := range b.subs {
		if n, err := s.ns.Dropped(); err == nil {
			st.Dropped += uint64(n)
		}
	}
	b.mu.Unlock()
	return st
}

// Close implements bus.Bus: it flushes buffered publishes for up to a
// second, closes the connection, and waits for running request handlers.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return bus.ErrClosed
	}
	b.closed = true
	subs := make([]*subscription, 0, len(b.subs))
	for s := range b.subs {
		subs = append(subs, s)
	}
	b.mu.Unlock()
	for _, s := range subs {
		_ = s.Unsubscribe()
	}
	if b.nc.IsConnected() {
		_ = b.nc.FlushTimeout(time.Second)
	}
	b.nc.Close()
	b.pool.Close()
	return nil
}

// subscription is one Subscribe or Serve registration.
type subscription struct {
	bus *Bus
	ns  *natsgo.Subscription

	mu   sync.Mutex
	done bool // guarded by mu
}

// Unsubscribe implements bus.Subscription.
func (s *subscription) Unsubscribe() error {
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return nil
	}
	s.done = true
	s.mu.Unlock()
	b := s.bus
	b.mu.Lock()
	if n, err := s.ns.Dropped(); err == nil {
		b.dropped += uint64(n)
	}
	delete(b.subs, s)
	b.mu.Unlock()
	if err := s.ns.Unsubscribe(); err != nil && !errors.Is(err, natsgo.ErrConnectionClosed) && !errors.Is(err, natsgo.ErrBadSubscription) {
		return fmt.Errorf("bus: unsubscribe %s: %w", s.ns.Subject, mapErr(err))
	}
	return nil
}
