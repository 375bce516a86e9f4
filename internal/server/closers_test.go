package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakes records the order in which fake components close.
type fakes struct {
	mu     sync.Mutex
	closed []string
}

// closer returns a closeFunc that records name and fails with err.
func (f *fakes) closer(name string, err error) closeFunc {
	return func(context.Context) error {
		f.mu.Lock()
		f.closed = append(f.closed, name)
		f.mu.Unlock()
		return err
	}
}

func (f *fakes) order() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.closed)
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestCloseStackReverseOrder: closers run last pushed first, a failing one
// does not stop the rest, every error comes back wrapped with its name, and
// a second close finds nothing to do.
func TestCloseStackReverseOrder(t *testing.T) {
	var f fakes
	var st closeStack
	errData := errors.New("flush failed")
	errStore := errors.New("disk gone")
	st.push("store", f.closer("store", errStore))
	st.push("data", f.closer("data", errData))
	st.push("guilds", f.closer("guilds", nil))
	st.push("http", f.closer("http", nil))

	err := st.close(context.Background(), discard())
	if want := []string{"http", "guilds", "data", "store"}; !slices.Equal(f.order(), want) {
		t.Fatalf("closed %v, want %v", f.order(), want)
	}
	if !errors.Is(err, errData) || !errors.Is(err, errStore) {
		t.Fatalf("err = %v, want both failures", err)
	}
	for _, want := range []string{"server: close data: flush failed", "server: close store: disk gone"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err %q does not contain %q", err, want)
		}
	}
	if err := st.close(context.Background(), discard()); err != nil || len(f.order()) != 4 {
		t.Fatalf("second close: %v, closed %v", err, f.order())
	}
}

// TestFailedStartUnwinds: when the public listener cannot listen, Start
// closes what it had already started (the profiler's listener) and then
// what New had built, in reverse order, and Shutdown has nothing left.
func TestFailedStartUnwinds(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	var logs bytes.Buffer
	var f fakes
	s := &Server{
		cfg: Config{Addr: busy.Addr().String(), DebugAddr: "127.0.0.1:0",
			Logger: slog.New(slog.NewJSONHandler(&logs, nil))},
		log: discard(), http: &http.Server{}, serveErr: make(chan error, 1),
	}
	// What New would have pushed, in its order.
	for _, name := range []string{"store", "data", "guilds", "gateway"} {
		s.stack.push(name, f.closer(name, nil))
	}
	debugClosed := false
	s.stack.push("spy", func(context.Context) error {
		// Runs after the debug listener (pushed later) closed.
		debugClosed = !listening(t, debugAddr(t, &logs))
		return nil
	})

	err = s.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "server: listen "+busy.Addr().String()) {
		t.Fatalf("Start on a busy address: err = %v", err)
	}
	if !debugClosed {
		t.Fatal("the debug listener was still open when New's components closed")
	}
	if want := []string{"gateway", "guilds", "data", "store"}; !slices.Equal(f.order(), want) {
		t.Fatalf("closed %v, want %v", f.order(), want)
	}
	if err := s.Shutdown(context.Background()); err != nil || len(f.order()) != 4 {
		t.Fatalf("Shutdown after a failed Start: %v, closed %v", err, f.order())
	}
	if err := s.Start(context.Background()); err == nil {
		t.Fatal("Start after a failed Start accepted")
	}
}

// TestStackOrder pins what a real server pushes: Shutdown stops the HTTP
// server, then waits for HTTP interaction deliveries, then stops the
// gateway, the guild actors, the account service, the
// data service and the store.
func TestStackOrder(t *testing.T) {
	s, err := New(Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Logger: discard()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	var names []string
	s.stack.mu.Lock()
	for _, c := range s.stack.closers {
		names = append(names, c.name)
	}
	s.stack.mu.Unlock()
	if want := []string{"store", "data", "accounts", "guilds", "gateway", "interaction deliveries", "http"}; !slices.Equal(names, want) {
		t.Errorf("stack %v, want %v", names, want)
	}
	if err := s.Start(context.Background()); err == nil {
		t.Error("second Start accepted")
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestConfigRefusals: New refuses a bad Config before it opens anything.
func TestConfigRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"unknown store", Config{Store: "floppy"}, `server: unknown store "floppy" (want pebble, cql or tiered)`},
		{"cql without hosts", Config{Store: "cql"}, "server: store cql needs CQL hosts (--cql-hosts)"},
		{"tiered without hosts", Config{Store: "tiered"}, "server: store tiered needs CQL hosts (--cql-hosts)"},
		{"nats on pebble", Config{Cluster: ClusterConfig{NATS: "nats://127.0.0.1:4222"}}, "--nats nats://127.0.0.1:4222: the pebble store is this node's own disk"},
		{"nats not a URL", Config{Store: "cql", CQLHosts: []string{"h"}, Cluster: ClusterConfig{NATS: "127.0.0.1:4222"}}, `"127.0.0.1:4222" is not a nats:// URL`},
		{"worker id", Config{WorkerID: 32}, "out of range 0..31"},
		{"node id", Config{Cluster: ClusterConfig{NodeID: "n.1"}}, "server: --node-id"},
		{"public url", Config{Cluster: ClusterConfig{PublicURL: "ftp://x"}}, "server: --public-url"},
		{"user cache size", Config{UserCacheSize: -1}, "server: --user-cache-size -1 is negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A data directory that cannot be created: New must fail on
			// the Config, not on the store.
			tc.cfg.DataDir = "/dev/null/accord"
			tc.cfg.Logger = discard()
			_, err := New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

// debugAddr finds the profiler's address in the JSON log.
func debugAddr(t *testing.T, logs *bytes.Buffer) string {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(logs.Bytes()))
	for sc.Scan() {
		var line struct{ Msg, Addr string }
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "debug serving" {
			return line.Addr
		}
	}
	t.Fatalf("no \"debug serving\" in the log:\n%s", logs)
	return ""
}

// listening reports whether addr accepts connections.
func listening(t *testing.T, addr string) bool {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return false
	}
	c.Close()
	return true
}
