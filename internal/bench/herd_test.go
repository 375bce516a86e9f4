package bench_test

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/bench"
	"github.com/accordchat/accord/internal/server"
)

// TestHerd runs a small herd against in-process servers with the data
// service's techniques on and off, and checks the store reads it reports
// (taken from the server's /metrics).
func TestHerd(t *testing.T) {
	const clients = 300
	for _, direct := range []bool{false, true} {
		s := accordtest.RunServer(t, server.Config{DirectReads: direct, DisableRateLimits: true}) // a load test, as `accord bench` runs it
		var bar bytes.Buffer
		res, err := bench.Herd(context.Background(), bench.HerdConfig{Target: s.URL(), Metrics: s.MetricsURL(), Clients: clients, Conns: 50, History: 20, Progress: &bar})
		if err != nil {
			t.Fatal(err)
		}
		t.Log(res)
		if res.Clients != clients || res.Errors != 0 || res.Stale != 0 || res.Coalesce == direct || res.P50ms <= 0 || res.P99ms < res.P50ms {
			t.Fatalf("direct=%v: %+v", direct, res)
		}
		// Each client's page is two data-service reads: the messages and
		// their decorations (reactions and pins).
		if direct && res.StoreReads != 2*clients {
			t.Fatalf("direct: %d store reads, want %d", res.StoreReads, 2*clients)
		}
		if !direct && res.StoreReads > 10 {
			t.Fatalf("coalescing: %d store reads for %d clients, want <= 10", res.StoreReads, clients)
		}
		if !strings.Contains(bar.String(), "300/300 100%") {
			t.Fatalf("progress bar %q", bar.String())
		}
		if got, want := jsonKeys(t, res.JSON()), []string{"clients", "coalesce", "p50_ms", "p99_ms", "store_reads"}; !reflect.DeepEqual(got, want) {
			t.Fatalf("JSON keys %v, want exactly %v", got, want)
		}
	}
}
