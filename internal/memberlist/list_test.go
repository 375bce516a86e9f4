package memberlist

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/accordchat/accord/internal/chat"
)

// model is the naive list: every key in a sorted slice; items are derived
// by walking it.
type model struct{ keys []Key }

func (m *model) set(k Key) {
	m.remove(k.ID)
	i, _ := slices.BinarySearchFunc(m.keys, k, Key.Compare)
	m.keys = slices.Insert(m.keys, i, k)
}

func (m *model) remove(id chat.ID) {
	m.keys = slices.DeleteFunc(m.keys, func(k Key) bool { return k.ID == id })
}

func (m *model) items() []Item {
	var out []Item
	for i, k := range m.keys {
		if i == 0 || m.keys[i-1].Group != k.Group {
			n := 0
			for _, o := range m.keys {
				if o.Group == k.Group {
					n++
				}
			}
			out = append(out, Item{Header: true, Group: k.Group, Count: n})
		}
		out = append(out, Item{Key: k})
	}
	return out
}

// apply plays ops on a client's copy of the items, as Discord's client
// does.
func apply(items []Item, ops []Op) ([]Item, error) {
	for _, op := range ops {
		switch op.Kind {
		case OpInsert:
			if op.Index < 0 || op.Index > len(items) {
				return nil, fmt.Errorf("insert at %d of %d", op.Index, len(items))
			}
			items = slices.Insert(items, op.Index, op.Item)
		case OpUpdate:
			if op.Index < 0 || op.Index >= len(items) {
				return nil, fmt.Errorf("update at %d of %d", op.Index, len(items))
			}
			items[op.Index] = op.Item
		case OpDelete:
			if op.Index < 0 || op.Index >= len(items) {
				return nil, fmt.Errorf("delete at %d of %d", op.Index, len(items))
			}
			items = slices.Delete(items, op.Index, op.Index+1)
		}
	}
	return items, nil
}

// sameItems compares items ignoring header counts (a client's headers keep
// the count they arrived with; counts come with each update's groups).
func sameItems(a, b []Item) bool {
	return slices.EqualFunc(a, b, func(x, y Item) bool {
		return x.Header == y.Header && x.Group == y.Group && x.Key == y.Key
	})
}

// step is one random change drawn from b: set a member to a key, or
// remove one. Few IDs, names and groups so that collisions, moves within
// a group and emptied groups are common.
func step(b []byte) (k Key, del bool) {
	for len(b) < 4 {
		b = append(b, 0)
	}
	id := chat.ID(b[0]%16 + 1)
	if b[1]%7 == 0 {
		return Key{ID: id}, true
	}
	var g Group
	switch t := b[2] % 5; {
	case t < 3:
		g = Group{Tier: TierRole, Position: int(t), Role: chat.ID(100 + t)}
	case t == 3:
		g = Online
	default:
		g = Offline
	}
	return Key{Group: g, Name: string(rune('a' + b[3]%4)), ID: id}, false
}

// check runs changes on a List, a model and a client copy fed only ops,
// and compares all three after every change.
func check(t *testing.T, changes [][]byte) {
	t.Helper()
	l, m := New(), &model{}
	var client []Item
	for n, c := range changes {
		k, del := step(c)
		var ops []Op
		if del {
			ops = l.Remove(k.ID)
			m.remove(k.ID)
		} else {
			ops = l.Set(k)
			m.set(k)
		}
		want := m.items()
		var err error
		if client, err = apply(client, ops); err != nil {
			t.Fatalf("change %d (%+v del=%v): %v", n, k, del, err)
		}
		if !sameItems(client, want) {
			t.Fatalf("change %d (%+v del=%v): ops %+v\nclient %+v\nwant   %+v", n, k, del, ops, client, want)
		}
		got := l.Range(nil, 0, l.Items()-1)
		if !slices.Equal(got, want) {
			t.Fatalf("change %d: Range all\ngot  %+v\nwant %+v", n, got, want)
		}
		if l.Len() != len(m.keys) || l.Items() != len(want) {
			t.Fatalf("change %d: Len %d Items %d, want %d %d", n, l.Len(), l.Items(), len(m.keys), len(want))
		}
		for i := range want {
			for j := i; j < len(want) && j < i+4; j++ {
				if got := l.Range(nil, i, j); !slices.Equal(got, want[i:j+1]) {
					t.Fatalf("change %d: Range(%d,%d) = %+v, want %+v", n, i, j, got, want[i:j+1])
				}
			}
			if !want[i].Header {
				if idx, ok := l.Index(want[i].Key.ID); !ok || idx != i {
					t.Fatalf("change %d: Index(%d) = %d %v, want %d", n, want[i].Key.ID, idx, ok, i)
				}
			}
		}
	}
}

func TestListAgainstModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		changes := make([][]byte, 200)
		for i := range changes {
			changes[i] = []byte{byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())}
		}
		check(t, changes)
	}
}

func TestListOps(t *testing.T) {
	l := New()
	alice := Key{Group: Offline, Name: "alice", ID: 1}
	bob := Key{Group: Offline, Name: "bob", ID: 2}
	if ops := l.Set(bob); !slices.Equal(ops, []Op{
		{Kind: OpInsert, Index: 0, Item: Item{Header: true, Group: Offline, Count: 1}},
		{Kind: OpInsert, Index: 1, Item: Item{Key: bob}},
	}) {
		t.Fatalf("first member: %+v", ops)
	}
	if ops := l.Set(alice); !slices.Equal(ops, []Op{{Kind: OpInsert, Index: 1, Item: Item{Key: alice}}}) {
		t.Fatalf("second member: %+v", ops)
	}
	// Bob comes online: he leaves offline (header stays, alice is there)
	// and a new online group is inserted above it.
	bobOn := Key{Group: Online, Name: "bob", ID: 2}
	if ops := l.Set(bobOn); !slices.Equal(ops, []Op{
		{Kind: OpDelete, Index: 2},
		{Kind: OpInsert, Index: 0, Item: Item{Header: true, Group: Online, Count: 1}},
		{Kind: OpInsert, Index: 1, Item: Item{Key: bobOn}},
	}) {
		t.Fatalf("bob online: %+v", ops)
	}
	// Same key again: an update in place.
	if ops := l.Set(bobOn); !slices.Equal(ops, []Op{{Kind: OpUpdate, Index: 1, Item: Item{Key: bobOn}}}) {
		t.Fatalf("bob again: %+v", ops)
	}
	// Alice renames herself but stays first of offline: an update.
	ann := Key{Group: Offline, Name: "ann", ID: 1}
	if ops := l.Set(ann); !slices.Equal(ops, []Op{{Kind: OpUpdate, Index: 3, Item: Item{Key: ann}}}) {
		t.Fatalf("rename: %+v", ops)
	}
	// Removing the last offline member removes its header too.
	if ops := l.Remove(1); !slices.Equal(ops, []Op{{Kind: OpDelete, Index: 3}, {Kind: OpDelete, Index: 2}}) {
		t.Fatalf("remove: %+v", ops)
	}
	if ops := l.Remove(1); ops != nil {
		t.Fatalf("remove again: %+v", ops)
	}
	if g := l.Groups(); !slices.Equal(g, []GroupCount{{Group: Online, Count: 1}}) {
		t.Fatalf("groups %+v", g)
	}
}

func TestGroupOrder(t *testing.T) {
	hi := Group{Tier: TierRole, Position: 5, Role: 9}
	lo := Group{Tier: TierRole, Position: 2, Role: 3}
	got := []Group{Offline, lo, Online, hi}
	slices.SortFunc(got, Group.Compare)
	if want := []Group{hi, lo, Online, Offline}; !slices.Equal(got, want) {
		t.Fatalf("order %+v, want %+v", got, want)
	}
	if hi.ID() != "9" || Online.ID() != "online" || Offline.ID() != "offline" {
		t.Fatalf("ids %q %q %q", hi.ID(), Online.ID(), Offline.ID())
	}
}

func TestTreeAgainstSlice(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	tr := NewTree(func(a, b int) int { return a - b })
	var s []int
	for range 20000 {
		v := r.IntN(3000)
		i, found := slices.BinarySearch(s, v)
		if r.IntN(3) == 0 {
			idx, ok := tr.Delete(v)
			if ok != found || (ok && idx != i) {
				t.Fatalf("Delete(%d) = %d %v, want %d %v", v, idx, ok, i, found)
			}
			if found {
				s = slices.Delete(s, i, i+1)
			}
		} else {
			idx, ok := tr.Insert(v)
			if ok == found || idx != i {
				t.Fatalf("Insert(%d) = %d %v, want %d %v", v, idx, ok, i, !found)
			}
			if !found {
				s = slices.Insert(s, i, v)
			}
		}
		if tr.Len() != len(s) {
			t.Fatalf("Len %d, want %d", tr.Len(), len(s))
		}
	}
	for i, v := range s {
		if got, ok := tr.At(i); !ok || got != v {
			t.Fatalf("At(%d) = %d %v, want %d", i, got, ok, v)
		}
		if idx, ok := tr.Rank(v); !ok || idx != i {
			t.Fatalf("Rank(%d) = %d %v, want %d", v, idx, ok, i)
		}
	}
	if _, ok := tr.At(len(s)); ok {
		t.Fatal("At past the end found a key")
	}
	for _, c := range [][2]int{{0, 99}, {-5, 3}, {len(s) - 10, len(s) + 10}, {50, 40}} {
		lo, hi := max(c[0], 0), min(c[1], len(s)-1)
		var want []int
		if lo <= hi {
			want = s[lo : hi+1]
		}
		if got := tr.Range(nil, c[0], c[1]); !slices.Equal(got, want) {
			t.Fatalf("Range%v = %v, want %v", c, got, want)
		}
	}
}

// TestTreeDrain empties a three-level tree from either end and from the
// middle, checking order, ranks and the leaf chain (what Ascend walks) on
// the way, then fills it again.
func TestTreeDrain(t *testing.T) {
	const n = 70000 // > 64*64*... : three levels
	for _, order := range []string{"front", "back", "middle"} {
		tr := NewTree(func(a, b int) int { return a - b })
		for i := range n {
			tr.Insert(i)
		}
		left := make([]int, n)
		for i := range left {
			left[i] = i
		}
		for step := 0; len(left) > 0; step++ {
			var v int
			switch order {
			case "front":
				v = left[0]
			case "back":
				v = left[len(left)-1]
			default:
				v = left[len(left)/2]
			}
			i, _ := slices.BinarySearch(left, v)
			if idx, ok := tr.Delete(v); !ok || idx != i {
				t.Fatalf("%s: Delete(%d) = %d %v, want %d", order, v, idx, ok, i)
			}
			left = slices.Delete(left, i, i+1)
			if step%997 == 0 || len(left) < 200 {
				var all []int
				tr.Ascend(0, func(k int) bool { all = append(all, k); return true })
				if !slices.Equal(all, left) {
					t.Fatalf("%s: after %d deletes Ascend has %d keys, want %d", order, step+1, len(all), len(left))
				}
				if len(left) > 0 {
					mid := left[len(left)/2]
					if r, ok := tr.Rank(mid); !ok || r != len(left)/2 {
						t.Fatalf("%s: Rank(%d) = %d %v", order, mid, r, ok)
					}
				}
			}
		}
		if tr.Len() != 0 {
			t.Fatalf("%s: Len %d after draining", order, tr.Len())
		}
		for i := range 1000 {
			tr.Insert(999 - i)
		}
		if got := tr.Range(nil, 0, 2000); len(got) != 1000 || got[0] != 0 || got[999] != 999 {
			t.Fatalf("%s: refilled tree ranges %d keys", order, len(got))
		}
	}
}

func FuzzList(f *testing.F) {
	f.Add([]byte{1, 1, 3, 0, 2, 1, 3, 1, 1, 1, 4, 2, 2, 0, 0, 0})
	f.Add([]byte{5, 1, 0, 1, 5, 1, 1, 1, 5, 1, 4, 1, 5, 7, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var changes [][]byte
		for len(b) >= 4 && len(changes) < 64 {
			changes = append(changes, b[:4])
			b = b[4:]
		}
		check(t, changes)
	})
}
