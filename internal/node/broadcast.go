package node

import (
	"context"
	"encoding/json"

	"github.com/accordchat/accord/internal/bus"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/dm"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
)

// Node is the guild registry's Directory in cluster mode: a join or a user
// change is broadcast to every node (this one included), and each node
// acts on its own sessions.

// broadcast is one message on bus.BroadcastSubject.
type broadcast struct {
	Kind  string             `json:"k"` // "joined", "user", "close", "dispatch", "dm" or "shard"
	Guild chat.ID            `json:"g,omitempty"`
	User  chat.ID            `json:"u"`
	Full  chat.User          `json:"user,omitzero"`
	Code  protocol.CloseCode `json:"code,omitempty"`
	// "dm": a private channel's dispatch for the sessions of Users that
	// asked for Intent (0: any). "dispatch": Name and Data for User's
	// sessions. "shard": Name and Data for User's sessions whose shard
	// covers Guild.
	Users  []chat.ID        `json:"us,omitempty"`
	Intent protocol.Intents `json:"i,omitempty"`
	Name   string           `json:"n,omitempty"`
	Data   json.RawMessage  `json:"d,omitempty"`
}

// DeliverToUsers implements dm.Deliverer: every node hands the dispatch to
// its own sessions of users (one broadcast for all of them).
func (n *Node) DeliverToUsers(users []chat.ID, intent protocol.Intents, d *protocol.Dispatch) {
	n.publish(broadcast{Kind: "dm", Users: users, Intent: intent, Name: d.Name, Data: d.Data})
}

// UserSessions implements guild.Directory. The registry asks only when
// the Directory cannot reach every node itself; Node can (UserJoined), so
// it answers none.
func (n *Node) UserSessions(chat.ID) []guild.Session { return nil }

// UserJoined tells every node that userID joined guildID: each subscribes
// the user's sessions it has.
func (n *Node) UserJoined(guildID, userID chat.ID) {
	n.publish(broadcast{Kind: "joined", Guild: guildID, User: userID})
}

// UserChanged tells every node that u changed: each drops u from its
// user cache and sends USER_UPDATE to u's sessions it has.
func (n *Node) UserChanged(u chat.User) {
	n.publish(broadcast{Kind: "user", User: u.ID, Full: u})
}

// CloseUserSessions ends userID's gateway sessions on every node with
// code (api.SessionCloser: a bot whose token was reset). Each node also
// stops trusting the tokens it cached (account.Service.TokensRevoked), so
// the revoked token fails everywhere, not only on the node that reset it.
func (n *Node) CloseUserSessions(userID chat.ID, code protocol.CloseCode) {
	n.publish(broadcast{Kind: "close", User: userID, Code: code})
}

// SendToUser sends d to userID's sessions on every node (api.UserSender:
// MESSAGE_ACK reaches the user's sessions wherever they connected).
func (n *Node) SendToUser(userID chat.ID, d *protocol.Dispatch) {
	n.publish(broadcast{Kind: "dispatch", User: userID, Name: d.Name, Data: d.Data})
}

// SendToShard sends d to userID's sessions, on every node, whose shard
// covers guildID (api's sendToBot: INTERACTION_CREATE reaches the bot's
// session for the guild wherever it connected).
func (n *Node) SendToShard(userID, guildID chat.ID, d *protocol.Dispatch) {
	n.publish(broadcast{Kind: "shard", User: userID, Guild: guildID, Name: d.Name, Data: d.Data})
}

func (n *Node) publish(m broadcast) {
	b, err := json.Marshal(m)
	if err == nil {
		err = n.cfg.Bus.Publish(context.Background(), bus.BroadcastSubject, b)
	}
	if err != nil {
		n.log.Error("broadcast", "kind", m.Kind, "err", err)
	}
}

func (n *Node) receiveBroadcast(b []byte) {
	var m broadcast
	if err := json.Unmarshal(b, &m); err != nil {
		n.stats.malformed.Add(1)
		return
	}
	switch m.Kind {
	case "joined":
		// Connect may wait for the guild's owner: not in the bus's
		// delivery goroutine.
		n.bg.Add(1)
		go func() {
			defer n.bg.Done()
			n.subscribeUser(m.Guild, m.User)
		}()
	case "user":
		if n.cfg.Users != nil {
			n.cfg.Users.Invalidate(m.User)
		}
		n.sendUserUpdate(m.Full)
	case "close":
		if n.cfg.Users != nil {
			n.cfg.Users.TokensRevoked()
		}
		n.sessions.CloseUserSessions(m.User, m.Code)
	case "dm":
		d := &protocol.Dispatch{Name: m.Name, Data: m.Data}
		for _, u := range m.Users {
			dm.SendLocal(n.sessions.UserSessions(u), m.Intent, d)
		}
	case "dispatch", "shard":
		if m.Name == "" || len(m.Data) == 0 {
			n.stats.malformed.Add(1)
			return
		}
		d := &protocol.Dispatch{Name: m.Name, Data: m.Data}
		for _, s := range n.sessions.UserSessions(m.User) {
			if sh, ok := s.(sharded); ok && m.Kind == "shard" && !sh.InShard(m.Guild) {
				continue
			}
			s.Send(d)
		}
	}
}

// subscribeUser subscribes this node's sessions of userID that cover
// guildID to it.
func (n *Node) subscribeUser(guildID, userID chat.ID) {
	ctx, cancel := context.WithTimeout(context.Background(), n.cfg.MoveWait)
	defer cancel()
	for _, s := range n.sessions.UserSessions(userID) {
		if sh, ok := s.(sharded); ok && !sh.InShard(guildID) {
			continue
		}
		lt := 0
		if l, ok := s.(largeThresholder); ok {
			lt = l.LargeThreshold()
		}
		if err := n.Connect(ctx, guildID, s, lt); err != nil {
			n.log.Warn("subscribe after join", "guild", guildID, "session", s.ID(), "err", err)
		}
	}
}

// sendUserUpdate sends USER_UPDATE to this node's sessions of u.
func (n *Node) sendUserUpdate(u chat.User) {
	d, err := protocol.UserUpdate(u)
	if err != nil {
		n.log.Error("encode user update", "user", u.ID, "err", err)
		return
	}
	for _, s := range n.sessions.UserSessions(u.ID) {
		s.Send(d)
	}
}
