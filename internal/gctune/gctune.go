// Package gctune keeps Go's garbage collector from running every few
// megabytes while the live heap is small.
//
// Why: the collector starts a cycle when the heap has grown by GOGC % of
// the live heap (100 % by default). A small server taking a burst of REST
// writes has a live heap of ~5 MB and allocates ~7.5 KB per message, so at
// 20,000 messages/s it ran 20-30 collections a second, each with fixed
// costs (two short stops, waking the mark workers, sweeping). With a floor
// on the growth between cycles it runs a few, and the server spends ~12 %
// less CPU per message (docs/performance.md). Once the live heap is large
// enough that GOGC's growth exceeds the floor, nothing changes: the memory
// a busy server keeps per session is not traded for CPU. GOMEMLIMIT, if
// set, still bounds the heap as always.
package gctune

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// maxPercent bounds the percent set for a nearly empty heap.
const maxPercent = 10_000

// heapMinimum is the Go runtime's defaultHeapMinimum: the smallest heap
// goal at GOGC 100, scaled by GOGC/100.
const heapMinimum = 4 << 20

// Tuner sets the GC percent after every collection. Start one per process.
type Tuner struct {
	base     int    // GOGC as the process started: the percent never goes below it
	headroom uint64 // the least growth between collections, in bytes

	mu      sync.Mutex
	current int
	sample  []metrics.Sample
	stopped atomic.Bool
	tuned   atomic.Int64 // collections seen, for tests
}

// Start makes the next collection come after at least headroom bytes of
// new allocation, re-computed after every collection from the live heap:
// the percent is max(GOGC, headroom / live). It does nothing when GOGC is
// off or headroom is 0. Stop restores GOGC.
func Start(headroom uint64) *Tuner {
	base := debug.SetGCPercent(100)
	debug.SetGCPercent(base)
	t := &Tuner{base: base, headroom: headroom, current: base,
		sample: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	if base < 0 || headroom == 0 {
		t.stopped.Store(true)
		return t
	}
	t.tune()
	t.arm()
	return t
}

// Stop ends the tuning and puts GOGC back.
func (t *Tuner) Stop() {
	if t.stopped.Swap(true) {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	debug.SetGCPercent(t.base)
	t.current = t.base
}

// Percent is the GC percent the tuner last set.
func (t *Tuner) Percent() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.current
}

// sentinel is garbage the moment arm returns; its cleanup runs once the
// next collection has freed it, and arms another.
type sentinel struct{ _ [16]byte }

func (t *Tuner) arm() {
	runtime.AddCleanup(new(sentinel), func(t *Tuner) {
		if t.stopped.Load() {
			return
		}
		t.tuned.Add(1)
		t.tune()
		t.arm()
	}, t)
}

// tune sets the percent for the live heap the last collection left.
func (t *Tuner) tune() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped.Load() {
		return
	}
	metrics.Read(t.sample)
	pct := t.base
	if s := t.sample[0]; s.Value.Kind() == metrics.KindUint64 {
		live := float64(max(s.Value.Uint64(), 1))
		// The runtime's smallest heap goal is 4 MiB scaled by the percent
		// too (heapMinimum): on a near-empty heap a large percent would
		// put the first collection hundreds of MB away. Capped so that
		// it stays at live + headroom.
		p := math.Min(float64(t.headroom)*100/live, (live+float64(t.headroom))*100/heapMinimum)
		if p > float64(pct) {
			pct = int(math.Min(p, maxPercent))
		}
	}
	// Within 5 % of the current setting: not worth a change, unless it
	// is back to GOGC.
	if d := pct - t.current; d != 0 && (pct == t.base || max(d, -d)*20 > t.current) {
		debug.SetGCPercent(pct)
		t.current = pct
	}
}
