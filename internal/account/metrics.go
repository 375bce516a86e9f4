package account

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Stats are the user cache's counters since New.
type Stats struct {
	// Hits is the number of user reads answered from the cache.
	Hits uint64
	// Misses is the number of user reads that went to the store.
	Misses uint64
	// Evictions is the number of users dropped to keep the cache within
	// Config.CacheSize (not those dropped because they changed).
	Evictions uint64
	// Size is the number of users cached now (an estimate).
	Size int
}

// Stats returns the cache's counters.
func (s *Service) Stats() Stats {
	st := s.stats.Snapshot()
	return Stats{Hits: st.Hits, Misses: st.Misses, Evictions: st.Evictions, Size: s.users.EstimatedSize()}
}

// register exports the cache's counters as accord_account_user_cache_*
// metrics. They are read from otter's own counters at scrape time, which
// keeps the read path free of the metrics library.
func (s *Service) register(reg prometheus.Registerer) error {
	counter := func(name, help string, v func() uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: "accord", Subsystem: "account", Name: name, Help: help,
		}, func() float64 { return float64(v()) })
	}
	cs := []prometheus.Collector{
		counter("user_cache_hits_total", "User reads answered from the user cache.",
			func() uint64 { return s.stats.Snapshot().Hits }),
		counter("user_cache_misses_total", "User reads that missed the user cache and went to the store.",
			func() uint64 { return s.stats.Snapshot().Misses }),
		counter("user_cache_evictions_total", "Users evicted to keep the user cache within its size.",
			func() uint64 { return s.stats.Snapshot().Evictions }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "accord", Subsystem: "account", Name: "user_cache_users",
			Help: "Users held by the user cache now (estimate)."},
			func() float64 { return float64(s.users.EstimatedSize()) }),
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("account: register metrics: %w", err)
		}
	}
	return nil
}
