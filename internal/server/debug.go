package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// startDebug serves Go's profiler (net/http/pprof) on Config.DebugAddr, a
// listener of its own apart from the public API, so an operator can profile
// a running server (`go tool pprof http://ADDR/debug/pprof/profile`) without
// exposing the profiler to clients. It pushes the listener's closer.
func (s *Server) startDebug(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.DebugAddr)
	if err != nil {
		return fmt.Errorf("debug listener %s: %w", s.cfg.DebugAddr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	// The root logger, not the server group: operators and tests find the
	// address as "addr" next to "debug serving".
	log := s.cfg.Logger
	go func() {
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("debug listener stopped", "err", err)
		}
	}()
	// Close, not Shutdown: a running CPU profile or trace would hold
	// Shutdown for its whole duration.
	s.stack.push("debug listener", noContext(hs.Close))
	log.Info("debug serving", "addr", ln.Addr().String())
	return nil
}
