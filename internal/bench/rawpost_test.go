package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestRawPoster checks the ingest loop's client against net/http's server:
// the request arrives whole (method, path, headers, body), answers are
// read to their end whether chunked or not so the connection is reused,
// and a "Connection: close" answer or a dead connection makes the next
// post dial again instead of failing forever.
func TestRawPoster(t *testing.T) {
	var (
		mu    sync.Mutex
		conns = map[string]int{} // remote address -> requests
		calls int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		conns[r.RemoteAddr]++
		calls++
		n := calls
		mu.Unlock()
		if r.Method != "POST" || r.URL.Path != "/api/v10/channels/7/messages" || r.Header.Get("Authorization") != "tok" ||
			r.Header.Get("Content-Type") != "application/json" || string(body) != `{"content":"hi"}` {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		switch n {
		case 2: // a chunked answer (flushed before its end)
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, strings.Repeat("x", 100))
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, strings.Repeat("y", 5000))
		case 3:
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			_, _ = io.WriteString(w, `{"id":"1"}`)
		}
	}))
	defer srv.Close()

	p, err := newRawPoster(srv.URL+"/api/v10", "/channels/7/messages", "tok", []byte(`{"content":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	ctx := context.Background()
	for i, want := range []int{200, 200, 429, 200, 200} {
		got, err := p.post(ctx)
		if err != nil || got != want {
			t.Fatalf("post %d: %d, %v; want %d", i+1, got, err, want)
		}
	}
	mu.Lock()
	if len(conns) != 2 {
		t.Fatalf("connections %v: want 2 (3 posts, then a new one after Connection: close)", conns)
	}
	mu.Unlock()

	// The server goes away: the post fails, and the poster has let go of
	// its connection so that a later post dials (and fails to connect).
	srv.CloseClientConnections()
	if _, err := p.post(ctx); err == nil {
		t.Fatal("post over a closed connection succeeded")
	}
	if p.conn != nil {
		t.Fatal("the failed connection was kept")
	}
	if _, err := newRawPoster("https://example.invalid", "/x", "t", nil); err == nil {
		t.Fatal("https target accepted")
	}
}
