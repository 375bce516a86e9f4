package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/accordchat/accord/internal/bus"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/cluster"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
)

// LocalSessions finds and ends this node's live sessions of a user (the
// gateway).
type LocalSessions interface {
	UserSessions(userID chat.ID) []guild.Session
	CloseUserSessions(userID chat.ID, code protocol.CloseCode)
}

// UserGuilds lists the guilds of a user (the store).
type UserGuilds interface {
	UserGuilds(ctx context.Context, userID chat.ID) ([]chat.ID, error)
}

// Config configures a Node. Set the fields marked "late" with the Set
// methods once the components that need the Node exist, before Start.
type Config struct {
	Self        string // this node's id (--node-id); required
	Incarnation uint64 // this run of the node; the Membership's
	Bus         bus.Bus
	Members     *cluster.Membership // late: SetMembers
	Store       UserGuilds
	// Users drops a user from this node's cache when they change
	// anywhere in the cluster, and stops trusting its cached tokens when
	// one is revoked (a bot token reset, which is what ends a user's
	// sessions everywhere: CloseUserSessions).
	Users interface {
		Invalidate(id chat.ID)
		TokensRevoked()
	}
	// Cache drops this node's hot message pages when guilds move: a page
	// kept from an earlier ownership may be stale.
	Cache interface{ Reset() }
	// Manifold sends one message per destination node per event (true,
	// the default of `accord serve`) or one per recipient session.
	Manifold bool
	// Settle is how long writes to a guild wait after it changed owner,
	// while other nodes move their sessions' subscriptions. Default 1 s.
	Settle time.Duration
	// ForwardTimeout bounds one request to another node. Default 10 s.
	ForwardTimeout time.Duration
	// MoveWait bounds how long a request waits for a moving guild to get
	// an owner again. Default 15 s.
	MoveWait time.Duration
	Logger   *slog.Logger
}

// Node is this process's part in a cluster. Build it with New, wire it with
// the Set methods, then Start it.
type Node struct {
	cfg Config
	log *slog.Logger

	guilds   *guild.Registry      // late
	sessions LocalSessions        // late
	http     http.Handler         // late
	view     atomic.Pointer[view] // placement snapshot

	subsMu sync.Mutex
	subs   map[string]*localSession // this node's sessions with subscriptions, by id

	out   outLinks
	in    inLinks
	stats stats

	bg     sync.WaitGroup
	cancel context.CancelFunc
	unsubs []bus.Subscription
}

// view is what Owner decides with: the live members now and before the
// last change, and when that change happened.
type view struct {
	ready     bool
	members   cluster.Members
	prev      cluster.Members
	changedAt time.Time
}

// New returns a Node.
func New(cfg Config) (*Node, error) {
	if cfg.Self == "" || cfg.Bus == nil || cfg.Store == nil {
		return nil, errors.New("node: Config.Self, Bus and Store are required")
	}
	if cfg.Settle <= 0 {
		cfg.Settle = time.Second
	}
	if cfg.ForwardTimeout <= 0 {
		cfg.ForwardTimeout = 10 * time.Second
	}
	if cfg.MoveWait <= 0 {
		cfg.MoveWait = 15 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	n := &Node{cfg: cfg, log: cfg.Logger.WithGroup("node").With("node", cfg.Self), subs: make(map[string]*localSession)}
	n.out.init(n)
	n.in.init(n)
	n.view.Store(&view{})
	return n, nil
}

// SetMembers gives the node its membership (late: it announces the
// node's URL, known once the server listens).
func (n *Node) SetMembers(m *cluster.Membership) { n.cfg.Members = m }

// SetGuilds gives the node the guild registry (late).
func (n *Node) SetGuilds(r *guild.Registry) { n.guilds = r }

// SetSessions gives the node this node's gateway (late).
func (n *Node) SetSessions(s LocalSessions) { n.sessions = s }

// SetHTTP gives the node the API handler forwarded requests run on (late).
func (n *Node) SetHTTP(h http.Handler) { n.http = h }

// Owner implements guild.Placement.
func (n *Node) Owner(guildID chat.ID) (node string, self, settled bool) {
	v := n.view.Load()
	if !v.ready {
		return "", false, false
	}
	m, ok := v.members.Owner(guildID)
	if !ok {
		return "", false, false
	}
	self = m.ID == n.cfg.Self
	settled = true
	if self && time.Since(v.changedAt) < n.cfg.Settle {
		if p, ok := v.prev.Owner(guildID); !ok || p.ID != m.ID {
			settled = false
		}
	}
	return m.ID, self, settled
}

// Start subscribes to this node's subjects and follows membership until
// Close. The Set methods must have been called.
func (n *Node) Start(ctx context.Context) error {
	if n.guilds == nil || n.sessions == nil || n.http == nil || n.cfg.Members == nil {
		return errors.New("node: Start before SetMembers, SetGuilds, SetSessions and SetHTTP")
	}
	self := n.cfg.Self
	sub, err := n.cfg.Bus.Subscribe(bus.NodeSubject(self), n.in.receive)
	if err != nil {
		return fmt.Errorf("node: subscribe: %w", err)
	}
	n.unsubs = append(n.unsubs, sub)
	if sub, err = n.cfg.Bus.Serve(bus.RPCSubject(self), n.serve); err != nil {
		n.unsubscribe()
		return fmt.Errorf("node: serve: %w", err)
	}
	n.unsubs = append(n.unsubs, sub)
	if sub, err = n.cfg.Bus.Subscribe(bus.BroadcastSubject, n.receiveBroadcast); err != nil {
		n.unsubscribe()
		return fmt.Errorf("node: subscribe broadcast: %w", err)
	}
	n.unsubs = append(n.unsubs, sub)
	ctx, n.cancel = context.WithCancel(context.WithoutCancel(ctx))
	n.bg.Add(2)
	go func() {
		defer n.bg.Done()
		n.follow(ctx)
	}()
	go func() {
		defer n.bg.Done()
		n.out.tick(ctx)
	}()
	return nil
}

// Close stops following membership and unsubscribes.
func (n *Node) Close() {
	if n.cancel != nil {
		n.cancel()
	}
	n.bg.Wait()
	n.unsubscribe()
}

func (n *Node) unsubscribe() {
	for _, s := range n.unsubs {
		_ = s.Unsubscribe()
	}
	n.unsubs = nil
}

// follow applies each membership change: guilds that moved away stop here,
// this node's sessions follow their guilds to the new owners, and the
// sessions of nodes that left are dropped.
func (n *Node) follow(ctx context.Context) {
	select {
	case <-n.cfg.Members.Ready():
	case <-ctx.Done():
		return
	}
	var prev cluster.Members
	for {
		cur, changed := n.cfg.Members.Watch()
		n.view.Store(&view{ready: true, members: cur, prev: prev, changedAt: time.Now()})
		n.apply(ctx, prev, cur)
		prev = cur
		select {
		case <-changed:
		case <-ctx.Done():
			return
		}
	}
}

// apply makes this node agree with the membership change prev -> cur.
func (n *Node) apply(ctx context.Context, prev, cur cluster.Members) {
	n.stats.nodesLive.Store(int64(cur.Len()))
	for _, m := range prev.All() {
		if now, ok := cur.Get(m.ID); !ok || now.Incarnation != m.Incarnation {
			n.guilds.DropNode(m.ID)
			n.in.forget(m.ID)
			n.out.forget(m.ID)
		}
	}
	if moved := n.guilds.Release(); moved > 0 {
		n.stats.moves.Add(uint64(moved))
	}
	if n.cfg.Cache != nil {
		n.cfg.Cache.Reset()
	}
	n.resubscribe(ctx, prev, cur)
}

// Health is the cluster part of GET /healthz.
func (n *Node) Health() cluster.Health { return n.cfg.Members.Health() }

// call sends req to node and decodes its reply.
func (n *Node) call(ctx context.Context, node string, req request) (reply, error) {
	req.From = n.cfg.Self
	b, err := json.Marshal(req)
	if err != nil {
		return reply{}, fmt.Errorf("node: encode %s: %w", req.Kind, err)
	}
	ctx, cancel := context.WithTimeout(ctx, n.cfg.ForwardTimeout)
	defer cancel()
	out, err := n.cfg.Bus.Request(ctx, bus.RPCSubject(node), b)
	if err != nil {
		return reply{}, fmt.Errorf("node: %s to %s: %w", req.Kind, node, err)
	}
	var rep reply
	if err := json.Unmarshal(out, &rep); err != nil {
		return reply{}, fmt.Errorf("node: %s to %s: bad reply: %w", req.Kind, node, err)
	}
	return rep, nil
}

// serve answers one request of another node.
func (n *Node) serve(ctx context.Context, b []byte) ([]byte, error) {
	var req request
	if err := json.Unmarshal(b, &req); err != nil {
		return nil, fmt.Errorf("node: bad request: %w", err)
	}
	var rep reply
	switch req.Kind {
	case kindConnect:
		rep = n.serveConnect(ctx, req)
	case kindDisconnect:
		n.guilds.Disconnect(req.Guild, req.ID)
	case kindSubscribe:
		if err := n.guilds.Subscribe(ctx, req.Guild, req.ID); err != nil {
			rep = errorReply(err)
		}
	case kindPresence:
		if err := n.guilds.PresenceIn(req.Guild, req.User, req.From, req.Raw); err != nil {
			rep = errorReply(err)
		}
	case kindMembers:
		rep = n.serveMembers(ctx, req)
	case kindHTTP:
		rep = n.serveHTTP(ctx, req)
	case kindUserGuild:
		rep = n.serveUserGuild(ctx, req)
	case kindReplay:
		rep = n.out.serveReplay(req)
	case kindMemberList:
		rep = n.serveMemberList(ctx, req)
	default:
		return nil, fmt.Errorf("node: unknown request kind %q", req.Kind)
	}
	return json.Marshal(rep)
}
