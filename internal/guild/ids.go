package guild

import "github.com/accordchat/accord/internal/chat"

// Small set operations on lists of IDs (member roles, mentions); the lists
// are short, so a linear scan beats a map.

func hasID(ids []chat.ID, id chat.ID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func appendUnique(ids []chat.ID, id chat.ID) []chat.ID {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	return append(ids, id)
}

// removeID returns a new slice of ids without id.
func removeID(ids []chat.ID, id chat.ID) []chat.ID {
	out := make([]chat.ID, 0, len(ids))
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

// symmetricDiff returns the IDs in exactly one of a and b.
func symmetricDiff(a, b []chat.ID) []chat.ID {
	var out []chat.ID
	for _, x := range a {
		if !hasID(b, x) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if !hasID(a, x) {
			out = append(out, x)
		}
	}
	return out
}
