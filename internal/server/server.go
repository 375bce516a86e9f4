// Package server is Accord's composition root: it opens the store, makes the
// snowflake generator, the guild registry, the data service, the REST API
// and (see gateway.go) the WebSocket gateway, and serves them on one HTTP
// listener.
//
// The server has one config shape, one metrics style and one close stack:
// Config (filled by cmd/accord from flags and environment) is defaulted and
// validated in one place, Config.setDefaults; every component's metrics
// reach the one registry, Server.Metrics (see metrics.go); and New and
// Start push each component they bring up onto a stack that Shutdown runs
// in reverse (see closers.go), so nothing stops before what depends on it.
// New builds, Start serves, Shutdown stops.
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

	"github.com/accordchat/accord/internal/account"
	"github.com/accordchat/accord/internal/api"
	"github.com/accordchat/accord/internal/auth"
	"github.com/accordchat/accord/internal/blob"
	"github.com/accordchat/accord/internal/bus"
	"github.com/accordchat/accord/internal/data"
	"github.com/accordchat/accord/internal/dm"
	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/h1"
	"github.com/accordchat/accord/internal/interaction"
	"github.com/accordchat/accord/internal/node"
	"github.com/accordchat/accord/internal/ratelimit"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
	"github.com/accordchat/accord/internal/store/cql"
	"github.com/accordchat/accord/internal/store/pebble"
	"github.com/accordchat/accord/internal/store/tiered"
	"github.com/accordchat/accord/web"
)

// Config configures a Server. The zero value of each field means its
// default; New fills the defaults and validates in one place
// (setDefaults). Only cmd/accord reads flags and the environment: it fills
// a Config and nothing else does (the flag of each field is named with it).
type Config struct {
	// Addr is the listen address (--addr). Default "127.0.0.1:8080"; port
	// 0 picks a free one (see Addr).
	Addr string
	// DataDir holds the embedded store (--data). Default "./data".
	DataDir string
	// Store names the backend (--store): "pebble" (default, embedded under
	// DataDir), "cql" (ScyllaDB/Cassandra at CQLHosts) or "tiered"
	// (Pebble under DataDir as a write-through local tier in front of CQL).
	// Any other name is refused.
	Store string
	// CQLHosts are the CQL contact points (--cql-hosts), required by the
	// cql and tiered stores.
	CQLHosts []string
	// CQLKeyspace is the CQL keyspace (--cql-keyspace). Default "accord".
	CQLKeyspace string
	// Cluster is cluster mode (--nats, --node-id, --public-url...; see
	// cluster.go). Its zero value is a single node.
	Cluster ClusterConfig
	// WorkerID is the snowflake worker ID (--worker-id, 0–31); every node
	// of a cluster needs its own. -1 derives it from Cluster.NodeID (n3:
	// 3). Default 0.
	WorkerID int
	// Logger defaults to slog.Default() (cmd/accord builds it from
	// --log-format and --log-level).
	Logger *slog.Logger
	// MaxBodyBytes caps REST request bodies. Default 1 MiB.
	MaxBodyBytes int64
	// GuildInbox bounds each guild actor's inbox. Default 1024.
	GuildInbox int
	// GuildIdleTimeout stops idle guild actors. Default 5 minutes.
	GuildIdleTimeout time.Duration
	// Gateway holds the gateway's settings (see gateway.go; --gateway-*).
	Gateway GatewayConfig
	// DirectReads sends every message read straight to the store, with no
	// coalescing and no hot-page cache (`accord serve --coalesce=false`).
	DirectReads bool
	// DisablePassive makes every gateway session active in every guild
	// (`accord serve --passive=false`); see guild.Config.
	DisablePassive bool
	// PassiveInterval is how often passive sessions get PASSIVE_UPDATE_V1
	// (--passive-interval). Default 5 s.
	PassiveInterval time.Duration
	// DisableRelays keeps each guild's fan-out in its actor goroutine
	// (`accord serve --relays=false`).
	DisableRelays bool
	// RelayThreshold is the number of sessions in one guild above which
	// fan-out moves to relay goroutines (--relay-threshold). Default
	// 5,000.
	RelayThreshold int
	// UserCacheSize bounds how many users the account service keeps in
	// memory (--user-cache-size). Default account.DefaultCacheSize.
	UserCacheSize int
	// DisableRateLimits switches off every REST rate limit and throttle
	// (`accord serve --rate-limits=false`), for benchmarks and load tests;
	// input size limits stay. It overrides RateLimit.Disabled.
	DisableRateLimits bool
	// RateLimit holds the REST limits (--rate-limit-*); the zero value of
	// each field is package ratelimit's default.
	RateLimit ratelimit.Config
	// DebugAddr, if set, serves Go's profiler (/debug/pprof/) on a
	// listener of its own at this address (--debug-addr; see debug.go).
	// Default: off.
	DebugAddr string

	// HTTP hygiene (issue 11): connection bounds, CORS, the metrics
	// listener and password-hashing bounds.

	// HTTP bounds the public listener's connections and sets its CORS
	// origins (see http.go; --http-*, --cors-origins).
	HTTP HTTPConfig
	// MetricsAddr, if set, serves GET /metrics on a listener of its own at
	// this address (--metrics-addr; see debug.go); the public address
	// never serves it. Default: off here; `accord serve` defaults it to
	// 127.0.0.1:9090, and port 0 picks a free one (see MetricsURL).
	MetricsAddr string
	// Hashing bounds concurrent password hashing (register, login); see
	// auth.HashLimits. Default: GOMAXPROCS at once, a short queue, 429
	// beyond.
	Hashing auth.HashLimits
	// Blob is the store of attachments, avatars and icons, and its limits
	// (see blobs.go; --blob, --max-file-bytes, --max-upload-bytes).
	Blob BlobConfig
	// InteractionsEndpointHosts, when not empty, are the only hosts an
	// application's interactions_endpoint_url may name
	// (--interactions-endpoint-hosts). Default: any host.
	InteractionsEndpointHosts []string
}

// setDefaults fills the zero fields of c with their defaults and validates
// c: the one place a Config is checked, before New opens anything. Fields
// passed on to a component (GuildInbox, PassiveInterval, Gateway...) keep
// their zero value here; the component's own New defaults them.
func (c *Config) setDefaults() error {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.DataDir == "" {
		c.DataDir = "./data"
	}
	if c.Store == "" {
		c.Store = "pebble"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	switch c.Store {
	case "pebble":
	case "cql", "tiered":
		if len(c.CQLHosts) == 0 {
			return fmt.Errorf("server: store %s needs CQL hosts (--cql-hosts)", c.Store)
		}
	default:
		return fmt.Errorf("server: unknown store %q (want pebble, cql or tiered)", c.Store)
	}
	if c.UserCacheSize < 0 {
		return fmt.Errorf("server: --user-cache-size %d is negative", c.UserCacheSize)
	}
	if err := c.HTTP.setDefaults(); err != nil {
		return err
	}
	return c.setClusterDefaults()
}

// Server is one Accord node.
type Server struct {
	cfg    Config
	log    *slog.Logger
	Store  store.Store
	IDs    *snowflake.Generator
	Data   *data.Service
	Guilds *guild.Registry
	// DMs runs private channels and relationships.
	DMs *dm.Service
	API *api.Handler
	// ReadStates records acks and renders READY's read_state; the DM
	// service is its PrivateChannels.
	ReadStates *account.ReadStates
	// Blobs holds attachments, avatars and icons (see blobs.go).
	Blobs blob.Store
	// Node is this server's part in a cluster; nil on a single node (see
	// cluster.go).
	Node        *node.Node
	bus         bus.Bus
	incarnation uint64
	// Gateway is the WebSocket gateway (see gateway.go).
	Gateway *gateway.Gateway
	// Metrics is the server's own registry, served at GET /metrics on
	// Config.MetricsAddr;
	// components register their collectors here, never globally (see
	// metrics.go).
	Metrics *prometheus.Registry

	// Accounts owns users and tokens; the API and the gateway read users
	// through it.
	Accounts *account.Service
	// Limits keeps the REST rate limits and the login and registration
	// throttles (disabled by Config.DisableRateLimits).
	Limits *ratelimit.Limiter

	mux      *http.ServeMux
	http     *http.Server
	front    *h1.Server // nil with HTTPConfig.NetHTTPOnly
	ln       net.Listener
	serving  atomic.Bool
	stack    closeStack // what New and Start brought up; Shutdown unwinds it
	serveErr chan error

	metricsLn net.Listener // set by Start if Config.MetricsAddr is set
	collector background   // the attachment collector (blobs.go)

	mu      sync.Mutex // held through Start, so Shutdown waits for it
	started bool       // guarded by mu
	stopped bool       // guarded by mu

	stopOnce sync.Once
	stopErr  error
}

// New builds a Server: it validates cfg, opens the store and wires every
// component, but does not listen yet. Each component is pushed onto the
// close stack as soon as it exists; if a later one fails, New closes the
// earlier ones before it returns the error.
func New(cfg Config) (*Server, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger.WithGroup("server"), mux: http.NewServeMux(), serveErr: make(chan error, 1),
		Metrics: newRegistry()}

	var err error
	if s.IDs, err = snowflake.New(cfg.WorkerID, 0); err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	if s.Store, err = openStore(cfg); err != nil {
		return nil, err
	}
	s.stack.push("store", noContext(s.Store.Close))
	if s.Data, err = data.New(data.Config{Store: s.Store, Direct: cfg.DirectReads, Registerer: s.Metrics}); err != nil {
		return nil, s.unwind(err)
	}
	s.stack.push("data", noError(s.Data.Close))
	rl := cfg.RateLimit
	rl.Disabled = cfg.DisableRateLimits
	if s.Limits, err = ratelimit.New(rl); err != nil {
		return nil, s.unwind(fmt.Errorf("server: %w", err))
	}
	if s.Accounts, err = account.New(account.Config{Store: s.Store, IDs: s.IDs, CacheSize: cfg.UserCacheSize, Registerer: s.Metrics,
		Hashing: cfg.Hashing, Limits: s.Limits}); err != nil {
		return nil, s.unwind(err)
	}
	s.stack.push("accounts", noError(s.Accounts.Close))
	blobs, signer, err := openBlobs(context.Background(), cfg, s.cdnBase)
	if err != nil {
		return nil, s.unwind(err)
	}
	s.Blobs = blobs
	gcfg := guild.Config{Store: s.Store, Data: s.Data, IDs: s.IDs, Users: s.Accounts, Logger: cfg.Logger,
		InboxSize: cfg.GuildInbox, IdleTimeout: cfg.GuildIdleTimeout,
		DisablePassive: cfg.DisablePassive, PassiveInterval: cfg.PassiveInterval,
		DisableRelays: cfg.DisableRelays, RelayThreshold: cfg.RelayThreshold,
		AttachmentURL: signer.Sign, AttachmentsGone: s.attachmentsGone}
	if cfg.clustered() {
		if err := s.newCluster(); err != nil {
			return nil, s.unwind(err)
		}
		gcfg.Placement, gcfg.Remote = s.Node, s.Node
	}
	s.Guilds, err = guild.New(gcfg)
	if err != nil {
		return nil, s.unwind(err)
	}
	// The guild actors stop after the gateway and the HTTP server (pushed
	// later), so no request reaches a closed registry.
	// The blob collector, started by Start, reads the store through the
	// API: it stops with the guilds, after the HTTP server.
	s.stack.push("guilds", noError(func() { s.collector.stop(); s.Guilds.Close() }))
	dcfg := dm.Config{Store: s.Store, Data: s.Data, IDs: s.IDs, Users: s.Accounts, Logger: cfg.Logger,
		AttachmentURL: signer.Sign, AttachmentsGone: s.attachmentsGone}
	if s.Node != nil {
		dcfg.Placement = s.Node
	}
	if s.DMs, err = dm.New(dcfg); err != nil {
		return nil, s.unwind(err)
	}
	// The gateway comes first so the API can end a bot's sessions when its
	// token is reset.
	s.ReadStates = account.NewReadStates(s.Store, s.DMs)
	if err := s.mountGateway(); err != nil {
		return nil, s.unwind(err)
	}
	acfg := api.Config{Store: s.Store, Accounts: s.Accounts, Guilds: s.Guilds, DMs: s.DMs, IDs: s.IDs, Logger: cfg.Logger,
		MaxBodyBytes: cfg.MaxBodyBytes, Sessions: s.Gateway, Limits: s.Limits, ReadStates: s.ReadStates,
		Blobs: blobs, Signer: signer, MaxFileBytes: cfg.Blob.MaxFileBytes, MaxUploadBytes: cfg.Blob.MaxUploadBytes,
		InteractionsEndpointHosts: cfg.InteractionsEndpointHosts}
	if s.Node != nil {
		// Token resets end the bot's sessions on every node; interaction
		// tokens name this node, so that callbacks reaching another node
		// come here.
		acfg.Forward, acfg.Sessions = s.Node, s.Node
		acfg.Interactions = interaction.New(interaction.Config{Node: cfg.Cluster.NodeID})
	}
	s.API, err = api.New(acfg)
	if err != nil {
		return nil, s.unwind(err)
	}
	// HTTP interaction deliveries end (within their 3 s) before the guilds
	// they post answers to.
	s.stack.push("interaction deliveries", noError(s.API.WaitDeliveries))
	if s.Node != nil {
		s.Node.SetHTTP(s.API)
		if err := s.Node.Register(s.Metrics); err != nil {
			return nil, s.unwind(fmt.Errorf("server: register cluster metrics: %w", err))
		}
	}
	if err := s.registerMetrics(); err != nil {
		return nil, s.unwind(err)
	}
	s.mux.Handle("/api/", s.API)
	s.mux.Handle("/api", s.API)
	s.mux.HandleFunc("GET /healthz", s.serveHealth)
	// The CDN, with Discord's paths (see api/cdn.go).
	if cdn := s.API.CDN(); cdn != nil {
		for _, p := range []string{"/attachments/", "/avatars/", "/icons/", "/banners/", "/channel-icons/", "/emojis/"} {
			s.mux.Handle(p, cdn)
		}
	}
	// The web client (package web) answers every path nothing more specific
	// claims; it talks to the server only through /api and /gateway.
	s.mux.Handle("/", web.Handler())
	s.http = newHTTPServer(cfg.HTTP, s.mux, cfg.Logger)
	if !cfg.HTTP.NetHTTPOnly {
		s.front = &h1.Server{Handler: s.http.Handler, Fallback: s.http, Prefixes: []string{"/api/"}, Logger: cfg.Logger}
	}
	return s, nil
}

// openStore opens the backend cfg.Store names (validated by setDefaults).
func openStore(cfg Config) (store.Store, error) {
	openCQL := func() (store.Store, error) {
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
	return openPebble()
}

// Handle mounts an extra handler on the server's mux (e.g. the gateway or
// the web client). Call it before Start.
func (s *Server) Handle(pattern string, h http.Handler) { s.mux.Handle(pattern, h) }

// Start serves in the background until Shutdown: the profiler's and the
// metrics' listeners first if Config.DebugAddr and MetricsAddr are set,
// then Config.Addr. Each listener is
// pushed onto the close stack once it serves. If Start fails, it shuts the
// whole server down (what Start began, then what New built, in reverse
// order) before it returns the error; a later Shutdown is then a no-op.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	if s.started || s.stopped {
		s.mu.Unlock()
		return errors.New("server: Start called twice or after Shutdown")
	}
	s.started = true
	err := s.startLocked(ctx)
	s.mu.Unlock()
	if err != nil {
		return s.unwind(err)
	}
	s.log.Info("serving", "addr", s.ln.Addr().String(), "data", s.cfg.DataDir, "store", s.cfg.Store)
	return nil
}

// startLocked brings up Start's listeners, in order; s.mu is held.
func (s *Server) startLocked(ctx context.Context) error {
	if s.cfg.DebugAddr != "" {
		if err := s.startDebug(ctx); err != nil {
			return err
		}
	}
	if s.cfg.MetricsAddr != "" {
		if err := s.startMetrics(ctx); err != nil {
			return err
		}
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("server: listen %s: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	if s.Node != nil {
		if err := s.startCluster(ctx, "http://"+ln.Addr().String()); err != nil {
			_ = ln.Close()
			return err
		}
	}
	s.collector.start(s.collectBlobs)
	serve, shutdown := s.http.Serve, s.http.Shutdown
	if s.front != nil {
		serve, shutdown = s.front.Serve, s.front.Shutdown
	}
	go func() {
		err := serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		s.serveErr <- err
	}()
	// Shutdown stops accepting and waits for in-flight requests (until its
	// ctx ends) before anything New built closes.
	s.stack.push("http", shutdown)
	s.serving.Store(true)
	return nil
}

// unwind shuts down what New or Start brought up so far, after they failed
// with err, and returns err with any close errors.
func (s *Server) unwind(err error) error {
	if cerr := s.Shutdown(context.Background()); cerr != nil {
		return errors.Join(err, cerr)
	}
	return err
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

// MetricsURL is the base URL of the metrics listener, e.g.
// "http://127.0.0.1:9090" (GET MetricsURL()+"/metrics"), or "" if
// Config.MetricsAddr is not set or Start has not run.
func (s *Server) MetricsURL() string {
	if s.metricsLn == nil {
		return ""
	}
	return "http://" + s.metricsLn.Addr().String()
}

// Wait blocks until the HTTP server stops and returns why (nil after
// Shutdown). Call it at most once, and only after Start succeeded.
func (s *Server) Wait() error { return <-s.serveErr }

// Shutdown stops everything New and Start brought up, in reverse order: the
// HTTP server stops accepting and finishes in-flight requests (until ctx
// ends), the gateway sends op 7 RECONNECT, the guild actors stop after
// their pending writes, and the store closes last. Every component is
// stopped even if an earlier one failed; the errors are joined. Later
// calls return the first call's result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() {
		s.mu.Lock() // waits for a Start in progress
		s.stopped = true
		s.mu.Unlock()
		s.serving.Store(false)
		s.stopErr = s.stack.close(ctx, s.log)
	})
	return s.stopErr
}
