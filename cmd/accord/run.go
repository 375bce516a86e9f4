package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/accordchat/accord/internal/gctune"
	"github.com/accordchat/accord/internal/ratelimit"
	"github.com/accordchat/accord/internal/server"
)

// Main holds the process's outside world, so tests can run commands in
// process.
type Main struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

const usage = `usage: accord <command> [flags]

commands:
  serve          run the server
  bench ingest   measure message ingest over REST (--floor: Pebble's synced writes alone)
  bench herd     measure C clients reading a channel at once (store reads, latency)
  bench fanout   measure fan-out to S gateway sessions (deliveries/s, latency, server RSS per session)
  bench passive  measure gateway bytes and server CPU with passive sessions on and off
  bench floor    measure fanout's client fed by the cheapest server (the write(2) floor)
  bench storm    measure S sessions IDENTIFYing at once after a restart (time to all READY)
  bench guard    run fanout, ingest and herd against the floors; fail on a regression from bench/baseline.json
  bench media    measure upload and CDN throughput (MB/s) and image resize latency (cold, cached)
  version        print the version
`

// Run runs the command named by args[0].
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return errors.New("no command")
	}
	var err error
	switch args[0] {
	case "serve":
		err = m.serve(ctx, args[1:])
	case "bench":
		err = m.bench(ctx, args[1:])
	case "version", "--version", "-v":
		fmt.Fprintln(m.Stdout, "accord", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	default:
		fmt.Fprint(m.Stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
	if errors.Is(err, flag.ErrHelp) {
		return nil // -h printed the flags
	}
	return err
}

func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}

// serveFlags are the flags of `accord serve`. A flag whose value has the
// type of its server.Config field is bound to that field; serverConfig maps
// the rest (switches named for what they turn on, the host list, the
// logger's settings). The flags' defaults are the documented ones (README's
// "Running" table); validation and refusals (an unknown --store, --nats)
// are the server's, in server.New, so cmd checks nothing but the logger.
//
// Precedence: a flag on the command line wins over its environment variable
// ACCORD_<FLAG> (dashes become underscores, e.g. ACCORD_NODE_ID), which wins
// over the flag's default; see parseWithEnv.
type serveFlags struct {
	cfg                       server.Config
	cqlHosts                  string
	corsOrigins               string
	endpointHosts             string
	coalesce, passive, relays bool
	rateLimits                bool
	httpLean                  bool
	gcHeadroom                int64
	manifold                  bool
	rateLimitMessages         int
	rateLimitRegistrations    int
	logFormat, logLevel       string
}

func (m *Main) serveFlagSet(f *serveFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	c := &f.cfg
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(&c.DataDir, "data", "./data", "data directory of the embedded store")
	fs.StringVar(&c.Store, "store", "pebble", "store backend: pebble, cql or tiered (pebble in front of cql)")
	fs.StringVar(&c.CQLKeyspace, "cql-keyspace", "accord", "CQL keyspace (store cql or tiered)")
	fs.StringVar(&f.cqlHosts, "cql-hosts", "", "comma-separated CQL hosts (store cql)")
	fs.StringVar(&c.Cluster.NATS, "nats", "", "cluster mode: comma-separated nats:// URLs of a NATS cluster (needs --store cql or tiered), or embedded (an in-process nats-server, one node)")
	fs.StringVar(&c.Cluster.NodeID, "node-id", "", "this node's name in the cluster (letters, digits, - and _; default n<worker-id>)")
	fs.IntVar(&c.WorkerID, "worker-id", -1, "snowflake worker ID 0-31, distinct per node (default: the trailing digits of --node-id, else 0)")
	fs.StringVar(&c.Cluster.PublicURL, "public-url", "", "this node's base URL as clients and other nodes reach it (default http://<listen address>)")
	fs.BoolVar(&f.manifold, "manifold", true, "cluster fan-out: one NATS message per destination node per event (false: one per recipient session)")
	fs.DurationVar(&c.Cluster.Heartbeat, "cluster-heartbeat", time.Second, "time between two membership heartbeats")
	fs.DurationVar(&c.Cluster.DeadAfter, "cluster-dead-after", 3*time.Second, "silence after which a node is dead and its guilds move")
	fs.StringVar(&f.logFormat, "log-format", "", "log format: text or json (default: text on a terminal, else json)")
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.BoolVar(&f.coalesce, "coalesce", true, "coalesce identical message reads and keep hot channels' newest messages in memory (false: every read goes to the store)")
	fs.BoolVar(&f.passive, "passive", true, "passive sessions: a user session in a guild above its large_threshold gets only periodic PASSIVE_UPDATE_V1 (and mentions) until it subscribes with op 14 (false: every session gets every event)")
	fs.DurationVar(&c.PassiveInterval, "passive-interval", 5*time.Second, "how often passive sessions get PASSIVE_UPDATE_V1")
	fs.BoolVar(&f.relays, "relays", true, "hand a big guild's fan-out to relay goroutines, one slice of its sessions each (false: the guild actor fans out alone)")
	fs.IntVar(&c.RelayThreshold, "relay-threshold", 5000, "sessions in one guild above which its fan-out moves to relays")
	fs.IntVar(&c.Gateway.Options.SendQueueBytes, "gateway-send-queue", 1<<20, "bytes queued for one gateway connection before it is closed as slow (4000, resumable)")
	fs.DurationVar(&c.Gateway.Options.HeartbeatInterval, "gateway-heartbeat", 41250*time.Millisecond, "heartbeat interval sent in HELLO")
	fs.StringVar(&c.Gateway.ResumeURL, "gateway-url", "", "public gateway URL for resume_gateway_url (default: from the request Host)")
	fs.IntVar(&c.UserCacheSize, "user-cache-size", 100_000, "users the account service keeps in memory (a bounded cache)")
	fs.BoolVar(&f.rateLimits, "rate-limits", true, "REST rate limits and login/registration throttles (false: all off, for benchmarks and load tests; input size limits stay)")
	fs.IntVar(&c.RateLimit.Global.Requests, "rate-limit-global", 50, "REST requests per second one user (or address, without a token) may make")
	fs.IntVar(&f.rateLimitMessages, "rate-limit-messages", 5, "messages one user may post to one channel per 5 s (Discord's 5)")
	fs.IntVar(&f.rateLimitRegistrations, "rate-limit-registrations", 20, "accounts one address may register per minute (a community behind one proxy, or a test suite, may need more)")
	fs.IntVar(&c.RateLimit.InvalidRequests.Requests, "rate-limit-invalid", 10_000, "401, 403 and 429 answers per 10 minutes one address may get before it is blocked for 10 minutes")
	fs.StringVar(&c.DebugAddr, "debug-addr", "", "serve Go's profiler (/debug/pprof/) on this separate address, e.g. 127.0.0.1:6060 (default: off)")
	// HTTP hygiene: REST connection bounds, CORS, the metrics listener.
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "127.0.0.1:9090", "serve GET /metrics on this separate address (port 0: a free one; empty: off); never on --addr")
	fs.DurationVar(&c.HTTP.ReadHeaderTimeout, "http-read-header-timeout", 10*time.Second, "time to read a REST request's headers")
	fs.DurationVar(&c.HTTP.ReadTimeout, "http-read-timeout", 30*time.Second, "time to read a whole REST request, body included")
	fs.DurationVar(&c.HTTP.WriteTimeout, "http-write-timeout", 30*time.Second, "time from a REST request's headers to the end of its response")
	fs.DurationVar(&c.HTTP.IdleTimeout, "http-idle-timeout", 120*time.Second, "time a keep-alive connection may wait for its next request")
	fs.Int64Var(&f.gcHeadroom, "gc-headroom-bytes", 32<<20, "while the live heap is small, let it grow at least this much between garbage collections (0: GOGC alone; see internal/gctune)")
	fs.BoolVar(&f.httpLean, "http-lean", true, "serve /api requests of keep-alive connections with Accord's lean HTTP/1.1 reader (false: net/http for everything)")
	fs.IntVar(&c.HTTP.MaxHeaderBytes, "http-max-header-bytes", 64<<10, "largest request header accepted (431 beyond)")
	fs.StringVar(&c.Blob.Store, "blob", "fs", "blob store of attachments, avatars and icons: fs (files under --data/blobs) or s3://bucket[/prefix]?endpoint=http://host:port&region=r (credentials from ACCORD_S3_ACCESS_KEY and ACCORD_S3_SECRET_KEY; a cluster needs s3)")
	fs.Int64Var(&c.Blob.MaxFileBytes, "max-file-bytes", 25<<20, "largest uploaded file (40005 beyond)")
	fs.Int64Var(&c.Blob.MaxUploadBytes, "max-upload-bytes", 25<<20, "largest total of the files of one request (40005 beyond)")
	fs.DurationVar(&c.Blob.CollectEvery, "blob-collect-every", time.Hour, "how often blobs of deleted messages, channels and guilds are collected (negative: never)")
	fs.DurationVar(&c.Blob.URLTTL, "blob-url-ttl", 24*time.Hour, "how long a signed attachment URL (ex, is, hm) stays good before it must be refreshed")
	fs.StringVar(&f.corsOrigins, "cors-origins", "", "comma-separated browser origins allowed to call /api cross-origin, e.g. https://chat.example (default: none; the bundled web client needs none)")
	fs.StringVar(&f.endpointHosts, "interactions-endpoint-hosts", "", "comma-separated hosts (or host:port) an application's interactions_endpoint_url may name (default: any host, loopback and private ones too)")
	return fs
}

// parseWithEnv parses args, then applies ACCORD_<FLAG> variables to the
// flags not given on the command line: a flag beats its variable, which
// beats the flag's default. Every command's flags (serve and bench) are
// parsed here, so every flag has its variable.
func (m *Main) parseWithEnv(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		env := "ACCORD_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := m.Getenv(env); v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", env, err))
			}
		}
	})
	return errors.Join(errs...)
}

// logger builds the server's logger from --log-format and --log-level.
func (m *Main) logger(format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "" {
		format = "json"
		if f, ok := m.Stderr.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(m.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(m.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want text or json", format)
}

// serverConfig is the server's configuration from the parsed flags, with
// log as its logger.
func (f *serveFlags) serverConfig(log *slog.Logger) server.Config {
	cfg := f.cfg
	cfg.CQLHosts = splitList(f.cqlHosts)
	cfg.HTTP.CORSOrigins = splitList(f.corsOrigins)
	cfg.InteractionsEndpointHosts = splitList(f.endpointHosts)
	cfg.Logger = log
	cfg.DirectReads = !f.coalesce
	cfg.DisablePassive = !f.passive
	cfg.DisableRelays = !f.relays
	cfg.DisableRateLimits = !f.rateLimits
	cfg.HTTP.NetHTTPOnly = !f.httpLean
	cfg.Cluster.DisableManifold = !f.manifold
	routes := map[string]ratelimit.Limit{}
	if f.rateLimitMessages != ratelimit.DefaultRoutes[ratelimit.BucketMessageCreate].Requests {
		routes[ratelimit.BucketMessageCreate] = ratelimit.Limit{Requests: f.rateLimitMessages, Window: 5 * time.Second}
	}
	if f.rateLimitRegistrations != ratelimit.DefaultRoutes[ratelimit.BucketRegister].Requests {
		routes[ratelimit.BucketRegister] = ratelimit.Limit{Requests: f.rateLimitRegistrations, Window: time.Minute}
	}
	if len(routes) > 0 {
		cfg.RateLimit.Routes = routes
	}
	return cfg
}

// splitList splits a comma-separated flag value, dropping blanks.
func splitList(v string) []string {
	var out []string
	for _, e := range strings.Split(v, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// shutdownGrace bounds graceful shutdown so the process exits well within
// the 10 s that orchestrators allow after SIGTERM.
const shutdownGrace = 8 * time.Second

// serve is `accord serve`: flags and environment into one server.Config,
// the server built (New validates the Config and refuses what is not
// supported, e.g. --nats), started, and shut down on ctx's end.
func (m *Main) serve(ctx context.Context, args []string) error {
	var f serveFlags
	if err := m.parseWithEnv(m.serveFlagSet(&f), args); err != nil {
		return err
	}
	log, err := m.logger(f.logFormat, f.logLevel)
	if err != nil {
		return err
	}
	if f.gcHeadroom < 0 {
		return fmt.Errorf("accord: --gc-headroom-bytes %d is negative", f.gcHeadroom)
	}
	gc := gctune.Start(uint64(f.gcHeadroom))
	defer gc.Stop()
	cfg := f.serverConfig(log)
	cfg.Blob.S3AccessKey, cfg.Blob.S3SecretKey = m.Getenv("ACCORD_S3_ACCESS_KEY"), m.Getenv("ACCORD_S3_SECRET_KEY")
	srv, err := server.New(cfg)
	if err != nil {
		return err
	}
	// A failed Start has already shut down what New built.
	if err := srv.Start(ctx); err != nil {
		return err
	}
	waitErr := make(chan error, 1)
	go func() { waitErr <- srv.Wait() }()
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case err := <-waitErr:
		_ = srv.Shutdown(context.Background())
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Error("shutdown", "err", err)
		return err
	}
	log.Info("stopped")
	return nil
}
