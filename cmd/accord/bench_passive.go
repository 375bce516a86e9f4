package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/accordchat/accord/internal/bench"
)

// benchPassive runs `accord bench passive`: the same workload against a
// child server with passive sessions on and then one with them off (on the
// same data directory), measuring gateway bytes and server CPU.
func (m *Main) benchPassive(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench passive", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	sessions := fs.Int("sessions", 1000, "user sessions in the guild (each registers a user: a password hash on the server)")
	share := fs.Float64("active-share", 0.1, "share of sessions that subscribe to the guild with op 14")
	rate := fs.Float64("rate", 5, "messages per second")
	duration := fs.Duration("duration", 10*time.Second, "how long to post")
	settle := fs.Duration("settle", 0, "how long to keep listening after the last post (default: passive interval + 1 s)")
	interval := fs.Duration("passive-interval", 5*time.Second, "the servers' PASSIVE_UPDATE_V1 interval")
	lt := fs.Int("large-threshold", 250, "large_threshold sent in IDENTIFY (50-250; below --sessions)")
	perProcess := fs.Int("per-process", 0, "sessions per client process (default: the open-files limit less 512)")
	asJSON := fs.Bool("json", false, "print one JSON line with the figures last")
	var sw serveSwitches
	sw.register(fs)
	if err := m.parseWithEnv(fs, args); err != nil {
		return err
	}
	if *settle <= 0 {
		*settle = *interval + time.Second
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("bench passive: find executable: %w", err)
	}
	dir, err := os.MkdirTemp("", "accord-bench-passive-")
	if err != nil {
		return fmt.Errorf("bench passive: temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	start := func(ctx context.Context, passive bool) (bench.PassiveServer, error) {
		// The run's own setting comes last and wins over --passive.
		args := append(sw.args(), "--passive-interval="+interval.String(), "--passive="+strconv.FormatBool(passive))
		c, err := m.startServeChild(ctx, dir, args...)
		if err != nil {
			return bench.PassiveServer{}, err
		}
		return bench.PassiveServer{Target: c.url, PID: c.pid, Stop: c.stop}, nil
	}
	fmt.Fprintf(m.Stdout, "passive: %d sessions, %.0f%% subscribed, %g msg/s for %s, servers with passive on then off\n",
		*sessions, *share*100, *rate, *duration)
	res, err := bench.Passive(ctx, bench.PassiveConfig{
		Start: start, Sessions: *sessions, ActiveShare: *share, Rate: *rate, Duration: *duration, Settle: *settle,
		LargeThreshold: *lt, PerProcess: *perProcess, Progress: m.Stderr,
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
