package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/accordchat/accord/internal/bench"
)

func init() {
	registerScenario(scenario{
		name:     "storm",
		synopsis: "[--target URL] [--sessions S] [--restart=false] [--json]: S bots IDENTIFY at once (after a restart), time to all READY",
		shared:   sharedTarget | sharedServe,
		new:      func() scenarioRun { return &stormScenario{} },
	})
}

// stormScenario is `accord bench storm`: S bot sessions of one guild
// IDENTIFY together, by default just after the server restarted.
type stormScenario struct {
	sessions, dials, perProcess int
	restart                     bool
}

func (s *stormScenario) flags(fs *flag.FlagSet) {
	fs.IntVar(&s.sessions, "sessions", 1000, "bot sessions that IDENTIFY at once")
	fs.IntVar(&s.dials, "dials", 0, "handshakes in flight per client process until READY (default: all sessions at once)")
	fs.IntVar(&s.perProcess, "per-process", 0, "sessions per client process (default: the open-files limit less 512)")
	fs.BoolVar(&s.restart, "restart", true, "without --target: restart the server between setting up the bots and the storm")
}

// ownServers: without --target the scenario starts the server itself, on a
// data directory it keeps across the restart.
func (s *stormScenario) ownServers() bool { return true }

func (s *stormScenario) run(ctx context.Context, b *benchRun) (report, error) {
	worker, err := b.workers()
	if err != nil {
		return nil, err
	}
	cfg := bench.StormConfig{Target: b.target, Sessions: s.sessions, Dials: s.dials, PerProcess: s.perProcess, Worker: worker, Progress: b.m.Stderr}
	if b.target == "" {
		dir, err := os.MkdirTemp("", "accord-bench-storm-")
		if err != nil {
			return nil, fmt.Errorf("bench storm: temp dir: %w", err)
		}
		defer os.RemoveAll(dir)
		c, err := b.m.startServeChild(ctx, dir, b.serve.args()...)
		if err != nil {
			return nil, err
		}
		defer func() { c.stop() }()
		cfg.Target = c.url
		if s.restart {
			cfg.Restart = func(ctx context.Context) (string, error) {
				c.stop()
				if c, err = b.m.startServeChild(ctx, dir, b.serve.args()...); err != nil {
					c = &serveChild{stop: func() {}}
					return "", err
				}
				return c.url, nil
			}
		}
	}
	b.header("target %s, %d sessions, restart %v", cfg.Target, s.sessions, cfg.Restart != nil)
	res, err := bench.Storm(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if res.Errors > 0 {
		return res, fmt.Errorf("bench storm: %d of %d sessions not READY", res.Errors, res.Sessions)
	}
	return res, nil
}
