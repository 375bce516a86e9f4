package cluster

import (
	"cmp"
	"slices"
)

// Member is one live node as a snapshot sees it. It is plain data.
type Member struct {
	ID          string // the node id
	URL         string // its public URL; may be empty
	Incarnation uint64 // which run of the node; larger is newer
}

// Members is an immutable snapshot of the live nodes, sorted by ID. The
// zero value is the empty set. A Members value is safe to share between
// goroutines and cheap to copy; its slices are never modified.
type Members struct {
	version uint64
	nodes   []Member // sorted by ID, unique
	hashes  []uint64 // hashes[i] = nodeHash(nodes[i].ID)
}

// NewMembers returns a snapshot of the given nodes, version 0: for a single
// node that runs no Membership, and for tests. Later entries replace
// earlier ones with the same ID. It does not retain nodes.
func NewMembers(nodes ...Member) Members {
	return newMembers(0, nodes)
}

func newMembers(version uint64, nodes []Member) Members {
	ns := slices.Clone(nodes)
	// Stable, so that the last duplicate is last among equals.
	slices.SortStableFunc(ns, func(a, b Member) int { return cmp.Compare(a.ID, b.ID) })
	out := ns[:0]
	for i, n := range ns {
		if i+1 < len(ns) && ns[i+1].ID == n.ID {
			continue
		}
		out = append(out, n)
	}
	hs := make([]uint64, len(out))
	for i, n := range out {
		hs[i] = nodeHash(n.ID)
	}
	return Members{version: version, nodes: out, hashes: hs}
}

// Version counts the changes the Membership that made this snapshot has
// seen; a later snapshot of the same Membership has a larger version.
func (ms Members) Version() uint64 { return ms.version }

// Len is the number of live nodes.
func (ms Members) Len() int { return len(ms.nodes) }

// At returns the i'th live node in ID order.
func (ms Members) At(i int) Member { return ms.nodes[i] }

// All returns the live nodes in ID order, in a new slice the caller owns.
func (ms Members) All() []Member { return slices.Clone(ms.nodes) }

// Get returns the live node with the given ID.
func (ms Members) Get(id string) (Member, bool) {
	i, ok := slices.BinarySearchFunc(ms.nodes, id, func(m Member, id string) int { return cmp.Compare(m.ID, id) })
	if !ok {
		return Member{}, false
	}
	return ms.nodes[i], true
}

// Equal reports whether ms and other hold the same nodes, ignoring
// versions.
func (ms Members) Equal(other Members) bool { return slices.Equal(ms.nodes, other.nodes) }
