package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/accordchat/accord/internal/bench"
)

// floorServerScenario is the hidden mode in which this executable is the
// floor's server (bench.FloorServer), a process of its own so that its CPU
// and RSS are read from /proc exactly as `accord serve`'s are for fanout.
const floorServerScenario = "floor-server"

func init() {
	registerScenario(scenario{
		name:     "floor",
		synopsis: "[--sessions S] [--rate R] [--duration D] [--json]: fanout's client fed by the cheapest server (pre-framed bytes, one write per socket)",
		shared:   sharedDuration,
		new:      func() scenarioRun { return &floorScenario{} },
	})
	registerScenario(scenario{
		name:   floorServerScenario,
		hidden: true,
		new:    func() scenarioRun { return floorServer{} },
	})
}

// floorScenario is `accord bench floor`: the fan-out scenario's sessions,
// client processes and poster against the floor server.
type floorScenario struct {
	sessions, window, perProcess int
	rate                         float64
}

func (s *floorScenario) flags(fs *flag.FlagSet) {
	fs.IntVar(&s.sessions, "sessions", 1000, "gateway sessions")
	fs.Float64Var(&s.rate, "rate", 5, "messages per second (0: as fast as the server delivers)")
	fs.IntVar(&s.window, "window", 64, "with --rate 0: messages posted and not yet delivered to the probe sessions")
	fs.IntVar(&s.perProcess, "per-process", 0, "sessions per client process (default: the open-files limit less 512)")
}

func (s *floorScenario) run(ctx context.Context, b *benchRun) (report, error) {
	c, err := startFloorChild(ctx)
	if err != nil {
		return nil, err
	}
	defer c.stop()
	worker, err := b.workers()
	if err != nil {
		return nil, err
	}
	b.header("floor server %s, %d sessions, rate %g msg/s (0 = saturate), %s", c.url, s.sessions, s.rate, b.duration)
	res, err := bench.Floor(ctx, bench.FanoutConfig{Target: c.url, Sessions: s.sessions, Rate: s.rate, Duration: b.duration,
		Window: s.window, PerProcess: s.perProcess, ServerPID: c.pid, Progress: b.m.Stderr, Worker: worker})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// startFloorChild runs `accord bench floor-server` from this executable
// and reads the address it serves on from its first line of output.
func startFloorChild(ctx context.Context) (*serveChild, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench floor: find executable: %w", err)
	}
	cmd := exec.Command(exe, "bench", floorServerScenario)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench floor: start server: %w", err)
	}
	stop := func() {
		_ = in.Close() // the server exits when its stdin ends
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
		}
	}
	addr := make(chan string, 1)
	go func() {
		var line struct {
			Addr string `json:"addr"`
		}
		if err := json.NewDecoder(bufio.NewReader(out)).Decode(&line); err == nil {
			addr <- line.Addr
		}
		close(addr)
		_, _ = io.Copy(io.Discard, out)
	}()
	select {
	case a, ok := <-addr:
		if !ok || a == "" {
			stop()
			return nil, errors.New("bench floor: the server did not say where it serves")
		}
		return &serveChild{url: "http://" + a, pid: cmd.Process.Pid, stop: stop}, nil
	case <-time.After(startWait):
		stop()
		return nil, fmt.Errorf("bench floor: server did not start within %s", startWait)
	case <-ctx.Done():
		stop()
		return nil, ctx.Err()
	}
}

// floorServer is `accord bench floor-server`: it serves a FloorServer on
// a free loopback port, writes {"addr":...} on stdout and serves until its
// stdin ends.
type floorServer struct{}

func (floorServer) flags(*flag.FlagSet) {}

func (floorServer) run(ctx context.Context, b *benchRun) (report, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("bench floor-server: %w", err)
	}
	fs := &bench.FloorServer{}
	srv := &http.Server{Handler: fs, ReadHeaderTimeout: 30 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	if err := json.NewEncoder(b.m.Stdout).Encode(map[string]string{"addr": ln.Addr().String()}); err != nil {
		_ = srv.Close()
		return nil, err
	}
	stdinDone := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stdinDone) }()
	select {
	case <-stdinDone:
	case <-ctx.Done():
	}
	_ = srv.Close()
	fs.Close()
	return nil, nil
}
