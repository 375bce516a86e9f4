//go:build integration

package cql_test

import (
	"os"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/store"
	"github.com/accordchat/accord/internal/store/cql"
	"github.com/accordchat/accord/internal/store/storetest"
)

// Hosts returns the Cassandra contact points for integration tests:
// $ACCORD_CQL_HOSTS (comma-separated), default 127.0.0.1:9042 as started
// by scripts/cassandra start.
func hosts() []string {
	if h := os.Getenv("ACCORD_CQL_HOSTS"); h != "" {
		return strings.Split(h, ",")
	}
	return []string{"127.0.0.1:9042"}
}

// testKeyspace is the conformance suite's keyspace: $ACCORD_CQL_KEYSPACE,
// default accord_test, so that runs sharing one Cassandra can keep apart.
func testKeyspace() string {
	if ks := os.Getenv("ACCORD_CQL_KEYSPACE"); ks != "" {
		return ks
	}
	return "accord_test"
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := cql.New(t.Context(), cql.Config{Hosts: hosts(), Keyspace: testKeyspace()})
		if err != nil {
			t.Fatalf("cql.New: %v", err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
