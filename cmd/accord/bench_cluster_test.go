package main

import (
	"context"
	"flag"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/bench"
)

// TestBenchFanoutClusterFlags: the cluster flags' defaults and environment
// variables, and every refusal, which comes before anything starts (no
// child server, no NATS: each case returns at once).
func TestBenchFanoutClusterFlags(t *testing.T) {
	env := map[string]string{"ACCORD_CQL_HOSTS": "10.0.0.1:9042,10.0.0.2:9042"}
	m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
	var c clusterFlags
	var sw serveSwitches
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c.register(fs)
	sw.register(fs)
	if err := m.parseWithEnv(fs, nil); err != nil {
		t.Fatal(err)
	}
	want := clusterFlags{nodes: 1, nats: "embedded", manifold: true}
	if c != want || sw.cqlHosts != "10.0.0.1:9042,10.0.0.2:9042" || sw.store != "pebble" {
		t.Fatalf("defaults %+v, cql hosts %q store %q, want %+v", c, sw.cqlHosts, sw.store, want)
	}
	// A cluster needs CQL: the nodes are started with it and one keyspace.
	sw.cql()
	args := sw.args()
	if !slices.Contains(args, "--store=cql") || !slices.Contains(args, "--cql-keyspace="+sw.cqlKeyspace) || sw.cqlKeyspace == "" {
		t.Fatalf("cluster serve args %q", args)
	}
	if err := c.validate(&benchRun{name: "fanout"}); err != nil {
		t.Fatalf("--nodes 1 (today's fan-out): %v", err)
	}

	c = clusterFlags{}
	fs = flag.NewFlagSet("t", flag.ContinueOnError)
	c.register(fs)
	args = []string{"--nodes", "3", "--targets", "http://a:1, http://b:2,http://c:3", "--metrics-targets", "http://a:9,http://b:9,http://c:9", "--manifold=false"}
	if err := m.parseWithEnv(fs, args); err != nil {
		t.Fatal(err)
	}
	if err := c.validate(&benchRun{name: "fanout"}); err != nil {
		t.Fatal(err)
	}
	nodes := []bench.ClusterNode{{Target: "http://a:1", Metrics: "http://a:9"}, {Target: "http://b:2", Metrics: "http://b:9"}, {Target: "http://c:3", Metrics: "http://c:9"}}
	if got := c.targetNodes(); !reflect.DeepEqual(got, nodes) || c.manifold {
		t.Fatalf("targets %+v manifold %t, want %+v and false", got, c.manifold, nodes)
	}

	m = &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--nodes", "0"}, "--nodes must be at least 1"},
		{[]string{"--targets", "http://a:1"}, "need --nodes N > 1"},
		{[]string{"--metrics-targets", "http://a:9"}, "need --nodes N > 1"},
		{[]string{"--nodes", "3", "--target", "http://a:1"}, "give the nodes as --targets"},
		{[]string{"--nodes", "3", "--server-pid", "42"}, "--server-pid is for one server"},
		{[]string{"--nodes", "3", "--metrics-targets", "http://a:9,http://b:9,http://c:9"}, "--metrics-targets needs --targets"},
		{[]string{"--nodes", "3", "--targets", "http://a:1,http://b:2", "--metrics-targets", "http://a:9,http://b:9"}, "--nodes 3 needs 3 --targets and 3 --metrics-targets, got 2 and 2"},
		{[]string{"--nodes", "2", "--targets", "http://a:1,http://b:2"}, "got 2 and 0"},
	} {
		err := m.Run(context.Background(), append([]string{"bench", "fanout"}, tc.args...))
		if err == nil || !strings.HasPrefix(err.Error(), "bench fanout: ") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}

// TestRandomKeyspace: each run gets its own keyspace, a valid CQL name.
func TestRandomKeyspace(t *testing.T) {
	a, b := randomKeyspace(), randomKeyspace()
	if a == b || !strings.HasPrefix(a, "bench_") || len(a) != len("bench_")+12 {
		t.Fatalf("%q %q", a, b)
	}
}
