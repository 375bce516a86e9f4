package auth

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"
)

// ErrBusy is returned by a Hasher when no hashing slot came free in time:
// the caller answers 429 and the client retries.
var ErrBusy = errors.New("auth: password hashing busy")

// HashLimits bounds password hashing. Each argon2id hash holds argonMemory
// (19 MiB) for its duration, so unbounded concurrent logins grow memory
// without limit (32 at once cost ~600 MB); with these limits at most
// Concurrency hashes run at once and at most Queue more wait. The zero
// value of each field means its default.
type HashLimits struct {
	// Concurrency is how many hashes run at once. Default GOMAXPROCS: a
	// hash is CPU-bound, so more would only share the same cores.
	Concurrency int
	// Queue is how many callers may wait for a slot; one more gets ErrBusy
	// at once. Default 32 × Concurrency (a waiting caller holds no hash
	// memory, only its request).
	Queue int
	// Wait is how long a queued caller waits for a slot before ErrBusy.
	// Default 5 s.
	Wait time.Duration
}

// Hasher hashes and checks passwords within HashLimits. It is safe for
// concurrent use.
type Hasher struct {
	slots  chan struct{} // one token per running hash
	queue  chan struct{} // one token per running or waiting caller
	wait   time.Duration
	active atomic.Int32 // hashes running now
	peak   atomic.Int32 // most hashes ever running at once (tests read it)
}

// NewHasher returns a Hasher with l's limits (defaults filled in).
func NewHasher(l HashLimits) (*Hasher, error) {
	if l.Concurrency < 0 || l.Queue < 0 || l.Wait < 0 {
		return nil, fmt.Errorf("auth: negative hash limits %+v", l)
	}
	if l.Concurrency == 0 {
		l.Concurrency = runtime.GOMAXPROCS(0)
	}
	if l.Queue == 0 {
		l.Queue = 32 * l.Concurrency
	}
	if l.Wait == 0 {
		l.Wait = 5 * time.Second
	}
	return &Hasher{slots: make(chan struct{}, l.Concurrency), queue: make(chan struct{}, l.Concurrency+l.Queue), wait: l.Wait}, nil
}

// Hash is HashPassword within the limits: ErrBusy if no slot came free in
// time, ctx's error if ctx ended first.
func (h *Hasher) Hash(ctx context.Context, pw string) (hash []byte, err error) {
	err = h.do(ctx, func() { hash, err = HashPassword(pw) })
	return hash, err
}

// Check is CheckPassword within the limits: ErrBusy if no slot came free in
// time, ctx's error if ctx ended first.
func (h *Hasher) Check(ctx context.Context, hash []byte, pw string) (ok bool, err error) {
	err = h.do(ctx, func() { ok = CheckPassword(hash, pw) })
	return ok, err
}

// do runs f in a slot. A caller first takes a queue place (none left:
// ErrBusy at once), then waits up to h.wait for a slot.
func (h *Hasher) do(ctx context.Context, f func()) error {
	select {
	case h.queue <- struct{}{}:
	default:
		return ErrBusy
	}
	defer func() { <-h.queue }()
	timer := time.NewTimer(h.wait)
	defer timer.Stop()
	select {
	case h.slots <- struct{}{}:
	case <-timer.C:
		return ErrBusy
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-h.slots }()
	n := h.active.Add(1)
	for p := h.peak.Load(); n > p && !h.peak.CompareAndSwap(p, n); p = h.peak.Load() {
	}
	defer h.active.Add(-1)
	f()
	return nil
}
