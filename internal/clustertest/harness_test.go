//go:build cluster

package clustertest

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/poll"
)

// cluster is a set of `accord serve` processes sharing one fresh keyspace
// and the NATS cluster of TestMain.
type cluster struct {
	t        *testing.T
	keyspace string
	args     []string // extra serve flags for every node
	nodes    []*node
}

// node is one `accord serve` process; a restart replaces its process and
// addresses but keeps its node id.
type node struct {
	c   *cluster
	id  string // --node-id, "n1".."nN"
	log string // its JSON log, appended to by every start

	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{} // closed once the process has exited
	base    string        // "http://127.0.0.1:PORT"
	metrics string        // "http://127.0.0.1:PORT" of its metrics listener
}

func cqlHosts() string {
	if h := os.Getenv("ACCORD_CQL_HOSTS"); h != "" {
		return h
	}
	return "127.0.0.1:9042"
}

// startCluster starts n nodes with the extra serve flags args on a fresh
// keyspace and waits until every node's /healthz lists all n live. The
// nodes are stopped when the test ends; their logs are printed if it failed.
func startCluster(t *testing.T, n int, args ...string) *cluster {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	c := &cluster{t: t, keyspace: "ct_" + hex.EncodeToString(b[:]), args: args}
	dir := t.TempDir()
	for i := 1; i <= n; i++ {
		id := fmt.Sprintf("n%d", i)
		c.nodes = append(c.nodes, &node{c: c, id: id, log: filepath.Join(dir, id+".log")})
	}
	t.Cleanup(c.stop)
	// The first node creates the keyspace and its tables alone: concurrent
	// CREATE TABLEs on a new keyspace can leave Cassandra's schema split.
	c.nodes[0].start(t)
	var wg sync.WaitGroup
	for _, nd := range c.nodes[1:] {
		wg.Go(func() { nd.start(t) })
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	c.waitLive(t, c.nodes...)
	t.Logf("cluster of %d nodes on keyspace %s: %s", n, c.keyspace, c)
	return c
}

func (c *cluster) String() string {
	var parts []string
	for _, nd := range c.nodes {
		parts = append(parts, nd.id+"="+nd.url())
	}
	return strings.Join(parts, " ")
}

// start runs the node's process and waits for its "serving" log line. It
// reports failures with t.Errorf so that it can run on several goroutines.
func (nd *node) start(t *testing.T) {
	args := []string{"serve",
		"--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0",
		"--store", "cql", "--cql-hosts", cqlHosts(), "--cql-keyspace", nd.c.keyspace,
		"--nats", strings.Join(natsURLs, ","), "--node-id", nd.id,
		"--log-format", "json", "--data", filepath.Join(filepath.Dir(nd.log), nd.id+"-data"),
	}
	args = append(args, nd.c.args...)
	if !hasFlag(args, "--rate-limits") {
		args = append(args, "--rate-limits=false")
	}
	cmd := exec.Command(accord, args...)
	// Only the flags above configure the node: ACCORD_* variables of the
	// developer's shell (ACCORD_NATS, ACCORD_STORE, ...) would change it.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ACCORD_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	logf, err := os.OpenFile(nd.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Errorf("%s: %v", nd.id, err)
		return
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		logf.Close()
		t.Errorf("%s: %v", nd.id, err)
		return
	}
	cmd.Stdout = logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Errorf("%s: start accord serve: %v", nd.id, err)
		return
	}
	exited := make(chan struct{})
	addrs := readAddrs(io.TeeReader(stderr, logf))
	go func() {
		_ = cmd.Wait() // after readAddrs has drained stderr to EOF
		logf.Close()
		close(exited)
	}()
	nd.mu.Lock()
	nd.cmd, nd.exited = cmd, exited
	nd.mu.Unlock()
	select {
	case a := <-addrs:
		nd.mu.Lock()
		nd.base, nd.metrics = "http://"+a.public, "http://"+a.metrics
		nd.mu.Unlock()
	case <-exited:
		t.Errorf("%s: accord serve exited before serving:\n%s", nd.id, tail(nd.log, 30))
	case <-time.After(60 * time.Second):
		t.Errorf("%s: no \"serving\" log line within 60s:\n%s", nd.id, tail(nd.log, 30))
	}
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// addrs are the listeners a node logged.
type addrs struct{ public, metrics string }

// readAddrs scans a node's JSON log for its "metrics serving" line and
// then its "serving" line, sends both addresses once the latter comes, and
// keeps reading to EOF so the node never blocks on a full pipe.
func readAddrs(r io.Reader) <-chan addrs {
	ch := make(chan addrs, 1)
	go func() {
		var got addrs
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var line struct {
				Msg    string `json:"msg"`
				Addr   string `json:"addr"`
				Server struct {
					Addr string `json:"addr"`
				} `json:"server"`
			}
			if ch == nil || json.Unmarshal(sc.Bytes(), &line) != nil {
				continue
			}
			addr := line.Addr
			if addr == "" {
				addr = line.Server.Addr // the server logs under its "server" group
			}
			switch line.Msg {
			case "metrics serving":
				got.metrics = addr
			case "serving":
				if addr != "" {
					got.public = addr
					ch <- got
					ch = nil
				}
			}
		}
		_, _ = io.Copy(io.Discard, r)
	}()
	return ch
}

// tail returns the last n lines of the file at path.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// url is the node's REST and gateway base URL.
func (nd *node) url() string {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	return nd.base
}

// metricsURL is the node's metrics listener's base URL.
func (nd *node) metricsURL() string {
	nd.mu.Lock()
	defer nd.mu.Unlock()
	return nd.metrics
}

// gateway is the node's gateway URL, as GET /gateway would name it.
func (nd *node) gateway() string {
	return "ws" + strings.TrimPrefix(nd.url(), "http") + "/gateway?v=10&encoding=json"
}

// api is the node's REST API for accordtest clients (its Server is nil:
// the node is another process).
func (nd *node) api() *accordtest.Server {
	return &accordtest.Server{Base: nd.url() + "/api/v10", HTTP: &http.Client{Timeout: 20 * time.Second}}
}

// as returns u's client talking to node nd.
func as(u *accordtest.Client, nd *node) *accordtest.Client {
	c := *u
	c.S = nd.api()
	return &c
}

// kill SIGKILLs the node and waits until it has exited.
func (nd *node) kill(t *testing.T) {
	t.Helper()
	nd.mu.Lock()
	cmd, exited := nd.cmd, nd.exited
	nd.mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("%s: SIGKILL: %v", nd.id, err)
	}
	<-exited
	t.Logf("%s SIGKILLed", nd.id)
}

// restart starts a killed node again, with the same node id and flags.
func (nd *node) restart(t *testing.T) {
	t.Helper()
	nd.start(t)
	if t.Failed() {
		t.FailNow()
	}
	t.Logf("%s restarted on %s", nd.id, nd.url())
}

// stop ends every node still running (SIGTERM, then SIGKILL after 10 s)
// and, if the test failed, logs the end of each node's log.
func (c *cluster) stop() {
	var wg sync.WaitGroup
	for _, nd := range c.nodes {
		nd.mu.Lock()
		cmd, exited := nd.cmd, nd.exited
		nd.mu.Unlock()
		if cmd == nil {
			continue
		}
		wg.Go(func() {
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				_ = cmd.Process.Kill()
				<-exited
			}
		})
	}
	wg.Wait()
	if c.t.Failed() {
		for _, nd := range c.nodes {
			c.t.Logf("--- end of %s's log (%s):\n%s", nd.id, nd.log, tail(nd.log, 40))
		}
	}
}

// health is a node's GET /healthz body in cluster mode.
type health struct {
	Node  string `json:"node"`
	Nodes []struct {
		ID   string `json:"id"`
		URL  string `json:"url"`
		Live bool   `json:"live"`
	} `json:"nodes"`
}

func (nd *node) health() (health, error) {
	var h health
	res, err := http.Get(nd.url() + "/healthz")
	if err != nil {
		return h, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return h, err
	}
	if res.StatusCode != http.StatusOK {
		return h, fmt.Errorf("%s /healthz: status %d: %s", nd.id, res.StatusCode, b)
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return h, fmt.Errorf("%s /healthz: %q: %v", nd.id, b, err)
	}
	if h.Node != nd.id {
		return h, fmt.Errorf("%s /healthz names node %q", nd.id, h.Node)
	}
	return h, nil
}

// waitLive waits until every node of live reports, in /healthz, exactly
// the nodes of live as live, each with its own URL.
func (c *cluster) waitLive(t *testing.T, live ...*node) {
	t.Helper()
	want := map[string]string{}
	for _, nd := range live {
		want[nd.id] = nd.url()
	}
	poll.Until(t, 30*time.Second, 100*time.Millisecond, func() error {
		for _, nd := range live {
			h, err := nd.health()
			if err != nil {
				return err
			}
			got := map[string]string{}
			for _, m := range h.Nodes {
				if m.Live {
					got[m.ID] = strings.TrimSuffix(m.URL, "/")
				}
			}
			if len(got) != len(want) {
				return fmt.Errorf("%s /healthz: live %v, want %v", nd.id, got, want)
			}
			for id, u := range want {
				if got[id] != u {
					return fmt.Errorf("%s /healthz: live %v, want %v", nd.id, got, want)
				}
			}
		}
		return nil
	})
}

// metric returns the sum of the samples of the metric name (all label
// sets) on the node's metrics listener.
func (nd *node) metric(t *testing.T, name string) float64 {
	t.Helper()
	res, err := http.Get(nd.metricsURL() + "/metrics")
	if err != nil {
		t.Fatalf("%s /metrics: %v", nd.id, err)
	}
	defer res.Body.Close()
	var sum float64
	found := false
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) {
			continue
		}
		rest := line[len(name):]
		if rest == "" || (rest[0] != ' ' && rest[0] != '{') {
			continue // a longer name with this prefix
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			t.Fatalf("%s /metrics: %q: %v", nd.id, line, err)
		}
		sum += v
		found = true
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("%s /metrics: %v", nd.id, err)
	}
	if !found {
		t.Fatalf("%s /metrics has no %s", nd.id, name)
	}
	return sum
}

// errRefused reports whether err is a refused connection: the node is
// down and the request never reached it.
func errRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }
