package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/bench"
	"github.com/accordchat/accord/internal/server"
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

// TestIngest posts against an in-process server and checks that what the
// bench counts as acknowledged is what the channel holds.
func TestIngest(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{DisableRateLimits: true}) // a load test, as `accord bench` runs it
	res, err := bench.Ingest(context.Background(), bench.IngestConfig{Target: s.URL(), Clients: 4, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.Messages == 0 || res.Errors != 0 || res.P99ms < res.P50ms || res.Clients != 4 {
		t.Fatalf("%+v", res)
	}
	if res.ClientCPUPerMsg != 0 {
		t.Fatalf("client CPU %v µs/msg reported for an in-process server", res.ClientCPUPerMsg)
	}
	// Every acknowledged post is in the channel (the last may have been
	// stored but not acknowledged when the run ended).
	c := &accordtest.Client{S: s, Token: res.Token}
	stored, before := int64(0), ""
	for {
		var page []struct {
			ID string `json:"id"`
		}
		if st := c.Do(t, "GET", "/channels/"+res.ChannelIDs[0]+"/messages?limit=100"+before, nil, &page); st != 200 {
			t.Fatalf("read back: status %d", st)
		}
		if len(page) == 0 {
			break
		}
		stored += int64(len(page))
		before = "&before=" + page[len(page)-1].ID
	}
	if stored < res.Messages || stored > res.Messages+int64(res.Clients) {
		t.Fatalf("channel holds %d messages, bench acknowledged %d", stored, res.Messages)
	}
}
