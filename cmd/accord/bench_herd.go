package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/accordchat/accord/internal/bench"
)

func init() {
	registerScenario(scenario{
		name:     "herd",
		synopsis: "[--target URL --token T] [--clients C] [--conns N] [--coalesce=false] [--json]",
		shared:   sharedTarget | sharedToken | sharedServe,
		new:      func() scenarioRun { return &herdScenario{} },
	})
}

// herdScenario is `accord bench herd`: C clients read a channel's newest
// page at once after an @everyone message.
type herdScenario struct {
	clients, conns, history, limit int
}

func (s *herdScenario) flags(fs *flag.FlagSet) {
	fs.IntVar(&s.clients, "clients", 5000, "clients that fetch the channel at once")
	fs.IntVar(&s.conns, "conns", 0, "keep-alive connections the clients share (default min(clients, 1000))")
	fs.IntVar(&s.history, "history", 100, "messages posted before the @everyone message")
	fs.IntVar(&s.limit, "limit", 50, "messages each client fetches")
}

func (s *herdScenario) run(ctx context.Context, b *benchRun) (report, error) {
	b.header("target %s, %d clients, %d history messages, limit %d", b.target, s.clients, s.history, s.limit)
	res, err := bench.Herd(ctx, bench.HerdConfig{Target: b.target, Metrics: b.metrics, Token: b.token, Clients: s.clients, Conns: s.conns,
		History: s.history, Limit: s.limit, Progress: b.m.Stderr})
	if err != nil {
		return nil, err
	}
	if res.Errors > 0 {
		return res, fmt.Errorf("bench herd: %d of %d clients got no answer", res.Errors, res.Clients)
	}
	return res, nil
}
