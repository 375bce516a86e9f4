package cql_test

import (
	"strings"
	"testing"

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
