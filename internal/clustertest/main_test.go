//go:build cluster

package clustertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Set by TestMain for every test of the run.
var (
	root     string   // the module root
	accord   string   // the accord binary built from it
	natsURLs []string // client URLs of the NATS cluster
)

// TestMain builds the accord binary once and runs the tests against one
// three-server NATS cluster, stopped at the end. Each test starts its own
// Accord nodes on a fresh keyspace.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var err error
	if root, err = moduleRoot(); err != nil {
		fmt.Fprintln(os.Stderr, "clustertest:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "clustertest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "clustertest:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// A temporary directory rather than the work tree: concurrent runs do
	// not replace each other's binary and nothing is left to ignore.
	accord = filepath.Join(dir, "accord")
	build := exec.Command("go", "build", "-o", accord, "./cmd/accord")
	build.Dir, build.Stdout, build.Stderr = root, os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "clustertest: go build ./cmd/accord:", err)
		return 1
	}
	if out, err := natsScript("start", "--nodes", "3"); err != nil {
		fmt.Fprintf(os.Stderr, "clustertest: scripts/nats start --nodes 3: %v\n%s", err, out)
		return 1
	}
	defer func() {
		if out, err := natsScript("stop"); err != nil {
			fmt.Fprintf(os.Stderr, "clustertest: scripts/nats stop: %v\n%s", err, out)
		}
	}()
	out, err := natsScript("urls")
	if err != nil {
		fmt.Fprintf(os.Stderr, "clustertest: scripts/nats urls: %v\n%s", err, out)
		return 1
	}
	natsURLs = strings.Split(strings.TrimSpace(out), ",")
	if len(natsURLs) != 3 {
		fmt.Fprintf(os.Stderr, "clustertest: scripts/nats urls gave %q, want 3 URLs\n", out)
		return 1
	}
	return m.Run()
}

// moduleRoot is the directory of the go.mod the tests build from.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside a module (go env GOMOD = %q)", mod)
	}
	return filepath.Dir(mod), nil
}

// natsScript runs scripts/nats with args in the test's environment, so
// ACCORD_NATS_PORT and ACCORD_NATS_DIR choose the cluster as they do for
// the script by hand; it returns stdout, or stdout and stderr on failure.
func natsScript(args ...string) (string, error) {
	cmd := exec.Command(filepath.Join(root, "scripts", "nats"), args...)
	cmd.Dir = root
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out) + stderr.String(), err
	}
	return string(out), nil
}

// natsKill SIGKILLs NATS server i (1-based) and natsStart restarts it.
func natsKill(t *testing.T, i int)  { natsRun(t, "kill", fmt.Sprint(i)) }
func natsStart(t *testing.T, i int) { natsRun(t, "start", "--node", fmt.Sprint(i)) }

func natsRun(t *testing.T, args ...string) {
	t.Helper()
	out, err := natsScript(args...)
	if err != nil {
		t.Fatalf("scripts/nats %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("scripts/nats %s: %s", strings.Join(args, " "), strings.TrimSpace(out))
}

// natsClients names the clients connected to NATS server i, from its
// monitoring endpoint (scripts/nats puts it at ACCORD_NATS_PORT+4000+i-1);
// Accord nodes connect under their node id.
func natsClients(t *testing.T, i int) []string {
	t.Helper()
	port := 4222
	if p := os.Getenv("ACCORD_NATS_PORT"); p != "" {
		var err error
		if port, err = strconv.Atoi(p); err != nil {
			t.Fatalf("ACCORD_NATS_PORT %q: %v", p, err)
		}
	}
	res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/connz", port+4000+i-1))
	if err != nil {
		t.Fatalf("NATS server %d /connz: %v", i, err)
	}
	defer res.Body.Close()
	var connz struct {
		Connections []struct {
			Name string `json:"name"`
		} `json:"connections"`
	}
	if err := json.NewDecoder(res.Body).Decode(&connz); err != nil {
		t.Fatalf("NATS server %d /connz: %v", i, err)
	}
	var names []string
	for _, c := range connz.Connections {
		names = append(names, c.Name)
	}
	return names
}
