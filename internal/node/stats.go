package node

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// stats are the node's counters, exported by Register.
type stats struct {
	remoteEvents  atomic.Uint64 // events with recipients on another node
	envelopes     atomic.Uint64 // frames carrying events, sent
	envelopeBytes atomic.Uint64
	publishErrors atomic.Uint64
	delivered     atomic.Uint64 // dispatches handed to this node's sessions from frames
	replayed      atomic.Uint64 // frames fetched again after a gap
	lost          atomic.Uint64 // frames a gap could not recover
	malformed     atomic.Uint64
	moves         atomic.Uint64 // guild actors stopped here because their guild moved
	resubscribes  atomic.Uint64 // subscriptions of this node's sessions moved to a new owner
	forwards      atomic.Uint64 // REST requests run at another node
	nodesLive     atomic.Int64
	forwardTime   prometheus.Histogram
}

// Register exports the node's metrics on reg.
func (n *Node) Register(reg prometheus.Registerer) error {
	n.stats.forwardTime = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "accord_cluster_forward_seconds", Help: "Time of REST requests forwarded to the guild's owner node, reply included.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	})
	counter := func(name, help string, v *atomic.Uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(v.Load()) })
	}
	cs := []prometheus.Collector{
		n.stats.forwardTime,
		counter("accord_cluster_remote_events_total", "Events with recipients on other nodes, counted once per event (NATS messages per event = envelopes_sent / remote_events).", &n.stats.remoteEvents),
		counter("accord_cluster_envelopes_sent_total", "NATS messages carrying events to other nodes (Manifold: one per destination node per event).", &n.stats.envelopes),
		counter("accord_cluster_envelope_bytes_sent_total", "Bytes of those messages.", &n.stats.envelopeBytes),
		counter("accord_cluster_publish_errors_total", "Event messages the bus refused (fetched again by the destination).", &n.stats.publishErrors),
		counter("accord_cluster_delivered_total", "Dispatches from other nodes handed to this node's sessions.", &n.stats.delivered),
		counter("accord_cluster_replayed_total", "Event messages fetched again after a gap in a link's numbers.", &n.stats.replayed),
		counter("accord_cluster_lost_total", "Event messages a gap could not recover.", &n.stats.lost),
		counter("accord_cluster_malformed_total", "Malformed messages received.", &n.stats.malformed),
		counter("accord_cluster_moves_total", "Guild actors stopped on this node because their guild moved to another.", &n.stats.moves),
		counter("accord_cluster_resubscribes_total", "Subscriptions of this node's sessions moved to a guild's new owner.", &n.stats.resubscribes),
		counter("accord_cluster_forwards_total", "REST requests forwarded to the guild's owner node.", &n.stats.forwards),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "accord_cluster_nodes_live", Help: "Live nodes this node sees, itself included."},
			func() float64 { return float64(n.stats.nodesLive.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "accord_cluster_guilds_owned", Help: "Guild actors running on this node."},
			func() float64 {
				if n.guilds == nil {
					return 0
				}
				return float64(n.guilds.Owned())
			}),
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
