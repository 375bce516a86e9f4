package data_test

import (
	"context"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/data"
	"github.com/accordchat/accord/internal/store"
	"github.com/accordchat/accord/internal/store/pebble"
)

// BenchmarkMessagesNewest50 reads a channel's newest 50 messages (what a
// client opening the channel asks) through the service: from the hot page
// (cached) and straight from Pebble on disk (direct, --coalesce=false).
// "parallel" runs it from GOMAXPROCS goroutines at once.
func BenchmarkMessagesNewest50(b *testing.B) {
	for _, tc := range []struct {
		name   string
		direct bool
	}{{"cached", false}, {"direct", true}} {
		st, err := pebble.New(pebble.Config{Dir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		s, err := data.New(data.Config{Store: st, Direct: tc.direct})
		if err != nil {
			b.Fatal(err)
		}
		const ch chat.ID = 7
		for i := 0; i < 200; i++ {
			m := chat.Message{ID: ids.Next(), ChannelID: ch, AuthorID: 9, Content: "a message of ordinary length, say forty to sixty characters"}
			if err := s.CreateMessage(context.Background(), m); err != nil {
				b.Fatal(err)
			}
		}
		ctx := context.Background()
		p := store.Page{Limit: 50}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if ms, err := s.Messages(ctx, ch, p); err != nil || len(ms) != 50 {
					b.Fatal(len(ms), err)
				}
			}
		})
		b.Run(tc.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if ms, err := s.Messages(ctx, ch, p); err != nil || len(ms) != 50 {
						b.Fatal(len(ms), err)
					}
				}
			})
		})
		s.Close()
		_ = st.Close()
	}
}

// BenchmarkCreateMessageHot is the cost a write pays to keep a hot page
// current (in-memory store, so the cache update is what is measured).
func BenchmarkCreateMessageHot(b *testing.B) {
	for _, tc := range []struct {
		name   string
		direct bool
	}{{"cached", false}, {"direct", true}} {
		b.Run(tc.name, func(b *testing.B) {
			s := newService(b, data.Config{Store: memStore(b), Direct: tc.direct})
			ctx := context.Background()
			const ch chat.ID = 8
			fill(b, s, ch, 100)
			if _, err := s.Messages(ctx, ch, store.Page{Limit: 50}); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				m := chat.Message{ID: ids.Next(), ChannelID: ch, AuthorID: 9, Content: "hello"}
				if err := s.CreateMessage(ctx, m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
