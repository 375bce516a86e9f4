package gctune

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

var sink []byte

// churn allocates n bytes of garbage in 1 KiB pieces and returns how many
// collections ran meanwhile.
func churn(n int) uint32 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < n>>10; i++ {
		sink = make([]byte, 1024)
	}
	runtime.ReadMemStats(&after)
	return after.NumGC - before.NumGC
}

// TestFewerCollectionsOnASmallHeap: with a small live heap, 256 MiB of
// garbage takes dozens of collections at GOGC 100 and a handful with a
// 32 MiB floor; a large live heap brings the percent back to GOGC, and
// Stop restores it.
func TestFewerCollectionsOnASmallHeap(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	runtime.GC()
	plain := churn(256 << 20)

	tu := Start(32 << 20)
	defer tu.Stop()
	runtime.GC()
	runtime.GC() // the cleanups ran: the percent is set for this heap
	waitTuned(t, tu, 2)
	if tu.Percent() <= 100 {
		t.Fatalf("percent %d on a small heap, want above 100", tu.Percent())
	}
	tuned := churn(256 << 20)
	t.Logf("collections for 256 MiB of garbage: %d at GOGC 100, %d with the floor (percent %d)", plain, tuned, tu.Percent())
	if plain < 20 || tuned*3 > plain {
		t.Fatalf("collections for 256 MiB of garbage: %d at GOGC 100, %d with a 32 MiB floor; want at least 20 and a third of them", plain, tuned)
	}

	big := make([]byte, 256<<20) // live: GOGC's growth is beyond the floor
	for i := range big {
		big[i] = 1
	}
	runtime.GC()
	n := tu.tuned.Load()
	runtime.GC()
	waitTuned(t, tu, n+1)
	if p := tu.Percent(); p != 100 {
		t.Fatalf("percent %d with a 256 MiB live heap, want GOGC's 100", p)
	}
	runtime.KeepAlive(big)

	tu.Stop()
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("GOGC after Stop: %d, want 100", p)
	}
}

// TestOffWithoutHeadroom: a zero floor leaves GOGC alone.
func TestOffWithoutHeadroom(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tu := Start(0)
	defer tu.Stop()
	runtime.GC()
	if p := debug.SetGCPercent(100); p != 100 {
		t.Fatalf("GOGC %d with no floor, want 100", p)
	}
}

func waitTuned(t *testing.T, tu *Tuner, n int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for tu.tuned.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d collections tuned, want %d", tu.tuned.Load(), n)
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}
