package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/server"
)

// TestMain lets the test binary act as `accord` for the child-process
// tests: with ACCORD_TEST_MAIN=1 it runs Main on its arguments.
func TestMain(m *testing.M) {
	if os.Getenv("ACCORD_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is `accord serve` running as a separate process.
type child struct {
	cmd     *exec.Cmd
	addr    string
	metrics string // its metrics listener's address
}

func startServe(t *testing.T, dir string, extraEnv ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0", "--data", dir, "--log-format", "json")
	cmd.Env = append(append(os.Environ(), "ACCORD_TEST_MAIN=1"), extraEnv...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	addr := servingAddr(stderr)
	select {
	case a := <-addr:
		return &child{cmd: cmd, addr: a.public, metrics: a.metrics}
	case <-time.After(20 * time.Second):
		t.Fatal("accord serve did not log \"serving\"")
	}
	return nil
}

// client returns an accordtest client for a child's address.
func (c *child) client() *accordtest.Client {
	base := "http://" + c.addr
	return &accordtest.Client{S: &accordtest.Server{Base: base + "/api/v10", HTTP: &http.Client{Timeout: 10 * time.Second}}}
}

func TestServeHealthzAndGracefulSIGTERM(t *testing.T) {
	c := startServe(t, t.TempDir())
	resp, err := http.Get("http://" + c.addr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	start := time.Now()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no exit within 10 s of SIGTERM")
	}
	t.Logf("stopped in %s", time.Since(start))
}

// TestMessagesSurviveHardStop posts messages, kills the server without any
// shutdown (SIGKILL: no store close), restarts it on the same directory and
// finds every acknowledged message. It posts 60 messages back to back, a
// load no bucket admits, so it serves with ACCORD_RATE_LIMITS=false.
func TestMessagesSurviveHardStop(t *testing.T) {
	dir := t.TempDir()
	c := startServe(t, dir, "ACCORD_RATE_LIMITS=false")
	anon := c.client()
	var reg struct {
		Token string `json:"token"`
	}
	anon.Must(t, 201, "POST", "/auth/register", map[string]string{"username": "durable", "password": "password123"}, &reg)
	alice := c.client()
	alice.Token = reg.Token
	var g accordtest.Guild
	alice.Must(t, 201, "POST", "/guilds", map[string]string{"name": "durable"}, &g)
	const n = 60
	acked := map[string]bool{}
	for i := 0; i < n; i++ {
		var m struct {
			ID string `json:"id"`
		}
		alice.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/messages", g.SystemChannelID), map[string]string{"content": fmt.Sprint("m", i)}, &m)
		acked[m.ID] = true
	}
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = c.cmd.Wait()

	c2 := startServe(t, dir, "ACCORD_RATE_LIMITS=false")
	alice2 := c2.client()
	alice2.Token = reg.Token
	var ms []struct {
		ID string `json:"id"`
	}
	alice2.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages?limit=100", g.SystemChannelID), nil, &ms)
	if len(ms) != n {
		t.Fatalf("after restart %d messages, want %d", len(ms), n)
	}
	for _, m := range ms {
		if !acked[m.ID] {
			t.Fatalf("unexpected message %s", m.ID)
		}
	}
}

func TestEnvAndFlags(t *testing.T) {
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string {
		return map[string]string{"ACCORD_ADDR": "127.0.0.1:9999", "ACCORD_DATA": "/tmp/x", "ACCORD_NODE_ID": "3"}[k]
	}}
	var f serveFlags
	fs := m.serveFlagSet(&f)
	if err := m.parseWithEnv(fs, []string{"--data", "/flag/wins"}); err != nil {
		t.Fatal(err)
	}
	if f.cfg.Addr != "127.0.0.1:9999" || f.cfg.DataDir != "/flag/wins" || f.cfg.Cluster.NodeID != "3" || f.cfg.Store != "pebble" {
		t.Fatalf("flags %+v", f)
	}
	bad := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string {
		if k == "ACCORD_WORKER_ID" {
			return "x"
		}
		return ""
	}}
	if err := bad.parseWithEnv(bad.serveFlagSet(&f), nil); err == nil {
		t.Fatal("bad env value accepted")
	}
	if err := m.Run(context.Background(), []string{"nope"}); err == nil {
		t.Fatal("unknown command accepted")
	}
	// NATS clustering is not built: asking for it must fail, not run a
	// single node that the operator believes is clustered.
	err := m.Run(context.Background(), []string{"serve", "--nats", "nats://127.0.0.1:4222", "--data", t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "--nats") {
		t.Fatalf("serve --nats: err = %v, want a refusal naming --nats", err)
	}
	var out bytes.Buffer
	v := &Main{Stdout: &out, Stderr: io.Discard, Getenv: os.Getenv}
	if err := v.Run(context.Background(), []string{"version"}); err != nil || !strings.HasPrefix(out.String(), "accord ") {
		t.Fatalf("version: %q %v", out.String(), err)
	}
}

func TestBenchIngestJSON(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{})
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	// 2s, not less: a first post on a loaded 2-core box can take most of a
	// second, and a run that posts nothing proves nothing.
	err := m.Run(context.Background(), []string{"bench", "ingest", "--target", s.URL(), "--clients", "2", "--duration", "2s", "--json"})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var res map[string]any
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	for _, k := range []string{"messages", "msgs_per_sec", "p50_ms", "p99_ms"} {
		if _, ok := res[k]; !ok {
			t.Errorf("missing %q in %v", k, res)
		}
	}
	if res["messages"].(float64) <= 0 {
		t.Errorf("no messages: %v", res)
	}
}
