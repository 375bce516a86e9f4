// Package bus is how events and requests cross Accord nodes. Bus is the
// interface; bus/local runs it in process (one node, or several nodes in
// one test process) and bus/nats runs it over a NATS cluster.
//
// A Bus moves opaque byte payloads on subjects. Subjects are built here and
// only here (NodeSubject, RPCSubject, HeartbeatSubject), so every backend and
// every node agrees on them. What travels on a node's subject is an
// Envelope: Manifold's one message per destination node, carrying the
// encoded event once and the ids of that node's recipient sessions.
//
// Delivery is at most once. A message may be lost when a subscriber is slow
// (its bounded queue is full), when the connection to NATS is down and the
// reconnect buffer is full, or when a NATS server dies with the message in
// flight. Nothing is redelivered: clients that miss events recover by
// RESUME, which replays from the store, never from the bus. What the bus
// does promise is order: messages one Bus publishes to one subject reach
// each subscriber in the order Publish was called.
package bus

import (
	"context"
	"errors"
	"fmt"
)

// Bus carries messages between nodes. All methods are safe for concurrent
// use. Payloads handed to Publish and Request are copied before the call
// returns, so the caller may reuse them; payloads handed to a Handler or
// RequestHandler are owned by the handler.
type Bus interface {
	// Publish sends data to every current subscriber of subject. It never
	// blocks indefinitely: a slow subscriber loses the message (counted in
	// Stats.Dropped) instead of holding the publisher back, and while
	// disconnected from NATS the message is buffered up to a bound, past
	// which Publish fails with ErrUnavailable. A nil error means the message
	// was accepted, not that anyone received it.
	Publish(ctx context.Context, subject Subject, data []byte) error

	// Subscribe calls h with every message published to subject from now
	// on, one call at a time, in order per publisher. h must not block for
	// long: while it runs, later messages wait in a bounded queue and are
	// dropped once it is full. On a NATS cluster the subscription reaches
	// the other servers a few milliseconds after Subscribe returns;
	// messages published there meanwhile may be missed (at most once).
	Subscribe(subject Subject, h Handler) (Subscription, error)

	// Request sends req to the one RequestHandler serving subject and
	// waits for its reply until ctx is done (a ctx without deadline gets
	// the backend's default request timeout). It fails with
	// ErrNoResponders when nobody serves subject, with ErrBusy or an error
	// wrapping ErrRemote when the handler refused or failed, and with
	// ctx's error on timeout.
	Request(ctx context.Context, subject Subject, req []byte) ([]byte, error)

	// Serve answers requests on subject with h. Each request runs in its
	// own goroutine, up to a bounded number at once; past the bound the
	// requester gets ErrBusy at once. h's ctx carries the requester's
	// deadline and is cancelled when the Bus closes.
	Serve(subject Subject, h RequestHandler) (Subscription, error)

	// Flush returns once everything this Bus published before the call
	// has reached the NATS server (bus/local: at once), or ctx is done. A
	// node calls it before it acknowledges a write whose events it
	// published, so that a crash right after the acknowledgement cannot
	// take the events with it.
	Flush(ctx context.Context) error

	// Stats reports the counters of this Bus.
	Stats() Stats

	// Close unsubscribes everything, flushes what can be flushed within
	// a short bound, cancels running request handlers and waits for them.
	// Later calls of any method fail with ErrClosed.
	Close() error
}

// Handler receives one published message. It owns data.
type Handler func(data []byte)

// RequestHandler answers one request. It owns req. A non-nil error is sent
// back to the requester, who gets it wrapped in ErrRemote (only its text
// crosses the network).
type RequestHandler func(ctx context.Context, req []byte) ([]byte, error)

// Subscription is one Subscribe or Serve registration.
type Subscription interface {
	// Unsubscribe stops deliveries: once it returns, no new call of the
	// handler starts (one already running may finish). It is idempotent.
	Unsubscribe() error
}

// Stats are the counters of one Bus since it was created. Counters only
// grow.
type Stats struct {
	Published     uint64 // messages accepted by Publish
	PublishErrors uint64 // Publish calls that failed
	Received      uint64 // messages handed to Handlers
	Dropped       uint64 // messages lost because a subscriber's queue was full
	Requests      uint64 // Request calls
	RequestErrors uint64 // Request calls that failed, timeouts included
	Served        uint64 // requests answered by RequestHandlers
	Disconnects   uint64 // connections to the NATS server lost
	Reconnects    uint64 // connections to a NATS server regained
	Errors        uint64 // asynchronous errors reported by the backend
	Connected     bool   // connected now (always true for bus/local until closed)
}

// Errors of the bus. Backends wrap their own errors in these, so callers
// branch with errors.Is and never on a backend's error values.
var (
	ErrClosed       = errors.New("bus: closed")
	ErrNoResponders = errors.New("bus: no responders")
	ErrBusy         = errors.New("bus: request handler busy")
	ErrRemote       = errors.New("bus: remote handler failed")
	ErrUnavailable  = errors.New("bus: not connected and reconnect buffer full")
	ErrTooLarge     = errors.New("bus: payload too large")
	ErrBadSubject   = errors.New("bus: invalid subject")
	ErrBadNodeID    = errors.New("bus: invalid node id")
	ErrMalformed    = errors.New("bus: malformed envelope")
)

// MaxPayload is the largest payload every backend accepts: NATS's default
// max_payload. Senders split anything bigger (bus/local enforces the same
// bound so that single-node tests catch what a cluster would refuse).
const MaxPayload = 1 << 20

// RemoteError builds the error a requester gets for a handler's failure
// message msg.
func RemoteError(msg string) error { return fmt.Errorf("%w: %s", ErrRemote, msg) }
