package guild

import (
	"context"
	"fmt"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Cluster mode. On one node the registry runs every guild's actor. In a
// cluster (Config.Placement set) it runs only the guilds this node owns:
// an operation for another node's guild fails with *NotOwnerError before
// it has any effect, so the caller (the REST layer, the cluster node) can
// send the whole request to the owner. Sessions of other nodes subscribe
// here as Sessions whose Node is their node; fan-out hands all of one
// event's recipients on one node to Config.Remote at once, so the event
// crosses the network once per node, not once per session (Manifold).

// Placement says which node owns each guild.
type Placement interface {
	// Owner returns the node that owns guildID now (node is "" while none
	// is known) and whether it is this node. settled is false for a short
	// while after the guild changed owner, while the other nodes move
	// their sessions' subscriptions here: writes wait for it, so that no
	// event is made before every session can receive it.
	Owner(guildID chat.ID) (node string, self, settled bool)
}

// NotOwnerError is the error of an operation on a guild this node does
// not own (or, with Node "", that is moving between nodes). Nothing was
// done.
type NotOwnerError struct {
	Guild chat.ID
	Node  string
}

func (e *NotOwnerError) Error() string {
	if e.Node == "" {
		return fmt.Sprintf("guild %d: moving between nodes", e.Guild)
	}
	return fmt.Sprintf("guild %d: owned by node %s", e.Guild, e.Node)
}

// RemoteSender carries fan-out to the sessions of other nodes.
type RemoteSender interface {
	// Deliver hands over one event's dispatches with their recipient
	// sessions, by node. It is called once per event (per relay, in a
	// guild big enough for relays) from fan-out goroutines, in the
	// guild's event order per session, and must not block or keep nodes.
	Deliver(guildID chat.ID, nodes map[string][]RemotePart)
}

// RemotePart is one dispatch and the sessions of one node that get it.
type RemotePart struct {
	D        *protocol.Dispatch
	Sessions []string
}

// remoteSession is the optional ability of a Session to say it lives on
// another node (cluster mode); its Send is then never called.
type remoteSession interface{ Node() string }

// joiner is the optional ability of a Directory to reach sessions on
// every node: it subscribes the user's live sessions wherever they are,
// rather than the registry subscribing what UserSessions returns.
type joiner interface{ UserJoined(guildID, userID chat.ID) }

// userNotifier is the optional ability of a Directory to tell every node
// that a user changed (their caches and their sessions).
type userNotifier interface{ UserChanged(u chat.User) }

// unsettledKey marks operations that may run on a guild that is still
// settling after a move: subscriptions, which settling waits for.
type unsettledKey struct{}

// AllowUnsettled returns ctx marked for an operation that may run while
// its guild settles after a move (subscribing a session).
func AllowUnsettled(ctx context.Context) context.Context {
	return context.WithValue(ctx, unsettledKey{}, true)
}

// owns returns a *NotOwnerError unless this node runs guildID's actor.
func (r *Registry) owns(guildID chat.ID, unsettledOK bool) error {
	p := r.cfg.Placement
	if p == nil {
		return nil
	}
	node, self, settled := p.Owner(guildID)
	if !self {
		return &NotOwnerError{Guild: guildID, Node: node}
	}
	if !settled && !unsettledOK {
		return &NotOwnerError{Guild: guildID}
	}
	return nil
}

// Owns reports whether this node runs guildID's actor now.
func (r *Registry) Owns(guildID chat.ID) bool { return r.owns(guildID, true) == nil }

// Release stops the actors of the guilds this node no longer owns, after
// the writes they have in flight complete. Their sessions are dropped
// without GUILD_DELETE: their nodes subscribe them at the new owner.
// Operations still queued fail with *NotOwnerError, so callers retry there.
// It returns how many actors it stopped.
func (r *Registry) Release() int {
	if r.cfg.Placement == nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for id, a := range r.actors {
		if r.owns(id, true) == nil {
			continue
		}
		delete(r.actors, id)
		close(a.release)
		n++
	}
	return n
}

// Owned returns how many guild actors run on this node.
func (r *Registry) Owned() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.actors)
}

// userJoined tells a cluster-wide directory that userID joined guildID.
func (r *Registry) userJoined(guildID, userID chat.ID) bool {
	h := r.dir.Load()
	if h == nil {
		return false
	}
	j, ok := h.d.(joiner)
	if ok {
		j.UserJoined(guildID, userID)
	}
	return ok
}

// batch collects one event's recipients on other nodes, per node.
type batch struct {
	to    RemoteSender
	nodes map[string][]RemotePart
}

// add records that session (on node) gets d.
func (b *batch) add(node, session string, d *protocol.Dispatch) {
	if b.nodes == nil {
		b.nodes = make(map[string][]RemotePart)
	}
	parts := b.nodes[node]
	for i := range parts {
		if parts[i].D == d {
			parts[i].Sessions = append(parts[i].Sessions, session)
			return
		}
	}
	b.nodes[node] = append(parts, RemotePart{D: d, Sessions: []string{session}})
}

// flush hands the event's parts to the sender, all nodes in one call.
func (b *batch) flush(guildID chat.ID) {
	b.to.Deliver(guildID, b.nodes)
	clear(b.nodes)
}

// DropNode unsubscribes every session of node from every guild actor
// here and forgets what node held of its users' presences: the node died
// or restarted, and its sessions with it.
func (r *Registry) DropNode(node string) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, a := range r.actors {
		_ = a.offer(func(a *actor) { // best effort: a full inbox only delays cleanup
			a.enqueue(func() {
				for id, su := range a.subs {
					if su.node == node {
						a.removeSub(id)
					}
				}
			})
			// The PRESENCE_UPDATEs this makes follow the removal above in
			// the event order: the dead node's sessions are not sent them.
			a.dropNodePresence(node)
		})
	}
}
