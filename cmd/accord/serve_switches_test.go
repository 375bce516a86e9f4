package main

import (
	"io"
	"testing"
	"time"
)

// TestPassiveAndRelaySwitches checks the serve switches reach the server's
// configuration, from flags and from the environment; the behaviour each
// one switches is tested through a real server in internal/gateway
// (TestEndToEndPassiveOff, TestEndToEndRelaysSwitch) and internal/guild.
func TestPassiveAndRelaySwitches(t *testing.T) {
	parse := func(env map[string]string, args ...string) serveFlags {
		t.Helper()
		m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
		var f serveFlags
		if err := m.parseWithEnv(m.serveFlagSet(&f), args); err != nil {
			t.Fatal(err)
		}
		return f
	}
	f := parse(nil)
	cfg := f.serverConfig(nil)
	if cfg.DisablePassive || cfg.DisableRelays || cfg.RelayThreshold != 5000 || cfg.PassiveInterval != 5*time.Second {
		t.Fatalf("defaults: %+v", cfg)
	}
	f = parse(nil, "--passive=false", "--relays=false", "--relay-threshold", "7", "--passive-interval", "250ms",
		"--gateway-send-queue", "65536", "--gateway-heartbeat", "5s")
	cfg = f.serverConfig(nil)
	if !cfg.DisablePassive || !cfg.DisableRelays || cfg.RelayThreshold != 7 || cfg.PassiveInterval != 250*time.Millisecond ||
		cfg.Gateway.Options.SendQueueBytes != 65536 || cfg.Gateway.Options.HeartbeatInterval != 5*time.Second {
		t.Fatalf("switched off: %+v", cfg)
	}
	f = parse(map[string]string{"ACCORD_PASSIVE": "false", "ACCORD_RELAYS": "false"})
	if cfg = f.serverConfig(nil); !cfg.DisablePassive || !cfg.DisableRelays {
		t.Fatalf("from the environment: %+v", cfg)
	}
}
