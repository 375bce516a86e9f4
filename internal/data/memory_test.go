package data_test

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/data"
	"github.com/accordchat/accord/internal/store"
)

// heldStore answers page reads from messages built before the measurement,
// so that the heap the hot pages hold is all the measurement sees (a
// Pebble store would grow its block cache and memtables alongside).
type heldStore struct {
	store.Store
	pages map[chat.ID][]chat.Message // newest first
}

func (h *heldStore) Messages(_ context.Context, ch chat.ID, p store.Page) ([]chat.Message, error) {
	ms := h.pages[ch]
	out := append([]chat.Message(nil), ms[:min(p.Limit, len(ms))]...)
	for i := range out { // fresh strings and slices, as a store's decoding makes
		out[i].Content, out[i].Nonce = strings.Clone(out[i].Content), strings.Clone(out[i].Nonce)
		out[i].Mentions = append([]chat.ID(nil), out[i].Mentions...)
	}
	return out, nil
}

// BenchmarkHotPageMemory measures the hot cache's memory per message: the
// heap in use after reading the newest page of `channels` channels (each
// full: HotMessages messages kept), less before, over the messages kept.
// Messages are of an ordinary shape: 60 characters of content, one user
// mention, a nonce. The cache holds at most HotChannels × HotMessages
// messages (4,096 × 100 by default), so the figure times 409,600 is the
// cache's worst case.
//
//	go test -run '^$' -bench HotPageMemory -benchtime 1x ./internal/data
func BenchmarkHotPageMemory(b *testing.B) {
	const channels = 1000
	for range b.N {
		hs := &heldStore{Store: memStore(b), pages: make(map[chat.ID][]chat.Message, channels)}
		content := strings.Repeat("a message of ordinary length ", 3)[:60]
		for c := range channels {
			ch := chat.ID(1000 + c)
			ms := make([]chat.Message, store.MaxPage)
			for i := range ms {
				ms[i] = chat.Message{ID: ids.Next(), ChannelID: ch, GuildID: 5, AuthorID: chat.ID(9 + i%7),
					Content: content, Mentions: []chat.ID{chat.ID(11 + i%5)}, Nonce: "1300000000000000000"}
			}
			hs.pages[ch] = ms
		}
		s := newService(b, data.Config{Store: hs, HotChannels: channels})
		before, beforeLive := heapInUse()
		ctx := context.Background()
		for c := range channels {
			if ms, err := s.Messages(ctx, chat.ID(1000+c), store.Page{Limit: store.MaxPage}); err != nil || len(ms) != store.MaxPage {
				b.Fatal(len(ms), err)
			}
		}
		after, afterLive := heapInUse()
		per := float64(int64(after)-int64(before)) / float64(channels*store.MaxPage)
		b.ReportMetric(per, "B/message")
		b.ReportMetric(float64(int64(afterLive)-int64(beforeLive))/float64(channels*store.MaxPage), "live-B/message")
		b.ReportMetric(per*4096*float64(store.MaxPage)/(1<<20), "MiB-at-default-bound")
		// The spans in use exceed the live bytes mostly by fragmentation:
		// each page's array (101 messages, 28 KB) shares a size class with
		// the store result it was copied from, which is garbage after.
		b.ReportMetric(0, "ns/op")
		runtime.KeepAlive(hs)
		runtime.KeepAlive(s)
	}
}

// heapInUse is the heap's spans in use (what the process's RSS holds for
// the heap) and its live objects' bytes, after a full collection.
func heapInUse() (inUse, live uint64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse, m.HeapAlloc
}
