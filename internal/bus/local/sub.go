package local

import (
	"slices"
	"sync"

	"github.com/accordchat/accord/internal/bus"
)

// sub is one subscription: a bounded queue of messages and the goroutine
// that hands them to h in order.
type sub struct {
	bus     *Bus
	subject bus.Subject
	h       bus.Handler
	wake    chan struct{} // capacity 1: "the queue is not empty"
	done    chan struct{} // closed by Unsubscribe

	mu     sync.Mutex
	queue  [][]byte // guarded by mu
	bytes  int      // guarded by mu: total length of queue
	closed bool     // guarded by mu
}

// push queues data for h, or drops it if the queue is full. It never
// blocks beyond the queue's mutex.
func (s *sub) push(data []byte) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if len(s.queue) >= s.bus.cfg.PendingMsgs || s.bytes+len(data) > s.bus.cfg.PendingBytes {
		s.mu.Unlock()
		s.bus.cnt.Dropped.Add(1)
		return
	}
	s.queue = append(s.queue, data)
	s.bytes += len(data)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run hands queued messages to h until Unsubscribe.
func (s *sub) run() {
	var batch [][]byte
	for {
		select {
		case <-s.done:
			return
		case <-s.wake:
		}
		s.mu.Lock()
		batch, s.queue = s.queue, batch[:0]
		s.bytes = 0
		s.mu.Unlock()
		for i, data := range batch {
			select {
			case <-s.done:
				return
			default:
			}
			s.bus.cnt.Received.Add(1)
			s.h(data)
			batch[i] = nil
		}
	}
}

// Unsubscribe implements bus.Subscription.
func (s *sub) Unsubscribe() error {
	if s.bus.unregister(s, func() {
		s.bus.net.subs[s.subject] = slices.DeleteFunc(s.bus.net.subs[s.subject], func(x *sub) bool { return x == s })
	}) {
		s.mu.Lock()
		s.closed = true
		s.queue, s.bytes = nil, 0
		s.mu.Unlock()
		close(s.done)
	}
	return nil
}
