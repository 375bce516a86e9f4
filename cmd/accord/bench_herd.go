package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/accordchat/accord/internal/bench"
)

// benchHerd runs `accord bench herd`: C clients read a channel's newest
// page at once after an @everyone message.
func (m *Main) benchHerd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench herd", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	target := fs.String("target", "", "server base URL (default: start `accord serve` on a temp dir)")
	token := fs.String("token", "", "token of an existing user on --target (default: register one)")
	clients := fs.Int("clients", 5000, "clients that fetch the channel at once")
	conns := fs.Int("conns", 0, "keep-alive connections the clients share (default min(clients, 1000))")
	history := fs.Int("history", 100, "messages posted before the @everyone message")
	limit := fs.Int("limit", 50, "messages each client fetches")
	asJSON := fs.Bool("json", false, "print one JSON line with the figures last")
	var sw serveSwitches
	sw.register(fs)
	if err := m.parseWithEnv(fs, args); err != nil {
		return err
	}
	if *target == "" {
		if *token != "" {
			return errors.New("bench herd: --token needs --target")
		}
		url, stop, err := m.startChild(ctx, sw.args()...)
		if err != nil {
			return err
		}
		defer stop()
		*target = url
	}
	fmt.Fprintf(m.Stdout, "herd: target %s, %d clients, %d history messages, limit %d\n", *target, *clients, *history, *limit)
	res, err := bench.Herd(ctx, bench.HerdConfig{Target: *target, Token: *token, Clients: *clients, Conns: *conns,
		History: *history, Limit: *limit, Progress: m.Stderr})
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, res.String())
	if *asJSON {
		fmt.Fprintln(m.Stdout, string(res.JSON()))
	}
	if res.Errors > 0 {
		return fmt.Errorf("bench herd: %d of %d clients got no answer", res.Errors, res.Clients)
	}
	return nil
}
