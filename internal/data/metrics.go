package data

import (
	"fmt"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Read operations, for per-operation counters.
const (
	opMessages    = iota // a page of history
	opMessage            // one message
	opDecorations        // reactions and pins of a page
	opPins               // a channel's pins
	numOps
)

var opNames = [numOps]string{"messages", "message", "decorations", "pins"}

// opStats counts one read operation. Plain atomics keep the read path free
// of the metrics library; the registry reads them through CounterFuncs.
type opStats struct {
	requests       atomic.Uint64
	storeReads     atomic.Uint64
	coalesced      atomic.Uint64
	cacheHits      atomic.Uint64
	fillsDiscarded atomic.Uint64
}

// Stats are the service's counters since New, summed over read operations.
type Stats struct {
	// Requests is the number of reads asked of the service.
	Requests uint64
	// StoreReads is the number of reads that reached the store.
	StoreReads uint64
	// Coalesced is the number of requests answered by a store read that
	// another request started.
	Coalesced uint64
	// CacheHits is the number of requests answered from a hot page.
	CacheHits uint64
	// FillsDiscarded is the number of hot-page reads not installed because
	// a write to the channel raced them.
	FillsDiscarded uint64
	// Waiting is the number of requests waiting for a store read now.
	Waiting int64
}

// Stats returns the counters.
func (s *Service) Stats() Stats {
	var out Stats
	for i := range s.stats {
		st := &s.stats[i]
		out.Requests += st.requests.Load()
		out.StoreReads += st.storeReads.Load()
		out.Coalesced += st.coalesced.Load()
		out.CacheHits += st.cacheHits.Load()
		out.FillsDiscarded += st.fillsDiscarded.Load()
	}
	out.Waiting = s.waiting.Load()
	return out
}

// register exports the counters as accord_data_* metrics.
func (s *Service) register(reg prometheus.Registerer) error {
	counter := func(name, help string, op int, v *atomic.Uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: "accord", Subsystem: "data", Name: name, Help: help,
			ConstLabels: prometheus.Labels{"op": opNames[op]},
		}, func() float64 { return float64(v.Load()) })
	}
	var cs []prometheus.Collector
	for op := range s.stats {
		st := &s.stats[op]
		cs = append(cs,
			counter("requests_total", "Message reads asked of the data service.", op, &st.requests),
			counter("store_reads_total", "Message reads that reached the store.", op, &st.storeReads),
			counter("coalesced_total", "Message reads answered by a store read another request started.", op, &st.coalesced),
			counter("cache_hits_total", "Message reads answered from a hot channel page.", op, &st.cacheHits),
			counter("fills_discarded_total", "Hot-page store reads not installed because a write raced them.", op, &st.fillsDiscarded),
		)
	}
	enabled := 1.0
	if s.direct {
		enabled = 0
	}
	cs = append(cs,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "accord", Subsystem: "data", Name: "coalesce_enabled",
			Help: "1 when reads are coalesced and hot pages cached, 0 with --coalesce=false."},
			func() float64 { return enabled }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "accord", Subsystem: "data", Name: "reads_waiting",
			Help: "Message reads waiting for a store read now."},
			func() float64 { return float64(s.waiting.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "accord", Subsystem: "data", Name: "hot_channels",
			Help: "Channels tracked by the hot-page cache (estimate)."},
			func() float64 {
				if s.chans == nil {
					return 0
				}
				return float64(s.chans.EstimatedSize())
			}),
	)
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("data: register metrics: %w", err)
		}
	}
	return nil
}
