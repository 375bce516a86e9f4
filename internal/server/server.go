// Package server is Accord's composition root: it opens the store, makes the
// snowflake generator, the guild registry, the data service, the REST API
// and (see gateway.go) the WebSocket gateway, and serves them on one HTTP
// listener. New builds, Start serves, Shutdown stops in reverse order.
//
// A Server's methods are safe for concurrent use.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/accordchat/accord/internal/account"
	"github.com/accordchat/accord/internal/api"
	"github.com/accordchat/accord/internal/data"
	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
	"github.com/accordchat/accord/internal/store/cql"
	"github.com/accordchat/accord/internal/store/pebble"
	"github.com/accordchat/accord/internal/store/tiered"
	"github.com/accordchat/accord/web"
)

// Config configures a Server. The zero value of each field means its
// default.
type Config struct {
	// Addr is the listen address. Default "127.0.0.1:8080"; port 0 picks
	// a free one (see Addr).
	Addr string
	// DataDir holds the embedded store. Default "./data".
	DataDir string
	// Store names the backend: "pebble" (default, embedded under
	// DataDir), "cql" (ScyllaDB/Cassandra at CQLHosts) or "tiered"
	// (Pebble under DataDir as a write-through local tier in front of CQL).
	Store string
	// CQLHosts are the CQL contact points for the cql and tiered stores.
	CQLHosts []string
	// CQLKeyspace is the CQL keyspace. Default "accord".
	CQLKeyspace string
	// NodeID is the snowflake worker ID (0–31). Default 0.
	NodeID int
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// MaxBodyBytes caps REST request bodies. Default 1 MiB.
	MaxBodyBytes int64
	// GuildInbox bounds each guild actor's inbox. Default 1024.
	GuildInbox int
	// GuildIdleTimeout stops idle guild actors. Default 5 minutes.
	GuildIdleTimeout time.Duration
	// Gateway holds the gateway's settings (see gateway.go).
	Gateway GatewayConfig
	// DirectReads sends every message read straight to the store, with no
	// coalescing and no hot-page cache (`accord serve --coalesce=false`).
	DirectReads bool
	// DisablePassive makes every gateway session active in every guild
	// (`accord serve --passive=false`); see guild.Config.
	DisablePassive bool
	// PassiveInterval is how often passive sessions get PASSIVE_UPDATE_V1.
	// Default 5 s.
	PassiveInterval time.Duration
	// DisableRelays keeps each guild's fan-out in its actor goroutine
	// (`accord serve --relays=false`).
	DisableRelays bool
	// RelayThreshold is the number of sessions in one guild above which
	// fan-out moves to relay goroutines. Default 5,000.
	RelayThreshold int
}

// Server is one Accord node.
type Server struct {
	cfg    Config
	log    *slog.Logger
	Store  store.Store
	IDs    *snowflake.Generator
	Data   *data.Service
	Guilds *guild.Registry
	API    *api.Handler
	// Gateway is the WebSocket gateway (see gateway.go).
	Gateway *gateway.Gateway
	// Metrics is the server's own registry, served at GET /metrics;
	// components register their collectors here, never globally.
	Metrics *prometheus.Registry

	// Accounts owns users and tokens; the API and the gateway read users
	// through it.
	Accounts *account.Service

	mux      *http.ServeMux
	http     *http.Server
	ln       net.Listener
	serving  atomic.Bool
	mu       sync.Mutex
	closers  []func(ctx context.Context) error // run by Shutdown before the registry and store close; guarded by mu
	serveErr chan error
	stopOnce sync.Once
	stopErr  error
}

// New builds a Server: it opens the store and wires every component, but
// does not listen yet.
func New(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "./data"
	}
	if cfg.Store == "" {
		cfg.Store = "pebble"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{cfg: cfg, log: cfg.Logger.WithGroup("server"), mux: http.NewServeMux(), serveErr: make(chan error, 1),
		Metrics: prometheus.NewRegistry()}
	s.Metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	var err error
	if s.Store, err = openStore(cfg); err != nil {
		return nil, err
	}
	fail := func(err error) (*Server, error) {
		_ = s.Store.Close()
		return nil, err
	}
	if s.IDs, err = snowflake.New(cfg.NodeID, 0); err != nil {
		return fail(fmt.Errorf("server: %w", err))
	}
	if s.Data, err = data.New(data.Config{Store: s.Store, Direct: cfg.DirectReads, Registerer: s.Metrics}); err != nil {
		return fail(err)
	}
	if s.Accounts, err = account.New(account.Config{Store: s.Store, IDs: s.IDs, Registerer: s.Metrics}); err != nil {
		s.Data.Close()
		return fail(err)
	}
	fail = func(err error) (*Server, error) {
		s.Accounts.Close()
		s.Data.Close()
		_ = s.Store.Close()
		return nil, err
	}
	s.Guilds, err = guild.New(guild.Config{Store: s.Store, Data: s.Data, IDs: s.IDs, Users: s.Accounts, Logger: cfg.Logger,
		InboxSize: cfg.GuildInbox, IdleTimeout: cfg.GuildIdleTimeout,
		DisablePassive: cfg.DisablePassive, PassiveInterval: cfg.PassiveInterval,
		DisableRelays: cfg.DisableRelays, RelayThreshold: cfg.RelayThreshold})
	if err != nil {
		return fail(err)
	}
	guilds := s.Guilds
	s.Metrics.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "accord_guild_relays",
			Help: "Relay goroutines fanning out big guilds' events."},
			func() float64 { return float64(guilds.Stats().Relays) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "accord_guild_passive_updates_total",
			Help: "PASSIVE_UPDATE_V1 dispatches sent to passive sessions."},
			func() float64 { return float64(guilds.Stats().PassiveUpdates) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "accord_guild_passive_withheld_total",
			Help: "Message and typing deliveries withheld from passive sessions."},
			func() float64 { return float64(guilds.Stats().PassiveHeld) }))
	// The gateway comes first so the API can end a bot's sessions when its
	// token is reset.
	if err := s.mountGateway(); err != nil {
		s.Guilds.Close()
		return fail(err)
	}
	s.API, err = api.New(api.Config{Store: s.Store, Accounts: s.Accounts, Guilds: s.Guilds, IDs: s.IDs, Logger: cfg.Logger,
		MaxBodyBytes: cfg.MaxBodyBytes, Sessions: s.Gateway})
	if err != nil {
		_ = s.Gateway.Shutdown(context.Background())
		s.Guilds.Close()
		return fail(err)
	}
	s.mux.Handle("/api/", s.API)
	s.mux.Handle("/api", s.API)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		if !s.serving.Load() {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
	})
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.Metrics, promhttp.HandlerOpts{Registry: s.Metrics}))
	// The web client (package web) answers every path nothing more specific
	// claims; it talks to the server only through /api and /gateway.
	s.mux.Handle("/", web.Handler())
	s.http = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute, // bounds idle keep-alive connections
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// openStore opens the backend cfg.Store names.
func openStore(cfg Config) (store.Store, error) {
	openCQL := func() (store.Store, error) {
		if len(cfg.CQLHosts) == 0 {
			return nil, fmt.Errorf("server: store %s needs CQL hosts (--cql-hosts)", cfg.Store)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		st, err := cql.New(ctx, cql.Config{Hosts: cfg.CQLHosts, Keyspace: cfg.CQLKeyspace})
		if err != nil {
			return nil, fmt.Errorf("server: open cql store at %v: %w", cfg.CQLHosts, err)
		}
		return st, nil
	}
	openPebble := func() (store.Store, error) {
		st, err := pebble.New(pebble.Config{Dir: cfg.DataDir})
		if err != nil {
			return nil, fmt.Errorf("server: open pebble store in %s: %w", cfg.DataDir, err)
		}
		return st, nil
	}
	switch cfg.Store {
	case "pebble":
		return openPebble()
	case "cql":
		return openCQL()
	case "tiered":
		local, err := openPebble()
		if err != nil {
			return nil, err
		}
		durable, err := openCQL()
		if err != nil {
			_ = local.Close()
			return nil, err
		}
		st, err := tiered.New(local, durable, tiered.Config{Logger: cfg.Logger})
		if err != nil {
			_ = local.Close()
			_ = durable.Close()
			return nil, fmt.Errorf("server: tiered store: %w", err)
		}
		return st, nil
	}
	return nil, fmt.Errorf("server: unknown store %q (want pebble, cql or tiered)", cfg.Store)
}

// Handle mounts an extra handler on the server's mux (e.g. the gateway or
// the web client). Call it before Start.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// OnShutdown registers f to run at Shutdown after the listener stops
// accepting and in-flight requests finish, before the guild registry and
// the store close (e.g. the gateway sending op 7 RECONNECT).
func (s *Server) OnShutdown(f func(ctx context.Context) error) {
	s.mu.Lock()
	s.closers = append(s.closers, f)
	s.mu.Unlock()
}

// Start listens on Config.Addr and serves in the background until Shutdown.
func (s *Server) Start(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: listen %s: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	s.serving.Store(true)
	go func() {
		err := s.http.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.serveErr <- err
	}()
	s.log.Info("serving", "addr", ln.Addr().String(), "data", s.cfg.DataDir, "store", s.cfg.Store)
	return nil
}

// Addr is the address the server listens on (after Start).
func (s *Server) Addr() string {
	if s.ln == nil {
		return s.cfg.Addr
	}
	return s.ln.Addr().String()
}

// URL is the server's base URL, e.g. "http://127.0.0.1:8080".
func (s *Server) URL() string { return "http://" + s.Addr() }

// Wait blocks until the HTTP server stops and returns why (nil after
// Shutdown). Call it at most once.
func (s *Server) Wait() error { return <-s.serveErr }

// Shutdown stops accepting connections, waits for in-flight requests (until
// ctx ends), runs the OnShutdown hooks, stops the guild actors after their
// pending writes, and closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() {
		s.serving.Store(false)
		var errs []error
		if err := s.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("server: http shutdown: %w", err))
		}
		s.mu.Lock()
		closers := append([]func(context.Context) error(nil), s.closers...)
		s.mu.Unlock()
		for i := len(closers) - 1; i >= 0; i-- {
			if err := closers[i](ctx); err != nil {
				errs = append(errs, err)
			}
		}
		s.Guilds.Close()
		s.Accounts.Close()
		s.Data.Close()
		if err := s.Store.Close(); err != nil {
			errs = append(errs, fmt.Errorf("server: close store: %w", err))
		}
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}
