package main

import (
	"context"
	"flag"

	"github.com/accordchat/accord/internal/bench"
)

func init() {
	registerScenario(scenario{
		name:     "ingest",
		synopsis: "[--target URL] [--clients N] [--duration D] [--channels N] [--guilds N] [--json]",
		shared:   sharedTarget | sharedDuration | sharedServe,
		new:      func() scenarioRun { return &ingestScenario{} },
	})
}

// ingestScenario is `accord bench ingest`: clients post messages over REST
// as fast as the server answers.
type ingestScenario struct {
	clients, channels, guilds int
}

func (s *ingestScenario) flags(fs *flag.FlagSet) {
	fs.IntVar(&s.clients, "clients", 16, "concurrent REST clients")
	fs.IntVar(&s.channels, "channels", 1, "channels per guild to spread the clients over")
	fs.IntVar(&s.guilds, "guilds", 1, "guilds to spread the clients over")
}

func (s *ingestScenario) run(ctx context.Context, b *benchRun) (report, error) {
	b.header("target %s, %d clients, %d guild(s) × %d channel(s), %s", b.target, s.clients, s.guilds, s.channels, b.duration)
	res, err := bench.Ingest(ctx, bench.IngestConfig{Target: b.target, Clients: s.clients, Duration: b.duration,
		Channels: s.channels, Guilds: s.guilds, Progress: b.m.Stdout})
	if err != nil {
		return nil, err
	}
	return res, nil
}
