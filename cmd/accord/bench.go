package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/accordchat/accord/internal/bench"
)

const benchUsage = `usage: accord bench <scenario> [flags]

scenarios:
  ingest   [--target URL] [--clients N] [--duration D] [--channels N] [--guilds N] [--json]
  herd     [--target URL --token T] [--clients C] [--conns N] [--coalesce=false] [--json]`

func (m *Main) bench(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(benchUsage)
	}
	switch args[0] {
	case "ingest":
		return m.benchIngest(ctx, args)
	case "herd":
		return m.benchHerd(ctx, args[1:])
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
	exe, err := os.Executable()
	if err != nil {
		return "", nil, fmt.Errorf("bench: find executable: %w", err)
	}
	dir, err := os.MkdirTemp("", "accord-bench-")
	if err != nil {
		return "", nil, fmt.Errorf("bench: temp dir: %w", err)
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--log-format", "json", "--log-level", "info"}, serveArgs...)
	cmd := exec.Command(exe, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, fmt.Errorf("bench: start server: %w", err)
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		_ = os.RemoveAll(dir)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			var line struct {
				Msg    string `json:"msg"`
				Server struct {
					Addr string `json:"addr"`
				} `json:"server"`
			}
			if !sent && json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "serving" && line.Server.Addr != "" {
				addr <- line.Server.Addr
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case a := <-addr:
		return "http://" + a, stop, nil
	case <-time.After(15 * time.Second):
		stop()
		return "", nil, errors.New("bench: server did not start within 15 s")
	case <-ctx.Done():
		stop()
		return "", nil, ctx.Err()
	}
}
