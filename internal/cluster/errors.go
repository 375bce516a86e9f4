package cluster

import "errors"

// Sentinel errors. Callers branch with errors.Is; the returned errors wrap
// them with detail.
var (
	// ErrMalformed: bytes that are not a heartbeat of a known version.
	ErrMalformed = errors.New("cluster: malformed heartbeat")
	// ErrVersion: a heartbeat of a version this node does not read (a
	// newer node in a rolling upgrade).
	ErrVersion = errors.New("cluster: unknown heartbeat version")
	// ErrNodeID: a node id that is empty, too long or not made of
	// [A-Za-z0-9_-].
	ErrNodeID = errors.New("cluster: invalid node id")
	// ErrURL: a public URL that is too long or not printable ASCII.
	ErrURL = errors.New("cluster: invalid public url")
)
