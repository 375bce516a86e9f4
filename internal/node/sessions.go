package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/accordchat/accord/internal/bus"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/cluster"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
)

// localSession is one of this node's sessions with its subscriptions:
// guild -> the owner (id and incarnation) it is subscribed at.
type localSession struct {
	s      guild.Session
	lt     int
	guilds subscribedGuilds
}

// remoteSession is a session of another node as an owner keeps it. Its
// Send is never called by fan-out (Node makes it a remote sub); a stray
// call still reaches the session, through the link.
type remoteSession struct {
	n       *Node
	node    string
	info    sessionInfo
	guildID chat.ID
}

func (r *remoteSession) ID() string                { return r.info.ID }
func (r *remoteSession) UserID() chat.ID           { return r.info.User }
func (r *remoteSession) Intents() protocol.Intents { return r.info.Intents }
func (r *remoteSession) Bot() bool                 { return r.info.Bot }
func (r *remoteSession) Node() string              { return r.node }
func (r *remoteSession) Send(d *protocol.Dispatch) {
	r.n.Deliver(r.guildID, map[string][]guild.RemotePart{r.node: {{D: d, Sessions: []string{r.info.ID}}}})
}

// Optional abilities of gateway sessions (as in the guild package).
type (
	largeThresholder interface{ LargeThreshold() int }
	sharded          interface{ InShard(guildID chat.ID) bool }
	// ender reports whether the session ended for good: a subscription
	// that races with the session's end must not outlive it.
	ender interface{ Ended() bool }
)

// track records that s is (being) subscribed to guildID at owner.
func (n *Node) track(s guild.Session, lt int, guildID chat.ID, owner cluster.Member) {
	n.subsMu.Lock()
	defer n.subsMu.Unlock()
	ls := n.subs[s.ID()]
	if ls == nil || ls.s != s {
		ls = &localSession{s: s}
		n.subs[s.ID()] = ls
	}
	ls.lt = lt
	ls.guilds.set(guildID, owner)
}

// untrack forgets one subscription; it returns where it was.
func (n *Node) untrack(sessionID string, guildID chat.ID) (cluster.Member, bool) {
	n.subsMu.Lock()
	defer n.subsMu.Unlock()
	ls := n.subs[sessionID]
	if ls == nil {
		return cluster.Member{}, false
	}
	owner, ok := ls.guilds.remove(guildID)
	if ls.guilds.len() == 0 {
		delete(n.subs, sessionID)
	}
	return owner, ok
}

// subscribed appends to dst this node's sessions among ids (those with
// subscriptions); unknown ids are skipped.
func (n *Node) subscribed(ids []string, dst []guild.Session) []guild.Session {
	n.subsMu.Lock()
	defer n.subsMu.Unlock()
	for _, id := range ids {
		if ls := n.subs[id]; ls != nil {
			dst = append(dst, ls.s)
		}
	}
	return dst
}

// retryable reports whether an attempt failed only because the guild was
// moving or its owner could not be reached: the attempt had no effect.
func retryable(err error) bool {
	var no *guild.NotOwnerError
	return errors.As(err, &no) || errors.Is(err, bus.ErrNoResponders) || errors.Is(err, bus.ErrUnavailable)
}

// atOwner runs try against guildID's owner, again and again while the
// guild moves, for at most Config.MoveWait.
func (n *Node) atOwner(ctx context.Context, guildID chat.ID, try func(owner cluster.Member, self bool) error) error {
	deadline := time.Now().Add(n.cfg.MoveWait)
	wait := 20 * time.Millisecond
	for {
		err := &guild.NotOwnerError{Guild: guildID}
		var last error = err
		if v := n.view.Load(); v.ready {
			if m, ok := v.members.Owner(guildID); ok {
				last = try(m, m.ID == n.cfg.Self)
			}
		}
		if !retryable(last) || time.Now().After(deadline) {
			return last
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return ctx.Err()
		}
		wait = min(2*wait, 250*time.Millisecond)
	}
}

// Connect subscribes s to guildID at its owner (gateway.Guilds).
func (n *Node) Connect(ctx context.Context, guildID chat.ID, s guild.Session, largeThreshold int) error {
	err := n.connect(ctx, guildID, s, largeThreshold)
	if e, ok := s.(ender); ok && err == nil && e.Ended() {
		// A join or a move subscribed s while it ended: the gateway's
		// DisconnectSession may have run before track did, and nothing
		// else would release this subscription. track comes before this
		// check, and the gateway marks s ended before DisconnectSession,
		// so one of the two always sees the entry.
		n.Disconnect(guildID, s.ID())
	}
	return err
}

func (n *Node) connect(ctx context.Context, guildID chat.ID, s guild.Session, largeThreshold int) error {
	return n.atOwner(ctx, guildID, func(owner cluster.Member, self bool) error {
		// Tracked first: the owner's GUILD_CREATE may arrive before the
		// reply.
		n.track(s, largeThreshold, guildID, owner)
		var err error
		if self {
			err = n.guilds.Connect(ctx, guildID, s, largeThreshold)
		} else {
			info := sessionInfo{ID: s.ID(), User: s.UserID(), Intents: s.Intents(), Bot: s.Bot()}
			var rep reply
			if rep, err = n.call(ctx, owner.ID, request{Kind: kindConnect, Guild: guildID, Session: &info, LT: largeThreshold}); err == nil {
				err = rep.err(guildID)
			}
		}
		if err != nil {
			n.untrack(s.ID(), guildID)
		}
		return err
	})
}

func (n *Node) serveConnect(ctx context.Context, req request) reply {
	if req.Session == nil {
		return reply{Err: "connect without session"}
	}
	rs := &remoteSession{n: n, node: req.From, info: *req.Session, guildID: req.Guild}
	if err := n.guilds.Connect(ctx, req.Guild, rs, req.LT); err != nil {
		return errorReply(err)
	}
	return reply{}
}

// Disconnect unsubscribes a session that ended for good (gateway.Guilds).
func (n *Node) Disconnect(guildID chat.ID, sessionID string) {
	if owner, ok := n.untrack(sessionID, guildID); ok {
		n.disconnectAt(owner, guildID, sessionID)
	}
}

// DisconnectSession unsubscribes a session that ended for good from every
// guild this node subscribed it to (the gateway's optional
// sessionReleaser, used instead of Disconnect per guild). The gateway
// knows only READY's guilds and the user's current ones; a guild joined
// after READY and left, or deleted, since is known only here, and its
// entry would otherwise pin the session in n.subs for the node's life.
func (n *Node) DisconnectSession(sessionID string) {
	n.subsMu.Lock()
	ls := n.subs[sessionID]
	delete(n.subs, sessionID)
	n.subsMu.Unlock()
	if ls == nil {
		return
	}
	// ls is out of n.subs: no one else reaches its guilds any more.
	ls.guilds.each(func(guildID chat.ID, owner cluster.Member) {
		n.disconnectAt(owner, guildID, sessionID)
	})
}

// disconnectAt unsubscribes a session, no longer tracked, from guildID at
// owner: in process, or by a request that the caller does not wait for
// (the session is gone, there is nobody to report a failure to).
func (n *Node) disconnectAt(owner cluster.Member, guildID chat.ID, sessionID string) {
	if owner.ID == n.cfg.Self {
		n.guilds.Disconnect(guildID, sessionID)
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), n.cfg.ForwardTimeout)
		defer cancel()
		if _, err := n.call(ctx, owner.ID, request{Kind: kindDisconnect, Guild: guildID, ID: sessionID}); err != nil {
			n.log.Debug("disconnect at owner", "guild", guildID, "owner", owner.ID, "err", err)
		}
	}()
}

// Subscribe marks a session as looking at a guild, op 14 (gateway.Guilds).
func (n *Node) Subscribe(ctx context.Context, guildID chat.ID, sessionID string) error {
	n.subsMu.Lock()
	var owner cluster.Member
	if ls := n.subs[sessionID]; ls != nil {
		owner, _ = ls.guilds.get(guildID)
	}
	n.subsMu.Unlock()
	switch owner.ID {
	case "":
		return nil // not subscribed: nothing to do, as on one node
	case n.cfg.Self:
		return n.guilds.Subscribe(ctx, guildID, sessionID)
	}
	rep, err := n.call(ctx, owner.ID, request{Kind: kindSubscribe, Guild: guildID, ID: sessionID})
	if err != nil {
		return err
	}
	return rep.err(guildID)
}

// UpdatePresence sends a user's presence to each of their guilds' owners
// (gateway.Guilds).
func (n *Node) UpdatePresence(ctx context.Context, userID chat.ID, raw json.RawMessage) error {
	guilds, err := n.cfg.Store.UserGuilds(ctx, userID)
	if err != nil {
		return fmt.Errorf("node: presence of %d: %w", userID, err)
	}
	var errs []error
	for _, g := range guilds {
		err := n.atOwner(ctx, g, func(owner cluster.Member, self bool) error {
			if self {
				return n.guilds.PresenceIn(g, userID, n.cfg.Self, raw)
			}
			rep, err := n.call(ctx, owner.ID, request{Kind: kindPresence, Guild: g, User: userID, Raw: raw})
			if err != nil {
				return err
			}
			return rep.err(g)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("guild %d: %w", g, err))
		}
	}
	return errors.Join(errs...)
}

// RequestMembers answers op 8 at the guild's owner (gateway.Guilds).
func (n *Node) RequestMembers(ctx context.Context, guildID chat.ID, req guild.MembersRequest) ([]json.RawMessage, []chat.ID, error) {
	var members []json.RawMessage
	var notFound []chat.ID
	err := n.atOwner(ctx, guildID, func(owner cluster.Member, self bool) error {
		if self {
			var err error
			members, notFound, err = n.guilds.RequestMembers(ctx, guildID, req)
			return err
		}
		rep, err := n.call(ctx, owner.ID, request{Kind: kindMembers, Guild: guildID, Members: &req})
		if err != nil {
			return err
		}
		members, notFound = rep.Members, rep.NotFound
		return rep.err(guildID)
	})
	return members, notFound, err
}

func (n *Node) serveMembers(ctx context.Context, req request) reply {
	if req.Members == nil {
		return reply{Err: "members without request"}
	}
	members, notFound, err := n.guilds.RequestMembers(ctx, req.Guild, *req.Members)
	if err != nil {
		return errorReply(err)
	}
	return reply{Members: members, NotFound: notFound}
}

// resubscribe subscribes this node's sessions again wherever their guilds'
// owner changed (or restarted) between prev and cur.
func (n *Node) resubscribe(ctx context.Context, _, cur cluster.Members) {
	type move struct {
		s       guild.Session
		lt      int
		guildID chat.ID
	}
	var moves []move
	n.subsMu.Lock()
	for _, ls := range n.subs {
		ls.guilds.each(func(g chat.ID, at cluster.Member) {
			if now, ok := cur.Owner(g); !ok || now != at {
				moves = append(moves, move{ls.s, ls.lt, g})
			}
		})
	}
	n.subsMu.Unlock()
	if len(moves) == 0 {
		return
	}
	n.stats.resubscribes.Add(uint64(len(moves)))
	// A bounded number at once: a node with many sessions must not open
	// thousands of requests to the new owner in one burst.
	sem := make(chan struct{}, 16)
	for _, m := range moves {
		sem <- struct{}{}
		n.bg.Add(1)
		go func() {
			defer n.bg.Done()
			defer func() { <-sem }()
			if err := n.Connect(ctx, m.guildID, m.s, m.lt); err != nil {
				n.log.Warn("resubscribe after move", "guild", m.guildID, "session", m.s.ID(), "err", err)
			}
		}()
	}
}
