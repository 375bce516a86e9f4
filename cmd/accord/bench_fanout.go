package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/accordchat/accord/internal/bench"
)

// benchFanout runs `accord bench fanout`: S gateway sessions in one guild,
// one poster, delivery latency and rate, server memory per session.
func (m *Main) benchFanout(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench fanout", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	target := fs.String("target", "", "server base URL (default: start `accord serve` on a temp dir)")
	token := fs.String("token", "", "token of an existing user on --target (default: register one)")
	pid := fs.Int("server-pid", 0, "with --target on this machine: the server's process ID, for its RSS and CPU")
	sessions := fs.Int("sessions", 1000, "gateway sessions (bot members of one guild)")
	rate := fs.Float64("rate", 5, "messages per second (0: as fast as the server delivers)")
	duration := fs.Duration("duration", 10*time.Second, "how long to post")
	window := fs.Int("window", 64, "with --rate 0: messages posted and not yet delivered to the probe sessions")
	perProcess := fs.Int("per-process", 0, "sessions per client process (default: the open-files limit less 512)")
	asJSON := fs.Bool("json", false, "print one JSON line with the figures last")
	var sw serveSwitches
	sw.register(fs)
	if err := m.parseWithEnv(fs, args); err != nil {
		return err
	}
	if *target == "" {
		if *token != "" {
			return errors.New("bench fanout: --token needs --target")
		}
		c, err := m.startServeChild(ctx, "", sw.args()...)
		if err != nil {
			return err
		}
		defer c.stop()
		*target, *pid = c.url, c.pid
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench fanout: find executable: %w", err)
	}
	fmt.Fprintf(m.Stdout, "fanout: target %s, %d sessions, rate %g msg/s (0 = saturate), %s\n", *target, *sessions, *rate, *duration)
	res, err := bench.Fanout(ctx, bench.FanoutConfig{
		Target: *target, Token: *token, Sessions: *sessions, Rate: *rate, Duration: *duration, Window: *window,
		PerProcess: *perProcess, ServerPID: *pid, Progress: m.Stderr,
		Worker: func() *exec.Cmd { return exec.Command(exe, "bench", "fanout-worker") },
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, res.String())
	if *asJSON {
		fmt.Fprintln(m.Stdout, string(res.JSON()))
	}
	return nil
}

// benchFanoutWorker runs `accord bench fanout-worker`, a client process of
// the fan-out and passive scenarios (spoken to over stdin and stdout).
func (m *Main) benchFanoutWorker(ctx context.Context) error {
	return bench.ServeWorker(ctx, os.Stdin, m.Stdout)
}
