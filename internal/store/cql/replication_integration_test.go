//go:build integration

package cql_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/store/cql"
)

// TestReplicationMismatchWarned: opening an existing keyspace with another
// replication factor leaves it alone and logs a warning saying so.
func TestReplicationMismatchWarned(t *testing.T) {
	s, err := cql.New(t.Context(), cql.Config{Hosts: hosts(), Keyspace: "accord_test"})
	if err != nil {
		t.Fatalf("cql.New: %v", err)
	}
	s.Close()
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s, err = cql.New(t.Context(), cql.Config{Hosts: hosts(), Keyspace: "accord_test", Replication: 3, Logger: logger})
	if err != nil {
		t.Fatalf("cql.New with replication 3: %v", err)
	}
	s.Close()
	if !strings.Contains(buf.String(), "different replication factor") {
		t.Fatalf("no warning about the replication factor; log:\n%s", buf.String())
	}
}
