package main

import (
	"context"
	"flag"

	"github.com/accordchat/accord/internal/bench"
)

func init() {
	registerScenario(scenario{
		name:     "fanout",
		synopsis: "[--target URL --token T] [--sessions S] [--rate R] [--duration D] [--relays=false] [--json]",
		shared:   sharedTarget | sharedToken | sharedServerPID | sharedDuration | sharedServe,
		new:      func() scenarioRun { return &fanoutScenario{} },
	})
}

// fanoutScenario is `accord bench fanout`: S gateway sessions in one
// guild, one poster, delivery latency and rate, server memory per session.
type fanoutScenario struct {
	sessions, window, perProcess int
	rate                         float64
}

func (s *fanoutScenario) flags(fs *flag.FlagSet) {
	fs.IntVar(&s.sessions, "sessions", 1000, "gateway sessions (bot members of one guild)")
	fs.Float64Var(&s.rate, "rate", 5, "messages per second (0: as fast as the server delivers)")
	fs.IntVar(&s.window, "window", 64, "with --rate 0: messages posted and not yet delivered to the probe sessions")
	fs.IntVar(&s.perProcess, "per-process", 0, "sessions per client process (default: the open-files limit less 512)")
}

func (s *fanoutScenario) run(ctx context.Context, b *benchRun) (report, error) {
	worker, err := b.workers()
	if err != nil {
		return nil, err
	}
	b.header("target %s, %d sessions, rate %g msg/s (0 = saturate), %s", b.target, s.sessions, s.rate, b.duration)
	res, err := bench.Fanout(ctx, bench.FanoutConfig{
		Target: b.target, Metrics: b.metrics, Token: b.token, Sessions: s.sessions, Rate: s.rate, Duration: b.duration, Window: s.window,
		PerProcess: s.perProcess, ServerPID: b.pid, Progress: b.m.Stderr, Worker: worker,
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
