package gateway

// HasSession reports whether a session with id is live or resumable.
func (g *Gateway) HasSession(id string) bool { return g.lookup(id) != nil }
