package guild

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// presence is a user's presence as the gateway combined it from their
// sessions (the "d" of op 3 plus client_status).
type presence struct {
	Status       string          `json:"status"`
	Activities   json.RawMessage `json:"activities"`
	ClientStatus clientStatus    `json:"client_status,omitzero"`
}

// clientStatus is a presence's status per platform, as the gateway sends
// it (platformOf: desktop, mobile or web). A struct, not a map: the actor
// keeps one per online member, and a map of one entry cost ~300 bytes of
// each idle session's memory in issue 18's heap profile.
type clientStatus struct {
	Desktop string `json:"desktop,omitempty"`
	Mobile  string `json:"mobile,omitempty"`
	Web     string `json:"web,omitempty"`
}

// platform is one platform's name in client_status and its status field.
type platform struct {
	name string
	st   *string
}

// platforms lists c's fields with their names.
func (c *clientStatus) platforms() [3]platform {
	return [3]platform{{"desktop", &c.Desktop}, {"mobile", &c.Mobile}, {"web", &c.Web}}
}

// merge sets the platforms o has a status for.
func (c *clientStatus) merge(o clientStatus) {
	mine := c.platforms()
	for i, f := range o.platforms() {
		if *f.st != "" {
			*mine[i].st = *f.st
		}
	}
}

// visible reports whether others see p as anything but offline.
func (p presence) visible() bool {
	return p.Status != "" && p.Status != protocol.StatusOffline && p.Status != protocol.StatusInvisible
}

// nodePresence is what one gateway node combined of a user's sessions on
// it. A user may hold sessions on several nodes of a cluster; the guild's
// owner combines them as a gateway combines one node's sessions: the most
// recent change wins, and client_status holds every node's platforms.
type nodePresence struct {
	node string
	p    presence
	seq  uint64 // the actor's arrival order of the nodes' changes
}

// setNodePresence records the presence node holds for userID ("": the
// only node) and sets the user's presence to all nodes' combined: a user
// whose last session on one node closes stays online while another node
// holds one.
func (a *actor) setNodePresence(userID chat.ID, node string, p presence) {
	if node == "" {
		a.setPresence(userID, p)
		return
	}
	list := a.presNodes[userID]
	kept := list[:0]
	for _, np := range list {
		if np.node != node {
			kept = append(kept, np)
		}
	}
	if p.Status != "" && p.Status != protocol.StatusOffline { // node holds a session
		a.presSeq++
		kept = append(kept, nodePresence{node: node, p: p, seq: a.presSeq})
	}
	if len(kept) == 0 {
		delete(a.presNodes, userID)
	} else {
		a.presNodes[userID] = kept
	}
	a.setPresence(userID, combineNodes(kept))
}

// dropNodePresence forgets what node held of every user's presence. A dead
// node never sends the offline its sessions' end would have sent, so
// without this its users would stay online for good (and presNodes would
// keep an entry per user and dead node name). A user whose combined
// presence changes (offline, if no other node holds a session of theirs)
// is told as any presence change is.
func (a *actor) dropNodePresence(node string) {
	if a.gone {
		return
	}
	onNode := func(np nodePresence) bool { return np.node == node }
	for userID, list := range a.presNodes {
		if !slices.ContainsFunc(list, onNode) {
			continue
		}
		before := combineNodes(list)
		kept := slices.DeleteFunc(list, onNode)
		if len(kept) == 0 {
			delete(a.presNodes, userID)
		} else {
			a.presNodes[userID] = kept
		}
		if a.members[userID] == nil {
			continue // cannot happen: leaving clears presNodes
		}
		if after := combineNodes(kept); !samePresence(before, after) {
			a.setPresence(userID, after)
		}
	}
}

// samePresence reports whether x and y are the same presence.
func samePresence(x, y presence) bool {
	return x.Status == y.Status && bytes.Equal(x.Activities, y.Activities) && x.ClientStatus == y.ClientStatus
}

// combineNodes is a user's presence from what each node holds of them.
func combineNodes(list []nodePresence) presence {
	if len(list) == 0 {
		return presence{Status: protocol.StatusOffline}
	}
	latest := list[0]
	for _, np := range list[1:] {
		if np.seq > latest.seq {
			latest = np
		}
	}
	c := latest.p
	if len(list) == 1 || !c.visible() {
		return c
	}
	var cs clientStatus
	for _, np := range list {
		if np.p.visible() {
			cs.merge(np.p.ClientStatus)
		}
	}
	cs.merge(c.ClientStatus) // the latest node's word on a platform wins
	c.ClientStatus = cs
	return c
}

// presenceSent is when a user's last PRESENCE_UPDATE left this guild and
// whether a later one waits for the end of the window.
type presenceSent struct {
	at      time.Time
	pending bool
}

// setPresence records userID's presence and tells the guild, at most once
// per Config.PresenceEvery for each user in a guild of at least
// Config.PresenceCoalesceFrom members: a user who flaps inside the window
// costs one more delivery, of the latest state, at its end, instead of one
// per change to every session of a big guild.
func (a *actor) setPresence(userID chat.ID, p presence) {
	old := a.presence[userID]
	if p.visible() {
		a.presence[userID] = p
	} else {
		delete(a.presence, userID) // offline is the absence of a presence
	}
	// The member list follows at once; it gathers its own updates.
	a.listsMember(userID)
	if !old.visible() && !p.visible() {
		// Offline to invisible or back: nothing others could see changed,
		// and an invisible user's activities must not leak.
		return
	}
	if len(a.members) < a.r.cfg.PresenceCoalesceFrom {
		a.broadcastPresence(userID)
		return
	}
	now := a.r.cfg.Now()
	sent := a.presSent[userID]
	if sent.pending {
		return // the flush at the end of the window sends the latest state
	}
	if wait := a.r.cfg.PresenceEvery - now.Sub(sent.at); !sent.at.IsZero() && wait > 0 {
		a.presSent[userID] = presenceSent{at: sent.at, pending: true}
		time.AfterFunc(wait, func() {
			a.r.pushIfRunning(a.id, func(a *actor) { a.flushPresence(userID) })
		})
		return
	}
	a.presSent[userID] = presenceSent{at: now}
	a.broadcastPresence(userID)
}

// flushPresence sends the state a coalescing window held back.
func (a *actor) flushPresence(userID chat.ID) {
	if !a.presSent[userID].pending {
		return
	}
	if a.members[userID] == nil {
		delete(a.presSent, userID)
		return
	}
	a.presSent[userID] = presenceSent{at: a.r.cfg.Now()}
	a.broadcastPresence(userID)
}

func (a *actor) broadcastPresence(userID chat.ID) {
	a.broadcast(protocol.EventPresenceUpdate, a.presenceBody(userID, a.presence[userID]), protocol.IntentGuildPresences, 0)
}

// presenceOf is userID's presence for GUILD_CREATE and member lists, or
// false if others see the user offline.
func (a *actor) presenceOf(userID chat.ID) (protocol.Presence, bool) {
	p, ok := a.presence[userID]
	if !ok || !p.visible() {
		return protocol.Presence{}, false
	}
	return a.presenceBody(userID, p), true
}

// presenceBody is p as other users see it: an offline (or invisible) user
// shows no activities and no client status.
func (a *actor) presenceBody(userID chat.ID, p presence) protocol.Presence {
	if !p.visible() {
		return protocol.PresenceObject(a.id, userID, protocol.StatusOffline, nil)
	}
	out := protocol.PresenceObject(a.id, userID, p.Status, p.Activities)
	if cs := p.ClientStatus; cs != (clientStatus{}) {
		out.ClientStatus = make(map[string]string, 3)
		for _, f := range cs.platforms() {
			if st := *f.st; st != "" && st != protocol.StatusOffline && st != protocol.StatusInvisible {
				out.ClientStatus[f.name] = st
			}
		}
	}
	return out
}
