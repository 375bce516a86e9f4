package memberlist

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/accordchat/accord/internal/chat"
)

// benchList builds a list of n members spread over 5 hoisted roles,
// online and offline, with random names, as a large guild's list looks.
func benchList(b *testing.B, n int) (*List, []Key) {
	b.Helper()
	r := rand.New(rand.NewPCG(7, 8))
	l := New()
	keys := make([]Key, n)
	for i := range keys {
		keys[i] = randomKey(r, chat.ID(i+1))
		l.Set(keys[i])
	}
	return l, keys
}

func randomKey(r *rand.Rand, id chat.ID) Key {
	var g Group
	switch t := r.IntN(10); {
	case t < 5:
		g = Offline
	case t < 8:
		g = Online
	default:
		p := r.IntN(5)
		g = Group{Tier: TierRole, Position: p + 1, Role: chat.ID(1000 + p)}
	}
	return Key{Group: g, Name: fmt.Sprintf("user%08x", r.Uint32()), ID: id}
}

// reportCPU starts counting CPU time; the function it returns reports it
// per op (cpu-ns/op). Deferred, it counts the whole benchmark function.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op") }
}

// The figures to hold against Discord's SortedSet (0.6-3.7 µs per
// operation for 5,000 to 1,000,000 items): one member moving (remove and
// insert), a rank, and a range of 100 items, at 1M members.
func BenchmarkMillion(b *testing.B) {
	const n = 1_000_000
	l, keys := benchList(b, n)
	r := rand.New(rand.NewPCG(9, 10))
	b.Run("insert", func(b *testing.B) {
		// Fresh members go in (the list grows by b.N, from 1M), and are
		// taken out again after the measurement.
		fresh := make([]Key, b.N)
		for i := range fresh {
			fresh[i] = randomKey(r, chat.ID(n+1+i))
		}
		b.ReportAllocs()
		b.ResetTimer()
		cpu := reportCPU(b)
		for _, k := range fresh {
			l.Set(k)
		}
		cpu()
		b.StopTimer()
		for _, k := range fresh {
			l.Remove(k.ID)
		}
	})
	b.Run("remove", func(b *testing.B) {
		// Members leave (up to all of them), and are put back after the
		// measurement.
		gone := keys[:min(b.N, n)]
		b.ReportAllocs()
		b.ResetTimer()
		cpu := reportCPU(b)
		for _, k := range gone {
			l.Remove(k.ID)
		}
		cpu()
		b.StopTimer()
		for _, k := range gone {
			l.Set(k)
		}
	})
	b.Run("rank", func(b *testing.B) {
		defer reportCPU(b)()
		b.ReportAllocs()
		for i := range b.N {
			if _, ok := l.Index(keys[(i*7919)%n].ID); !ok {
				b.Fatal("member missing")
			}
		}
	})
	b.Run("range100", func(b *testing.B) {
		defer reportCPU(b)()
		b.ReportAllocs()
		buf := make([]Item, 0, 100)
		for i := range b.N {
			start := (i * 7919) % (l.Items() - 100)
			if buf = l.Range(buf[:0], start, start+99); len(buf) != 100 {
				b.Fatalf("range of %d", len(buf))
			}
		}
	})
	b.Run("move", func(b *testing.B) {
		defer reportCPU(b)()
		// A presence change: the member leaves one group for another.
		b.ReportAllocs()
		for i := range b.N {
			k := keys[(i*7919)%n]
			if k.Group == Offline {
				k.Group = Online
			} else {
				k.Group = Offline
			}
			l.Set(k)
			keys[(i*7919)%n] = k
		}
	})
}
