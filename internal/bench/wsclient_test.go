package bench

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"
	"time"
)

// TestHistogram checks the buckets' order and resolution and that
// percentiles of merged sparse histograms come out where the samples are.
func TestHistogram(t *testing.T) {
	prev := -1
	for us := int64(0); us < 1<<32; us = us*11/10 + 1 {
		b := histBucket(us)
		if b < prev {
			t.Fatalf("bucket(%d µs) = %d < %d: not monotonic", us, b, prev)
		}
		prev = b
		lo, hi := histValue(b), histValue(b+1)
		if us < lo || us >= hi {
			t.Fatalf("%d µs in bucket %d = [%d, %d)", us, b, lo, hi)
		}
		if us >= histLinear && float64(hi-lo)/float64(lo) > 0.002 {
			t.Fatalf("bucket %d = [%d, %d) wider than 0.2 %%", b, lo, hi)
		}
	}
	var a, b histogram
	for i := int64(1); i <= 1000; i++ { // 1..1000 ms, split over two "processes"
		h := &a
		if i%2 == 0 {
			h = &b
		}
		h.add(i * int64(time.Millisecond))
	}
	l := latencies{}
	l.add(a.sparse())
	l.add(b.sparse())
	for _, c := range []struct{ q, want float64 }{{0.5, 500}, {0.99, 990}, {1, 1000}} {
		if got := l.percentile(c.q); math.Abs(got-c.want) > c.want*0.003 {
			t.Errorf("p%g = %.2f ms, want %.0f", c.q*100, got, c.want)
		}
	}
}

// messageFrame is a server frame as Accord writes a MESSAGE_CREATE.
func messageFrame(seq int64, sent time.Time) []byte {
	payload := fmt.Appendf(nil, `{"op":0,"t":"MESSAGE_CREATE","s":%d,"d":{"type":0,"tts":false,"timestamp":"2026-11-27T12:00:00.000000+00:00",`+
		`"pinned":false,"nonce":%q,"mentions":[],"mention_roles":[],"mention_everyone":false,"id":"1442000000000000000",`+
		`"flags":0,"embeds":[],"edited_timestamp":null,"content":"fan-out message 1: a line of chat long enough to look like one",`+
		`"components":[],"channel_id":"1442000000000000001","author":{"username":"owner","public_flags":0,"id":"1442000000000000002",`+
		`"global_name":null,"discriminator":"0","avatar":null},"attachments":[],"guild_id":"1442000000000000003"}}`, seq, benchNonce(sent))
	frame := []byte{0x81, 126, 0, 0}
	binary.BigEndian.PutUint16(frame[2:], uint16(len(payload)))
	return append(frame, payload...)
}

// TestClientParse: a MESSAGE_CREATE frame yields its sequence, one
// delivery and the latency from its nonce.
func TestClientParse(t *testing.T) {
	g := &group{notify: make(chan struct{}, 1)}
	c := &gwConn{g: g}
	sent := time.Now().Add(-3 * time.Millisecond)
	c.fr.buf = append(messageFrame(41, sent), messageFrame(42, sent)...)
	c.fr.w = len(c.fr.buf)
	now := time.Now().UnixNano()
	for {
		op, p, ok, err := c.fr.parse()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		if !c.process(op, p, now) {
			t.Fatal("connection ended")
		}
	}
	if c.seq.Load() != 42 || c.count.Load() != 2 {
		t.Fatalf("seq %d, count %d", c.seq.Load(), c.count.Load())
	}
	if lat := time.Duration(g.maxNs.Load()); lat < 3*time.Millisecond || lat > time.Second {
		t.Fatalf("latency %s", lat)
	}
}

// BenchmarkClientParse is the bench client's cost per delivery above the
// read syscall: frame parse, event name, sequence, nonce, histogram.
//
//	go test -run '^$' -bench ClientParse ./internal/bench
func BenchmarkClientParse(b *testing.B) {
	g := &group{notify: make(chan struct{}, 1)}
	c := &gwConn{g: g}
	frame := messageFrame(7, time.Now())
	c.fr.buf = make([]byte, len(frame))
	now := time.Now().UnixNano()
	b.SetBytes(int64(len(frame)))
	b.ReportAllocs()
	for b.Loop() {
		c.fr.r, c.fr.w = 0, copy(c.fr.buf, frame)
		op, p, ok, err := c.fr.parse()
		if err != nil || !ok || !c.process(op, p, now) {
			b.Fatal("parse failed")
		}
	}
}
