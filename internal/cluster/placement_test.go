package cluster

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/accordchat/accord/internal/chat"
)

// guildSets are the guild ids placement is tested on: random 64-bit ids,
// and snowflakes as Accord makes them (ms since the epoch, worker,
// process, sequence), which differ mostly in a few middle bits.
func guildSets(n int) map[string][]chat.ID {
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]chat.ID, n)
	for i := range random {
		random[i] = chat.ID(r.Uint64())
	}
	snow := make([]chat.ID, n)
	ms := uint64(300_000_000_000)
	for i := range snow {
		ms += uint64(r.IntN(3))
		snow[i] = chat.ID(ms<<22 | 1<<17 | uint64(i%4096))
	}
	return map[string][]chat.ID{"random": random, "snowflake": snow}
}

func nodes(n int) []Member {
	out := make([]Member, n)
	for i := range out {
		out[i] = Member{ID: fmt.Sprintf("n%d", i+1), URL: fmt.Sprintf("http://10.0.0.%d:8080", i+1)}
	}
	return out
}

func owners(ms Members, guilds []chat.ID) map[string]int {
	count := map[string]int{}
	for _, g := range guilds {
		o, ok := ms.Owner(g)
		if !ok {
			panic("no owner")
		}
		count[o.ID]++
	}
	return count
}

func TestOwnerEmpty(t *testing.T) {
	if o, ok := (Members{}).Owner(1); ok {
		t.Fatalf("empty set has owner %+v", o)
	}
	if o, ok := NewMembers().Owner(1); ok {
		t.Fatalf("empty set has owner %+v", o)
	}
}

// TestOwnerSameOnEveryNode: the owner depends on the set of nodes only,
// not on the order a node learned them in, nor on URLs or incarnations.
func TestOwnerSameOnEveryNode(t *testing.T) {
	ns := nodes(7)
	base := NewMembers(ns...)
	reversed := slices.Clone(ns)
	slices.Reverse(reversed)
	shuffled := slices.Clone(ns)
	rand.New(rand.NewPCG(3, 4)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	restarted := slices.Clone(ns)
	for i := range restarted {
		restarted[i].Incarnation = uint64(i) + 99
		restarted[i].URL = "http://elsewhere"
	}
	dup := append(slices.Clone(ns), ns[2], ns[0])
	for name, other := range map[string][]Member{"reversed": reversed, "shuffled": shuffled, "restarted": restarted, "duplicates": dup} {
		ms := NewMembers(other...)
		if ms.Len() != base.Len() {
			t.Fatalf("%s: %d members, want %d", name, ms.Len(), base.Len())
		}
		for _, g := range guildSets(10_000)["random"] {
			if a, b := base.ownerID(g), ms.ownerID(g); a != b {
				t.Fatalf("%s: guild %d owned by %s, and by %s in the base order", name, g, b, a)
			}
		}
	}
}

// TestOwnerStable pins owners, so that a change to the hash (which would
// split a cluster of mixed versions) is a deliberate one.
func TestOwnerStable(t *testing.T) {
	ms := NewMembers(nodes(5)...)
	want := map[chat.ID]string{
		0: "n4", 1: "n5", 2: "n3", 41771520000000000: "n4", 1234567890123456789: "n1", 18446744073709551615: "n1",
	}
	for g, o := range want {
		if got := ms.ownerID(g); got != o {
			t.Errorf("owner of %d = %s, want %s", g, got, o)
		}
	}
	if got, want := nodeHash("n1"), uint64(0xf8e46110455c6e53); got != want {
		t.Errorf("nodeHash(n1) = %#x, want %#x", got, want)
	}
}

// TestBalance: 100k guilds over 3 to 10 nodes land within a few % of an
// even share on every node.
func TestBalance(t *testing.T) {
	const guilds = 100_000
	for name, gs := range guildSets(guilds) {
		for n := 3; n <= 10; n++ {
			count := owners(NewMembers(nodes(n)...), gs)
			fair := float64(guilds) / float64(n)
			for id, c := range count {
				if dev := (float64(c) - fair) / fair; dev > 0.03 || dev < -0.03 {
					t.Errorf("%s, %d nodes: %s owns %d guilds, %.1f%% from a fair %.0f", name, n, id, c, 100*dev, fair)
				}
			}
			if len(count) != n {
				t.Errorf("%s, %d nodes: only %d own guilds", name, n, len(count))
			}
		}
	}
}

// TestRemoveNodeMovesOnlyItsGuilds: when a node dies, the guilds it owned
// move, about 1/N of all, and no other guild does.
func TestRemoveNodeMovesOnlyItsGuilds(t *testing.T) {
	for name, gs := range guildSets(100_000) {
		for n := 3; n <= 10; n++ {
			ns := nodes(n)
			prev := NewMembers(ns...)
			gone := ns[n/2].ID
			next := NewMembers(slices.Delete(slices.Clone(ns), n/2, n/2+1)...)
			moves := Moves(prev, next, gs)
			for _, m := range moves {
				if m.From != gone || m.To == gone || m.To == "" {
					t.Fatalf("%s, %d nodes, %s removed: bad move %+v", name, n, gone, m)
				}
			}
			if owned := owners(prev, gs)[gone]; len(moves) != owned {
				t.Errorf("%s, %d nodes: %d moves, but %s owned %d", name, n, len(moves), gone, owned)
			}
			checkShare(t, fmt.Sprintf("%s, %d nodes, one removed", name, n), len(moves), len(gs), n)
		}
	}
}

// TestAddNodeMovesToNewNode: a new node takes about 1/(N+1) of the
// guilds, and guilds move only to it.
func TestAddNodeMovesToNewNode(t *testing.T) {
	for name, gs := range guildSets(100_000) {
		for n := 3; n <= 10; n++ {
			ns := nodes(n + 1)
			prev, next := NewMembers(ns[:n]...), NewMembers(ns...)
			added := ns[n].ID
			moves := Moves(prev, next, gs)
			for _, m := range moves {
				if m.To != added || m.From == "" {
					t.Fatalf("%s, %d nodes, %s added: bad move %+v", name, n, added, m)
				}
			}
			checkShare(t, fmt.Sprintf("%s, %d nodes, one added", name, n), len(moves), len(gs), n+1)
		}
	}
}

// checkShare checks that moved is 1/n of total, give or take 3% of that.
func checkShare(t *testing.T, what string, moved, total, n int) {
	t.Helper()
	fair := float64(total) / float64(n)
	if dev := (float64(moved) - fair) / fair; dev > 0.03 || dev < -0.03 {
		t.Errorf("%s: %d of %d guilds moved, want about %.0f (1/%d)", what, moved, total, fair, n)
	}
}

func TestMoves(t *testing.T) {
	gs := guildSets(1000)["random"]
	ns := nodes(3)
	all := NewMembers(ns...)
	if m := Moves(all, all, gs); m != nil {
		t.Errorf("same set: %d moves", len(m))
	}
	restarted := slices.Clone(ns)
	restarted[1].Incarnation++
	if m := Moves(all, NewMembers(restarted...), gs); m != nil {
		t.Errorf("a restart under the same id moved %d guilds", len(m))
	}
	from := Moves(Members{}, all, gs)
	if len(from) != len(gs) {
		t.Fatalf("from no nodes: %d moves, want %d", len(from), len(gs))
	}
	for i, m := range from {
		if m.Guild != gs[i] || m.From != "" || m.To != all.ownerID(gs[i]) {
			t.Fatalf("from no nodes: move %d is %+v", i, m)
		}
	}
	for _, m := range Moves(all, Members{}, gs) {
		if m.To != "" || m.From == "" {
			t.Fatalf("to no nodes: move %+v", m)
		}
	}
}

func TestMembersAccessors(t *testing.T) {
	ms := NewMembers(Member{ID: "b", URL: "old"}, Member{ID: "a"}, Member{ID: "b", URL: "new"})
	if ms.Len() != 2 || ms.At(0).ID != "a" || ms.At(1).URL != "new" {
		t.Fatalf("members %+v: want a, then b with the last URL given", ms.All())
	}
	if m, ok := ms.Get("b"); !ok || m.URL != "new" {
		t.Errorf("Get(b) = %+v, %v", m, ok)
	}
	if _, ok := ms.Get("c"); ok {
		t.Error("Get(c) found a node not in the set")
	}
	all := ms.All()
	all[0].ID = "zz"
	if ms.At(0).ID != "a" {
		t.Error("All returned the snapshot's own slice")
	}
	if !ms.Equal(NewMembers(Member{ID: "a"}, Member{ID: "b", URL: "new"})) || ms.Equal(NewMembers(Member{ID: "a"})) {
		t.Error("Equal")
	}
}

func BenchmarkOwner(b *testing.B) {
	gs := guildSets(1024)["snowflake"]
	for _, n := range []int{3, 10, 100} {
		ms := NewMembers(nodes(n)...)
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, ok := ms.Owner(gs[i%len(gs)]); !ok {
					b.Fatal("no owner")
				}
				i++
			}
		})
	}
}

func BenchmarkMoves(b *testing.B) {
	gs := guildSets(10_000)["snowflake"]
	ns := nodes(10)
	prev, next := NewMembers(ns...), NewMembers(ns[1:]...)
	b.ReportAllocs()
	for b.Loop() {
		Moves(prev, next, gs)
	}
}
