package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/accordchat/accord/internal/bench"
)

const benchUsage = `usage: accord bench <scenario> [flags]

scenarios:
  ingest   [--target URL] [--clients N] [--duration D] [--channels N] [--guilds N] [--json]
  herd     [--target URL --token T] [--clients C] [--conns N] [--coalesce=false] [--json]
  fanout   [--target URL --token T] [--sessions S] [--rate R] [--duration D] [--relays=false] [--json]
  passive  [--sessions S] [--active-share F] [--rate R] [--duration D] [--json]

Serve switches (--coalesce, --passive, --relays, --relay-threshold) go to the started server`

func (m *Main) bench(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(benchUsage)
	}
	switch args[0] {
	case "ingest":
		return m.benchIngest(ctx, args)
	case "herd":
		return m.benchHerd(ctx, args[1:])
	case "fanout":
		return m.benchFanout(ctx, args[1:])
	case "fanout-worker":
		return m.benchFanoutWorker(ctx)
	case "passive":
		return m.benchPassive(ctx, args[1:])
	}
	return errors.New(benchUsage)
}

func (m *Main) benchIngest(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench ingest", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	target := fs.String("target", "", "server base URL (default: start `accord serve` on a temp dir)")
	clients := fs.Int("clients", 16, "concurrent REST clients")
	duration := fs.Duration("duration", 10*time.Second, "how long to post")
	channels := fs.Int("channels", 1, "channels per guild to spread the clients over")
	guilds := fs.Int("guilds", 1, "guilds to spread the clients over")
	asJSON := fs.Bool("json", false, "print one JSON line with the figures last")
	if err := m.parseWithEnv(fs, args[1:]); err != nil {
		return err
	}
	if *target == "" {
		url, stop, err := m.startChild(ctx)
		if err != nil {
			return err
		}
		defer stop()
		*target = url
	}
	fmt.Fprintf(m.Stdout, "ingest: target %s, %d clients, %d guild(s) × %d channel(s), %s\n", *target, *clients, *guilds, *channels, *duration)
	res, err := bench.Ingest(ctx, bench.IngestConfig{Target: *target, Clients: *clients, Duration: *duration,
		Channels: *channels, Guilds: *guilds, Progress: m.Stdout})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "ingest: %d messages in %.1fs: %.0f msgs/s, p50 %.2f ms, p99 %.2f ms, %d errors\n",
		res.Messages, res.Seconds, res.MsgsPerSec, res.P50ms, res.P99ms, res.Errors)
	if *asJSON {
		b, _ := json.Marshal(res)
		fmt.Fprintln(m.Stdout, string(b))
	}
	return nil
}

// startChild runs `accord serve` from this executable on a temporary data
// directory and a free port, with serveArgs added (the technique switches,
// see serveSwitches), and returns its URL and a stop function that sends
// SIGTERM and removes the directory.
func (m *Main) startChild(ctx context.Context, serveArgs ...string) (string, func(), error) {
	c, err := m.startServeChild(ctx, "", serveArgs...)
	if err != nil {
		return "", nil, err
	}
	return c.url, c.stop, nil
}
