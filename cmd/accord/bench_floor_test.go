package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// TestBenchFloorChild runs `accord bench floor` the default way: a child
// `accord bench floor-server` (this test binary) whose CPU is read from
// /proc, and the sessions spread over this process and a worker.
func TestBenchFloorChild(t *testing.T) {
	t.Setenv("ACCORD_TEST_MAIN", "1") // the children are this binary acting as accord
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	args := []string{"bench", "floor", "--sessions", "40", "--per-process", "20", "--rate", "0", "--duration", "1s", "--json"}
	if err := m.Run(context.Background(), args); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out.String())
	}
	t.Log(out.String())
	var res struct {
		Sessions   int     `json:"sessions"`
		Messages   int64   `json:"messages"`
		Deliveries int64   `json:"deliveries"`
		Missing    int64   `json:"missing"`
		CPU        float64 `json:"server_cpu_us_per_delivery"`
		P50        float64 `json:"p50_ms"`
		P99        float64 `json:"p99_ms"`
		Rate       float64 `json:"deliveries_per_sec"`
	}
	keys := strings.Join(lastJSON(t, out.String(), &res), " ")
	for _, k := range []string{"server_cpu_us_per_delivery", "p50_ms", "p99_ms", "deliveries_per_sec", "missing"} {
		if !strings.Contains(" "+keys+" ", " "+k+" ") {
			t.Fatalf("JSON keys %s lack %s", keys, k)
		}
	}
	if res.Sessions != 40 || res.Messages == 0 || res.Deliveries != 40*res.Messages || res.Missing != 0 {
		t.Fatalf("%+v", res)
	}
	if res.CPU <= 0 || res.P50 <= 0 || res.P99 < res.P50 || res.Rate <= 0 {
		t.Fatalf("figures %+v", res)
	}
	if !strings.Contains(out.String(), "(2 client process(es))") {
		t.Fatalf("sessions not spread over 2 processes:\n%s", out.String())
	}
}

// TestBenchStormChild runs `accord bench storm` the default way: a child
// `accord serve`, the bots set up, the server restarted on the same data
// directory, then the storm.
func TestBenchStormChild(t *testing.T) {
	t.Setenv("ACCORD_TEST_MAIN", "1")
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	args := []string{"bench", "storm", "--sessions", "30", "--json"}
	if err := m.Run(context.Background(), args); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out.String())
	}
	t.Log(out.String())
	var res struct {
		Sessions int     `json:"sessions"`
		Ready    float64 `json:"ready_all_secs"`
		Errors   int     `json:"errors"`
		Rate     float64 `json:"connects_per_sec"`
	}
	lastJSON(t, out.String(), &res)
	if res.Sessions != 30 || res.Errors != 0 || res.Ready <= 0 || res.Rate <= 0 {
		t.Fatalf("%+v", res)
	}
	if !strings.Contains(out.String(), "restart true") {
		t.Fatalf("no restart:\n%s", out.String())
	}
}

// TestBenchIngestFloorRefusesTarget: the floor runs Pebble in-process, so
// a --target would be silently ignored; it is refused instead.
func TestBenchIngestFloorRefusesTarget(t *testing.T) {
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	err := m.Run(context.Background(), []string{"bench", "ingest", "--floor", "--target", "http://127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "takes no --target") {
		t.Fatalf("ingest --floor --target: %v", err)
	}
}
