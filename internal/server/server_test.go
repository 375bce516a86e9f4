package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/accordchat/accord/internal/server"
)

func TestLifecycle(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := server.New(server.Config{DataDir: t.TempDir(), Store: "floppy", Logger: log}); err == nil {
		t.Fatal("unknown store accepted")
	}
	for _, st := range []string{"cql", "tiered"} {
		if _, err := server.New(server.Config{DataDir: t.TempDir(), Store: st, Logger: log}); err == nil {
			t.Fatalf("%s store without CQL hosts accepted", st)
		}
	}
	dir := t.TempDir()
	s, err := server.New(server.Config{Addr: "127.0.0.1:0", DataDir: dir, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/healthz", "/api/v10/gateway"} {
		resp, err := http.Get(s.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("second shutdown: %v", err)
	}
	if err := s.Wait(); err != nil {
		t.Fatalf("wait: %v", err)
	}
	if _, err := http.Get(s.URL() + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
	// The store was closed: the directory can be opened again.
	s2, err := server.New(server.Config{Addr: "127.0.0.1:0", DataDir: dir, Logger: log})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	if err := s2.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}
