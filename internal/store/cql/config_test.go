package cql_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/store/cql"
)

// TestConfigRejected checks the configurations New refuses before dialling.
func TestConfigRejected(t *testing.T) {
	cases := []struct {
		name string
		cfg  cql.Config
		want string
	}{
		{"NoHosts", cql.Config{}, "no hosts"},
		{"BadKeyspace", cql.Config{Hosts: []string{"127.0.0.1"}, Keyspace: "accord; DROP"}, "invalid keyspace"},
		{"NegativeReplication", cql.Config{Hosts: []string{"127.0.0.1"}, Replication: -1}, "replication"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := cql.New(t.Context(), tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New(%+v) = %v, want an error containing %q", tc.cfg, err, tc.want)
			}
		})
	}
}

// TestDown checks that a cluster nobody answers for fails fast with an
// error naming the hosts (port 1 on loopback: nothing listens there).
func TestDown(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	_, err := cql.New(ctx, cql.Config{Hosts: []string{"127.0.0.1:1"}, Timeout: 2 * time.Second})
	if err == nil {
		t.Fatal("cql.New against a closed port succeeded")
	}
	if !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("error does not name the host: %v", err)
	}
	if testing.Verbose() {
		t.Logf("cql.New with Cassandra down: %v", err)
	}
}
