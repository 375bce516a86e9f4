//go:build cluster

package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"reflect"
	"testing"
)

// TestBenchFanoutCluster runs `accord bench fanout --nodes 3` for real:
// three child `accord serve` nodes (this test binary acting as accord) on
// the Cassandra at ACCORD_CQL_HOSTS (default 127.0.0.1:9042), in a fresh
// keyspace (or ACCORD_CQL_KEYSPACE), over a nats-server the bench runs in
// process; 30 sessions, 10 on each node, over 3 client processes. Every
// session gets every message with Manifold on and off, and the nodes'
// counters show the Manifold effect exactly: one NATS message per event to
// each of the two nodes other than the owner, against one per session on
// them (20).
//
// It needs Cassandra, so it is behind the cluster tag:
//
//	ACCORD_CQL_HOSTS=127.0.0.1:9042 go test -tags cluster -run TestBenchFanoutCluster ./cmd/accord
func TestBenchFanoutCluster(t *testing.T) {
	t.Setenv("ACCORD_TEST_MAIN", "1") // the children are this binary acting as accord
	var out bytes.Buffer
	getenv := func(k string) string {
		if k == "ACCORD_CQL_HOSTS" || k == "ACCORD_CQL_KEYSPACE" {
			return os.Getenv(k)
		}
		return ""
	}
	m := &Main{Stdout: &out, Stderr: testLog{t}, Getenv: getenv}
	// --per-process 12: the sessions' gateways also reach two fanout-worker
	// children.
	args := []string{"bench", "fanout", "--nodes", "3", "--sessions", "30", "--per-process", "12", "--rate", "20", "--duration", "1s", "--json"}
	if err := m.Run(context.Background(), args); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out.String())
	}
	t.Log(out.String())
	type run struct {
		Manifold         bool    `json:"manifold"`
		Owner            string  `json:"owner"`
		Messages         int64   `json:"messages"`
		Deliveries       int64   `json:"deliveries"`
		Missing          int64   `json:"missing"`
		DeliveriesPerSec float64 `json:"deliveries_per_sec"`
		P50ms            float64 `json:"p50_ms"`
		P99ms            float64 `json:"p99_ms"`
		NATSMessages     int64   `json:"nats_messages"`
		RemoteEvents     int64   `json:"remote_events"`
		MessagesPerEvent float64 `json:"nats_messages_per_event"`
		MessagesPerPost  float64 `json:"nats_messages_per_post"`
		RemoteNodes      int     `json:"remote_nodes_with_sessions"`
		RemoteSessions   int     `json:"remote_sessions"`
	}
	var res struct {
		Nodes           int      `json:"nodes"`
		NodeIDs         []string `json:"node_ids"`
		Sessions        int      `json:"sessions"`
		SessionsPerNode []int    `json:"sessions_per_node"`
		On              *run     `json:"manifold_on"`
		Off             *run     `json:"manifold_off"`
	}
	keys := lastJSON(t, out.String(), &res)
	if want := []string{"manifold_off", "manifold_on", "node_ids", "nodes", "sessions", "sessions_per_node"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("JSON keys %v, want %v", keys, want)
	}
	if res.Nodes != 3 || !reflect.DeepEqual(res.NodeIDs, []string{"n1", "n2", "n3"}) || res.Sessions != 30 ||
		!reflect.DeepEqual(res.SessionsPerNode, []int{10, 10, 10}) || res.On == nil || res.Off == nil {
		t.Fatalf("%+v", res)
	}
	for _, r := range []*run{res.On, res.Off} {
		if r.Messages == 0 || r.Deliveries != 30*r.Messages || r.Missing != 0 || r.DeliveriesPerSec <= 0 || r.P50ms <= 0 || r.P99ms < r.P50ms {
			t.Errorf("manifold=%t: deliveries: %+v", r.Manifold, *r)
		}
		if r.Owner != "n1" && r.Owner != "n2" && r.Owner != "n3" {
			t.Errorf("manifold=%t: owner %q, want one node", r.Manifold, r.Owner)
		}
		// Every message is an event with recipients on the other nodes.
		if r.RemoteEvents < r.Messages || r.RemoteNodes != 2 || r.RemoteSessions != 20 {
			t.Errorf("manifold=%t: remote events %d for %d messages, remote nodes %d, sessions %d",
				r.Manifold, r.RemoteEvents, r.Messages, r.RemoteNodes, r.RemoteSessions)
		}
	}
	// Counted by the nodes (their remote events) and by the bench (its
	// posts), the same figure.
	if !res.On.Manifold || res.On.MessagesPerEvent != 2 || res.On.MessagesPerPost != 2 || res.On.NATSMessages != 2*res.On.RemoteEvents {
		t.Errorf("manifold on: %v NATS messages per event (%d for %d events), %v per post, want 2, the remote nodes",
			res.On.MessagesPerEvent, res.On.NATSMessages, res.On.RemoteEvents, res.On.MessagesPerPost)
	}
	if res.Off.Manifold || res.Off.MessagesPerEvent != 20 || res.Off.MessagesPerPost != 20 || res.Off.NATSMessages != 20*res.Off.RemoteEvents {
		t.Errorf("manifold off: %v NATS messages per event (%d for %d events), %v per post, want 20, the remote sessions",
			res.Off.MessagesPerEvent, res.Off.NATSMessages, res.Off.RemoteEvents, res.Off.MessagesPerPost)
	}
}

// testLog writes the bench's phase lines to the test log, leaving out its
// progress bars (redrawn in place with a leading carriage return).
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	if line := bytes.TrimSpace(p); len(line) > 0 && p[0] != '\r' {
		l.t.Log(string(line))
	}
	return len(p), nil
}

var _ io.Writer = testLog{}
