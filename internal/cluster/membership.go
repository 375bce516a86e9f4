package cluster

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Transport carries heartbeats between the nodes: every node publishes to
// and subscribes to the same subject. The bus provides it. Delivery may be
// at most once, duplicated or reordered; Membership copes with all three.
type Transport interface {
	// Publish sends msg to every subscriber, this node included. The
	// transport may keep msg; Membership does not modify it afterwards.
	Publish(ctx context.Context, msg []byte) error
	// Subscribe calls handle with each message published by any node,
	// from any goroutine, until unsubscribe is called. handle does not
	// retain msg after it returns.
	Subscribe(handle func(msg []byte)) (unsubscribe func(), err error)
}

// Config configures a Membership. The zero value of each optional field
// means its default.
type Config struct {
	// Node is this node's id (`--node-id`), required; see ValidNodeID.
	Node string
	// URL is this node's public URL (`--public-url`), announced to the
	// others.
	URL string
	// Transport carries heartbeats; required.
	Transport Transport
	// Interval is the time between two heartbeats. Default 1 s.
	Interval time.Duration
	// DeadAfter is the silence after which a node is dead, measured on the
	// receiver's clock. At least 2 Intervals, so that one lost heartbeat
	// does not kill a node. Default 3 s.
	DeadAfter time.Duration
	// ForgetAfter is how long a dead node stays in Health (as not live)
	// before it is forgotten. Default 1 minute.
	ForgetAfter time.Duration
	// MaxNodes bounds the other nodes remembered, live or dead, so that a
	// stream of heartbeats under ever new ids cannot grow memory without
	// bound: a new node beyond it replaces the longest-dead node, or is
	// ignored while all are live. Default 256.
	MaxNodes int
	// Incarnation tells this run of the node from earlier ones; it must
	// grow from run to run. Default Now() in Unix nanoseconds.
	Incarnation uint64
	// Now is the clock; default time.Now. Tests inject it.
	Now func() time.Time
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

func (c *Config) setDefaults() error {
	if err := ValidNodeID(c.Node); err != nil {
		return fmt.Errorf("cluster: node id %q: %w", c.Node, err)
	}
	if err := validURL(c.URL); err != nil {
		return fmt.Errorf("cluster: url %q: %w", c.URL, err)
	}
	if c.Transport == nil {
		return errors.New("cluster: Config.Transport is required")
	}
	if c.Interval == 0 {
		c.Interval = time.Second
	}
	if c.DeadAfter == 0 {
		c.DeadAfter = 3 * c.Interval
	}
	if c.ForgetAfter == 0 {
		c.ForgetAfter = time.Minute
	}
	if c.MaxNodes == 0 {
		c.MaxNodes = 256
	}
	switch {
	case c.Interval < 0 || c.DeadAfter < 0 || c.ForgetAfter < 0 || c.MaxNodes < 0:
		return fmt.Errorf("cluster: negative Interval %v, DeadAfter %v, ForgetAfter %v or MaxNodes %d",
			c.Interval, c.DeadAfter, c.ForgetAfter, c.MaxNodes)
	case c.DeadAfter < 2*c.Interval:
		return fmt.Errorf("cluster: DeadAfter %v is less than 2 Intervals of %v: one lost heartbeat would kill a node",
			c.DeadAfter, c.Interval)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Incarnation == 0 {
		c.Incarnation = uint64(c.Now().UnixNano())
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// Membership tracks which nodes are alive, from their heartbeats. It is
// safe for concurrent use. This node is always a member of its own view.
//
// Start it with Run; read it with Members or Watch, whose snapshots are
// immutable.
type Membership struct {
	cfg  Config
	log  *slog.Logger
	self Member

	mu       sync.Mutex
	nodes    map[string]*peer     // other nodes, live or dead; guarded by mu
	members  Members              // snapshot of the live nodes; guarded by mu
	changed  chan struct{}        // closed and replaced on each change; guarded by mu
	seq      uint64               // last heartbeat sent; guarded by mu
	started  time.Time            // when Run subscribed; guarded by mu
	ready    chan struct{}        // closed one DeadAfter after started
	isReady  bool                 // ready is closed; guarded by mu
	stats    Stats                // guarded by mu
	lastWarn map[string]time.Time // rate limit of warnings by message; guarded by mu
}

// peer is another node as this one knows it.
type peer struct {
	Member
	seq      uint64    // last heartbeat taken
	lastSeen time.Time // on this node's clock
	live     bool
	diedAt   time.Time // when it was found dead; zero while live
}

// Stats counts what a Membership has seen since New. It is plain data.
type Stats struct {
	Received      uint64 // heartbeats received, own included
	Malformed     uint64 // dropped: not a heartbeat of a known version
	Stale         uint64 // dropped: an older incarnation or sequence than already taken
	Rejected      uint64 // dropped: a new node beyond MaxNodes
	Conflicts     uint64 // heartbeats under this node's id from another incarnation
	Joins         uint64 // nodes that became live
	Deaths        uint64 // nodes found dead after DeadAfter of silence
	Leaves        uint64 // nodes that said they were leaving
	PublishErrors uint64 // heartbeats this node failed to send
}

// New returns a Membership in which this node is the only member, until it
// hears from others once Run has started.
func New(cfg Config) (*Membership, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	m := &Membership{
		cfg:      cfg,
		log:      cfg.Logger.WithGroup("cluster").With("node", cfg.Node),
		self:     Member{ID: cfg.Node, URL: cfg.URL, Incarnation: cfg.Incarnation},
		nodes:    make(map[string]*peer),
		changed:  make(chan struct{}),
		ready:    make(chan struct{}),
		lastWarn: make(map[string]time.Time),
	}
	m.members = newMembers(1, []Member{m.self})
	return m, nil
}

// Run subscribes to heartbeats, then sends one every Interval and finds
// silent nodes dead, until ctx is done. Before it returns it tells the
// others this node is leaving (waiting at most one Interval for that).
// It returns nil when ctx is done, or the error of Subscribe. Call it once.
func (m *Membership) Run(ctx context.Context) error {
	unsubscribe, err := m.start()
	if err != nil {
		return err
	}
	defer unsubscribe()
	beat := time.NewTicker(m.cfg.Interval)
	defer beat.Stop()
	// Sweep often enough that a node is found dead within a tenth of
	// DeadAfter of its deadline.
	sweep := time.NewTicker(max(m.cfg.DeadAfter/10, 1))
	defer sweep.Stop()
	m.beat(ctx, false)
	for {
		select {
		case <-ctx.Done():
			leaveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.cfg.Interval)
			m.beat(leaveCtx, true)
			cancel()
			return nil
		case <-beat.C:
			m.beat(ctx, false)
		case <-sweep.C:
			m.sweep()
		}
	}
}

// start subscribes and starts the Ready countdown.
func (m *Membership) start() (unsubscribe func(), err error) {
	unsubscribe, err = m.cfg.Transport.Subscribe(m.receive)
	if err != nil {
		return nil, fmt.Errorf("cluster: node %s: subscribe: %w", m.self.ID, err)
	}
	m.mu.Lock()
	m.started = m.cfg.Now()
	m.mu.Unlock()
	return unsubscribe, nil
}

// beat publishes one heartbeat, bounded by one Interval.
func (m *Membership) beat(ctx context.Context, leaving bool) {
	m.mu.Lock()
	m.seq++
	hb := Heartbeat{Node: m.self.ID, URL: m.self.URL, Incarnation: m.self.Incarnation, Seq: m.seq, Leaving: leaving}
	m.mu.Unlock()
	msg, err := hb.MarshalBinary()
	if err == nil {
		ctx, cancel := context.WithTimeout(ctx, m.cfg.Interval)
		err = m.cfg.Transport.Publish(ctx, msg)
		cancel()
	}
	if err != nil {
		m.mu.Lock()
		m.stats.PublishErrors++
		m.warnLocked("heartbeat not sent", "err", err)
		m.mu.Unlock()
	}
}

// receive takes one heartbeat from the transport.
func (m *Membership) receive(msg []byte) {
	hb, err := DecodeHeartbeat(msg)
	now := m.cfg.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stats.Received++
	if err != nil {
		m.stats.Malformed++
		m.warnLocked("heartbeat dropped", "err", err)
		return
	}
	if hb.Node == m.self.ID {
		if hb.Incarnation != m.self.Incarnation {
			// Another process uses our id, or our previous run's last
			// heartbeats arrive late. Either way this run stays itself.
			m.stats.Conflicts++
			m.warnLocked("heartbeat under this node's id from another incarnation",
				"incarnation", hb.Incarnation, "url", hb.URL)
		}
		return
	}
	p := m.nodes[hb.Node]
	switch {
	case p == nil:
		if hb.Leaving {
			return
		}
		if !m.makeRoomLocked() {
			m.stats.Rejected++
			m.warnLocked("heartbeat of a new node dropped: MaxNodes nodes are live", "from", hb.Node)
			return
		}
		p = &peer{}
		m.nodes[hb.Node] = p
	case hb.Incarnation < p.Incarnation && p.live,
		hb.Incarnation == p.Incarnation && hb.Seq <= p.seq:
		// A late heartbeat of an earlier run, or a duplicate. (An older
		// incarnation of a dead node is taken: that node's clock went
		// back between runs, and nothing else speaks for it.)
		m.stats.Stale++
		return
	}
	mem := Member{ID: hb.Node, URL: hb.URL, Incarnation: hb.Incarnation}
	wasLive, same := p.live, p.Member == mem
	p.Member, p.seq, p.lastSeen = mem, hb.Seq, now
	switch {
	case hb.Leaving:
		if wasLive {
			p.live, p.diedAt = false, now
			m.stats.Leaves++
			m.log.Info("node left", "peer", hb.Node, "incarnation", hb.Incarnation)
			m.changedLocked()
		}
	case !wasLive:
		p.live, p.diedAt = true, time.Time{}
		m.stats.Joins++
		m.log.Info("node joined", "peer", hb.Node, "url", hb.URL, "incarnation", hb.Incarnation)
		m.changedLocked()
	case !same:
		m.log.Info("node restarted or moved", "peer", hb.Node, "url", hb.URL, "incarnation", hb.Incarnation)
		m.changedLocked()
	}
}

// makeRoomLocked makes room for one more node if MaxNodes are known,
// forgetting the longest-dead one; it reports false if all are live.
func (m *Membership) makeRoomLocked() bool {
	if len(m.nodes) < m.cfg.MaxNodes {
		return true
	}
	var oldest string
	for id, p := range m.nodes {
		if !p.live && (oldest == "" || p.diedAt.Before(m.nodes[oldest].diedAt)) {
			oldest = id
		}
	}
	if oldest == "" {
		return false
	}
	delete(m.nodes, oldest)
	return true
}

// sweep finds dead the nodes silent for DeadAfter, forgets those dead for
// ForgetAfter and closes Ready when it is time.
func (m *Membership) sweep() {
	now := m.cfg.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	changed := false
	for id, p := range m.nodes {
		switch {
		case p.live && now.Sub(p.lastSeen) >= m.cfg.DeadAfter:
			p.live, p.diedAt = false, now
			m.stats.Deaths++
			m.log.Warn("node dead: no heartbeat", "peer", id, "silent", now.Sub(p.lastSeen))
			changed = true
		case !p.live && now.Sub(p.diedAt) >= m.cfg.ForgetAfter:
			delete(m.nodes, id)
		}
	}
	if changed {
		m.changedLocked()
	}
	if !m.isReady && !m.started.IsZero() && now.Sub(m.started) >= m.cfg.DeadAfter {
		m.isReady = true
		close(m.ready)
	}
}

// changedLocked takes a new snapshot and wakes the waiters.
func (m *Membership) changedLocked() {
	live := []Member{m.self}
	for _, p := range m.nodes {
		if p.live {
			live = append(live, p.Member)
		}
	}
	m.members = newMembers(m.members.version+1, live)
	close(m.changed)
	m.changed = make(chan struct{})
}

// warnLocked logs msg at most once per DeadAfter·10, so that a stream of
// bad heartbeats cannot flood the log.
func (m *Membership) warnLocked(msg string, args ...any) {
	now := m.cfg.Now()
	if last, ok := m.lastWarn[msg]; ok && now.Sub(last) < 10*m.cfg.DeadAfter {
		return
	}
	m.lastWarn[msg] = now
	m.log.Warn(msg, args...)
}

// Members returns the current snapshot of the live nodes.
func (m *Membership) Members() Members {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.members
}

// Watch returns the current snapshot and a channel closed at the next
// change, after which Watch returns a newer snapshot and a new channel:
//
//	for {
//		ms, changed := m.Watch()
//		use(ms)
//		select {
//		case <-changed:
//		case <-ctx.Done():
//			return
//		}
//	}
func (m *Membership) Watch() (Members, <-chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.members, m.changed
}

// Ready is closed one DeadAfter after Run subscribed: by then every live
// node has been heard, so the snapshot is worth placing guilds by.
func (m *Membership) Ready() <-chan struct{} { return m.ready }

// Self is this node as it announces itself.
func (m *Membership) Self() Member { return m.self }

// Stats returns the counters so far.
func (m *Membership) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stats
}

// Health is the cluster part of GET /healthz: this node's id, and every
// node it knows of, live or recently dead. It is plain data, encoded as
//
//	{"node": "n1", "nodes": [{"id": "n1", "url": "http://...", "live": true}, ...]}
type Health struct {
	Node  string       `json:"node"`
	Nodes []HealthNode `json:"nodes"`
}

// HealthNode is one node in Health.
type HealthNode struct {
	ID   string `json:"id"`
	URL  string `json:"url"`
	Live bool   `json:"live"`
}

// Health returns this node and every node it knows of, sorted by id.
func (m *Membership) Health() Health {
	m.mu.Lock()
	defer m.mu.Unlock()
	nodes := make([]HealthNode, 0, 1+len(m.nodes))
	nodes = append(nodes, HealthNode{ID: m.self.ID, URL: m.self.URL, Live: true})
	for _, p := range m.nodes {
		nodes = append(nodes, HealthNode{ID: p.ID, URL: p.URL, Live: p.live})
	}
	slices.SortFunc(nodes, func(a, b HealthNode) int { return cmp.Compare(a.ID, b.ID) })
	return Health{Node: m.self.ID, Nodes: nodes}
}
