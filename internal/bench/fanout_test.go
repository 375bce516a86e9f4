package bench_test

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/bench"
	"github.com/accordchat/accord/internal/server"
)

// jsonKeys returns the sorted keys of a JSON object.
func jsonKeys(t *testing.T, b []byte) []string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// TestFanout runs the fan-out scenario against an in-process server, at a
// fixed rate and saturated, and checks that every session got every
// message.
func TestFanout(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{DisableRateLimits: true}) // a load test, as `accord bench` runs it
	for _, rate := range []float64{20, 0} {
		res, err := bench.Fanout(context.Background(), bench.FanoutConfig{Target: s.URL(), Metrics: s.MetricsURL(), Sessions: 60, Rate: rate, Duration: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Log(res)
		if res.Sessions != 60 || res.Messages == 0 || res.Deliveries != 60*res.Messages || res.Missing != 0 || res.PostErrors != 0 {
			t.Fatalf("rate %g: %+v", rate, res)
		}
		if res.P50ms <= 0 || res.P99ms < res.P50ms || res.MaxMs < res.P99ms || res.DeliveriesPerSec <= 0 || res.BytesSent <= 0 {
			t.Fatalf("rate %g: figures %+v", rate, res)
		}
		want := []string{"bytes_sent", "deliveries", "deliveries_per_sec", "max_ms", "messages", "missing", "p50_ms", "p99_ms",
			"rss_idle_per_session_bytes", "rss_peak_bytes", "server_cpu_us_per_delivery", "sessions"}
		if got := jsonKeys(t, res.JSON()); !reflect.DeepEqual(got, want) {
			t.Fatalf("JSON keys %v, want exactly %v", got, want)
		}
	}
}
