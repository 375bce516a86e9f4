package bench

import (
	"math/bits"
	"sort"
	"sync/atomic"
)

// histogram counts latencies (ns) in log-linear buckets with about 0.2 %
// resolution; it is safe for concurrent use and mergeable across processes.
type histogram struct {
	b [histBuckets]atomic.Int64
}

const (
	histSub     = 512 // buckets per power of two above histLinear
	histLinear  = 1024
	histBuckets = histLinear + 40*histSub
)

// histBucket maps a latency in µs to its bucket.
func histBucket(us int64) int {
	if us < histLinear {
		return int(max(us, 0))
	}
	shift := bits.Len64(uint64(us)) - 10 // >= 1
	i := histLinear + (shift-1)*histSub + int(us>>shift) - histSub
	return min(i, histBuckets-1)
}

// histValue is the lower bound (µs) of bucket i.
func histValue(i int) int64 {
	if i < histLinear {
		return int64(i)
	}
	shift := (i-histLinear)/histSub + 1
	return int64((i-histLinear)%histSub+histSub) << shift
}

func (h *histogram) add(ns int64) { h.b[histBucket(ns/1000)].Add(1) }

func (h *histogram) sparse() [][2]int64 {
	var out [][2]int64
	for i := range h.b {
		if n := h.b[i].Load(); n > 0 {
			out = append(out, [2]int64{int64(i), n})
		}
	}
	return out
}

// latencies merges sparse histograms for percentiles.
type latencies map[int]int64

func (l latencies) add(sparse [][2]int64) {
	for _, p := range sparse {
		l[int(p[0])] += p[1]
	}
}

// percentile returns the q-quantile in ms (0 without samples).
func (l latencies) percentile(q float64) float64 {
	var total int64
	idx := make([]int, 0, len(l))
	for i, n := range l {
		total += n
		idx = append(idx, i)
	}
	if total == 0 {
		return 0
	}
	sort.Ints(idx)
	want := int64(q*float64(total-1)) + 1
	var seen int64
	for _, i := range idx {
		seen += l[i]
		if seen >= want {
			// the bucket's midpoint
			lo, hi := histValue(i), histValue(i+1)
			return float64(lo+hi) / 2 / 1000
		}
	}
	return float64(histValue(idx[len(idx)-1])) / 1000
}
