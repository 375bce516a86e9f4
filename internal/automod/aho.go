package automod

// automaton is an Aho-Corasick automaton over bytes: one pass over a text
// finds every occurrence of every pattern, whatever their number. Nodes
// keep their edges as small sorted-by-insertion slices (most nodes have
// one child), so memory stays proportional to the patterns' total length.
type automaton struct {
	nodes []acNode
}

type acNode struct {
	edges []acEdge
	fail  int32
	out   []int32 // patterns ending here, including those of the fail chain
}

type acEdge struct {
	b    byte
	next int32
}

func (n *acNode) child(b byte) int32 {
	for _, e := range n.edges {
		if e.b == b {
			return e.next
		}
	}
	return -1
}

// newAutomaton builds the automaton of patterns; pattern i is reported as i.
func newAutomaton(patterns []string) *automaton {
	a := &automaton{nodes: []acNode{{}}}
	for i, p := range patterns {
		cur := int32(0)
		for j := 0; j < len(p); j++ {
			nx := a.nodes[cur].child(p[j])
			if nx < 0 {
				nx = int32(len(a.nodes))
				a.nodes = append(a.nodes, acNode{})
				a.nodes[cur].edges = append(a.nodes[cur].edges, acEdge{p[j], nx})
			}
			cur = nx
		}
		a.nodes[cur].out = append(a.nodes[cur].out, int32(i))
	}
	// Breadth-first: a node's fail link is the longest proper suffix of
	// its path that is also a path from the root.
	queue := make([]int32, 0, len(a.nodes))
	for _, e := range a.nodes[0].edges {
		queue = append(queue, e.next)
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, e := range a.nodes[n].edges {
			f := a.nodes[n].fail
			for f != 0 && a.nodes[f].child(e.b) < 0 {
				f = a.nodes[f].fail
			}
			if c := a.nodes[f].child(e.b); c >= 0 && c != e.next {
				a.nodes[e.next].fail = c
			}
			fo := a.nodes[a.nodes[e.next].fail].out
			if len(fo) > 0 {
				a.nodes[e.next].out = append(a.nodes[e.next].out, fo...)
			}
			queue = append(queue, e.next)
		}
	}
	return a
}

// scan calls hit(pattern, end) for every occurrence, end being the index
// just past it; hit returns false to stop.
func (a *automaton) scan(text string, hit func(pattern int32, end int) bool) {
	cur := int32(0)
	for i := 0; i < len(text); i++ {
		b := text[i]
		for {
			if c := a.nodes[cur].child(b); c >= 0 {
				cur = c
				break
			}
			if cur == 0 {
				break
			}
			cur = a.nodes[cur].fail
		}
		for _, p := range a.nodes[cur].out {
			if !hit(p, i+1) {
				return
			}
		}
	}
}
