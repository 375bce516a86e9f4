package snowflake

import (
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

// FuzzFields checks that any 64-bit ID decodes into fields that rebuild
// it: time (through FromTime), worker, process and sequence; and that its
// bucket's range holds it. IDs come from clients (path values, bulk delete
// lists, pagination), so every value must decode without panicking.
func FuzzFields(f *testing.F) {
	for _, id := range []uint64{0, 1, 1 << 22, 175928847299117063, 1<<63 - 1, 1 << 63, ^uint64(0), uint64(BucketSize) << timeShift} {
		f.Add(id)
	}
	f.Fuzz(func(t *testing.T, v uint64) {
		id := chat.ID(v)
		ts := Time(id)
		if ts.Location() != time.UTC {
			t.Fatalf("Time(%d) is not UTC", v)
		}
		if ms := ts.UnixMilli() - Epoch; ms < 0 || uint64(ms) != v>>timeShift {
			t.Fatalf("Time(%d) = %v: %d ms after the epoch, want %d", v, ts, ms, v>>timeShift)
		}
		w, p, s := Worker(id), Process(id), Sequence(id)
		if w < 0 || w > 31 || p < 0 || p > 31 || s < 0 || s > seqMask {
			t.Fatalf("fields of %d out of range: worker %d process %d seq %d", v, w, p, s)
		}
		if rebuilt := uint64(FromTime(ts)) | uint64(w)<<workerShift | uint64(p)<<processShift | uint64(s); rebuilt != v {
			t.Fatalf("fields of %d rebuild %d", v, rebuilt)
		}
		b := Bucket(id)
		if b < 0 || BucketStart(b) > id {
			t.Fatalf("bucket %d of %d starts at %d", b, v, BucketStart(b))
		}
		// The next bucket starts after id, unless its start no longer fits
		// in 42 bits of time.
		if next := (b + 1) * BucketSize; next < 1<<42 && BucketStart(b+1) <= id {
			t.Fatalf("bucket %d of %d: next bucket starts at %d", b, v, BucketStart(b+1))
		}
	})
}

// FuzzGenerator drives a Generator with a clock that jumps as the input
// says (forward, back, or standing still) and checks that IDs strictly
// increase, keep their worker and process, are not older than the first
// clock reading of their Next call, and run ahead of the clock's largest
// reading by at most the one millisecond borrowed when the clock stepped
// back. (An ID may lag a clock that jumped forward while Next waited for
// a used-up millisecond to end: it takes the next millisecond, not the
// jumped-to one.)
func FuzzGenerator(f *testing.F) {
	f.Add(uint8(1), uint8(2), []byte{1, 1, 1, 1})
	f.Add(uint8(31), uint8(31), []byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Add(uint8(0), uint8(0), []byte{10, 0x80, 0xff, 0x80, 5, 0})
	f.Add(uint8(3), uint8(4), make([]byte, 5000)) // more than 4096 IDs in one millisecond
	f.Fuzz(func(t *testing.T, worker, process uint8, steps []byte) {
		g, err := New(int(worker), int(process))
		if worker > 31 || process > 31 {
			if err == nil {
				t.Fatalf("New(%d, %d) accepted", worker, process)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		now := time.UnixMilli(Epoch + 1e12)
		var latest time.Time // the largest reading so far
		var first *time.Time // the first reading of the current Next call
		i := 0
		g.now = func() time.Time {
			// Each reading moves the clock by the next step, a signed
			// number of milliseconds; past the input it ticks forward,
			// so a used-up millisecond always ends.
			d := int64(1)
			if i < len(steps) {
				d = int64(int8(steps[i]))
			}
			i++
			now = now.Add(time.Duration(d) * time.Millisecond)
			if now.After(latest) {
				latest = now
			}
			if first == nil {
				first = new(time.Time)
				*first = now
			}
			return now
		}
		var last chat.ID
		for range len(steps) + 2 {
			first = nil
			id := g.Next()
			if id <= last {
				t.Fatalf("ID %d after %d", id, last)
			}
			if last != 0 && Time(id).After(laterOf(latest, Time(last).Add(time.Millisecond))) {
				t.Fatalf("ID %d at %v runs ahead of the clock's %v", id, Time(id), latest)
			}
			last = id
			if Worker(id) != int(worker) || Process(id) != int(process) {
				t.Fatalf("ID %d: worker %d process %d, want %d %d", id, Worker(id), Process(id), worker, process)
			}
			if Time(id).Before(*first) {
				t.Fatalf("ID %d at %v is older than the clock's %v when Next began", id, Time(id), *first)
			}
		}
	})
}

func laterOf(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
