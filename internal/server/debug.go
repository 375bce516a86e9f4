package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// startDebug serves Go's profiler (net/http/pprof) on Config.DebugAddr, a
// listener of its own apart from the public API, so an operator can profile
// a running server (`go tool pprof http://ADDR/debug/pprof/profile`) without
// exposing the profiler to clients.
func (s *Server) startDebug(ctx context.Context) error {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	_, err := s.serveAside(ctx, "debug", "--debug-addr", s.cfg.DebugAddr, mux)
	return err
}

// startMetrics serves GET /metrics on Config.MetricsAddr, a listener of its
// own: the registry names internals (queue depths, cache sizes, store
// errors) that clients of the public address must not see.
func (s *Server) startMetrics(ctx context.Context) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{Registry: s.Metrics}))
	ln, err := s.serveAside(ctx, "metrics", "--metrics-addr", s.cfg.MetricsAddr, mux)
	s.metricsLn = ln
	return err
}

// serveAside serves h on a listener of its own at addr, apart from the
// public API, and pushes the listener's closer. A busy addr fails Start
// with an error that names flag. It logs "<name> serving"
// with the address from the root logger, not the server group: operators
// and tests find it as "addr" on that line.
func (s *Server) serveAside(ctx context.Context, name, flag, addr string, h http.Handler) (net.Listener, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s listener %s (%s; port 0 picks a free one): %w", name, addr, flag, err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log := s.cfg.Logger
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn(name+" listener stopped", "err", err)
		}
	}()
	// Close, not Shutdown: a running CPU profile or trace would hold
	// Shutdown for its whole duration. The listener is closed here too:
	// hs.Close only closes listeners Serve has begun on, and the goroutine
	// above may not have got that far (a Start that fails at once).
	s.stack.push(name+" listener", func(context.Context) error {
		err := hs.Close()
		_ = ln.Close()
		return err
	})
	log.Info(name+" serving", "addr", ln.Addr().String())
	return ln, nil
}
