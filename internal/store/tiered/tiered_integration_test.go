//go:build integration

package tiered_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
	"github.com/accordchat/accord/internal/store/cql"
	"github.com/accordchat/accord/internal/store/pebble"
	"github.com/accordchat/accord/internal/store/storetest"
	"github.com/accordchat/accord/internal/store/tiered"
)

// cqlHosts returns $ACCORD_CQL_HOSTS, default 127.0.0.1:9042 (scripts/cassandra start).
func cqlHosts() []string {
	if h := os.Getenv("ACCORD_CQL_HOSTS"); h != "" {
		return strings.Split(h, ",")
	}
	return []string{"127.0.0.1:9042"}
}

func openCQL(t *testing.T) *cql.Store {
	t.Helper()
	s, err := cql.New(t.Context(), cql.Config{Hosts: cqlHosts(), Keyspace: "accord_test"})
	if err != nil {
		t.Fatalf("cql.New: %v", err)
	}
	return s
}

func TestConformanceCQL(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s := newTiered(t, openPebble(t, t.TempDir()), openCQL(t))
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestLoseLocalCQL deletes the local directory of a Pebble-over-Cassandra
// tier and finds everything acknowledged still there.
func TestLoseLocalCQL(t *testing.T) {
	localDir := filepath.Join(t.TempDir(), "local")
	ch := storetest.NewID()
	h := storetest.NewHistory(ch, time.Date(2023, 5, 1, 0, 0, 0, 0, time.UTC))
	g := chat.Guild{ID: storetest.NewID(), Name: "kept", OwnerID: storetest.NewID()}

	s := newTiered(t, openPebble(t, localDir), openCQL(t))
	storetest.PutMessages(t, s, h.Messages)
	if err := s.PutGuild(t.Context(), g); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(localDir); err != nil {
		t.Fatal(err)
	}

	s = newTiered(t, openPebble(t, localDir), openCQL(t))
	defer s.Close()
	for _, p := range []store.Page{{Limit: 100}, {After: 1, Limit: 100}, {Around: h.Boundary, Limit: 9}} {
		storetest.CheckPage(t, s, ch, h.IDs, p)
	}
	got, err := s.Guild(t.Context(), g.ID)
	if err != nil || !storetest.Equal(got, g) {
		t.Fatalf("Guild after losing the local tier = %+v, %v", got, err)
	}
}

// BenchmarkLatest50 reads a channel's newest 50 messages through the tier
// over Cassandra: after the first read, served by the local Pebble tier.
func BenchmarkLatest50(b *testing.B) {
	local, err := pebble.New(pebble.Config{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	durable, err := cql.New(b.Context(), cql.Config{Hosts: cqlHosts(), Keyspace: "accord_test"})
	if err != nil {
		b.Fatal(err)
	}
	s, err := tiered.New(local, durable, tiered.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ch := storetest.NewID()
	for range 200 {
		if err := s.PutMessage(b.Context(), chat.Message{ID: storetest.NewID(), ChannelID: ch, AuthorID: 42, Content: "history"}); err != nil {
			b.Fatal(err)
		}
	}
	var durs []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		page, err := s.Messages(b.Context(), ch, store.Page{Limit: 50})
		if err != nil || len(page) != 50 {
			b.Fatalf("Messages: %d, %v", len(page), err)
		}
		durs = append(durs, time.Since(start))
	}
	reportLatency(b, durs)
}

// reportLatency adds the p50 and p99 of durs to the benchmark's output.
func reportLatency(b *testing.B, durs []time.Duration) {
	if len(durs) == 0 {
		return
	}
	slices.Sort(durs)
	q := func(f float64) float64 { return float64(durs[int(f*float64(len(durs)-1))]) / 1e6 }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}
