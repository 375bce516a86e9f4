package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchGuard runs the guard once at tiny sizes against a baseline in
// which only fanout's CPU ratio is impossibly low: that figure, and only
// it, fails the guard.
func TestBenchGuard(t *testing.T) {
	t.Setenv("ACCORD_TEST_MAIN", "1") // the children are this binary acting as accord
	base := filepath.Join(t.TempDir(), "baseline.json")
	figs := map[string]float64{"fanout_cpu_vs_floor": 1e-6, "fanout_p99_vs_floor": 1e9, "ingest_rate_floor_vs": 1e9,
		"ingest_p99_vs_mean": 1e9, "herd_p99_vs_floor": 1e9, "idle_bytes_per_session": 1e9, "idle_bytes_vs_8kib_goal": 1e9}
	raw, _ := json.Marshal(map[string]any{"figures": figs})
	if err := os.WriteFile(base, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	err := m.Run(context.Background(), []string{"bench", "guard", "--baseline", base, "--runs", "1", "--sessions", "30",
		"--clients", "4", "--duration", "1s"})
	t.Log(out.String())
	if err == nil || err.Error() != "bench guard: regressed: fanout_cpu_vs_floor" {
		t.Fatalf("guard: %v", err)
	}
	if !strings.Contains(out.String(), "REGRESSED") || strings.Count(out.String(), " ok: ") != len(figs)-1 {
		t.Fatalf("table:\n%s", out.String())
	}
}
