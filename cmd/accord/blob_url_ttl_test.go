package main

import (
	"io"
	"testing"
	"time"
)

// TestBlobURLTTLFlag: --blob-url-ttl (or ACCORD_BLOB_URL_TTL) reaches the
// server's signed-URL lifetime, the default is Discord's day, and a value
// that is no duration is refused. The client suites serve with a short
// one to see real expiry (scripts/test-clients).
func TestBlobURLTTLFlag(t *testing.T) {
	parse := func(env map[string]string, args ...string) (serveFlags, error) {
		m := &Main{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(k string) string { return env[k] }}
		var f serveFlags
		err := m.parseWithEnv(m.serveFlagSet(&f), args)
		return f, err
	}
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want time.Duration
	}{
		{"default", nil, nil, 24 * time.Hour},
		{"flag", nil, []string{"--blob-url-ttl", "15s"}, 15 * time.Second},
		{"env", map[string]string{"ACCORD_BLOB_URL_TTL": "2m"}, nil, 2 * time.Minute},
		{"flag beats env", map[string]string{"ACCORD_BLOB_URL_TTL": "2m"}, []string{"--blob-url-ttl=30s"}, 30 * time.Second},
	} {
		f, err := parse(c.env, c.args...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := f.serverConfig(nil).Blob.URLTTL; got != c.want {
			t.Errorf("%s: URLTTL %v, want %v", c.name, got, c.want)
		}
	}
	if _, err := parse(nil, "--blob-url-ttl", "soon"); err == nil {
		t.Error("--blob-url-ttl soon accepted")
	}
	if _, err := parse(map[string]string{"ACCORD_BLOB_URL_TTL": "10"}); err == nil {
		t.Error("ACCORD_BLOB_URL_TTL=10 (no unit) accepted")
	}
}
