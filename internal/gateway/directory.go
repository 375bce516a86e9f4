package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// UserSessions returns the sessions of a user that are connected or still
// resumable (guild.Directory). A resumable session buffers what it is sent.
func (g *Gateway) UserSessions(userID chat.ID) []Subscriber {
	g.mu.RLock()
	defer g.mu.RUnlock()
	ss := g.byUser[userID]
	out := make([]Subscriber, 0, len(ss))
	for _, s := range ss {
		out = append(out, s)
	}
	return out
}

// SendToUser sends d to every session of userID on this node
// (api.UserSender: MESSAGE_ACK).
func (g *Gateway) SendToUser(userID chat.ID, d *protocol.Dispatch) {
	for _, s := range g.UserSessions(userID) {
		s.Send(d)
	}
}

// CloseUserSessions ends every session of userID for good, as when the
// token they identified with is revoked: each is made unresumable, and a
// connected one is closed with code.
func (g *Gateway) CloseUserSessions(userID chat.ID, code protocol.CloseCode) {
	g.mu.RLock()
	ss := append([]*Session(nil), g.byUser[userID]...)
	g.mu.RUnlock()
	for _, s := range ss {
		s.mu.Lock()
		c := s.c
		s.mu.Unlock()
		g.invalidate(s)
		if c != nil {
			c.close(code)
		}
	}
}

// register makes s findable by session id and user.
func (g *Gateway) register(s *Session) {
	g.mu.Lock()
	g.sessions[s.id] = s
	g.byUser[s.userID] = append(g.byUser[s.userID], s)
	g.mu.Unlock()
	g.stats.sessions.Add(1)
}

// lookup returns the live session with id, or nil.
func (g *Gateway) lookup(id string) *Session {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.sessions[id]
}

// invalidate ends s for good: it can no longer be resumed and is removed
// from its guilds.
func (g *Gateway) invalidate(s *Session) {
	if !s.kill() {
		return
	}
	g.mu.Lock()
	if g.sessions[s.id] == s {
		delete(g.sessions, s.id)
		g.stats.sessions.Add(-1)
	}
	list := g.byUser[s.userID]
	for i, x := range list {
		if x == s {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(g.byUser, s.userID)
	} else {
		g.byUser[s.userID] = list
	}
	g.mu.Unlock()
	g.stats.invalidated.Add(1)
	g.disconnectGuilds(s)
	g.presence.changed(s)
}

// sessionReleaser is the optional ability of Guilds to unsubscribe a
// session that ended for good from every guild it subscribed it to
// (node.Node has it). The gateway can name only READY's guilds and the
// user's current ones: a guild joined after READY and left, or deleted,
// since would stay subscribed in a guild layer that keeps its own record
// of each session's guilds, and that record would pin the session.
type sessionReleaser interface {
	DisconnectSession(sessionID string)
}

// disconnectGuilds unsubscribes s, which ended for good, from its guilds.
func (g *Gateway) disconnectGuilds(s *Session) {
	if r, ok := g.cfg.Guilds.(sessionReleaser); ok {
		// It knows every guild of s, so the store need not be asked.
		r.DisconnectSession(s.id)
		return
	}
	// Guilds joined after READY are known only to the guild layer, so ask
	// the store for the current list as well.
	guilds := s.guildIDs()
	ctx, cancel := context.WithTimeout(g.ctx, g.cfg.RequestTimeout)
	defer cancel()
	if ids, err := g.cfg.Accounts.UserGuilds(ctx, s.userID); err == nil {
		guilds = append(guilds, ids...)
	}
	seen := make(map[chat.ID]bool, len(guilds))
	for _, id := range guilds {
		if !seen[id] {
			seen[id] = true
			g.cfg.Guilds.Disconnect(id, s.id)
		}
	}
}

// Ended reports whether s ended for good (invalidate). A guild layer that
// subscribes sessions in the background (node.Node: after a join, or when
// a guild moves) checks it once subscribed: a subscription made after the
// session's end was released would otherwise outlive the session.
func (s *Session) Ended() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gone
}

func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
