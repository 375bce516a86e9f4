package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/server"
)

// TestBenchMediaJSON: `accord bench media --target ... --json` ends with
// one JSON line of the scenario's figures; --blob with --target is
// refused before anything is sent (the target's store is what it is).
func TestBenchMediaJSON(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{DisableRateLimits: true})
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	err := m.Run(context.Background(), []string{"bench", "media", "--target", s.URL(), "--uploaders", "1", "--file-bytes", "4096",
		"--duration", "300ms", "--resize-images", "1", "--image-side", "64", "--json"})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if !strings.HasPrefix(lines[0], "media: target "+s.URL()+" (blob store the target's), 1 uploaders × 4096 B files, 1 CDN readers") {
		t.Errorf("header %q", lines[0])
	}
	var res map[string]float64
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	if res["uploads"] <= 0 || res["cdn_gets"] <= 0 || res["resizes"] != 2 || res["file_bytes"] != 4096 || res["image_side"] != 64 ||
		res["upload_p50_ms"] > res["upload_p99_ms"] || res["errors"] != 0 {
		t.Errorf("figures %v", res)
	}

	err = m.Run(context.Background(), []string{"bench", "media", "--target", s.URL(), "--blob", "s3://b?endpoint=http://127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "--blob") {
		t.Errorf("--blob with --target: %v", err)
	}
}
