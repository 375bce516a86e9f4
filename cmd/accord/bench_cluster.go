package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"strconv"
	"sync"

	"github.com/accordchat/accord/internal/bench"
	busnats "github.com/accordchat/accord/internal/bus/nats"
)

// The cluster mode of `accord bench fanout`: with --nodes N > 1 the bench
// starts N `accord serve` children that form one cluster (a shared CQL
// keyspace, a NATS server it runs in process unless --nats names one),
// spreads the sessions round-robin over them and runs the fan-out twice,
// with Manifold on and then off (the children restarted with the flag),
// reporting NATS messages per event from the nodes' own counters. With
// --targets it measures a running cluster instead, once.

// clusterFlags are the fan-out scenario's cluster flags.
type clusterFlags struct {
	nodes          int
	targets        string // comma-separated base URLs of a running cluster
	metricsTargets string // their metrics listeners, in the same order
	nats           string // "embedded" or NATS URLs
	manifold       bool   // with --targets: the setting the nodes run with
	manifoldOnly   bool   // started nodes: skip the Manifold-off comparison run
}

func (c *clusterFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&c.nodes, "nodes", 1, "Accord nodes: above 1, start (or with --targets, measure) a cluster and run Manifold on and off")
	fs.StringVar(&c.targets, "targets", "", "with --nodes N: comma-separated base URLs of the N nodes of a running cluster (default: start N children)")
	fs.StringVar(&c.metricsTargets, "metrics-targets", "", "with --targets: the nodes' metrics listeners' base URLs, in the same order")
	fs.StringVar(&c.nats, "nats", "embedded", "with --nodes N: NATS URLs for the started nodes (embedded: a nats-server in the bench process)")
	fs.BoolVar(&c.manifold, "manifold", true, "with --targets: whether the running nodes have Manifold on, for the report (the bench cannot restart them)")
	fs.BoolVar(&c.manifoldOnly, "manifold-only", false, "with --nodes N started here: run with Manifold on only, not also off (e.g. for the nodes' idle RSS at many sessions)")
}

// validate checks the cluster flags against the scaffold's.
func (c *clusterFlags) validate(b *benchRun) error {
	prefix := "bench " + b.name + ": "
	switch {
	case c.nodes < 1:
		return errors.New(prefix + "--nodes must be at least 1")
	case c.nodes == 1 && (c.targets != "" || c.metricsTargets != ""):
		return errors.New(prefix + "--targets and --metrics-targets need --nodes N > 1 (one server: --target)")
	case c.nodes == 1:
		return nil
	case b.target != "":
		return errors.New(prefix + "--target is one server; with --nodes N give the nodes as --targets")
	case b.pid != 0:
		return errors.New(prefix + "--server-pid is for one server, not --nodes N")
	}
	if c.targets == "" {
		if c.metricsTargets != "" {
			return errors.New(prefix + "--metrics-targets needs --targets")
		}
		return nil
	}
	t, mt := splitList(c.targets), splitList(c.metricsTargets)
	if len(t) != c.nodes || len(mt) != c.nodes {
		return fmt.Errorf("%s--nodes %d needs %d --targets and %d --metrics-targets, got %d and %d", prefix, c.nodes, c.nodes, c.nodes, len(t), len(mt))
	}
	return nil
}

// targetNodes are the nodes --targets and --metrics-targets name (their IDs
// are read from their /healthz).
func (c *clusterFlags) targetNodes() []bench.ClusterNode {
	t, mt := splitList(c.targets), splitList(c.metricsTargets)
	nodes := make([]bench.ClusterNode, len(t))
	for i := range t {
		nodes[i] = bench.ClusterNode{Target: t[i], Metrics: mt[i]}
	}
	return nodes
}

// runCluster is the cluster mode of the fan-out scenario.
func (s *fanoutScenario) runCluster(ctx context.Context, b *benchRun, fc bench.FanoutConfig) (report, error) {
	c := &s.cluster
	cfg := bench.ClusterConfig{Fanout: fc}
	if c.targets != "" {
		b.header("targets %s (manifold=%t), %d sessions, rate %g msg/s (0 = saturate), %s", c.targets, c.manifold, s.sessions, s.rate, b.duration)
		cfg.Manifold = []bool{c.manifold}
		cfg.Start = func(context.Context, bool) ([]bench.ClusterNode, func(), error) {
			return c.targetNodes(), func() {}, nil
		}
		res, err := bench.ClusterFanout(ctx, cfg)
		return res, err
	}
	b.serve.cql()
	natsURL, stopNATS := c.nats, func() {}
	if c.nats == "embedded" {
		var err error
		if natsURL, stopNATS, err = busnats.StartEmbedded(busnats.EmbeddedOptions{}); err != nil {
			return nil, fmt.Errorf("bench %s: %w", b.name, err)
		}
	}
	defer stopNATS()
	runs := "manifold on then off"
	if c.manifoldOnly {
		runs, cfg.Manifold = "manifold on", []bool{true}
	}
	b.header("%d nodes (cql %s keyspace %s, nats %s), %d sessions, rate %g msg/s (0 = saturate), %s, %s",
		c.nodes, b.serve.cqlHosts, b.serve.cqlKeyspace, natsURL, s.sessions, s.rate, b.duration, runs)
	base := append(b.serve.args(), "--nats", natsURL)
	cfg.Start = func(ctx context.Context, manifold bool) ([]bench.ClusterNode, func(), error) {
		return b.m.startCluster(ctx, c.nodes, append(base, "--manifold="+strconv.FormatBool(manifold)))
	}
	res, err := bench.ClusterFanout(ctx, cfg)
	return res, err
}

// startCluster starts n `accord serve` children n1..nN with serveArgs,
// each on a port picked here so that its --public-url can name it. The
// first is up before the next starts, so one node creates the keyspace's
// schema. stop stops them all.
func (m *Main) startCluster(ctx context.Context, n int, serveArgs []string) ([]bench.ClusterNode, func(), error) {
	var children []*serveChild
	stop := func() {
		var wg sync.WaitGroup
		for _, c := range children {
			wg.Add(1)
			go func() { defer wg.Done(); c.stop() }()
		}
		wg.Wait()
	}
	var nodes []bench.ClusterNode
	for i := 1; i <= n; i++ {
		addr, err := freeAddr()
		if err != nil {
			stop()
			return nil, nil, err
		}
		id := "n" + strconv.Itoa(i)
		args := append(serveArgs[:len(serveArgs):len(serveArgs)], "--node-id", id, "--addr", addr, "--public-url", "http://"+addr)
		c, err := m.startServeChild(ctx, "", args...)
		if err != nil {
			stop()
			return nil, nil, fmt.Errorf("node %s: %w", id, err)
		}
		children = append(children, c)
		nodes = append(nodes, bench.ClusterNode{ID: id, Target: c.url, Metrics: c.metrics, PID: c.pid})
	}
	return nodes, stop, nil
}

// freeAddr is a loopback address with a port free right now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("bench: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// randomKeyspace is a fresh keyspace name for one bench run.
func randomKeyspace() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "bench_" + hex.EncodeToString(b[:])
}
