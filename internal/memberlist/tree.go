package memberlist

// Tree is an ordered set of K with order statistics: a treap (a binary
// search tree kept balanced, in expectation, by random heap priorities)
// whose nodes record the size of their subtree. Keys are unique under cmp.
// The zero Tree is not usable; build one with NewTree.
type Tree[K any] struct {
	cmp  func(a, b K) int
	root *node[K]
	seed uint64 // xorshift state for priorities
}

type node[K any] struct {
	key  K
	pri  uint64
	size int
	l, r *node[K]
}

// NewTree returns an empty tree ordered by cmp (negative: a before b).
func NewTree[K any](cmp func(a, b K) int) *Tree[K] {
	return &Tree[K]{cmp: cmp, seed: 0x9e3779b97f4a7c15}
}

// Len returns the number of keys.
func (t *Tree[K]) Len() int { return t.root.len() }

func (n *node[K]) len() int {
	if n == nil {
		return 0
	}
	return n.size
}

func (n *node[K]) fix() { n.size = 1 + n.l.len() + n.r.len() }

// priority draws the next pseudo-random priority. A fixed seed keeps runs
// reproducible; the keys' order, not the caller, decides the shape.
func (t *Tree[K]) priority() uint64 {
	x := t.seed
	x ^= x << 13
	x ^= x >> 7
	x ^= x << 17
	t.seed = x
	return x
}

// Insert adds k and returns its index (rank), or the index of the equal
// key already present and false.
func (t *Tree[K]) Insert(k K) (int, bool) {
	if i, ok := t.Rank(k); ok {
		return i, false
	}
	n := &node[K]{key: k, pri: t.priority(), size: 1}
	var idx int
	t.root = t.insert(t.root, n, &idx)
	return idx, true
}

// insert places n under p by rotation-free descent: at the first node of
// lower priority on the search path, the subtree is split around n.key.
// idx accumulates the keys before n.
func (t *Tree[K]) insert(p, n *node[K], idx *int) *node[K] {
	if p == nil {
		return n
	}
	if n.pri > p.pri {
		n.l, n.r = t.split(p, n.key)
		*idx += n.l.len()
		n.fix()
		return n
	}
	if t.cmp(n.key, p.key) < 0 {
		p.l = t.insert(p.l, n, idx)
	} else {
		*idx += p.l.len() + 1
		p.r = t.insert(p.r, n, idx)
	}
	p.fix()
	return p
}

// split divides p into the keys before k and those after it (k itself is
// not in p).
func (t *Tree[K]) split(p *node[K], k K) (l, r *node[K]) {
	if p == nil {
		return nil, nil
	}
	if t.cmp(p.key, k) < 0 {
		p.r, r = t.split(p.r, k)
		p.fix()
		return p, r
	}
	l, p.l = t.split(p.l, k)
	p.fix()
	return l, p
}

// merge joins l and r, every key of l being before every key of r.
func merge[K any](l, r *node[K]) *node[K] {
	switch {
	case l == nil:
		return r
	case r == nil:
		return l
	case l.pri > r.pri:
		l.r = merge(l.r, r)
		l.fix()
		return l
	default:
		r.l = merge(l, r.l)
		r.fix()
		return r
	}
}

// Delete removes k and returns the index it had; false if absent.
func (t *Tree[K]) Delete(k K) (int, bool) {
	idx, ok := t.Rank(k)
	if !ok {
		return 0, false
	}
	t.root = t.delete(t.root, k)
	return idx, true
}

func (t *Tree[K]) delete(p *node[K], k K) *node[K] {
	c := t.cmp(k, p.key)
	switch {
	case c == 0:
		return merge(p.l, p.r)
	case c < 0:
		p.l = t.delete(p.l, k)
	default:
		p.r = t.delete(p.r, k)
	}
	p.fix()
	return p
}

// Rank returns the index k has (true) or would have (false).
func (t *Tree[K]) Rank(k K) (int, bool) {
	idx := 0
	for p := t.root; p != nil; {
		c := t.cmp(k, p.key)
		switch {
		case c == 0:
			return idx + p.l.len(), true
		case c < 0:
			p = p.l
		default:
			idx += p.l.len() + 1
			p = p.r
		}
	}
	return idx, false
}

// At returns the key at index i; false if i is out of range.
func (t *Tree[K]) At(i int) (K, bool) {
	var zero K
	if i < 0 || i >= t.Len() {
		return zero, false
	}
	p := t.root
	for {
		l := p.l.len()
		switch {
		case i < l:
			p = p.l
		case i == l:
			return p.key, true
		default:
			i -= l + 1
			p = p.r
		}
	}
}

// Ascend calls fn with the keys from index i on, in order, until fn
// returns false or the keys run out.
func (t *Tree[K]) Ascend(i int, fn func(K) bool) {
	if i < 0 {
		i = 0
	}
	// The path to index i, keeping the nodes whose key comes at or after
	// it: exactly the stack an in-order walk would hold there.
	var stack []*node[K]
	for p := t.root; p != nil; {
		l := p.l.len()
		switch {
		case i < l:
			stack = append(stack, p)
			p = p.l
		case i == l:
			stack = append(stack, p)
			p = nil
		default:
			i -= l + 1
			p = p.r
		}
	}
	for len(stack) > 0 {
		p := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if !fn(p.key) {
			return
		}
		for q := p.r; q != nil; q = q.l {
			stack = append(stack, q)
		}
	}
}

// Range returns the keys at indexes i through j inclusive (clamped to the
// tree), appended to dst.
func (t *Tree[K]) Range(dst []K, i, j int) []K {
	if j >= t.Len() {
		j = t.Len() - 1
	}
	if i < 0 {
		i = 0
	}
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
