package server_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/bench"
	"github.com/accordchat/accord/internal/server"
)

// TestMetrics scrapes GET /metrics from a real server's metrics listener
// around a few history reads, with the data service's techniques on and
// off.
func TestMetrics(t *testing.T) {
	names := []string{"accord_data_requests_total", "accord_data_store_reads_total", "accord_data_cache_hits_total",
		"accord_data_coalesced_total", "accord_data_coalesce_enabled", "go_goroutines", "process_resident_memory_bytes"}
	for _, direct := range []bool{false, true} {
		t.Run(fmt.Sprintf("direct=%v", direct), func(t *testing.T) {
			s := accordtest.RunServer(t, server.Config{DirectReads: direct})
			alice := s.Register(t, "alice")
			_, ch := alice.CreateGuild(t, "metrics")
			for i := 0; i < 3; i++ {
				alice.Send(t, ch, fmt.Sprint("m", i))
			}
			resp, err := http.Get(s.MetricsURL() + "/metrics")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
				t.Fatalf("GET /metrics: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			if !strings.Contains(string(body), `accord_data_requests_total{op="messages"}`) {
				t.Fatalf("no accord_data_requests_total in\n%s", body)
			}
			ctx := context.Background()
			before, err := bench.Metrics(ctx, http.DefaultClient, s.MetricsURL(), names...)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range names {
				if _, ok := before[n]; !ok {
					t.Errorf("metric %s missing", n)
				}
			}
			const reads = 5
			for i := 0; i < reads; i++ {
				var ms []accordtest.Message
				alice.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages?limit=50", ch), nil, &ms)
				if len(ms) != 3 {
					t.Fatalf("%d messages", len(ms))
				}
			}
			after, err := bench.Metrics(ctx, http.DefaultClient, s.MetricsURL(), names...)
			if err != nil {
				t.Fatal(err)
			}
			d := func(n string) float64 { return after[n] - before[n] }
			// Each page read is two data-service reads: the messages and
			// their decorations (reactions and pins).
			if d("accord_data_requests_total") != 2*reads {
				t.Fatalf("requests +%v, want %d", d("accord_data_requests_total"), 2*reads)
			}
			if direct {
				if d("accord_data_store_reads_total") != 2*reads || d("accord_data_cache_hits_total") != 0 || after["accord_data_coalesce_enabled"] != 0 {
					t.Fatalf("direct: before %v after %v", before, after)
				}
			} else if d("accord_data_store_reads_total") > 2 || d("accord_data_cache_hits_total") < 2*(reads-1) || after["accord_data_coalesce_enabled"] != 1 {
				t.Fatalf("coalescing: before %v after %v", before, after)
			}
		})
	}
}
