package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// natsRules says which files may import NATS, file by file, because the
// package-level drivers table cannot tell test files, build-tagged files or
// one file of a package apart: nats.go belongs to the bus backend (and to
// cluster, for membership); the nats-server itself is only ever started
// in process by bus/nats's embedded.go (`accord serve --nats embedded`)
// and by tests. A path ending in "/" allows everything under it.
var natsRules = []struct {
	module      string
	code, tests []string
}{
	{"github.com/nats-io/nats.go", []string{"internal/bus/nats/", "internal/cluster/"}, []string{"internal/bus/", "internal/cluster/"}},
	{"github.com/nats-io/nats-server", []string{"internal/bus/nats/embedded.go"}, []string{"internal/bus/", "internal/cluster/"}},
}

// natsAllowed reports whether the file at path (relative to the module
// root) may import imp.
func natsAllowed(path, imp string) bool {
	for _, r := range natsRules {
		if imp != r.module && !strings.HasPrefix(imp, r.module+"/") {
			continue
		}
		allowed := r.code
		if strings.HasSuffix(path, "_test.go") {
			allowed = append(allowed[:len(allowed):len(allowed)], r.tests...)
		}
		for _, a := range allowed {
			if path == a || strings.HasSuffix(a, "/") && strings.HasPrefix(path, a) {
				return true
			}
		}
		return false
	}
	return true
}

func TestNATSStaysInTheBus(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	files := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		// Every file, whatever its build tags: nats3 tests included.
		f, err := parser.ParseFile(fset, p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		for _, is := range f.Imports {
			imp, _ := strconv.Unquote(is.Path.Value)
			if !natsAllowed(rel, imp) {
				t.Errorf("%s imports %s; see natsRules for who may", rel, imp)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("walked only %d Go files under %s", files, root)
	}
}

// TestNATSRulesCatchViolations checks natsAllowed itself on made-up files.
func TestNATSRulesCatchViolations(t *testing.T) {
	const client, server = "github.com/nats-io/nats.go", "github.com/nats-io/nats-server/v2/server"
	cases := []struct {
		path, imp string
		ok        bool
	}{
		{"internal/bus/nats/nats.go", client, true},
		{"internal/bus/nats/embedded.go", server, true},
		{"internal/bus/nats/nats.go", server, false},
		{"internal/bus/nats/nats_test.go", server, true},
		{"internal/bus/bustest/bustest.go", client, false},
		{"internal/bus/local/local_test.go", server, true},
		{"internal/cluster/membership.go", client, true},
		{"internal/cluster/membership.go", server, false},
		{"internal/cluster/membership_test.go", server, true},
		{"internal/guild/actor.go", client, false},
		{"internal/server/server.go", server, false},
		{"internal/server/server_test.go", server, false},
		{"cmd/accord/run.go", server, false},
		{"internal/guild/actor.go", "github.com/nats-io/nats.go/jetstream", false},
		{"internal/guild/actor.go", "github.com/nats-io/nkeys", true}, // not ruled here
	}
	for _, c := range cases {
		if got := natsAllowed(c.path, c.imp); got != c.ok {
			t.Errorf("%s importing %s: allowed=%v, want %v", c.path, c.imp, got, c.ok)
		}
	}
}
