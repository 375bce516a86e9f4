package bustest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/bus"
	"github.com/accordchat/accord/internal/poll"
)

// waitServed waits until a request on subject finds its handler: on a
// cluster, interest takes a moment to cross servers.
func waitServed(t *testing.T, b bus.Bus, subject bus.Subject) {
	t.Helper()
	poll.Until(t, 30*time.Second, 20*time.Millisecond, func() error {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err := b.Request(ctx, subject, probe)
		return err
	})
}

// testRequestReply: a request reaches the node's handler, which gets the
// requester's deadline; its reply or its error comes back; a request to a
// node nobody serves fails fast with ErrNoResponders.
func testRequestReply(t *testing.T, n Network) {
	a, b := n.Connect(t, Options{}), n.Connect(t, Options{})
	subject := bus.RPCSubject(NodeID())
	var deadlines atomic.Int64
	_, err := a.Serve(subject, func(ctx context.Context, req []byte) ([]byte, error) {
		if bytes.Equal(req, probe) {
			return nil, nil
		}
		if d, ok := ctx.Deadline(); ok {
			deadlines.Store(d.UnixNano())
		}
		if s, ok := strings.CutPrefix(string(req), "fail:"); ok {
			return nil, errors.New(s)
		}
		return bytes.ToUpper(req), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	waitServed(t, b, subject)

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	want, _ := ctx.Deadline()
	reply, err := b.Request(ctx, subject, []byte("post message"))
	if err != nil || string(reply) != "POST MESSAGE" {
		t.Fatalf("Request = %q, %v; want POST MESSAGE", reply, err)
	}
	if got := time.Unix(0, deadlines.Load()); got.Sub(want).Abs() > time.Millisecond {
		t.Errorf("handler's deadline %v, requester's %v", got, want)
	}
	_, err = b.Request(t.Context(), subject, []byte("fail:missing permissions"))
	if !errors.Is(err, bus.ErrRemote) || !strings.Contains(err.Error(), "missing permissions") {
		t.Errorf("failing handler: err = %v, want ErrRemote with its message", err)
	}
	// A request to its own node's subject works too.
	if reply, err := a.Request(t.Context(), subject, []byte("self")); err != nil || string(reply) != "SELF" {
		t.Errorf("Request to own subject = %q, %v", reply, err)
	}
	start := time.Now()
	_, err = b.Request(t.Context(), bus.RPCSubject(NodeID()), []byte("x"))
	if !errors.Is(err, bus.ErrNoResponders) {
		t.Errorf("Request to an unserved node: err = %v, want ErrNoResponders", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("ErrNoResponders took %v: it must not wait for the timeout", d)
	}
	if st := b.Stats(); st.Requests < 4 || st.RequestErrors < 2 {
		t.Errorf("requester stats %+v", st)
	}
	if st := a.Stats(); st.Served < 3 {
		t.Errorf("server stats %+v", st)
	}
}

// testRequestTimeout: a handler that never answers costs the requester its
// deadline and no more, and the handler's ctx ends at that deadline.
func testRequestTimeout(t *testing.T, n Network) {
	a, b := n.Connect(t, Options{}), n.Connect(t, Options{})
	subject := bus.RPCSubject(NodeID())
	ended := make(chan error, 1)
	_, err := a.Serve(subject, func(ctx context.Context, req []byte) ([]byte, error) {
		if bytes.Equal(req, probe) {
			return nil, nil
		}
		<-ctx.Done()
		ended <- ctx.Err()
		return nil, ctx.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	waitServed(t, b, subject)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = b.Request(ctx, subject, []byte("stuck"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timed-out request took %v", d)
	}
	select {
	case err := <-ended:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("handler ctx ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Error("handler's ctx did not end at the requester's deadline")
	}
}

// testRequestBusy: past MaxInflight running handlers, a request is refused
// at once with ErrBusy rather than queued without bound.
func testRequestBusy(t *testing.T, n Network) {
	const limit = 4
	a, b := n.Connect(t, Options{MaxInflight: limit}), n.Connect(t, Options{})
	subject := bus.RPCSubject(NodeID())
	release := make(chan struct{})
	var running atomic.Int64
	_, err := a.Serve(subject, func(ctx context.Context, req []byte) ([]byte, error) {
		if bytes.Equal(req, probe) {
			return nil, nil
		}
		running.Add(1)
		<-release
		return []byte("done"), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	waitServed(t, b, subject)
	errs := make(chan error, limit)
	for range limit {
		go func() {
			_, err := b.Request(context.Background(), subject, []byte("hold"))
			errs <- err
		}()
	}
	poll.Until(t, 10*time.Second, 5*time.Millisecond, func() error {
		if r := running.Load(); r != limit {
			return fmt.Errorf("%d handlers running, want %d", r, limit)
		}
		return nil
	})
	start := time.Now()
	if _, err := b.Request(t.Context(), subject, []byte("one too many")); !errors.Is(err, bus.ErrBusy) {
		t.Errorf("request past the limit: err = %v, want ErrBusy", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("ErrBusy took %v", d)
	}
	close(release)
	for range limit {
		if err := <-errs; err != nil {
			t.Errorf("held request: %v", err)
		}
	}
}

// testCloseCancelsHandlers: Close cancels running request handlers' ctx
// and returns once they have.
func testCloseCancelsHandlers(t *testing.T, n Network) {
	a, b := n.Connect(t, Options{}), n.Connect(t, Options{})
	subject := bus.RPCSubject(NodeID())
	started := make(chan struct{})
	var cancelled atomic.Bool
	_, err := a.Serve(subject, func(ctx context.Context, req []byte) ([]byte, error) {
		if bytes.Equal(req, probe) {
			return nil, nil
		}
		close(started)
		<-ctx.Done()
		cancelled.Store(true)
		return nil, ctx.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	waitServed(t, b, subject)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	go func() { _, _ = b.Request(ctx, subject, []byte("long")) }()
	<-started
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if !cancelled.Load() {
		t.Error("Close returned before the running handler's ctx was cancelled and it returned")
	}
}
