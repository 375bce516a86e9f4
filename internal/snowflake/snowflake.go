// Package snowflake generates and decodes Discord-format IDs: 42 bits of
// milliseconds since the Discord epoch, 5 bits of worker, 5 bits of process
// and a 12-bit sequence. IDs sort by creation time, which is what lets the
// message store cluster by ID and bucket by time without a timestamp column.
package snowflake

import (
	"fmt"
	"sync"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

// Epoch is the Discord epoch, the first millisecond of 2015, in Unix ms.
const Epoch int64 = 1420070400000

// BucketSize is the width of one message partition: 10 days in ms, as in
// Discord's Cassandra schema.
const BucketSize int64 = 10 * 24 * 60 * 60 * 1000

const (
	timeShift    = 22
	workerShift  = 17
	processShift = 12
	seqMask      = 0xFFF
)

// Generator hands out strictly increasing IDs. It is safe for concurrent use.
// If the wall clock steps back, it keeps counting from the last time it issued
// rather than reusing IDs. At most 4096 IDs are made per millisecond, the
// format's own limit.
type Generator struct {
	mu     sync.Mutex
	prefix uint64 // worker and process bits, fixed at construction
	last   int64  // ms since Epoch of the last ID; guarded by mu
	seq    uint64 // sequence within last; guarded by mu
	now    func() time.Time
}

// New returns a Generator for a worker and process, each 0..31.
func New(worker, process int) (*Generator, error) {
	if worker < 0 || worker > 31 || process < 0 || process > 31 {
		return nil, fmt.Errorf("snowflake: worker %d / process %d out of range 0..31", worker, process)
	}
	return &Generator{
		prefix: uint64(worker)<<workerShift | uint64(process)<<processShift,
		now:    time.Now,
	}, nil
}

// Next returns a new ID.
func (g *Generator) Next() chat.ID {
	ms := g.now().UnixMilli() - Epoch
	g.mu.Lock()
	if ms > g.last {
		g.last, g.seq = ms, 0
	} else {
		g.seq++
		if g.seq > seqMask {
			// This millisecond is used up. If the clock is current, wait for
			// it to tick so IDs never run ahead of real time; if it stepped
			// back, borrow the next millisecond rather than block for as long
			// as the step.
			for ms == g.last {
				ms = g.now().UnixMilli() - Epoch
			}
			g.last++
			g.seq = 0
		}
	}
	id := uint64(g.last)<<timeShift | g.prefix | g.seq
	g.mu.Unlock()
	return chat.ID(id)
}

// Time returns the creation time encoded in id.
func Time(id chat.ID) time.Time {
	return time.UnixMilli(int64(uint64(id)>>timeShift) + Epoch).UTC()
}

// FromTime returns the smallest ID that could have been made at t, for
// pagination by time ("before this moment").
func FromTime(t time.Time) chat.ID {
	ms := t.UnixMilli() - Epoch
	if ms < 0 {
		return 0
	}
	return chat.ID(uint64(ms) << timeShift)
}

// Worker, Process and Sequence decode the other fields of id.
func Worker(id chat.ID) int   { return int(uint64(id) & 0x3E0000 >> workerShift) }
func Process(id chat.ID) int  { return int(uint64(id) & 0x1F000 >> processShift) }
func Sequence(id chat.ID) int { return int(uint64(id) & seqMask) }

// Bucket returns the 10-day message partition that id falls in.
func Bucket(id chat.ID) int64 {
	return int64(uint64(id)>>timeShift) / BucketSize
}

// BucketStart returns the smallest ID that falls in bucket b.
func BucketStart(b int64) chat.ID {
	return chat.ID(uint64(b*BucketSize) << timeShift)
}
