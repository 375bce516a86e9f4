package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/accordchat/accord/internal/bus"
	natsbus "github.com/accordchat/accord/internal/bus/nats"
	"github.com/accordchat/accord/internal/cluster"
	"github.com/accordchat/accord/internal/node"
)

// ClusterConfig is cluster mode's part of Config (--nats and friends).
type ClusterConfig struct {
	// NATS is cluster mode's NATS (--nats): comma-separated nats:// URLs
	// of a NATS cluster, or "embedded" for an in-process nats-server on
	// 127.0.0.1 (one node, for development and tests of the bus). Empty:
	// a single node with no bus.
	NATS string
	// NodeID names this node (--node-id). Default "n<WorkerID>".
	NodeID string
	// PublicURL is this node's base URL as clients and other nodes reach
	// it (--public-url). Default http://<the listen address>.
	PublicURL string
	// DisableManifold sends one NATS message per recipient session
	// instead of one per destination node (`--manifold=false`).
	DisableManifold bool
	// Heartbeat is the time between two membership heartbeats
	// (--cluster-heartbeat). Default 1 s.
	Heartbeat time.Duration
	// DeadAfter is the silence after which a node is dead
	// (--cluster-dead-after). Default 3 s.
	DeadAfter time.Duration
}

// clustered reports whether the node runs in cluster mode.
func (c *Config) clustered() bool { return c.Cluster.NATS != "" }

// setClusterDefaults derives the node's ids and checks cluster mode's
// settings.
func (c *Config) setClusterDefaults() error {
	cc := &c.Cluster
	if c.WorkerID < 0 {
		c.WorkerID = workerFromNodeID(cc.NodeID)
	}
	if c.WorkerID > 31 {
		return fmt.Errorf("server: --worker-id %d out of range 0..31", c.WorkerID)
	}
	if cc.NodeID == "" {
		cc.NodeID = "n" + strconv.Itoa(c.WorkerID)
	}
	if err := cluster.ValidNodeID(cc.NodeID); err != nil {
		return fmt.Errorf("server: --node-id: %w", err)
	}
	if cc.PublicURL != "" {
		u, err := url.Parse(cc.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("server: --public-url %q: want http(s)://host[:port]", cc.PublicURL)
		}
	}
	if cc.NATS == "" || cc.NATS == "embedded" {
		return nil
	}
	if c.Store == "pebble" {
		return fmt.Errorf("server: --nats %s: the pebble store is this node's own disk, which other nodes cannot read; a cluster needs a shared store: --store cql or tiered", cc.NATS)
	}
	for _, u := range splitURLs(cc.NATS) {
		if !strings.HasPrefix(u, "nats://") {
			return fmt.Errorf("server: --nats: %q is not a nats:// URL (or say embedded)", u)
		}
	}
	return nil
}

// workerFromNodeID is the snowflake worker of a node named like n3: its
// trailing digits modulo 32, else 0.
func workerFromNodeID(id string) int {
	i := len(id)
	for i > 0 && id[i-1] >= '0' && id[i-1] <= '9' {
		i--
	}
	n, err := strconv.Atoi(id[i:])
	if err != nil {
		return 0
	}
	return n % 32
}

func splitURLs(v string) []string {
	var out []string
	for _, u := range strings.Split(v, ",") {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}

// newCluster connects to NATS (starting the embedded server if asked) and
// builds the node; membership starts with Start, once the node's address
// is known.
func (s *Server) newCluster() error {
	cc := s.cfg.Cluster
	urls := splitURLs(cc.NATS)
	if cc.NATS == "embedded" {
		u, shutdown, err := natsbus.StartEmbedded(natsbus.EmbeddedOptions{})
		if err != nil {
			return fmt.Errorf("server: embedded nats: %w", err)
		}
		s.stack.push("embedded nats", noContext(func() error { shutdown(); return nil }))
		urls = []string{u}
	}
	b, err := natsbus.New(natsbus.Config{URLs: urls, Name: cc.NodeID, Logger: s.cfg.Logger})
	if err != nil {
		return fmt.Errorf("server: connect to nats %v: %w", urls, err)
	}
	s.bus = b
	s.stack.push("bus", noContext(b.Close))
	s.incarnation = uint64(time.Now().UnixNano())
	s.Node, err = node.New(node.Config{Self: cc.NodeID, Incarnation: s.incarnation, Bus: b, Store: s.Store,
		Users: s.Accounts, Cache: s.Data, Manifold: !cc.DisableManifold, Logger: s.cfg.Logger})
	return err
}

// startCluster runs membership (announcing url) and the node.
func (s *Server) startCluster(ctx context.Context, publicURL string) error {
	cc := s.cfg.Cluster
	if cc.PublicURL != "" {
		publicURL = cc.PublicURL
	}
	m, err := cluster.New(cluster.Config{Node: cc.NodeID, URL: publicURL, Transport: heartbeats{s.bus},
		Interval: cc.Heartbeat, DeadAfter: cc.DeadAfter, Incarnation: s.incarnation, Logger: s.cfg.Logger})
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	s.Node.SetMembers(m)
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- m.Run(runCtx) }()
	// Pushed before the node: on shutdown the node stops first, then the
	// membership says this node is leaving.
	s.stack.push("membership", noContext(func() error { cancel(); return <-done }))
	if err := s.Node.Start(ctx); err != nil {
		return err
	}
	s.stack.push("node", noError(s.Node.Close))
	return nil
}

// heartbeats carries membership over the bus.
type heartbeats struct{ b bus.Bus }

func (h heartbeats) Publish(ctx context.Context, msg []byte) error {
	return h.b.Publish(ctx, bus.HeartbeatSubject, msg)
}

func (h heartbeats) Subscribe(handle func(msg []byte)) (func(), error) {
	sub, err := h.b.Subscribe(bus.HeartbeatSubject, handle)
	if err != nil {
		return nil, err
	}
	return func() { _ = sub.Unsubscribe() }, nil
}

// serveHealth answers GET /healthz: 503 until the server serves; then, in
// cluster mode, the cluster as this node sees it.
func (s *Server) serveHealth(w http.ResponseWriter, _ *http.Request) {
	if !s.serving.Load() {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	if s.Node == nil {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("ok\n"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.Node.Health())
}
