package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/bench"
)

// TestBenchHerdChild runs `accord bench herd` the default way, with a child
// `accord serve` (this test binary), and checks that --coalesce=false
// reaches the child: its own metrics say so and every client's read goes
// to the store.
func TestBenchHerdChild(t *testing.T) {
	t.Setenv("ACCORD_TEST_MAIN", "1") // the child is this binary acting as accord
	for _, tc := range []struct {
		args     []string
		coalesce bool
	}{
		{[]string{"--coalesce=false"}, false},
		{nil, true},
	} {
		var out bytes.Buffer
		m := &Main{Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }}
		args := append([]string{"bench", "herd", "--clients", "100", "--conns", "20", "--history", "10", "--json"}, tc.args...)
		if err := m.Run(context.Background(), args); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		var res struct {
			Clients    int     `json:"clients"`
			StoreReads int64   `json:"store_reads"`
			P50ms      float64 `json:"p50_ms"`
			P99ms      float64 `json:"p99_ms"`
			Coalesce   bool    `json:"coalesce"`
		}
		dec := json.NewDecoder(strings.NewReader(lines[len(lines)-1]))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&res); err != nil {
			t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
		}
		if res.Clients != 100 || res.Coalesce != tc.coalesce || res.P50ms <= 0 {
			t.Fatalf("%v: %+v", args, res)
		}
		// Two store reads per page without coalescing: the messages and
		// their decorations (reactions and pins).
		if !tc.coalesce && res.StoreReads != 200 {
			t.Fatalf("--coalesce=false: %d store reads, want 200", res.StoreReads)
		}
		if tc.coalesce && res.StoreReads > 10 {
			t.Fatalf("coalescing: %d store reads", res.StoreReads)
		}
	}
}

// TestServeCoalesceEnv: ACCORD_COALESCE=false turns the data service's
// techniques off in `accord serve`.
func TestServeCoalesceEnv(t *testing.T) {
	c := startServe(t, t.TempDir(), "ACCORD_COALESCE=false")
	got, err := bench.Metrics(context.Background(), http.DefaultClient, "http://"+c.metrics, "accord_data_coalesce_enabled")
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := got["accord_data_coalesce_enabled"]; !ok || v != 0 {
		t.Fatalf("accord_data_coalesce_enabled = %v (%v), want 0", v, ok)
	}
	var f serveFlags
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	if err := m.parseWithEnv(m.serveFlagSet(&f), nil); err != nil || !f.coalesce {
		t.Fatalf("default coalesce = %v, %v; want true", f.coalesce, err)
	}
}
