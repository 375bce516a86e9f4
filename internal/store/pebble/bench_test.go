package pebble

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
	"github.com/accordchat/accord/internal/store/storetest"
)

var benchContent = strings.Repeat("the quick brown fox ", 5) // 100 bytes, a typical chat line

// BenchmarkPutMessage measures durable (synced) message writes: one writer
// at a time, and GOMAXPROCS*8 writers at once, where Pebble's group commit
// shares each WAL fsync between the batches queued behind it.
func BenchmarkPutMessage(b *testing.B) {
	run := func(b *testing.B, parallel bool) {
		s := newTestStore(b)
		gen, err := snowflake.New(1, 1)
		if err != nil {
			b.Fatal(err)
		}
		ch := storetest.NewID()
		put := func() {
			m := chat.Message{ID: gen.Next(), ChannelID: ch, AuthorID: 7, Content: benchContent}
			if err := s.PutMessage(b.Context(), m); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		if parallel {
			b.SetParallelism(8) // writers block on fsync, not CPU
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					put()
				}
			})
		} else {
			for b.Loop() {
				put()
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	}
	b.Run("Sequential", func(b *testing.B) { run(b, false) })
	b.Run("Parallel", func(b *testing.B) { run(b, true) })
}

// fillChannel writes n messages into a new channel, spread evenly over
// days days ending at end, from 16 writers, and flushes the memtable so the
// reads below come from sstables and the block cache.
func fillChannel(b *testing.B, s *Store, n int, days int, end time.Time) chat.ID {
	ch := storetest.NewID()
	step := time.Duration(days) * 24 * time.Hour / time.Duration(n)
	start := end.Add(-time.Duration(days) * 24 * time.Hour)
	var wg sync.WaitGroup
	const writers = 16
	for w := range writers {
		wg.Go(func() {
			for i := w; i < n; i += writers {
				m := storetest.MessageAt(ch, start.Add(time.Duration(i)*step), 0)
				m.Content = benchContent
				if err := s.PutMessage(b.Context(), m); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := s.db.Flush(); err != nil {
		b.Fatal(err)
	}
	return ch
}

// BenchmarkLatest50 reads the newest 50 messages of a channel holding
// 5,000 messages over 60 days (7 buckets), the page a client asks for when
// it opens a channel. msgs/s counts messages returned.
func BenchmarkLatest50(b *testing.B) {
	s := newTestStore(b)
	ch := fillChannel(b, s, 5000, 60, time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		ms, err := s.Messages(b.Context(), ch, store.Page{Limit: 50})
		if err != nil || len(ms) != 50 {
			b.Fatalf("got %d messages, %v", len(ms), err)
		}
	}
	b.ReportMetric(float64(50*b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkPage100 reads 100-message pages deep in the same kind of
// channel with each anchor form; pages cross bucket boundaries.
func BenchmarkPage100(b *testing.B) {
	s := newTestStore(b)
	end := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	ch := fillChannel(b, s, 5000, 60, end)
	anchor := snowflake.FromTime(end.AddDate(0, 0, -30))
	for _, p := range []store.Page{{Before: anchor, Limit: 100}, {After: anchor, Limit: 100}, {Around: anchor, Limit: 100}} {
		name := map[bool]string{true: "Before", false: "After"}[p.Before != 0]
		if p.Around != 0 {
			name = "Around"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ms, err := s.Messages(b.Context(), ch, p)
				if err != nil || len(ms) != 100 {
					b.Fatalf("got %d messages, %v", len(ms), err)
				}
			}
			b.ReportMetric(float64(100*b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkLatest50AfterGap reads the newest page of a channel whose last
// message is three years old; the bucket index makes it cost the same as a
// busy channel's.
func BenchmarkLatest50AfterGap(b *testing.B) {
	s := newTestStore(b)
	ch := fillChannel(b, s, 200, 5, time.Now().AddDate(-3, 0, 0))
	b.ReportAllocs()
	for b.Loop() {
		ms, err := s.Messages(b.Context(), ch, store.Page{Limit: 50})
		if err != nil || len(ms) != 50 {
			b.Fatalf("got %d messages, %v", len(ms), err)
		}
	}
	b.ReportMetric(float64(50*b.N)/b.Elapsed().Seconds(), "msgs/s")
}

func ExampleNew() {
	s, err := New(Config{Dir: "/tmp/accord-example"}) // Dir is required
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	// Use s as a store.Store.
}
