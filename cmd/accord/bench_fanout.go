package main

import (
	"context"
	"flag"

	"github.com/accordchat/accord/internal/bench"
)

func init() {
	registerScenario(scenario{
		name:        "fanout",
		synopsis:    "[--target URL --token T] [--nodes N [--targets URLS --metrics-targets URLS]] [--sessions S] [--rate R] [--duration D] [--relays=false] [--json]",
		shared:      sharedTarget | sharedToken | sharedServerPID | sharedDuration | sharedServe,
		readsMemory: true,
		new:         func() scenarioRun { return &fanoutScenario{} },
	})
}

// fanoutScenario is `accord bench fanout`: S gateway sessions in one
// guild, one poster, delivery latency and rate, server memory per session;
// with --nodes N > 1 the same over an N-node cluster (bench_cluster.go).
type fanoutScenario struct {
	sessions, window, perProcess int
	rate                         float64
	freshIdle                    bool
	cluster                      clusterFlags
}

func (s *fanoutScenario) flags(fs *flag.FlagSet) {
	fs.IntVar(&s.sessions, "sessions", 1000, "gateway sessions (bot members of one guild)")
	fs.Float64Var(&s.rate, "rate", 5, "messages per second (0: as fast as the server delivers)")
	fs.IntVar(&s.window, "window", 64, "with --rate 0: messages posted and not yet delivered to the probe sessions")
	fs.IntVar(&s.perProcess, "per-process", 0, "sessions per client process (default: the open-files limit less 512)")
	fs.BoolVar(&s.freshIdle, "fresh-idle", false, "read idle memory as soon as every session is ready (most still unacknowledged, their READY and GUILD_CREATE held for RESUME), not after each one's first heartbeat")
	s.cluster.register(fs)
}

// ownServers: with --nodes N > 1 the scenario starts (or targets) its
// cluster itself, so the scaffold starts no server; with cluster flags
// and --nodes 1 (or --nodes below 1) run refuses them before anything
// starts.
func (s *fanoutScenario) ownServers() bool {
	return s.cluster.nodes != 1 || s.cluster.targets != "" || s.cluster.metricsTargets != ""
}

// config is the fan-out workload of the parsed flags.
func (s *fanoutScenario) config(b *benchRun) (bench.FanoutConfig, error) {
	worker, err := b.workers()
	if err != nil {
		return bench.FanoutConfig{}, err
	}
	return bench.FanoutConfig{
		Target: b.target, Metrics: b.metrics, Token: b.token, Sessions: s.sessions, Rate: s.rate, Duration: b.duration, Window: s.window,
		PerProcess: s.perProcess, ServerPID: b.pid, Debug: b.debug, Progress: b.m.Stderr, Worker: worker, FreshIdle: s.freshIdle,
	}, nil
}

func (s *fanoutScenario) run(ctx context.Context, b *benchRun) (report, error) {
	if err := s.cluster.validate(b); err != nil {
		return nil, err
	}
	cfg, err := s.config(b)
	if err != nil {
		return nil, err
	}
	if s.cluster.nodes > 1 {
		return s.runCluster(ctx, b, cfg)
	}
	b.header("target %s, %d sessions, rate %g msg/s (0 = saturate), %s", b.target, s.sessions, s.rate, b.duration)
	res, err := bench.Fanout(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return res, nil
}
