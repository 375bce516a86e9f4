package main

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// TestServeHTTPFlags: the HTTP hygiene flags and their variables reach
// server.Config, with the documented defaults.
func TestServeHTTPFlags(t *testing.T) {
	parse := func(env map[string]string, args ...string) *serveFlags {
		t.Helper()
		m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
		var f serveFlags
		if err := m.parseWithEnv(m.serveFlagSet(&f), args); err != nil {
			t.Fatal(err)
		}
		return &f
	}
	cfg := parse(nil).serverConfig(nil)
	h := cfg.HTTP
	if cfg.MetricsAddr != "127.0.0.1:9090" || h.ReadHeaderTimeout != 10*time.Second || h.ReadTimeout != 30*time.Second ||
		h.WriteTimeout != 30*time.Second || h.IdleTimeout != 120*time.Second || h.MaxHeaderBytes != 64<<10 || h.CORSOrigins != nil {
		t.Fatalf("defaults: metrics %q, %+v", cfg.MetricsAddr, h)
	}
	cfg = parse(map[string]string{"ACCORD_METRICS_ADDR": "127.0.0.1:0", "ACCORD_CORS_ORIGINS": "https://a.example, https://b.example"},
		"--http-read-timeout", "5s").serverConfig(nil)
	if cfg.MetricsAddr != "127.0.0.1:0" || cfg.HTTP.ReadTimeout != 5*time.Second ||
		strings.Join(cfg.HTTP.CORSOrigins, " ") != "https://a.example https://b.example" {
		t.Fatalf("set: metrics %q, %+v", cfg.MetricsAddr, cfg.HTTP)
	}
}

// TestServeMetricsAddrBusy: a metrics address already taken fails startup
// with an error that names the flag, rather than serving without metrics.
func TestServeMetricsAddrBusy(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	err = m.Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--log-format", "json",
		"--metrics-addr", ln.Addr().String()})
	if err == nil || !strings.Contains(err.Error(), "--metrics-addr") {
		t.Fatalf("serve with a busy --metrics-addr: %v", err)
	}
}
