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

// The figures to hold against Discord's SortedSet (0.6-3.7 µs per
// operation for 5,000 to 1,000,000 items): one member moving (remove and
// insert), a rank, and a range of 100 items, at 1M members.
func BenchmarkMillion(b *testing.B) {
	const n = 1_000_000
	l, keys := benchList(b, n)
	r := rand.New(rand.NewPCG(9, 10))
	b.Run("insert", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			// Insert a fresh member, then take it out untimed, so the list
			// stays at 1M.
			k := randomKey(r, chat.ID(n+1+i))
			l.Set(k)
			b.StopTimer()
			l.Remove(k.ID)
			b.StartTimer()
		}
	})
	b.Run("remove", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			k := keys[i%n]
			l.Remove(k.ID)
			b.StopTimer()
			l.Set(k)
			b.StartTimer()
		}
	})
	b.Run("rank", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			if _, ok := l.Index(keys[(i*7919)%n].ID); !ok {
				b.Fatal("member missing")
			}
		}
	})
	b.Run("range100", func(b *testing.B) {
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
