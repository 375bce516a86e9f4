package server

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/ratelimit"
)

// The server has one Prometheus registry, Server.Metrics, served at GET
// /metrics on the metrics listener (Config.MetricsAddr, see debug.go), never
// on the public address; nothing registers globally. A component reaches it in one of two
// ways, chosen by where its counters live:
//
//   - a component that owns its metrics takes the registry as
//     Config.Registerer when New builds it (data: accord_data_*, account:
//     accord_account_*);
//   - a component that only counts exposes a Stats snapshot, and
//     registerMetrics below exports it through a statsCollector (guild:
//     accord_guild_*, gateway: accord_gateway_*).
//
// Either way, every collector is registered while New builds the server,
// and a registration error fails New.

// newRegistry returns the server's registry with the Go runtime and process
// collectors (go_*, process_*) on it.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// registerMetrics registers the collectors of the components that expose
// Stats snapshots.
func (s *Server) registerMetrics() error {
	for _, c := range []struct {
		component string
		collector prometheus.Collector
	}{
		{"guild", guildCollector(s.Guilds)},
		{"gateway", gatewayCollector(s.Gateway)},
		{"ratelimit", rateLimitCollector(s.Limits)},
	} {
		if err := s.Metrics.Register(c.collector); err != nil {
			return fmt.Errorf("server: register %s metrics: %w", c.component, err)
		}
	}
	return nil
}

// guildCollector exports guild.Stats.
func guildCollector(r *guild.Registry) prometheus.Collector {
	return statsCollector[guild.Stats]{stats: r.Stats, metrics: []statsMetric[guild.Stats]{
		gauge("accord_guild_relays", "Relay goroutines fanning out big guilds' events.",
			func(st guild.Stats) int64 { return st.Relays }),
		counter("accord_guild_passive_updates_total", "PASSIVE_UPDATE_V1 dispatches sent to passive sessions.",
			func(st guild.Stats) int64 { return st.PassiveUpdates }),
		counter("accord_guild_passive_withheld_total", "Message and typing deliveries withheld from passive sessions.",
			func(st guild.Stats) int64 { return st.PassiveHeld }),
	}}
}

// gatewayCollector exports gateway.Stats.
func gatewayCollector(gw *gateway.Gateway) prometheus.Collector {
	return statsCollector[gateway.Stats]{stats: gw.Stats, metrics: []statsMetric[gateway.Stats]{
		gauge("accord_gateway_connections", "Open gateway WebSocket connections.",
			func(st gateway.Stats) int64 { return st.Connections }),
		gauge("accord_gateway_sessions", "Gateway sessions, connected or resumable.",
			func(st gateway.Stats) int64 { return st.Sessions }),
		counter("accord_gateway_identified_total", "Successful IDENTIFYs.",
			func(st gateway.Stats) int64 { return st.Identified }),
		counter("accord_gateway_resumed_total", "Successful RESUMEs.",
			func(st gateway.Stats) int64 { return st.Resumed }),
		counter("accord_gateway_invalidated_total", "Sessions ended for good.",
			func(st gateway.Stats) int64 { return st.Invalidated }),
		counter("accord_gateway_slow_disconnects_total", "Connections closed because their send queue overflowed.",
			func(st gateway.Stats) int64 { return st.SlowDisconnects }),
		counter("accord_gateway_heartbeat_timeouts_total", "Connections closed with 4009.",
			func(st gateway.Stats) int64 { return st.HeartbeatTimeouts }),
		counter("accord_gateway_identify_limited_total", "IDENTIFYs refused with op 9 by the identify concurrency or daily session-start limit.",
			func(st gateway.Stats) int64 { return st.IdentifyLimited }),
		counter("accord_gateway_members_limited_total", "Op 8 requests for all members answered with RATE_LIMITED.",
			func(st gateway.Stats) int64 { return st.MembersLimited }),
		counter("accord_gateway_address_limited_total", "WebSocket upgrades refused with 429 by the per-address connection cap.",
			func(st gateway.Stats) int64 { return st.AddrLimited }),
		counterByLabel("accord_gateway_closes_total", "Connections closed by the server, by close code.", "code",
			func(st gateway.Stats) map[string]int64 { return st.Closes }),
	}}
}

// rateLimitCollector exports ratelimit.Stats.
func rateLimitCollector(l *ratelimit.Limiter) prometheus.Collector {
	return statsCollector[ratelimit.Stats]{stats: l.Stats, metrics: []statsMetric[ratelimit.Stats]{
		counterByLabel("accord_rest_ratelimited_total", "REST requests answered 429, by X-RateLimit-Scope (user, global, shared).", "scope",
			func(st ratelimit.Stats) map[string]int64 { return st.Limited }),
		gauge("accord_rest_ratelimit_windows", "Rate-limit windows held in memory.",
			func(st ratelimit.Stats) int64 { return st.Windows }),
	}}
}

// statsCollector exports a component's Stats snapshot. It takes one
// snapshot per scrape, so the values of one scrape come from one moment.
type statsCollector[S any] struct {
	stats   func() S
	metrics []statsMetric[S]
}

// statsMetric is one metric read from a snapshot: one value, or (byLabel
// set) one value for each value of its single label.
type statsMetric[S any] struct {
	desc    *prometheus.Desc
	kind    prometheus.ValueType
	value   func(S) int64
	byLabel func(S) map[string]int64
}

func gauge[S any](name, help string, value func(S) int64) statsMetric[S] {
	return statsMetric[S]{desc: prometheus.NewDesc(name, help, nil, nil), kind: prometheus.GaugeValue, value: value}
}

func counter[S any](name, help string, value func(S) int64) statsMetric[S] {
	return statsMetric[S]{desc: prometheus.NewDesc(name, help, nil, nil), kind: prometheus.CounterValue, value: value}
}

func counterByLabel[S any](name, help, label string, values func(S) map[string]int64) statsMetric[S] {
	return statsMetric[S]{desc: prometheus.NewDesc(name, help, []string{label}, nil), kind: prometheus.CounterValue, byLabel: values}
}

func (c statsCollector[S]) Describe(ch chan<- *prometheus.Desc) {
	for _, m := range c.metrics {
		ch <- m.desc
	}
}

func (c statsCollector[S]) Collect(ch chan<- prometheus.Metric) {
	st := c.stats()
	for _, m := range c.metrics {
		if m.byLabel == nil {
			ch <- prometheus.MustNewConstMetric(m.desc, m.kind, float64(m.value(st)))
			continue
		}
		for l, v := range m.byLabel(st) {
			ch <- prometheus.MustNewConstMetric(m.desc, m.kind, float64(v), l)
		}
	}
}
