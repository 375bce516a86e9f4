package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// serveChild is `accord serve` running as a child of the bench, so the
// server's memory and CPU can be read from /proc apart from the clients'.
type serveChild struct {
	url     string // e.g. "http://127.0.0.1:40123"
	metrics string // its metrics listener's base URL
	debug   string // its profiler listener's base URL
	pid     int
	stop    func() // SIGTERM, wait, and remove the data directory if the bench made it
}

// startServeChild runs `accord serve` from this executable on dir (""
// makes a temporary directory, removed by stop) and a free port, with
// serveArgs added. Benches are load tests: the child serves with
// --rate-limits=false, so the figures measure the server, not its limits.
// startWait bounds a child server's start. Creating a fresh CQL keyspace
// and its tables takes 10-20 s on a busy 2-core machine, so this is generous:
// it only matters when the child never comes up.
const startWait = 60 * time.Second

func (m *Main) startServeChild(ctx context.Context, dir string, serveArgs ...string) (*serveChild, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench: find executable: %w", err)
	}
	remove := func() {}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "accord-bench-"); err != nil {
			return nil, fmt.Errorf("bench: temp dir: %w", err)
		}
		remove = func() { _ = os.RemoveAll(dir) }
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--debug-addr", "127.0.0.1:0", "--data", dir,
		"--log-format", "json", "--log-level", "info", "--rate-limits=false"}, serveArgs...)
	cmd := exec.Command(exe, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		remove()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		remove()
		return nil, fmt.Errorf("bench: start server: %w", err)
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		remove()
	}
	addr := servingAddr(stderr)
	select {
	case a := <-addr:
		c := &serveChild{url: "http://" + a.public, metrics: "http://" + a.metrics, pid: cmd.Process.Pid, stop: stop}
		if a.debug != "" {
			c.debug = "http://" + a.debug
		}
		return c, nil
	case <-time.After(startWait):
		stop()
		return nil, fmt.Errorf("bench: server did not start within %s", startWait)
	case <-ctx.Done():
		stop()
		return nil, ctx.Err()
	}
}

// servedAddrs are the addresses a child `accord serve` logged.
type servedAddrs struct {
	public  string // of its "serving" line
	metrics string // of its "metrics serving" line, logged before; "" if off
	debug   string // of its "debug serving" line, logged before; "" if off
}

// servingAddr reads a child `accord serve`'s JSON log from r and sends the
// addresses it serves on once its "serving" line comes; it drains r to the
// end so the child never blocks on a full pipe.
func servingAddr(r io.Reader) <-chan servedAddrs {
	addr := make(chan servedAddrs, 1)
	go func() {
		sc := bufio.NewScanner(r)
		sent := false
		var got servedAddrs
		for sc.Scan() {
			var line struct {
				Msg    string `json:"msg"`
				Addr   string `json:"addr"`
				Server struct {
					Addr string `json:"addr"`
				} `json:"server"`
			}
			if sent || json.Unmarshal(sc.Bytes(), &line) != nil {
				continue
			}
			switch {
			case line.Msg == "metrics serving":
				got.metrics = line.Addr
			case line.Msg == "debug serving":
				got.debug = line.Addr
			case line.Msg == "serving" && line.Server.Addr != "":
				got.public = line.Server.Addr
				addr <- got
				sent = true
			}
		}
		_, _ = io.Copy(io.Discard, r)
	}()
	return addr
}
