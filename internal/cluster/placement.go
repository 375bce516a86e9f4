package cluster

import "github.com/accordchat/accord/internal/chat"

// Placement is rendezvous (highest random weight) hashing: each node has a
// weight for each guild, weight(node, guild) = mix(h(node) ^ mix(guild)),
// and the guild's owner is the live node of highest weight. Removing a
// node moves only the guilds it won (each to its runner-up); adding one
// moves to it exactly the guilds where it beats the old winner, about
// 1/(N+1) of them. h is FNV-1a over the id, then mix; mix is the
// SplitMix64 finalizer, a bijection with full avalanche, which is what
// makes weights of different nodes for the same guild look independent.
// Both are a few lines, allocate nothing and depend on no library, so the
// function cannot change under us with a dependency bump: every node of
// every version must compute the same owner (TestOwnerStable pins it).

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
	golden    = 0x9e3779b97f4a7c15 // keeps guild 0 away from mix's fixed point 0
)

func nodeHash(id string) uint64 {
	h := uint64(fnvOffset)
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= fnvPrime
	}
	return mix(h)
}

func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Owner returns the live node that owns guild g, or false if there is no
// live node. Equal weights (a 2^-64 event) go to the smaller node id.
// It allocates nothing.
func (ms Members) Owner(g chat.ID) (Member, bool) {
	i := ms.owner(g)
	if i < 0 {
		return Member{}, false
	}
	return ms.nodes[i], true
}

// owner returns the index of g's owner, or -1.
func (ms Members) owner(g chat.ID) int {
	x := mix(uint64(g) + golden)
	best, bestW := -1, uint64(0)
	for i, h := range ms.hashes {
		// Nodes are in ID order, so strict > keeps the smaller id on a tie.
		if w := mix(h ^ x); best < 0 || w > bestW {
			best, bestW = i, w
		}
	}
	return best
}

// ownerID is Owner's node id, "" if none.
func (ms Members) ownerID(g chat.ID) string {
	if i := ms.owner(g); i >= 0 {
		return ms.nodes[i].ID
	}
	return ""
}

// Move is a guild whose owner changed between two snapshots. From or To is
// "" when there was or is no live node.
type Move struct {
	Guild    chat.ID
	From, To string
}

// Moves returns the guilds among guilds whose owner in next differs from
// their owner in prev, in the order given, in a new slice (nil if none).
// A node restarting under the same id (a new incarnation) moves nothing:
// the owner is the same node id, which reloads what it needs from the
// store.
func Moves(prev, next Members, guilds []chat.ID) []Move {
	var out []Move
	for _, g := range guilds {
		from, to := prev.ownerID(g), next.ownerID(g)
		if from != to {
			out = append(out, Move{Guild: g, From: from, To: to})
		}
	}
	return out
}
