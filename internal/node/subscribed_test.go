package node

import (
	"slices"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/cluster"
)

// TestSubscribedGuilds drives the slice-then-map set of a session's
// subscriptions against a plain map through adds, overwrites and removes
// on both sides of smallGuilds.
func TestSubscribedGuilds(t *testing.T) {
	var g subscribedGuilds
	want := map[chat.ID]cluster.Member{}
	check := func(step string) {
		t.Helper()
		if g.len() != len(want) {
			t.Fatalf("%s: len %d, want %d", step, g.len(), len(want))
		}
		var seen []chat.ID
		g.each(func(id chat.ID, m cluster.Member) {
			if want[id] != m {
				t.Fatalf("%s: each gave %d at %+v, want %+v", step, id, m, want[id])
			}
			seen = append(seen, id)
		})
		slices.Sort(seen)
		if len(seen) != len(want) || len(slices.Compact(seen)) != len(want) {
			t.Fatalf("%s: each visited %v", step, seen)
		}
		for id, m := range want {
			if got, ok := g.get(id); !ok || got != m {
				t.Fatalf("%s: get(%d) = %+v, %v", step, id, got, ok)
			}
		}
		if _, ok := g.get(9999); ok {
			t.Fatalf("%s: get of an absent guild found one", step)
		}
	}
	owner := func(i int) cluster.Member {
		return cluster.Member{ID: "n" + string(rune('a'+i%3)), Incarnation: uint64(i)}
	}
	for i := 1; i <= 3*smallGuilds; i++ {
		g.set(chat.ID(i), owner(i))
		want[chat.ID(i)] = owner(i)
		g.set(chat.ID(i), owner(i+1)) // an owner moves
		want[chat.ID(i)] = owner(i + 1)
		check("add")
	}
	for i := 1; i <= 3*smallGuilds; i += 2 {
		m, ok := g.remove(chat.ID(i))
		if !ok || m != want[chat.ID(i)] {
			t.Fatalf("remove(%d) = %+v, %v", i, m, ok)
		}
		delete(want, chat.ID(i))
		check("remove")
	}
	if _, ok := g.remove(9999); ok {
		t.Fatal("removed an absent guild")
	}
	var small subscribedGuilds
	for i := 1; i <= smallGuilds; i++ {
		small.set(chat.ID(i), owner(i))
	}
	for i := 1; i <= smallGuilds; i++ {
		if _, ok := small.remove(chat.ID(i)); !ok {
			t.Fatalf("small: remove(%d) missed", i)
		}
	}
	if small.len() != 0 || small.big != nil {
		t.Fatalf("small: %d left, map %v", small.len(), small.big != nil)
	}
}
