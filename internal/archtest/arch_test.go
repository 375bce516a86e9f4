package archtest

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/accordchat/accord/"

// rank orders Accord's packages: a package may import only packages of a
// lower rank. The longest matching prefix decides. Ranks are numbers, not
// only integers, so that a layer can go between two others.
var rank = []struct {
	prefix string
	rank   float64
}{
	{"internal/chat", 0},
	{"internal/golden", 0}, // golden-file comparison for tests
	{"internal/poll", 0},   // polling with a deadline, for tests
	{"internal/snowflake", 1},
	{"internal/protocol", 1},
	{"internal/memberlist", 1}, // the sorted member list; guild uses it
	{"internal/etf", 1},        // the gateway's ETF encoding; a peer of protocol: neither imports the other
	{"internal/store", 1},
	{"internal/auth", 1},
	{"internal/bus", 1},
	{"internal/blob", 1},  // blob store interface
	{"internal/media", 1}, // sniffing and image conversion
	{"internal/signedurl", 1},
	{"internal/h1", 1},          // the lean HTTP/1.1 front of the REST API; server uses it
	{"internal/gctune", 1},      // the GC's floor on growth between collections; cmd/accord serve uses it
	{"internal/automod", 2},     // rules and their matcher, no I/O; guild uses it
	{"internal/component", 2},   // message component validation, no I/O; api uses it
	{"internal/webhook", 2},     // webhook tokens, Slack and GitHub payloads, no I/O; api uses it
	{"internal/appcmd", 2},      // application commands and their validation, no I/O; api uses it
	{"internal/interaction", 2}, // interactions in flight (IDs, tokens, deadlines); api uses it
	{"internal/store/storetest", 2},
	{"internal/bus/bustest", 2},
	{"internal/blob/blobtest", 2},
	{"internal/store/", 3}, // backends
	{"internal/bus/", 3},   // backends
	{"internal/blob/", 3},  // backends
	{"internal/data", 4},
	{"internal/cluster", 4},
	{"internal/ratelimit", 4}, // a peer of data: below guild, account, api and gateway
	{"internal/web", 4},
	{"web", 4},
	{"internal/guild", 5},
	{"internal/account", 5}, // a peer of guild: neither imports the other
	{"internal/dm", 5.5},    // private channels and relationships: above guild (its message types, placement), below api
	{"internal/api", 6},
	{"internal/gateway", 6},
	{"internal/node", 7}, // cluster glue: api, gateway and guild on one side, bus and cluster on the other
	{"internal/server", 8},
	{"internal/accordtest", 9},
	{"internal/bench", 9},
	{"internal/clustertest", 10}, // real accord processes under test (build tag cluster); above accordtest
	{"cmd/", 10},
	{"examples/discordgoaccord", 9}, // shared by the examples and the gateway's discordgo test
	{"examples/", 10},
	{"internal/archtest", 10},
}

func rankOf(pkg string) (float64, bool) {
	best, r := -1, 0.0
	for _, e := range rank {
		// "x/" names only the subpackages of x; "x" names x and its subpackages.
		var match bool
		if strings.HasSuffix(e.prefix, "/") {
			match = strings.HasPrefix(pkg, e.prefix)
		} else {
			match = pkg == e.prefix || strings.HasPrefix(pkg, e.prefix+"/")
		}
		if match && len(e.prefix) > best {
			best, r = len(e.prefix), e.rank
		}
	}
	return r, best >= 0
}

func isBackend(pkg string) bool {
	return (strings.HasPrefix(pkg, "internal/store/") && pkg != "internal/store/storetest") ||
		(strings.HasPrefix(pkg, "internal/bus/") && pkg != "internal/bus/bustest") ||
		(strings.HasPrefix(pkg, "internal/blob/") && pkg != "internal/blob/blobtest")
}

// drivers maps an outside module to the only packages that may import it.
var drivers = map[string][]string{
	"github.com/cockroachdb/pebble":            {"internal/store/pebble"},
	"github.com/apache/cassandra-gocql-driver": {"internal/store/cql"},
	"github.com/gocql/gocql":                   {"internal/store/cql"},
	"github.com/minio/minio-go":                {"internal/blob/s3"},
	"github.com/nats-io/nats.go":               {"internal/bus/nats", "internal/cluster"},
	"github.com/nats-io/nats-server":           {"internal/bus/nats"},
	"github.com/lesismal/nbio":                 {"internal/gateway", "internal/bench"},
	"github.com/gobwas/ws":                     {"internal/gateway", "internal/bench"},
	"github.com/prometheus/client_golang":      {"internal/server", "internal/data", "internal/gateway", "internal/guild", "internal/account", "internal/api", "internal/node"},
	"github.com/bwmarrin/discordgo":            {"examples/"},
	"golang.org/x/crypto":                      {"internal/auth"},
}

// pure packages do no I/O: they must not import these.
var pure = map[string][]string{
	"internal/chat":      {"net", "net/http", "os", "database/sql"},
	"internal/protocol":  {"net", "net/http", "os"},
	"internal/etf":       {"net", "net/http", "os"},
	"internal/snowflake": {"net", "net/http", "os"},
	"internal/automod":   {"net", "net/http", "os"},
	"internal/component": {"net", "net/http", "os"},
	"internal/cluster":   {"net", "net/http", "os"}, // heartbeats travel over a Transport the server supplies
}

type pkg struct {
	ImportPath string
	Doc        string
	Imports    []string
	Name       string
}

func list(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-e", "-json=ImportPath,Doc,Imports,Name", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("decode go list: %v", err)
		}
		p.ImportPath = strings.TrimPrefix(p.ImportPath, module)
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

func TestImportsPointOneWay(t *testing.T) {
	for _, p := range list(t) {
		from, ok := rankOf(p.ImportPath)
		if !ok {
			t.Errorf("%s: package has no place in the layering; add it to rank in arch_test.go and shared/DESIGN.md", p.ImportPath)
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			imp = strings.TrimPrefix(imp, module)
			to, ok := rankOf(imp)
			if !ok {
				continue // reported for imp itself
			}
			if to >= from && !sameBackendTree(p.ImportPath, imp) {
				t.Errorf("%s (rank %v) imports %s (rank %v): imports must point down the layers", p.ImportPath, from, imp, to)
			}
			if isBackend(p.ImportPath) && isBackend(imp) && !sameBackendTree(p.ImportPath, imp) {
				t.Errorf("backend %s imports backend %s: backends never import each other", p.ImportPath, imp)
			}
			if isBackend(imp) && from < 7 && !isBackend(p.ImportPath) {
				t.Errorf("%s imports backend %s: only the server wires backends", p.ImportPath, imp)
			}
		}
	}
}

// sameBackendTree allows a backend's own subpackages to import each other.
func sameBackendTree(a, b string) bool {
	if !isBackend(a) || !isBackend(b) {
		return false
	}
	root := func(s string) string {
		parts := strings.SplitN(s, "/", 4)
		if len(parts) < 3 {
			return s
		}
		return strings.Join(parts[:3], "/")
	}
	return root(a) == root(b)
}

func TestDriversStayInTheirPackage(t *testing.T) {
	for _, p := range list(t) {
		for _, imp := range p.Imports {
			for mod, allowed := range drivers {
				if imp != mod && !strings.HasPrefix(imp, strings.TrimSuffix(mod, "/")+"/") {
					continue
				}
				ok := false
				for _, a := range allowed {
					if p.ImportPath == strings.TrimSuffix(a, "/") || strings.HasPrefix(p.ImportPath, a) {
						ok = true
					}
				}
				if !ok {
					t.Errorf("%s imports %s; only %v may", p.ImportPath, imp, allowed)
				}
			}
		}
		for _, bad := range pure[p.ImportPath] {
			for _, imp := range p.Imports {
				if imp == bad {
					t.Errorf("%s must do no I/O but imports %s", p.ImportPath, imp)
				}
			}
		}
	}
}

func TestPackagesHaveDocs(t *testing.T) {
	for _, p := range list(t) {
		if p.Name == "main" {
			continue
		}
		if !strings.HasPrefix(p.Doc, "Package "+p.Name+" ") {
			t.Errorf("%s: package doc comment must start with %q (got %q)", p.ImportPath, "Package "+p.Name+" ", p.Doc)
		}
	}
}

// TestRulesCatchViolations checks the checker itself on made-up edges, so a
// broken rank table cannot silently pass everything.
func TestRulesCatchViolations(t *testing.T) {
	cases := []struct {
		from, to string
		bad      bool
	}{
		{"internal/chat", "internal/protocol", true},
		{"internal/protocol", "internal/gateway", true},
		{"internal/api", "internal/server", true},
		{"internal/gateway", "internal/guild", false},
		{"internal/api", "internal/account", false},
		{"internal/gateway", "internal/account", false},
		{"internal/account", "internal/store", false},
		{"internal/account", "internal/auth", false},
		{"internal/account", "internal/data", false},
		{"internal/account", "internal/ratelimit", false},
		{"internal/api", "internal/ratelimit", false},
		{"internal/ratelimit", "internal/protocol", false},
		{"internal/ratelimit", "internal/guild", true},
		{"internal/ratelimit", "internal/api", true},
		{"internal/account", "internal/guild", true},
		{"internal/guild", "internal/account", true},
		{"internal/account", "internal/api", true},
		{"internal/account", "internal/gateway", true},
		{"internal/account", "internal/server", true},
		{"internal/server", "internal/store/pebble", false},
		{"internal/store/pebble", "internal/store", false},
		{"internal/store/storetest", "internal/store", false},
		{"internal/bus/nats", "internal/bus", false},
		{"internal/bus/local", "internal/bus", false},
		{"internal/bus/bustest", "internal/bus", false},
		{"internal/bus", "internal/bus/nats", true},
		{"internal/bus", "internal/bus/bustest", true},
		{"internal/bus", "internal/guild", true},
		{"internal/cluster", "internal/bus", false},
		{"internal/bus", "internal/cluster", true},
	}
	for _, c := range cases {
		f, _ := rankOf(c.from)
		to, _ := rankOf(c.to)
		if got := to >= f; got != c.bad {
			t.Errorf("%s -> %s: violation=%v, want %v", c.from, c.to, got, c.bad)
		}
	}
	if !isBackend("internal/store/cql") || isBackend("internal/store/storetest") || isBackend("internal/store") {
		t.Error("isBackend misclassifies store packages")
	}
	if sameBackendTree("internal/store/cql", "internal/store/pebble") {
		t.Error("cql and pebble are different backends")
	}
	if !isBackend("internal/bus/nats") || !isBackend("internal/bus/local") || isBackend("internal/bus/bustest") || isBackend("internal/bus") {
		t.Error("isBackend misclassifies bus packages")
	}
	if sameBackendTree("internal/bus/local", "internal/bus/nats") {
		t.Error("local and nats are different bus backends")
	}
}
