package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/accordchat/accord/internal/bench"
)

func init() {
	registerScenario(scenario{
		name:     "passive",
		synopsis: "[--sessions S] [--active-share F] [--rate R] [--duration D] [--json]",
		shared:   sharedDuration | sharedServe,
		new:      func() scenarioRun { return &passiveScenario{} },
	})
}

// passiveScenario is `accord bench passive`: the same workload against a
// child server with passive sessions on and then one with them off (on the
// same data directory), measuring gateway bytes and server CPU.
type passiveScenario struct {
	sessions, largeThreshold, perProcess int
	share, rate                          float64
	settle, interval                     time.Duration
}

func (s *passiveScenario) flags(fs *flag.FlagSet) {
	fs.IntVar(&s.sessions, "sessions", 1000, "user sessions in the guild (each registers a user: a password hash on the server)")
	fs.Float64Var(&s.share, "active-share", 0.1, "share of sessions that subscribe to the guild with op 14")
	fs.Float64Var(&s.rate, "rate", 5, "messages per second")
	fs.DurationVar(&s.settle, "settle", 0, "how long to keep listening after the last post (default: passive interval + 1 s)")
	fs.DurationVar(&s.interval, "passive-interval", 5*time.Second, "the servers' PASSIVE_UPDATE_V1 interval")
	fs.IntVar(&s.largeThreshold, "large-threshold", 250, "large_threshold sent in IDENTIFY (50-250; below --sessions)")
	fs.IntVar(&s.perProcess, "per-process", 0, "sessions per client process (default: the open-files limit less 512)")
}

func (s *passiveScenario) run(ctx context.Context, b *benchRun) (report, error) {
	if s.settle <= 0 {
		s.settle = s.interval + time.Second
	}
	worker, err := b.workers()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "accord-bench-passive-")
	if err != nil {
		return nil, fmt.Errorf("bench passive: temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	start := func(ctx context.Context, passive bool) (bench.PassiveServer, error) {
		// The run's own setting comes last and wins over --passive.
		args := append(b.serve.args(), "--passive-interval="+s.interval.String(), "--passive="+strconv.FormatBool(passive))
		c, err := b.m.startServeChild(ctx, dir, args...)
		if err != nil {
			return bench.PassiveServer{}, err
		}
		return bench.PassiveServer{Target: c.url, Metrics: c.metrics, PID: c.pid, Stop: c.stop}, nil
	}
	b.header("%d sessions, %.0f%% subscribed, %g msg/s for %s, servers with passive on then off",
		s.sessions, s.share*100, s.rate, b.duration)
	res, err := bench.Passive(ctx, bench.PassiveConfig{
		Start: start, Sessions: s.sessions, ActiveShare: s.share, Rate: s.rate, Duration: b.duration, Settle: s.settle,
		LargeThreshold: s.largeThreshold, PerProcess: s.perProcess, Progress: b.m.Stderr, Worker: worker,
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
