package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// lastJSON decodes the last line of a bench's output and returns its keys.
func lastJSON(t *testing.T, out string, v any) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if err := json.Unmarshal([]byte(last), v); err != nil {
		t.Fatalf("last line %q: %v", last, err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(last), &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestBenchFanoutChild runs `accord bench fanout` the default way: a child
// `accord serve` (this test binary), and, with --per-process 15, the 40
// sessions spread over this process and two `fanout-worker` children.
func TestBenchFanoutChild(t *testing.T) {
	t.Setenv("ACCORD_TEST_MAIN", "1") // the children are this binary acting as accord
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	args := []string{"bench", "fanout", "--sessions", "40", "--per-process", "15", "--rate", "20", "--duration", "1s", "--relays=false", "--json"}
	if err := m.Run(context.Background(), args); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out.String())
	}
	t.Log(out.String())
	var res struct {
		Sessions   int   `json:"sessions"`
		Messages   int64 `json:"messages"`
		Deliveries int64 `json:"deliveries"`
		Missing    int64 `json:"missing"`
		RSSPeak    int64 `json:"rss_peak_bytes"`
		BytesSent  int64 `json:"bytes_sent"`
	}
	keys := lastJSON(t, out.String(), &res)
	want := []string{"bytes_sent", "deliveries", "deliveries_per_sec", "go_idle_per_session_bytes", "max_ms", "messages", "missing", "p50_ms", "p99_ms",
		"rss_idle_per_session_bytes", "rss_peak_bytes", "server_cpu_us_per_delivery", "sessions"}
	if !reflect.DeepEqual(keys, want) {
		t.Fatalf("JSON keys %v, want exactly %v", keys, want)
	}
	if res.Sessions != 40 || res.Messages == 0 || res.Deliveries != 40*res.Messages || res.Missing != 0 {
		t.Fatalf("%+v", res)
	}
	if res.RSSPeak <= 0 || res.BytesSent <= 0 {
		t.Fatalf("no server RSS or bytes: %+v", res)
	}
	if !strings.Contains(out.String(), "(3 client process(es))") {
		t.Fatalf("sessions not spread over 3 processes:\n%s", out.String())
	}
}

// TestBenchPassiveChild runs `accord bench passive` with two child servers
// (passive on, then off, on one data directory).
func TestBenchPassiveChild(t *testing.T) {
	t.Setenv("ACCORD_TEST_MAIN", "1")
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	args := []string{"bench", "passive", "--sessions", "55", "--large-threshold", "50", "--rate", "20", "--duration", "1s",
		"--passive-interval", "500ms", "--settle", "1s", "--json"}
	if err := m.Run(context.Background(), args); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out.String())
	}
	t.Log(out.String())
	var res struct {
		Sessions     int   `json:"sessions"`
		On           int64 `json:"bytes_passive_on"`
		Off          int64 `json:"bytes_passive_off"`
		DeliveriesOn int64 `json:"deliveries_passive_on"`
		MessagesOn   int64 `json:"messages_passive_on"`
		Active       int   `json:"active_sessions"`
	}
	keys := lastJSON(t, out.String(), &res)
	for _, k := range []string{"sessions", "bytes_passive_on", "bytes_passive_off"} {
		if i := sort.SearchStrings(keys, k); i == len(keys) || keys[i] != k {
			t.Fatalf("JSON keys %v lack %q", keys, k)
		}
	}
	if res.Sessions != 55 || res.On <= 0 || res.On >= res.Off || res.DeliveriesOn != int64(res.Active)*res.MessagesOn {
		t.Fatalf("%+v", res)
	}
}
