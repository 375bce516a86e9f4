package server

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/accordchat/accord/internal/gateway"
)

// GatewayConfig holds the WebSocket gateway's settings, filled by cmd from
// flags.
type GatewayConfig struct {
	// ResumeURL overrides READY's resume_gateway_url (default: derived
	// from the request's Host).
	ResumeURL string
	// Options are the rest of the gateway's settings (heartbeat interval,
	// queue bounds, resume window...); Accounts and Guilds are filled in
	// here.
	Options gateway.Config
}

// mountGateway builds the WebSocket gateway on the guild registry and the
// account service, mounts it at /gateway, makes it the registry's session
// directory, exports its counters, and registers its Shutdown so sessions get op 7
// RECONNECT before the registry and store close.
func (s *Server) mountGateway() error {
	cfg := s.cfg.Gateway.Options
	cfg.Accounts = s.Accounts
	cfg.Guilds = s.Guilds
	if cfg.Logger == nil {
		cfg.Logger = s.cfg.Logger
	}
	if s.cfg.Gateway.ResumeURL != "" {
		cfg.ResumeURL = s.cfg.Gateway.ResumeURL
	}
	gw, err := gateway.New(cfg)
	if err != nil {
		return err
	}
	if err := s.Metrics.Register(gatewayCollector{gw}); err != nil {
		return fmt.Errorf("server: gateway metrics: %w", err)
	}
	s.Gateway = gw
	s.Guilds.SetDirectory(gw)
	s.Handle("/gateway", gw)
	// discordgo appends "/" to the URL from GET /gateway before the query.
	s.Handle("/gateway/", gw)
	s.OnShutdown(gw.Shutdown)
	return nil
}

// gatewayCollector exports gateway.Stats.
type gatewayCollector struct{ gw *gateway.Gateway }

var (
	gwConnections = prometheus.NewDesc("accord_gateway_connections", "Open gateway WebSocket connections.", nil, nil)
	gwSessions    = prometheus.NewDesc("accord_gateway_sessions", "Gateway sessions, connected or resumable.", nil, nil)
	gwIdentified  = prometheus.NewDesc("accord_gateway_identified_total", "Successful IDENTIFYs.", nil, nil)
	gwResumed     = prometheus.NewDesc("accord_gateway_resumed_total", "Successful RESUMEs.", nil, nil)
	gwInvalidated = prometheus.NewDesc("accord_gateway_invalidated_total", "Sessions ended for good.", nil, nil)
	gwSlow        = prometheus.NewDesc("accord_gateway_slow_disconnects_total", "Connections closed because their send queue overflowed.", nil, nil)
	gwTimeouts    = prometheus.NewDesc("accord_gateway_heartbeat_timeouts_total", "Connections closed with 4009.", nil, nil)
	gwCloses      = prometheus.NewDesc("accord_gateway_closes_total", "Connections closed by the server, by close code.", []string{"code"}, nil)
)

func (gatewayCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{gwConnections, gwSessions, gwIdentified, gwResumed, gwInvalidated, gwSlow, gwTimeouts, gwCloses} {
		ch <- d
	}
}

func (c gatewayCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.gw.Stats()
	ch <- prometheus.MustNewConstMetric(gwConnections, prometheus.GaugeValue, float64(st.Connections))
	ch <- prometheus.MustNewConstMetric(gwSessions, prometheus.GaugeValue, float64(st.Sessions))
	ch <- prometheus.MustNewConstMetric(gwIdentified, prometheus.CounterValue, float64(st.Identified))
	ch <- prometheus.MustNewConstMetric(gwResumed, prometheus.CounterValue, float64(st.Resumed))
	ch <- prometheus.MustNewConstMetric(gwInvalidated, prometheus.CounterValue, float64(st.Invalidated))
	ch <- prometheus.MustNewConstMetric(gwSlow, prometheus.CounterValue, float64(st.SlowDisconnects))
	ch <- prometheus.MustNewConstMetric(gwTimeouts, prometheus.CounterValue, float64(st.HeartbeatTimeouts))
	for code, n := range st.Closes {
		ch <- prometheus.MustNewConstMetric(gwCloses, prometheus.CounterValue, float64(n), code)
	}
}
