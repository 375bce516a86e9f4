package auth

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// TestHasherBoundsConcurrency runs 32 hashes at once through a Hasher of
// concurrency 2: never more than 2 run together, and every one completes.
func TestHasherBoundsConcurrency(t *testing.T) {
	h, err := NewHasher(HashLimits{Concurrency: 2, Queue: 32, Wait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hash, err := h.Hash(context.Background(), "password123")
			if err == nil {
				var ok bool
				if ok, err = h.Check(context.Background(), hash, "password123"); err == nil && !ok {
					err = errors.New("hash does not check")
				}
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if p := h.peak.Load(); p != 2 {
		t.Fatalf("peak concurrent hashes %d, want 2", p)
	}
}

// TestHasherBusy: a caller that gets no slot within Wait, or finds the
// queue full, gets ErrBusy rather than waiting without bound.
func TestHasherBusy(t *testing.T) {
	h, err := NewHasher(HashLimits{Concurrency: 1, Queue: 1, Wait: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	hold, held := make(chan struct{}), make(chan struct{})
	go func() { _ = h.do(context.Background(), func() { close(held); <-hold }) }()
	<-held
	defer close(hold)
	start := time.Now()
	if _, err := h.Hash(context.Background(), "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("queued past Wait: %v, want ErrBusy", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("ErrBusy after %v", d)
	}
	// Fill the one queue place, then the next caller is refused at once.
	queued := make(chan error, 1)
	slow, _ := NewHasher(HashLimits{Concurrency: 1, Queue: 1, Wait: time.Minute})
	hold2, held2 := make(chan struct{}), make(chan struct{})
	go func() { _ = slow.do(context.Background(), func() { close(held2); <-hold2 }) }()
	<-held2
	go func() { _, err := slow.Hash(context.Background(), "pw"); queued <- err }()
	queuedNow := func() bool { return len(slow.queue) == 2 }
	for deadline := time.Now().Add(5 * time.Second); !queuedNow(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("second caller never queued")
		}
	}
	if _, err := slow.Hash(context.Background(), "pw"); !errors.Is(err, ErrBusy) {
		t.Fatalf("queue full: %v, want ErrBusy", err)
	}
	close(hold2)
	if err := <-queued; err != nil {
		t.Fatalf("queued caller: %v", err)
	}
}
