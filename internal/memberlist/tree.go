package memberlist

import "slices"

// Tree is an ordered set of K with order statistics: a B+tree whose inner
// nodes record how many keys each child holds, so rank and "key at index
// i" cost O(log n) like a search, and whose leaves are linked, so a range
// of k keys costs one descent plus k steps through contiguous memory.
// Wide nodes keep a million keys three levels deep, with few cache misses
// per operation (a binary tree would chase twenty pointers).
//
// Deletes do not rebalance: a leaf that empties is unlinked, and a root
// with one child is replaced by it, so the height never exceeds what the
// inserts built. Keys are unique under cmp. The zero Tree is not usable;
// build one with NewTree.
type Tree[K any] struct {
	cmp  func(a, b K) int
	root *bnode[K]
	n    int
}

// maxKeys bounds a node's keys (leaf) or children (inner node).
const maxKeys = 64

type bnode[K any] struct {
	// Leaves: keys, prev and next. Inner nodes: kids, their sizes in
	// counts, and seps, where seps[i] <= every key of kids[i+1] and every
	// key of kids[i] < seps[i].
	keys       []K
	prev, next *bnode[K]
	kids       []*bnode[K]
	counts     []int
	seps       []K
}

func (b *bnode[K]) leaf() bool { return b.kids == nil }

// NewTree returns an empty tree ordered by cmp (negative: a before b).
func NewTree[K any](cmp func(a, b K) int) *Tree[K] {
	return &Tree[K]{cmp: cmp, root: &bnode[K]{keys: make([]K, 0, maxKeys)}}
}

// Len returns the number of keys.
func (t *Tree[K]) Len() int { return t.n }

// child returns the index of the child of inner node b that holds k.
func (t *Tree[K]) child(b *bnode[K], k K) int {
	i, found := slices.BinarySearchFunc(b.seps, k, t.cmp)
	if found {
		return i + 1
	}
	return i
}

// Rank returns the index k has (true) or would have (false).
func (t *Tree[K]) Rank(k K) (int, bool) {
	idx := 0
	b := t.root
	for !b.leaf() {
		c := t.child(b, k)
		for _, n := range b.counts[:c] {
			idx += n
		}
		b = b.kids[c]
	}
	i, found := slices.BinarySearchFunc(b.keys, k, t.cmp)
	return idx + i, found
}

// Insert adds k and returns its index (rank), or the index of the equal
// key already present and false.
func (t *Tree[K]) Insert(k K) (int, bool) {
	idx, ok, split, sep := t.insert(t.root, k)
	if !ok {
		return idx, false
	}
	t.n++
	if split != nil {
		old := t.root
		t.root = &bnode[K]{
			kids:   []*bnode[K]{old, split},
			counts: []int{size(old), size(split)},
			seps:   []K{sep},
		}
	}
	return idx, true
}

func size[K any](b *bnode[K]) int {
	if b.leaf() {
		return len(b.keys)
	}
	n := 0
	for _, c := range b.counts {
		n += c
	}
	return n
}

// insert puts k under b. If b had to split, it returns the new right
// sibling and the separator between them.
func (t *Tree[K]) insert(b *bnode[K], k K) (idx int, ok bool, split *bnode[K], sep K) {
	if b.leaf() {
		i, found := slices.BinarySearchFunc(b.keys, k, t.cmp)
		if found {
			return i, false, nil, sep
		}
		b.keys = slices.Insert(b.keys, i, k)
		if len(b.keys) > maxKeys {
			split, sep = t.splitLeaf(b)
		}
		return i, true, split, sep
	}
	c := t.child(b, k)
	for _, n := range b.counts[:c] {
		idx += n
	}
	i, ok, s, ssep := t.insert(b.kids[c], k)
	idx += i
	if !ok {
		return idx, false, nil, sep
	}
	b.counts[c]++
	if s != nil {
		b.counts[c] = size(b.kids[c])
		b.kids = slices.Insert(b.kids, c+1, s)
		b.counts = slices.Insert(b.counts, c+1, size(s))
		b.seps = slices.Insert(b.seps, c, ssep)
		if len(b.kids) > maxKeys {
			split, sep = t.splitInner(b)
		}
	}
	return idx, true, split, sep
}

func (t *Tree[K]) splitLeaf(b *bnode[K]) (*bnode[K], K) {
	h := len(b.keys) / 2
	r := &bnode[K]{keys: make([]K, len(b.keys)-h, maxKeys+1), prev: b, next: b.next}
	copy(r.keys, b.keys[h:])
	clear(b.keys[h:]) // drop references held past the new length
	b.keys = b.keys[:h]
	if b.next != nil {
		b.next.prev = r
	}
	b.next = r
	return r, r.keys[0]
}

func (t *Tree[K]) splitInner(b *bnode[K]) (*bnode[K], K) {
	h := len(b.kids) / 2
	sep := b.seps[h-1]
	r := &bnode[K]{
		kids:   slices.Clone(b.kids[h:]),
		counts: slices.Clone(b.counts[h:]),
		seps:   slices.Clone(b.seps[h:]),
	}
	clear(b.kids[h:])
	b.kids, b.counts, b.seps = b.kids[:h], b.counts[:h], b.seps[:h-1]
	return r, sep
}

// Delete removes k and returns the index it had; false if absent.
func (t *Tree[K]) Delete(k K) (int, bool) {
	idx, ok := t.delete(t.root, k)
	if !ok {
		return 0, false
	}
	t.n--
	for !t.root.leaf() && len(t.root.kids) == 1 {
		t.root = t.root.kids[0]
	}
	return idx, true
}

func (t *Tree[K]) delete(b *bnode[K], k K) (int, bool) {
	if b.leaf() {
		i, found := slices.BinarySearchFunc(b.keys, k, t.cmp)
		if !found {
			return 0, false
		}
		b.keys = slices.Delete(b.keys, i, i+1)
		return i, true
	}
	c := t.child(b, k)
	idx := 0
	for _, n := range b.counts[:c] {
		idx += n
	}
	kid := b.kids[c]
	i, ok := t.delete(kid, k)
	if !ok {
		return 0, false
	}
	b.counts[c]--
	if b.counts[c] == 0 && len(b.kids) > 1 {
		// Unlink the empty child. Dropping the separator on its left
		// (or, for the first child, on its right) keeps every bound true.
		// An empty inner child keeps one empty child down to a leaf.
		l := kid
		for !l.leaf() {
			l = l.kids[0]
		}
		if l.prev != nil {
			l.prev.next = l.next
		}
		if l.next != nil {
			l.next.prev = l.prev
		}
		b.kids = slices.Delete(b.kids, c, c+1)
		b.counts = slices.Delete(b.counts, c, c+1)
		b.seps = slices.Delete(b.seps, max(c-1, 0), max(c, 1))
	}
	return idx + i, true
}

// At returns the key at index i; false if i is out of range.
func (t *Tree[K]) At(i int) (K, bool) {
	b, j := t.find(i)
	if b == nil {
		var zero K
		return zero, false
	}
	return b.keys[j], true
}

// find returns the leaf holding index i and i's place in it; nil if i is
// out of range.
func (t *Tree[K]) find(i int) (*bnode[K], int) {
	if i < 0 || i >= t.n {
		return nil, 0
	}
	b := t.root
	for !b.leaf() {
		c := 0
		for ; i >= b.counts[c]; c++ {
			i -= b.counts[c]
		}
		b = b.kids[c]
	}
	return b, i
}

// Ascend calls fn with the keys from index i on, in order, until fn
// returns false or the keys run out.
func (t *Tree[K]) Ascend(i int, fn func(K) bool) {
	b, j := t.find(max(i, 0))
	for ; b != nil; b, j = b.next, 0 {
		for ; j < len(b.keys); j++ {
			if !fn(b.keys[j]) {
				return
			}
		}
	}
}

// Range returns the keys at indexes i through j inclusive (clamped to the
// tree), appended to dst.
func (t *Tree[K]) Range(dst []K, i, j int) []K {
	i, j = max(i, 0), min(j, t.n-1)
	if i > j {
		return dst
	}
	n := j - i + 1
	t.Ascend(i, func(k K) bool {
		dst = append(dst, k)
		n--
		return n > 0
	})
	return dst
}
