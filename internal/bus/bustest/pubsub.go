package bustest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/bus"
	"github.com/accordchat/accord/internal/poll"
)

// testPublishSubscribe: a node gets what is published to its subject, its
// own publications included, and nothing published to other nodes.
func testPublishSubscribe(t *testing.T, n Network) {
	a, b := n.Connect(t, Options{}), n.Connect(t, Options{})
	na, nb := NodeID(), NodeID()
	in, _ := subscribe(t, a, b, bus.NodeSubject(na))
	self, _ := subscribe(t, b, b, bus.NodeSubject(nb))

	publish(t, b, bus.NodeSubject(NodeID()), []byte("for a node that is not a")) // must not reach a
	publish(t, b, bus.NodeSubject(nb), []byte("to myself"))
	publish(t, b, bus.NodeSubject(na), []byte("one"))
	publish(t, a, bus.NodeSubject(na), []byte("two"))
	got := in.wait(t, 2)
	if !(string(got[0]) == "one" && string(got[1]) == "two" || string(got[0]) == "two" && string(got[1]) == "one") {
		t.Errorf("a got %q, want one and two", got)
	}
	if got := self.wait(t, 1); string(got[0]) != "to myself" {
		t.Errorf("b got %q from its own subject", got)
	}
	// Send a marker behind everything else: once it is in, nothing more
	// is coming.
	publish(t, b, bus.NodeSubject(na), []byte("marker"))
	if got := in.wait(t, 3); len(got) != 3 {
		t.Errorf("a got %d messages, want 3: %q", len(got), got)
	}
	st := b.Stats()
	if st.Published < 4 || !st.Connected {
		t.Errorf("publisher stats %+v: want Published >= 4 and Connected", st)
	}
	if st := a.Stats(); st.Received < 3 {
		t.Errorf("subscriber stats %+v: want Received >= 3", st)
	}
	for _, s := range []bus.Subject{"", "accord.node.*", "accord.>", "a..b"} {
		if err := b.Publish(t.Context(), s, nil); !errors.Is(err, bus.ErrBadSubject) {
			t.Errorf("Publish %q: err = %v, want ErrBadSubject", s, err)
		}
		if _, err := a.Subscribe(s, func([]byte) {}); !errors.Is(err, bus.ErrBadSubject) {
			t.Errorf("Subscribe %q: err = %v, want ErrBadSubject (a wildcard would read other nodes' events)", s, err)
		}
	}
}

// testEnvelopeIntegrity: Envelopes of every size up to MaxPayload, with
// every byte value, arrive intact, and the publisher may reuse its buffer
// as soon as Publish returns.
func testEnvelopeIntegrity(t *testing.T, n Network) {
	a, b := n.Connect(t, Options{}), n.Connect(t, Options{})
	subject := bus.NodeSubject(NodeID())
	in, _ := subscribe(t, a, b, subject)

	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	sessions := make([]string, 1000)
	for i := range sessions {
		sessions[i] = fmt.Sprintf("%032x", i)
	}
	want := []bus.Envelope{
		{Guild: 1, Parts: []bus.Part{{Event: "TYPING_START", Data: []byte(`{}`), Sessions: []string{"s1"}}}},
		{Guild: 1<<63 + 5, Parts: []bus.Part{
			{Event: "MESSAGE_CREATE", Data: bytes.Repeat(all, 3000), Sessions: sessions},
			{Event: "MESSAGE_CREATE", Data: all, Sessions: sessions[:1]},
		}},
	}
	big := bus.Envelope{Guild: 2, Parts: []bus.Part{{Event: "GUILD_CREATE", Sessions: []string{"x"}}}}
	// The data's length prefix grows from 1 to 3 bytes once it is filled.
	big.Parts[0].Data = bytes.Repeat([]byte{'z'}, bus.MaxPayload-big.Size()-2)
	if big.Size() != bus.MaxPayload {
		t.Fatalf("big envelope has %d bytes, want %d", big.Size(), bus.MaxPayload)
	}
	want = append(want, big)
	var buf []byte
	for _, e := range want {
		buf = e.Append(buf[:0])
		publish(t, b, subject, buf)
		clear(buf) // the bus must have copied it
	}
	got := in.wait(t, len(want))
	for i, data := range got {
		e, err := bus.DecodeEnvelope(data)
		if err != nil {
			t.Fatalf("envelope %d: %v", i, err)
		}
		if !reflect.DeepEqual(e, want[i]) {
			t.Errorf("envelope %d differs after crossing the bus (%d bytes)", i, len(data))
		}
	}
}

// testTooLarge: MaxPayload is accepted, one byte more is refused with
// ErrTooLarge, never silently cut.
func testTooLarge(t *testing.T, n Network) {
	b := n.Connect(t, Options{})
	subject := bus.NodeSubject(NodeID())
	if err := b.Publish(t.Context(), subject, make([]byte, bus.MaxPayload)); err != nil {
		t.Errorf("Publish of MaxPayload bytes: %v", err)
	}
	if err := b.Publish(t.Context(), subject, make([]byte, bus.MaxPayload+1)); !errors.Is(err, bus.ErrTooLarge) {
		t.Errorf("Publish of MaxPayload+1 bytes: err = %v, want ErrTooLarge", err)
	}
	if st := b.Stats(); st.PublishErrors == 0 {
		t.Errorf("stats %+v: the refused publish is not counted", st)
	}
}

// testOrder: messages from each publisher arrive in the order published,
// with concurrent publishers interleaving freely.
func testOrder(t *testing.T, n Network) {
	const publishers, each = 3, 2000
	a := n.Connect(t, Options{})
	subject := bus.NodeSubject(NodeID())
	pubs := make([]bus.Bus, publishers)
	var in *inbox
	for p := range pubs {
		pubs[p] = n.Connect(t, Options{})
		if p == 0 {
			in, _ = subscribe(t, a, pubs[0], subject)
		} else {
			waitRoute(t, pubs[p], subject, in)
		}
	}
	var wg sync.WaitGroup
	for p, pub := range pubs {
		wg.Go(func() {
			for i := range each {
				if err := pub.Publish(context.Background(), subject, seqMsg(p, i)); err != nil {
					t.Errorf("publisher %d: %v", p, err)
					return
				}
			}
		})
	}
	wg.Wait()
	checkSeq(t, in.wait(t, publishers*each), publishers, each)
}

// testSlowSubscriber: a subscriber that stops handling loses messages past
// its queue bound; the publisher never waits for it and other subscribers
// get everything.
func testSlowSubscriber(t *testing.T, n Network) {
	const limit, sent = 100, 3000
	slow, fast, pub := n.Connect(t, Options{PendingMsgs: limit}), n.Connect(t, Options{}), n.Connect(t, Options{})
	subject := bus.NodeSubject(NodeID())
	release := make(chan struct{})
	var slowGot sync.Map
	slowIn := &inbox{} // only sees probes
	started := make(chan struct{}, 1)
	_, err := slow.Subscribe(subject, func(data []byte) {
		if bytes.Equal(data, probe) {
			slowIn.handle(data)
			return
		}
		select {
		case started <- struct{}{}:
		default:
		}
		<-release
		slowGot.Store(string(data), true)
	})
	if err != nil {
		t.Fatal(err)
	}
	waitRoute(t, pub, subject, slowIn)
	in, _ := subscribe(t, fast, pub, subject)
	// Wait until the slow subscriber holds one real message in its handler.
	publish(t, pub, subject, seqMsg(0, 0))
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatal("the slow subscriber never got a message")
	}
	start := time.Now()
	for i := 1; i < sent; i++ {
		publish(t, pub, subject, seqMsg(0, i))
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("publishing %d messages past a stuck subscriber took %v", sent, d)
	}
	checkSeq(t, in.wait(t, sent), 1, sent)
	poll.Until(t, 10*time.Second, 10*time.Millisecond, func() error {
		if st := slow.Stats(); st.Dropped == 0 {
			return fmt.Errorf("slow subscriber stats %+v: nothing dropped", st)
		}
		return nil
	})
	close(release)
	if st := fast.Stats(); st.Dropped != 0 {
		t.Errorf("fast subscriber dropped %d messages", st.Dropped)
	}
}

// testUnsubscribeAndClose: after Unsubscribe or Close, the handler is
// never called again; a closed Bus refuses everything with ErrClosed.
func testUnsubscribeAndClose(t *testing.T, n Network) {
	a, b := n.Connect(t, Options{}), n.Connect(t, Options{})
	gone, kept := bus.NodeSubject(NodeID()), bus.NodeSubject(NodeID())
	in, sub := subscribe(t, a, b, gone)
	keep, _ := subscribe(t, a, b, kept)
	if err := sub.Unsubscribe(); err != nil {
		t.Fatalf("Unsubscribe: %v", err)
	}
	if err := sub.Unsubscribe(); err != nil {
		t.Errorf("second Unsubscribe: %v", err)
	}
	publish(t, b, gone, []byte("after unsubscribe"))
	publish(t, b, kept, []byte("marker"))
	// The marker left after the other message from the same publisher, so
	// once it is in, the other would have been handled too.
	keep.wait(t, 1)
	if got := in.got(); len(got) != 0 {
		t.Errorf("unsubscribed handler got %q", got)
	}

	srv := bus.RPCSubject(NodeID())
	if _, err := a.Serve(srv, func(context.Context, []byte) ([]byte, error) { return []byte("ok"), nil }); err != nil {
		t.Fatal(err)
	}
	waitServed(t, b, srv)
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	publish(t, b, kept, []byte("after close"))
	poll.Until(t, 10*time.Second, 20*time.Millisecond, func() error {
		_, err := b.Request(t.Context(), srv, nil)
		if !errors.Is(err, bus.ErrNoResponders) {
			return fmt.Errorf("request to a closed Bus's subject: err = %v, want ErrNoResponders", err)
		}
		return nil
	})
	if got := keep.got(); len(got) != 1 {
		t.Errorf("closed Bus's handler got %q", got)
	}
	for name, err := range map[string]error{
		"Close":   a.Close(),
		"Publish": a.Publish(t.Context(), kept, nil),
		"Subscribe": func() error {
			_, err := a.Subscribe(kept, func([]byte) {})
			return err
		}(),
		"Request": func() error {
			_, err := a.Request(t.Context(), srv, nil)
			return err
		}(),
	} {
		if !errors.Is(err, bus.ErrClosed) {
			t.Errorf("%s after Close: err = %v, want ErrClosed", name, err)
		}
	}
	if a.Stats().Connected {
		t.Error("closed Bus reports Connected")
	}
}

// testOutage: while the server is gone, Publish buffers or fails with
// ErrUnavailable (never blocks, never another error); once the server (or
// a surviving one) is back, traffic flows again and nothing published
// after that is lost.
func testOutage(t *testing.T, n Network) {
	o, ok := n.(Outage)
	if !ok {
		t.Skip("backend has no server to lose")
	}
	a, b := n.Connect(t, Options{}), n.Connect(t, Options{})
	subject := bus.NodeSubject(NodeID())
	in, _ := subscribe(t, a, b, subject)
	o.Down(t, a)
	poll.Until(t, 10*time.Second, 10*time.Millisecond, func() error {
		if st := a.Stats(); st.Disconnects == 0 {
			return fmt.Errorf("stats %+v: no disconnect seen", st)
		}
		return nil
	})
	for i := range 100 {
		err := a.Publish(t.Context(), subject, []byte(fmt.Sprint("during outage ", i)))
		if err != nil && !errors.Is(err, bus.ErrUnavailable) {
			t.Fatalf("Publish during outage: %v", err)
		}
	}
	o.Up(t)
	// The route works again once a probe crosses it; then every message
	// must arrive, in order.
	waitRoute(t, b, subject, in)
	before := len(in.got())
	const after = 500
	for i := range after {
		publish(t, b, subject, seqMsg(0, i))
	}
	// a's buffered messages from the outage may arrive in between.
	var got [][]byte
	poll.Until(t, 20*time.Second, 5*time.Millisecond, func() error {
		got = got[:0]
		for _, m := range in.got()[before:] {
			if !strings.HasPrefix(string(m), "during outage") {
				got = append(got, m)
			}
		}
		if len(got) < after {
			return fmt.Errorf("received %d of %d messages published after the outage", len(got), after)
		}
		return nil
	})
	checkSeq(t, got, 1, after)
	if st := a.Stats(); st.Reconnects == 0 || !st.Connected {
		t.Errorf("stats after outage %+v: want a reconnect and Connected", st)
	}
}
