package data_test

import (
	"context"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/data"
	"github.com/accordchat/accord/internal/store"
)

// waitUntil polls cond until it holds or d passes; it reports whether it held.
func waitUntil(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(time.Millisecond)
	}
	return true
}

// TestCoalescing holds the first store read until all N identical requests
// wait for it, then checks that they shared that one read.
func TestCoalescing(t *testing.T) {
	const n = 64
	for _, tc := range []struct {
		name string
		page func(ids []chat.ID) store.Page
	}{
		{"newest 50", func([]chat.ID) store.Page { return store.Page{Limit: 50} }},
		{"newest default limit", func([]chat.ID) store.Page { return store.Page{} }},
		{"before", func(ids []chat.ID) store.Page { return store.Page{Before: ids[60], Limit: 50} }},
		{"around", func(ids []chat.ID) store.Page { return store.Page{Around: ids[30], Limit: 20} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := &countingStore{Store: memStore(t)}
			s := newService(t, data.Config{Store: cs})
			const ch chat.ID = 42
			made := fill(t, s, ch, 120)
			p := tc.page(made)
			want, err := cs.Store.Messages(context.Background(), ch, p)
			if err != nil {
				t.Fatal(err)
			}
			var first sync.Once
			cs.gate = func() {
				first.Do(func() {
					if !waitUntil(10*time.Second, func() bool { return s.Stats().Waiting == n }) {
						t.Errorf("only %d of %d requests waiting", s.Stats().Waiting, n)
					}
				})
			}
			var wg sync.WaitGroup
			results := make([][]chat.Message, n)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					ms, err := s.Messages(context.Background(), ch, p)
					if err != nil {
						t.Error(err)
					}
					results[i] = ms
				}(i)
			}
			wg.Wait()
			if got := cs.pages.Load(); got != 1 {
				t.Fatalf("%d store reads for %d identical requests, want 1", got, n)
			}
			st := s.Stats()
			if st.Requests != n || st.StoreReads != 1 || st.Coalesced != n-1 {
				t.Fatalf("stats %+v", st)
			}
			for i, ms := range results {
				if !reflect.DeepEqual(ms, want) {
					t.Fatalf("request %d got %d messages, want the store's %d", i, len(ms), len(want))
				}
			}
			if len(results[0]) > 0 {
				results[0][0].Content = "mine" // each caller owns its slice
				if results[1][0].Content == "mine" {
					t.Fatal("callers share a result slice")
				}
			}
		})
	}
}

// TestHotPageServesRepeatReads: after one newest-page read, the pages and
// single messages inside it come from memory.
func TestHotPageServesRepeatReads(t *testing.T) {
	cs := &countingStore{Store: memStore(t)}
	s := newService(t, data.Config{Store: cs})
	ctx := context.Background()
	const ch chat.ID = 9
	made := fill(t, s, ch, 150)
	if _, err := s.Messages(ctx, ch, store.Page{Limit: 50}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []store.Page{{Limit: 100}, {Limit: 10}, {Before: made[140], Limit: 50}, {After: made[70], Limit: 20}, {Around: made[100], Limit: 30}} {
		ms, err := s.Messages(ctx, ch, p)
		want, _ := cs.Store.Messages(ctx, ch, p)
		if err != nil || !reflect.DeepEqual(ms, want) {
			t.Fatalf("%+v: %d messages, %v; want %d", p, len(ms), err, len(want))
		}
	}
	if m, err := s.Message(ctx, ch, made[149]); err != nil || m.ID != made[149] {
		t.Fatalf("message: %v %v", m.ID, err)
	}
	if cs.pages.Load() != 1 || cs.singles.Load() != 0 {
		t.Fatalf("store reads: %d pages, %d singles; want 1 and 0", cs.pages.Load(), cs.singles.Load())
	}
	// Outside the page (older than the newest 100) the store answers.
	if _, err := s.Messages(ctx, ch, store.Page{Before: made[20], Limit: 10}); err != nil {
		t.Fatal(err)
	}
	if cs.pages.Load() != 2 {
		t.Fatalf("read outside the hot page did not reach the store")
	}
	// A last-message probe on a cold channel does not fill a hot page.
	fill(t, s, 10, 5)
	for i := 0; i < 2; i++ {
		if ms, err := s.Messages(ctx, 10, store.Page{Limit: 1}); err != nil || len(ms) != 1 {
			t.Fatal(ms, err)
		}
	}
	if cs.pages.Load() != 4 {
		t.Fatalf("limit-1 probes: %d store reads in all, want 4", cs.pages.Load())
	}
}

// TestDirectReadsEveryTime: with Direct (--coalesce=false) N concurrent
// identical reads are N store reads, all in flight together, and repeats
// are never cached.
func TestDirectReadsEveryTime(t *testing.T) {
	const n = 32
	cs := &countingStore{Store: memStore(t)}
	s := newService(t, data.Config{Store: cs, Direct: true})
	const ch chat.ID = 5
	made := fill(t, s, ch, 60)
	var inStore atomic.Int64
	cs.gate = func() {
		inStore.Add(1)
		// A barrier: every read waits until all n are in the store at
		// once, which only happens if none was coalesced.
		if !waitUntil(10*time.Second, func() bool { return inStore.Load() >= n }) {
			t.Errorf("only %d of %d reads reached the store together", inStore.Load(), n)
		}
	}
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if ms, err := s.Messages(context.Background(), ch, store.Page{Limit: 50}); err != nil || len(ms) != 50 {
				t.Error(len(ms), err)
			}
		}()
	}
	wg.Wait()
	cs.gate = nil
	if got := cs.pages.Load(); got != n {
		t.Fatalf("%d store reads, want %d", got, n)
	}
	for i := 0; i < 3; i++ {
		if _, err := s.Message(context.Background(), ch, made[59]); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Messages(context.Background(), ch, store.Page{Limit: 50}); err != nil {
			t.Fatal(err)
		}
	}
	st := s.Stats()
	if cs.pages.Load() != n+3 || cs.singles.Load() != 3 || st.CacheHits != 0 || st.Coalesced != 0 || st.StoreReads != n+6 {
		t.Fatalf("pages %d singles %d stats %+v", cs.pages.Load(), cs.singles.Load(), st)
	}
}

// TestCancelledWaiterLeavesTheRead: a caller that gives up does not cancel
// the shared read for the others.
func TestCancelledWaiterLeavesTheRead(t *testing.T) {
	cs := &countingStore{Store: memStore(t)}
	s := newService(t, data.Config{Store: cs})
	const ch chat.ID = 77
	fill(t, s, ch, 10)
	release := make(chan struct{})
	cs.gate = func() { <-release }
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 2)
	go func() { _, err := s.Messages(ctx, ch, store.Page{Limit: 50}); errc <- err }()
	if !waitUntil(5*time.Second, func() bool { return s.Stats().Waiting == 1 }) {
		t.Fatal("leader not waiting")
	}
	var got []chat.Message
	go func() {
		var err error
		got, err = s.Messages(context.Background(), ch, store.Page{Limit: 50})
		errc <- err
	}()
	if !waitUntil(5*time.Second, func() bool { return s.Stats().Waiting == 2 }) {
		t.Fatal("second caller not waiting")
	}
	cancel()
	if err := <-errc; err == nil {
		t.Fatal("cancelled caller got no error")
	}
	close(release)
	if err := <-errc; err != nil || len(got) != 10 {
		t.Fatalf("other caller: %d messages, %v", len(got), err)
	}
}
