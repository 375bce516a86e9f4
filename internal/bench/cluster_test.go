package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// metricsNode serves a node's metrics listener whose text the test sets.
type metricsNode struct {
	srv  *httptest.Server
	text atomic.Value // string
}

func newMetricsNode(t *testing.T) *metricsNode {
	n := &metricsNode{}
	n.text.Store("")
	n.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprint(w, n.text.Load().(string))
	}))
	t.Cleanup(n.srv.Close)
	return n
}

// counters sets the node's cluster counters (with labels on one, as a
// registry may add them, and unrelated series around).
func (n *metricsNode) counters(envelopes, bytes, remote float64) {
	n.text.Store(fmt.Sprintf(`# HELP accord_cluster_envelopes_sent_total NATS messages carrying events.
# TYPE accord_cluster_envelopes_sent_total counter
accord_cluster_envelopes_sent_total{manifold="true"} %g
accord_cluster_envelope_bytes_sent_total %g
accord_cluster_remote_events_total %g
accord_cluster_remote_events_total_other 999
accord_gateway_bytes_sent_total 12345
`, envelopes, bytes, remote))
}

// TestClusterMessagesPerEvent: NATS messages per event from two scrapes of
// three nodes is the sum of the envelope deltas over the sum of the remote
// event deltas; the owner is the node that sent, and the expected figures
// follow from the sessions on the other nodes.
func TestClusterMessagesPerEvent(t *testing.T) {
	ctx := context.Background()
	hc := &http.Client{Timeout: 5 * time.Second}
	var nodes []ClusterNode
	var ms []*metricsNode
	for i := range 3 {
		m := newMetricsNode(t)
		ms = append(ms, m)
		nodes = append(nodes, ClusterNode{ID: fmt.Sprintf("n%d", i+1), Target: "http://unused", Metrics: m.srv.URL})
	}
	// Before: counters left from setup on every node.
	ms[0].counters(4, 400, 2)
	ms[1].counters(7, 700, 3)
	ms[2].counters(0, 0, 0)
	before, err := scrapeCluster(ctx, hc, nodes)
	if err != nil {
		t.Fatal(err)
	}
	// 50 events with remote recipients, all at n2: Manifold on sends one
	// message to each of the other two nodes.
	ms[1].counters(7+100, 700+100*900, 3+50)
	after, err := scrapeCluster(ctx, hc, nodes)
	if err != nil {
		t.Fatal(err)
	}
	d := clusterDelta(before, after)
	if got := d.perEvent(); got != 2 {
		t.Fatalf("messages per event %v, want 2 (delta %+v)", got, d)
	}
	if d.messages() != 100 || d.bytes != 90000 || d.remoteEvents != 50 {
		t.Fatalf("delta %+v", d)
	}
	if got := d.senders(); !reflect.DeepEqual(got, []int{1}) {
		t.Fatalf("senders %v, want [1] (n2)", got)
	}
	per := sessionsPerNode(30, 3)
	if nodes, sessions := remoteOf(per, 1); nodes != 2 || sessions != 20 {
		t.Fatalf("remote of n2 with %v: %d nodes, %d sessions", per, nodes, sessions)
	}

	// Manifold off, two senders (a move mid-run): the messages of both
	// count, per event of both.
	ms[0].counters(4+30, 400, 2+10)
	ms[1].counters(107+70, 90700, 53+5)
	again, err := scrapeCluster(ctx, hc, nodes)
	if err != nil {
		t.Fatal(err)
	}
	d = clusterDelta(after, again)
	if got := d.perEvent(); got != 100.0/15 {
		t.Fatalf("messages per event %v, want 100/15", got)
	}
	if got := d.senders(); !reflect.DeepEqual(got, []int{0, 1}) {
		t.Fatalf("senders %v, want [0 1]", got)
	}
	if got := clusterDelta(again, again).perEvent(); got != 0 {
		t.Fatalf("no remote events: %v per event, want 0", got)
	}

	// A node without the cluster counters is not in cluster mode.
	ms[2].text.Store("accord_gateway_bytes_sent_total 1\n")
	if _, err := scrapeCluster(ctx, hc, nodes); err == nil || !strings.Contains(err.Error(), "node n3") {
		t.Fatalf("scrape of a node without cluster counters: %v", err)
	}
}

// TestSessionsPerNode: round-robin shares differ by at most one, the first
// nodes taking the remainder, and a node may get none.
func TestSessionsPerNode(t *testing.T) {
	for _, tc := range []struct {
		n, nodes int
		want     []int
	}{
		{30, 3, []int{10, 10, 10}},
		{31, 3, []int{11, 10, 10}},
		{2, 3, []int{1, 1, 0}},
	} {
		if got := sessionsPerNode(tc.n, tc.nodes); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("sessionsPerNode(%d, %d) = %v, want %v", tc.n, tc.nodes, got, tc.want)
		}
	}
	if nodes, sessions := remoteOf([]int{1, 1, 0}, 0); nodes != 1 || sessions != 1 {
		t.Errorf("remoteOf([1 1 0], 0) = %d, %d; want 1, 1", nodes, sessions)
	}
}

// TestWaitCluster reads the contract's /healthz body: it waits until every
// node lists every node live, fills in IDs it was not given and refuses a
// node answering with another's ID.
func TestWaitCluster(t *testing.T) {
	var live atomic.Int32
	body := func(self string) string {
		var b strings.Builder
		fmt.Fprintf(&b, `{"node":%q,"nodes":[`, self)
		for i := range 2 {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"id":"n%d","url":"http://x","live":%t}`, i+1, int32(i) < live.Load())
		}
		b.WriteString("]}")
		return b.String()
	}
	var nodes []ClusterNode
	for i := range 2 {
		id := fmt.Sprintf("n%d", i+1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/healthz" {
				http.NotFound(w, r)
				return
			}
			fmt.Fprint(w, body(id))
		}))
		t.Cleanup(srv.Close)
		nodes = append(nodes, ClusterNode{Target: srv.URL})
	}
	ctx := context.Background()
	hc := &http.Client{Timeout: 5 * time.Second}
	live.Store(1)
	if err := waitCluster(ctx, hc, nodes, 300*time.Millisecond); err == nil || !strings.Contains(err.Error(), "1 of 2 nodes live") {
		t.Fatalf("one of two live: %v", err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond) // the second node comes up while waitCluster polls
		live.Store(2)
	}()
	if err := waitCluster(ctx, hc, nodes, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if nodes[0].ID != "n1" || nodes[1].ID != "n2" {
		t.Fatalf("IDs not read from /healthz: %+v", nodes)
	}
	nodes[0].ID, nodes[1].ID = nodes[1].ID, nodes[0].ID
	if err := waitCluster(ctx, hc, nodes, 10*time.Second); err == nil || !strings.Contains(err.Error(), "says it is") {
		t.Fatalf("a node answering as another: %v", err)
	}
}
