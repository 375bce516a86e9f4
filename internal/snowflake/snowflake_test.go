package snowflake

import (
	"sync"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

func TestLayoutMatchesDiscordDocs(t *testing.T) {
	// The example from Discord's reference docs.
	id := chat.ID(175928847299117063)
	if got, want := Time(id).UnixMilli(), int64(1462015105796); got != want {
		t.Fatalf("Time = %d, want %d", got, want)
	}
	if Worker(id) != 1 || Process(id) != 0 || Sequence(id) != 7 {
		t.Fatalf("fields = %d/%d/%d, want 1/0/7", Worker(id), Process(id), Sequence(id))
	}
}

func TestStrictlyIncreasingWhenClockStepsBack(t *testing.T) {
	g, err := New(3, 4)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	g.now = func() time.Time { clock = clock.Add(time.Microsecond); return clock }
	var prev chat.ID
	for i := 0; i < 20000; i++ {
		if i == 10000 {
			clock = clock.Add(-time.Hour) // NTP step back
		}
		id := g.Next()
		if id <= prev {
			t.Fatalf("id %d after %d is not increasing (i=%d)", id, prev, i)
		}
		if Worker(id) != 3 || Process(id) != 4 {
			t.Fatalf("worker/process = %d/%d", Worker(id), Process(id))
		}
		prev = id
	}
}

func TestConcurrentUnique(t *testing.T) {
	g, _ := New(0, 0)
	const workers, per = 8, 20000
	out := make(chan []chat.ID, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids := make([]chat.ID, per)
			for i := range ids {
				ids[i] = g.Next()
			}
			out <- ids
		}()
	}
	wg.Wait()
	close(out)
	seen := make(map[chat.ID]bool, workers*per)
	for ids := range out {
		for i, id := range ids {
			if seen[id] {
				t.Fatalf("duplicate id %d", id)
			}
			if i > 0 && id <= ids[i-1] {
				t.Fatalf("not increasing within a goroutine")
			}
			seen[id] = true
		}
	}
}

func TestBuckets(t *testing.T) {
	tm := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	id := FromTime(tm)
	b := Bucket(id)
	if want := (tm.UnixMilli() - Epoch) / BucketSize; b != want {
		t.Fatalf("Bucket = %d, want %d", b, want)
	}
	if Bucket(BucketStart(b)) != b || Bucket(BucketStart(b)-1) != b-1 {
		t.Fatalf("BucketStart(%d) is not the bucket's first id", b)
	}
	if got := Time(FromTime(tm)); !got.Equal(tm) {
		t.Fatalf("FromTime/Time round trip = %v", got)
	}
	if _, err := New(32, 0); err == nil {
		t.Fatal("worker 32 accepted")
	}
}

func BenchmarkNext(b *testing.B) {
	g, _ := New(0, 0)
	b.ReportAllocs()
	for b.Loop() {
		g.Next()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ids/s")
}
