package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// The cluster mode of the fan-out scenario (`accord bench fanout --nodes
// N`): the same fan-out against an N-node cluster, once with Manifold on
// (one NATS message per destination node per event) and once with it off
// (one per recipient session), counting the NATS messages the nodes send
// per event from their own counters.

// The counters every node's metrics listener exports in cluster mode.
const (
	// NATS messages carrying events, to all destinations.
	metricEnvelopes = "accord_cluster_envelopes_sent_total"
	// Their bytes.
	metricEnvelopeBytes = "accord_cluster_envelope_bytes_sent_total"
	// Events that had at least one recipient on another node.
	metricRemoteEvents = "accord_cluster_remote_events_total"
	// Guild actors running on the node (a gauge).
	metricGuildsOwned = "accord_cluster_guilds_owned"
)

// ClusterNode is one node of the cluster under test.
type ClusterNode struct {
	ID      string // its --node-id; "" reads it from the node's /healthz
	Target  string // base URL, e.g. "http://127.0.0.1:40123"
	Metrics string // its metrics listener's base URL
	PID     int    // its process on this machine, for its CPU; 0 if unknown
}

// ClusterConfig configures the cluster fan-out. Zero values mean defaults.
type ClusterConfig struct {
	// Start starts the cluster's nodes with Manifold on or off (or finds
	// running ones) and returns them and what stops them. Required.
	Start func(ctx context.Context, manifold bool) (nodes []ClusterNode, stop func(), err error)
	// Manifold lists the settings to run, in order. Default: on, then off.
	Manifold []bool
	// Fanout is the workload of each run. Its Target, Nodes, Metrics and
	// Measure are set by the cluster run: the guild is created and posted
	// to on the first node, the sessions spread round-robin over all.
	Fanout FanoutConfig
	// Ready bounds the wait for every node to list every node live in its
	// /healthz. Default 60 s.
	Ready time.Duration
	// Settle is waited once every node is live, for the nodes to take up
	// guild ownership (a node owns guilds one dead-after, 3 s by default,
	// after it starts). Default 4 s.
	Settle time.Duration
}

// ClusterRun holds the figures of one Manifold setting.
type ClusterRun struct {
	Manifold bool `json:"manifold"`
	// Owner is the node that sent the event envelopes: the guild's owner.
	// GuildsOwned is each node's guilds_owned gauge after the last
	// delivery (the run's guild, and any other a node has loaded).
	Owner            string  `json:"owner"`
	GuildsOwned      []int   `json:"guilds_owned"`
	Messages         int64   `json:"messages"`
	Deliveries       int64   `json:"deliveries"`
	Missing          int64   `json:"missing"`
	DeliveriesPerSec float64 `json:"deliveries_per_sec"`
	P50ms            float64 `json:"p50_ms"`
	P99ms            float64 `json:"p99_ms"`
	MaxMs            float64 `json:"max_ms"`
	// NATSMessages and NATSBytes are what the nodes sent (all nodes'
	// envelope counters) while the messages flowed; RemoteEvents the
	// events with a recipient on another node than the owner.
	NATSMessages     int64   `json:"nats_messages"`
	NATSBytes        int64   `json:"nats_bytes"`
	RemoteEvents     int64   `json:"remote_events"`
	MessagesPerEvent float64 `json:"nats_messages_per_event"`
	// MessagesPerPost is NATSMessages over the messages posted: the same
	// figure counted from the bench's side (each post is one event with
	// recipients on other nodes), whatever the nodes count as an event.
	MessagesPerPost float64 `json:"nats_messages_per_post"`
	// RemoteNodes and RemoteSessions are what MessagesPerEvent should be
	// with Manifold on and off: the nodes other than the owner with
	// sessions, and the sessions on them.
	RemoteNodes    int `json:"remote_nodes_with_sessions"`
	RemoteSessions int `json:"remote_sessions"`
	// ServerCPU is the CPU seconds all nodes spent while the messages
	// flowed (0 when their processes are not known: --targets).
	ServerCPU float64 `json:"server_cpu_s"`
	// RSSIdlePerSession is the nodes' RSS summed with every session idle,
	// less before the sessions, per session (0: the nodes' PIDs unknown).
	RSSIdlePerSession int64 `json:"rss_idle_per_session_bytes,omitempty"`

	Seconds    float64 `json:"-"`
	PostErrors int64   `json:"-"`
}

// ClusterResult holds the figures of every setting run. The JSON keys are
// the contract of `accord bench fanout --nodes N --json`: nodes, node_ids,
// sessions, sessions_per_node, and manifold_on and manifold_off (each
// present when that setting ran) with ClusterRun's keys.
type ClusterResult struct {
	Nodes           int         `json:"nodes"`
	NodeIDs         []string    `json:"node_ids"`
	Sessions        int         `json:"sessions"`
	SessionsPerNode []int       `json:"sessions_per_node"`
	On              *ClusterRun `json:"manifold_on,omitempty"`
	Off             *ClusterRun `json:"manifold_off,omitempty"`
}

// ClusterFanout runs the fan-out once per Manifold setting, each against
// the nodes Start gives, and reads every node's cluster counters around
// the posting. On an error it returns the figures so far.
func ClusterFanout(ctx context.Context, cfg ClusterConfig) (ClusterResult, error) {
	if cfg.Start == nil {
		return ClusterResult{}, errors.New("bench: ClusterConfig.Start is required")
	}
	if cfg.Manifold == nil {
		cfg.Manifold = []bool{true, false}
	}
	if cfg.Ready <= 0 {
		cfg.Ready = 60 * time.Second
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 4 * time.Second
	}
	if cfg.Fanout.Sessions <= 0 {
		cfg.Fanout.Sessions = 1000
	}
	res := ClusterResult{Sessions: cfg.Fanout.Sessions}
	for _, on := range cfg.Manifold {
		run, err := clusterOnce(ctx, cfg, on, &res)
		if on {
			res.On = run
		} else {
			res.Off = run
		}
		if err != nil {
			return res, fmt.Errorf("bench: manifold=%t: %w", on, err)
		}
	}
	return res, nil
}

// clusterOnce starts the nodes with Manifold on or off, waits until they
// form one cluster and runs the fan-out over them.
func clusterOnce(ctx context.Context, cfg ClusterConfig, manifold bool, res *ClusterResult) (*ClusterRun, error) {
	out := cfg.Fanout.Progress
	if out == nil {
		out = io.Discard
	}
	nodes, stop, err := cfg.Start(ctx, manifold)
	if err != nil {
		return nil, err
	}
	defer stop()
	hc := &http.Client{Timeout: 10 * time.Second}
	if err := waitCluster(ctx, hc, nodes, cfg.Ready); err != nil {
		return nil, err
	}
	res.Nodes, res.NodeIDs = len(nodes), nil
	for _, n := range nodes {
		res.NodeIDs = append(res.NodeIDs, n.ID)
	}
	res.SessionsPerNode = sessionsPerNode(res.Sessions, len(nodes))
	fmt.Fprintf(out, "fanout: cluster %s live (manifold=%t); settling %s before the guild is created\n",
		strings.Join(res.NodeIDs, ","), manifold, cfg.Settle)
	select {
	case <-time.After(cfg.Settle):
	case <-ctx.Done():
		return nil, ctx.Err()
	}

	fc := cfg.Fanout
	fc.Target, fc.Nodes = nodes[0].Target, nil
	for _, n := range nodes[1:] {
		fc.Nodes = append(fc.Nodes, n.Target)
	}
	// The gateway bytes are spread over the nodes: count what the
	// sessions read rather than one node's counter.
	fc.Metrics, fc.ServerPID, fc.NodePIDs = "", 0, nil
	for _, n := range nodes {
		if n.PID > 0 {
			fc.NodePIDs = append(fc.NodePIDs, n.PID)
		}
	}
	var before, after []map[string]float64
	var cpu time.Duration
	fc.Measure = func(ctx context.Context) (func(context.Context) error, error) {
		var err error
		if cpu, err = nodesCPU(nodes); err != nil {
			return nil, err
		}
		before, err = scrapeCluster(ctx, hc, nodes)
		return func(ctx context.Context) error {
			if after, err = scrapeCluster(ctx, hc, nodes); err != nil {
				return err
			}
			end, err := nodesCPU(nodes)
			cpu = end - cpu
			return err
		}, err
	}
	fr, err := Fanout(ctx, fc)
	run := &ClusterRun{Manifold: manifold, Messages: fr.Messages, Deliveries: fr.Deliveries, Missing: fr.Missing,
		DeliveriesPerSec: fr.DeliveriesPerSec, P50ms: fr.P50ms, P99ms: fr.P99ms, MaxMs: fr.MaxMs,
		Seconds: fr.Seconds, PostErrors: fr.PostErrors, RSSIdlePerSession: fr.RSSIdlePerSession}
	if err != nil {
		return run, err
	}
	d := clusterDelta(before, after)
	run.ServerCPU = round(cpu.Seconds(), 2)
	run.NATSMessages, run.NATSBytes, run.RemoteEvents = int64(d.messages()), int64(d.bytes), int64(d.remoteEvents)
	run.MessagesPerEvent = round(d.perEvent(), 3)
	if run.Messages > 0 {
		run.MessagesPerPost = round(d.messages()/float64(run.Messages), 3)
	}
	owner := d.senders()
	var ids []string
	for _, i := range owner {
		ids = append(ids, nodes[i].ID)
	}
	run.Owner = strings.Join(ids, ",")
	for _, m := range after {
		run.GuildsOwned = append(run.GuildsOwned, int(m[metricGuildsOwned]))
	}
	if len(owner) == 1 {
		run.RemoteNodes, run.RemoteSessions = remoteOf(res.SessionsPerNode, owner[0])
	}
	return run, nil
}

// sessionsPerNode is how many of n sessions, spread round-robin, each of
// nodes gets.
func sessionsPerNode(n, nodes int) []int {
	per := make([]int, nodes)
	for i := range n {
		per[i%nodes]++
	}
	return per
}

// remoteOf is the number of nodes other than owner with sessions, and the
// sessions on them.
func remoteOf(perNode []int, owner int) (nodes, sessions int) {
	for i, n := range perNode {
		if i != owner && n > 0 {
			nodes++
			sessions += n
		}
	}
	return nodes, sessions
}

// nodesCPU is the CPU time the nodes whose process is known have used.
func nodesCPU(nodes []ClusterNode) (time.Duration, error) {
	var sum time.Duration
	for _, n := range nodes {
		if n.PID == 0 {
			continue
		}
		c, err := procCPU(n.PID)
		if err != nil {
			return 0, fmt.Errorf("node %s: %w", n.ID, err)
		}
		sum += c
	}
	return sum, nil
}

// nodeDelta is what each node's cluster counters rose by between two
// scrapes.
type nodeDelta struct {
	envelopes    []float64 // per node, in the nodes' order
	bytes        float64   // summed over the nodes
	remoteEvents float64   // summed over the nodes
}

// clusterDelta subtracts two scrapes of the same nodes, in the same order.
func clusterDelta(before, after []map[string]float64) nodeDelta {
	d := nodeDelta{envelopes: make([]float64, len(after))}
	for i := range after {
		d.envelopes[i] = after[i][metricEnvelopes] - before[i][metricEnvelopes]
		d.bytes += after[i][metricEnvelopeBytes] - before[i][metricEnvelopeBytes]
		d.remoteEvents += after[i][metricRemoteEvents] - before[i][metricRemoteEvents]
	}
	return d
}

// messages is the NATS messages all nodes sent.
func (d nodeDelta) messages() float64 {
	var sum float64
	for _, e := range d.envelopes {
		sum += e
	}
	return sum
}

// perEvent is NATS messages per event: the envelopes all nodes sent over
// the events that had a remote recipient; 0 without such events.
func (d nodeDelta) perEvent() float64 {
	if d.remoteEvents <= 0 {
		return 0
	}
	return d.messages() / d.remoteEvents
}

// senders are the indexes of the nodes that sent envelopes: with one
// guild, its owner.
func (d nodeDelta) senders() []int {
	var out []int
	for i, e := range d.envelopes {
		if e > 0 {
			out = append(out, i)
		}
	}
	return out
}

// scrapeCluster reads every node's cluster counters; a node that exports
// none is not in cluster mode, which is an error.
func scrapeCluster(ctx context.Context, hc *http.Client, nodes []ClusterNode) ([]map[string]float64, error) {
	out := make([]map[string]float64, len(nodes))
	for i, n := range nodes {
		m, err := Metrics(ctx, hc, n.Metrics, metricEnvelopes, metricEnvelopeBytes, metricRemoteEvents, metricGuildsOwned)
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", n.ID, err)
		}
		for _, name := range []string{metricEnvelopes, metricRemoteEvents} {
			if _, ok := m[name]; !ok {
				return nil, fmt.Errorf("bench: node %s (%s) exports no %s: not in cluster mode?", n.ID, n.Metrics, name)
			}
		}
		out[i] = m
	}
	return out, nil
}

// healthz is a node's GET /healthz in cluster mode.
type healthz struct {
	Node  string `json:"node"`
	Nodes []struct {
		ID   string `json:"id"`
		URL  string `json:"url"`
		Live bool   `json:"live"`
	} `json:"nodes"`
}

// liveIDs are the nodes h lists live.
func (h healthz) liveIDs() []string {
	var ids []string
	for _, n := range h.Nodes {
		if n.Live {
			ids = append(ids, n.ID)
		}
	}
	return ids
}

// waitCluster polls every node's /healthz until each lists len(nodes)
// nodes live, and fills in the nodes' IDs it was not given; it fails after
// limit or on a node naming itself other than its ID.
func waitCluster(ctx context.Context, hc *http.Client, nodes []ClusterNode, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		err := clusterFormed(ctx, hc, nodes)
		if err == nil || errors.Is(err, errWrongNode) {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: cluster not formed within %s: %w", limit, err)
		}
		select {
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

var errWrongNode = errors.New("bench: node answers with another node's id")

// clusterFormed reads every node's /healthz once: nil if each lists every
// node live.
func clusterFormed(ctx context.Context, hc *http.Client, nodes []ClusterNode) error {
	for i := range nodes {
		n := &nodes[i]
		var h healthz
		if err := getJSON(ctx, hc, strings.TrimRight(n.Target, "/")+"/healthz", &h); err != nil {
			return err
		}
		if n.ID == "" {
			n.ID = h.Node
		}
		if h.Node != n.ID {
			return fmt.Errorf("%w: %s says it is %q, started as %q", errWrongNode, n.Target, h.Node, n.ID)
		}
		if live := h.liveIDs(); len(live) != len(nodes) {
			return fmt.Errorf("node %s sees %d of %d nodes live %v", n.ID, len(live), len(nodes), live)
		}
	}
	return nil
}

// getJSON decodes a 200 answer to GET url into out.
func getJSON(ctx context.Context, hc *http.Client, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// String is the readable summary of a cluster fan-out.
func (r ClusterResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fanout: %d nodes %s, %d sessions spread round-robin %v", r.Nodes, strings.Join(r.NodeIDs, ","), r.Sessions, r.SessionsPerNode)
	for _, run := range []*ClusterRun{r.On, r.Off} {
		if run == nil {
			continue
		}
		name := "manifold on "
		if !run.Manifold {
			name = "manifold off"
		}
		fmt.Fprintf(&b, "\n  %s  guild owned by %s (guilds owned per node %v); %d messages (%d post errors), %d deliveries in %.2fs = %.0f/s, %d missing",
			name, run.Owner, run.GuildsOwned, run.Messages, run.PostErrors, run.Deliveries, run.Seconds, run.DeliveriesPerSec, run.Missing)
		fmt.Fprintf(&b, "\n                latency p50 %.2f ms, p99 %.2f ms, max %.2f ms (POST to the session's read)", run.P50ms, run.P99ms, run.MaxMs)
		if run.ServerCPU > 0 && run.Deliveries > 0 {
			fmt.Fprintf(&b, "; server CPU %.2f s over the nodes (%.2f µs/delivery)", run.ServerCPU, run.ServerCPU*1e6/float64(run.Deliveries))
		}
		fmt.Fprintf(&b, "\n                NATS %d messages (%d bytes) for %d remote events = %.2f per event, %.2f per message posted (remote nodes with sessions %d, remote sessions %d)",
			run.NATSMessages, run.NATSBytes, run.RemoteEvents, run.MessagesPerEvent, run.MessagesPerPost, run.RemoteNodes, run.RemoteSessions)
		if run.RSSIdlePerSession != 0 {
			fmt.Fprintf(&b, "\n                nodes' RSS %d B per idle session (summed over the nodes)", run.RSSIdlePerSession)
		}
	}
	return b.String()
}

// JSON is the --json line.
func (r ClusterResult) JSON() []byte {
	b, _ := json.Marshal(r)
	return b
}
