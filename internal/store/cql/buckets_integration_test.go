//go:build integration

package cql_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
	"github.com/accordchat/accord/internal/store/cql"
	"github.com/accordchat/accord/internal/store/storetest"
)

// partitions records the message buckets that SELECTs on messages open.
type partitions struct {
	mu      sync.Mutex
	buckets []int64
}

func (p *partitions) ObserveQuery(_ context.Context, q gocql.ObservedQuery) {
	if !strings.Contains(q.Statement, "FROM messages WHERE") || len(q.Values) < 2 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch b := q.Values[1].(type) {
	case int32:
		p.buckets = append(p.buckets, int64(b))
	}
}

func (p *partitions) take() []int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.buckets
	p.buckets = nil
	return out
}

// TestReadsTouchOnlyNonEmptyBuckets shows the channel_buckets table at
// work: a channel with messages three years apart is paged by opening only
// the partitions that hold messages, newest first, stopping at the limit.
func TestReadsTouchOnlyNonEmptyBuckets(t *testing.T) {
	obs := &partitions{}
	s, err := cql.NewWithObserver(t.Context(), cql.Config{Hosts: hosts(), Keyspace: "accord_test"}, obs)
	if err != nil {
		t.Fatalf("cql.New: %v", err)
	}
	defer s.Close()
	ch := storetest.NewID()
	old := time.Date(2021, 1, 5, 0, 0, 0, 0, time.UTC)
	recent := old.AddDate(3, 0, 0)
	oldB, recentB := snowflake.Bucket(snowflake.FromTime(old)), snowflake.Bucket(snowflake.FromTime(recent))
	var ms []chat.Message
	for i := range 3 {
		ms = append(ms, storetest.MessageAt(ch, old.Add(time.Duration(i)*time.Hour), i))
	}
	ms = append(ms, storetest.MessageAt(ch, recent, 0))
	storetest.PutMessages(t, s, ms)
	ids := storetest.MessageIDs(ms)
	obs.take()

	cases := []struct {
		name string
		p    store.Page
		want []int64
	}{
		{"LatestOne", store.Page{Limit: 1}, []int64{recentB}},
		{"LatestAll", store.Page{Limit: 10}, []int64{recentB, oldB}},
		{"BeforeRecent", store.Page{Before: ids[3], Limit: 2}, []int64{recentB, oldB}}, // the anchor's own bucket, then the next non-empty
		{"AfterOld", store.Page{After: ids[0], Limit: 10}, []int64{oldB, recentB}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.CheckPage(t, s, ch, ids, tc.p)
			if got := obs.take(); !slices.Equal(got, tc.want) {
				t.Fatalf("partitions read %v, want %v (%d empty buckets lie between)", got, tc.want, recentB-oldB-1)
			}
		})
	}
}

// BenchmarkPutMessage measures one acknowledged message insert at
// LOCAL_QUORUM, from 8 concurrent writers.
func BenchmarkPutMessage(b *testing.B) {
	s, err := cql.New(b.Context(), cql.Config{Hosts: hosts(), Keyspace: "accord_test"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ch := storetest.NewID()
	var mu sync.Mutex
	var all []time.Duration
	b.ReportAllocs()
	b.SetParallelism(4) // x GOMAXPROCS writers
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			m := chat.Message{ID: storetest.NewID(), ChannelID: ch, AuthorID: 42, Content: "benchmark message of ordinary length"}
			start := time.Now()
			if err := s.PutMessage(b.Context(), m); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(start))
		}
		mu.Lock()
		all = append(all, mine...)
		mu.Unlock()
	})
	reportLatency(b, all)
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

// BenchmarkLatest50 measures reading a channel's newest 50 messages.
func BenchmarkLatest50(b *testing.B) {
	s, err := cql.New(b.Context(), cql.Config{Hosts: hosts(), Keyspace: "accord_test"})
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
