package bench_test

import (
	"context"
	"net/http/httptest"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/bench"
)

// TestFloor runs the floor scenario against an in-process FloorServer, at
// a fixed rate and saturated: every session gets every message, and the
// figures (CPU included: the test's own process stands in for the server)
// are filled in under fanout's JSON keys.
func TestFloor(t *testing.T) {
	fs := &bench.FloorServer{}
	srv := httptest.NewServer(fs)
	t.Cleanup(func() { srv.Close(); fs.Close() })
	for _, rate := range []float64{20, 0} {
		res, err := bench.Floor(context.Background(), bench.FanoutConfig{Target: srv.URL, Sessions: 60, Rate: rate,
			Duration: time.Second, ServerPID: os.Getpid()})
		if err != nil {
			t.Fatal(err)
		}
		t.Log(res)
		if res.Sessions != 60 || res.Messages == 0 || res.Deliveries != 60*res.Messages || res.Missing != 0 || res.PostErrors != 0 {
			t.Fatalf("rate %g: %+v", rate, res)
		}
		if res.P50ms <= 0 || res.P99ms < res.P50ms || res.DeliveriesPerSec <= 0 || res.BytesSent <= 0 {
			t.Fatalf("rate %g: figures %+v", rate, res)
		}
		// /proc counts CPU in 10 ms ticks: the saturated run is long
		// enough to show some, the other may not be.
		if res.ServerCPUPerDelivery < 0 || (rate == 0 && res.ServerCPUPerDelivery == 0) {
			t.Fatalf("rate %g: server CPU %v µs/delivery", rate, res.ServerCPUPerDelivery)
		}
		want := []string{"bytes_sent", "deliveries", "deliveries_per_sec", "max_ms", "messages", "missing", "p50_ms", "p99_ms",
			"rss_idle_per_session_bytes", "rss_peak_bytes", "server_cpu_us_per_delivery", "sessions"}
		if got := jsonKeys(t, res.JSON()); !reflect.DeepEqual(got, want) {
			t.Fatalf("JSON keys %v, want exactly %v", got, want)
		}
	}
	// The floor never reads a socket after IDENTIFY, so it keeps the
	// first run's (closed) sockets too: 60 identified per run.
	if n := fs.Sessions(); n != 120 {
		t.Fatalf("floor server holds %d sessions, want 120", n)
	}
}
