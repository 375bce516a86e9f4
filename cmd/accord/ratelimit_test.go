package main

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/ratelimit"
	"github.com/accordchat/accord/internal/server"
)

// TestRateLimitFlags: --rate-limits and ACCORD_RATE_LIMITS switch every
// limit off; the knobs reach server.Config.
func TestRateLimitFlags(t *testing.T) {
	if cfg := parseServe(t, nil); cfg.DisableRateLimits || cfg.RateLimit.Global.Requests != 50 || cfg.RateLimit.InvalidRequests.Requests != 10_000 {
		t.Fatalf("defaults: %+v", cfg.RateLimit)
	}
	if cfg := parseServe(t, nil, "--rate-limits=false"); !cfg.DisableRateLimits {
		t.Fatal("--rate-limits=false left limits on")
	}
	if cfg := parseServe(t, map[string]string{"ACCORD_RATE_LIMITS": "false"}); !cfg.DisableRateLimits {
		t.Fatal("ACCORD_RATE_LIMITS=false left limits on")
	}
	cfg := parseServe(t, map[string]string{"ACCORD_RATE_LIMIT_INVALID": "7", "ACCORD_RATE_LIMIT_REGISTRATIONS": "300"},
		"--rate-limit-global", "9", "--rate-limit-messages", "8")
	if cfg.RateLimit.Global.Requests != 9 || cfg.RateLimit.InvalidRequests.Requests != 7 ||
		cfg.RateLimit.Routes[ratelimit.BucketMessageCreate] != (ratelimit.Limit{Requests: 8, Window: 5 * time.Second}) ||
		cfg.RateLimit.Routes[ratelimit.BucketRegister] != (ratelimit.Limit{Requests: 300, Window: time.Minute}) {
		t.Fatalf("knobs: %+v", cfg.RateLimit)
	}
	if cfg := parseServe(t, nil); len(cfg.RateLimit.Routes) != 0 {
		t.Fatalf("default routes overridden: %+v", cfg.RateLimit.Routes)
	}
}

// parseServe parses `accord serve` flags and env as run does and returns
// the server's configuration.
func parseServe(t *testing.T, env map[string]string, args ...string) server.Config {
	t.Helper()
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
	var f serveFlags
	if err := m.parseWithEnv(m.serveFlagSet(&f), args); err != nil {
		t.Fatal(err)
	}
	return f.serverConfig(nil)
}

// TestServeRateLimitsOnByDefault: `accord serve` with no flags limits
// message creation to Discord's 5 per 5 s per channel and answers the 6th
// with a 429 discord.py accepts (Via, JSON).
func TestServeRateLimitsOnByDefault(t *testing.T) {
	c := startServe(t, t.TempDir())
	anon := c.client()
	var reg struct {
		Token string `json:"token"`
	}
	anon.Must(t, 201, "POST", "/auth/register", map[string]string{"username": "limited", "password": "password123"}, &reg)
	alice := c.client()
	alice.Token = reg.Token
	var g accordtest.Guild
	alice.Must(t, 201, "POST", "/guilds", map[string]string{"name": "limited"}, &g)
	path := fmt.Sprintf("/channels/%d/messages", g.SystemChannelID)
	for i := range 5 {
		alice.Must(t, 200, "POST", path, map[string]string{"content": fmt.Sprint(i)}, nil)
	}
	e := alice.Fail(t, "POST", path, map[string]string{"content": "sixth"})
	if e.Status != http.StatusTooManyRequests || e.Message != "You are being rate limited." {
		t.Fatalf("6th message: %+v", e)
	}
}
