package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/accordchat/accord/internal/bench"
)

func init() {
	registerScenario(scenario{
		name:     "ingest",
		synopsis: "[--target URL] [--clients N] [--duration D] [--channels N] [--guilds N] [--floor] [--json]",
		shared:   sharedTarget | sharedDuration | sharedServe,
		new:      func() scenarioRun { return &ingestScenario{} },
	})
}

// ingestScenario is `accord bench ingest`: clients post messages over REST
// as fast as the server answers.
type ingestScenario struct {
	clients, channels, guilds int
	floor                     bool
}

// ownServers: the floor runs on a Pebble store of its own, no server.
func (s *ingestScenario) ownServers() bool { return s.floor }

func (s *ingestScenario) flags(fs *flag.FlagSet) {
	fs.IntVar(&s.clients, "clients", 16, "concurrent REST clients")
	fs.IntVar(&s.channels, "channels", 1, "channels per guild to spread the clients over")
	fs.IntVar(&s.guilds, "guilds", 1, "guilds to spread the clients over")
	fs.BoolVar(&s.floor, "floor", false, "measure the floor instead: Pebble alone, one synced batch per message (the same keys and sizes), at the same concurrency")
}

func (s *ingestScenario) run(ctx context.Context, b *benchRun) (report, error) {
	if s.floor {
		if b.target != "" {
			return nil, errors.New("bench ingest: --floor runs Pebble in this process; it takes no --target")
		}
		dir, err := os.MkdirTemp("", "accord-bench-floor-")
		if err != nil {
			return nil, fmt.Errorf("bench ingest: temp dir: %w", err)
		}
		defer os.RemoveAll(dir)
		b.header("floor: Pebble alone in %s, %d clients, %d channel(s), %s", dir, s.clients, s.channels, b.duration)
		res, err := bench.IngestFloor(ctx, bench.IngestFloorConfig{Dir: dir, Clients: s.clients, Duration: b.duration,
			Channels: s.channels, Progress: b.m.Stdout})
		if err != nil {
			return nil, err
		}
		return res, nil
	}
	b.header("target %s, %d clients, %d guild(s) × %d channel(s), %s", b.target, s.clients, s.guilds, s.channels, b.duration)
	res, err := bench.Ingest(ctx, bench.IngestConfig{Target: b.target, Clients: s.clients, Duration: b.duration,
		Channels: s.channels, Guilds: s.guilds, Progress: b.m.Stdout, ServerPID: b.pid})
	if err != nil {
		return nil, err
	}
	return res, nil
}
