package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/bench"
)

// TestIngestFloor runs the Pebble-only loop briefly: messages written and
// timed, no errors, the ingest scenario's keys.
func TestIngestFloor(t *testing.T) {
	res, err := bench.IngestFloor(context.Background(), bench.IngestFloorConfig{Dir: t.TempDir(), Clients: 8, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.Messages == 0 || res.Errors != 0 || res.MsgsPerSec <= 0 || res.P50ms <= 0 || res.P99ms < res.P50ms || res.Clients != 8 {
		t.Fatalf("%+v", res)
	}
	keys := map[string]bool{}
	for _, k := range jsonKeys(t, res.JSON()) {
		keys[k] = true
	}
	for _, k := range []string{"msgs_per_sec", "p50_ms", "p99_ms", "errors"} {
		if !keys[k] {
			t.Fatalf("JSON %s lacks %q", res.JSON(), k)
		}
	}
}
