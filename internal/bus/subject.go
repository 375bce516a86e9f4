package bus

import (
	"fmt"
	"strings"
)

// Subject names a NATS subject. Build one with NodeSubject, RPCSubject or
// HeartbeatSubject, BroadcastSubject; these are the only subjects Accord uses.
type Subject string

// prefix starts every subject Accord uses, so that Accord can share a NATS
// cluster with other users and its traffic is easy to find in monitoring.
const prefix = "accord."

// HeartbeatSubject carries every node's membership heartbeats.
const HeartbeatSubject Subject = prefix + "heartbeat"

// BroadcastSubject carries what every node must hear besides heartbeats:
// a user joined a guild (subscribe their sessions, wherever they are), a
// user changed (drop them from caches, tell their sessions).
const BroadcastSubject Subject = prefix + "broadcast"

// NodeSubject is where node id receives Envelopes: the events guild owners
// send it for its local sessions. Call ValidNodeID first; an invalid id
// would build a subject that NATS splits or rejects.
func NodeSubject(id string) Subject { return Subject(prefix + "node." + id) }

// RPCSubject is where node id serves requests forwarded to it, such as REST
// writes for guilds it owns.
func RPCSubject(id string) Subject { return Subject(prefix + "rpc." + id) }

// maxNodeID bounds a node id; ids appear in every subject and log line.
const maxNodeID = 64

// ValidNodeID reports whether id can name a node: 1 to 64 ASCII letters,
// digits, '-' or '_' (so it is exactly one subject token, never a
// wildcard).
func ValidNodeID(id string) error {
	if id == "" || len(id) > maxNodeID {
		return fmt.Errorf("%w %q: must be 1 to %d characters", ErrBadNodeID, id, maxNodeID)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("%w %q: only letters, digits, '-' and '_' are allowed", ErrBadNodeID, id)
		}
	}
	return nil
}

// Validate reports whether s is a literal subject both backends accept:
// non-empty dot-separated tokens without wildcards or whitespace.
func (s Subject) Validate() error {
	if s == "" {
		return fmt.Errorf("%w: empty", ErrBadSubject)
	}
	for tok := range strings.SplitSeq(string(s), ".") {
		if tok == "" || tok == "*" || tok == ">" || strings.ContainsAny(tok, " \t\r\n") {
			return fmt.Errorf("%w %q", ErrBadSubject, string(s))
		}
	}
	return nil
}
