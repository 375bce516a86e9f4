package bench

import (
	"bufio"
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

// TestReadAnswer: each framing of an answer is read to its end and no
// further (the next answer on the connection starts right after it).
func TestReadAnswer(t *testing.T) {
	const next = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
	for _, tc := range []struct {
		name, raw string
		status    int
		closing   bool
	}{
		{"length", "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello", 200, false},
		{"chunked with trailer", "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n0\r\nX-T: 1\r\n\r\n", 201, false},
		{"no content", "HTTP/1.1 204 No Content\r\n\r\n", 204, false},
		{"close", "HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", 429, true},
	} {
		r := bufio.NewReader(strings.NewReader(tc.raw + next))
		status, closing, err := readAnswer(r)
		if err != nil || status != tc.status || closing != tc.closing {
			t.Fatalf("%s: %d, close %v, %v; want %d, close %v", tc.name, status, closing, err, tc.status, tc.closing)
		}
		if status, _, err := readAnswer(r); err != nil || status != 200 {
			t.Fatalf("%s: the next answer: %d, %v", tc.name, status, err)
		}
	}
	// Without a length the body runs to the close.
	status, closing, err := readAnswer(bufio.NewReader(strings.NewReader("HTTP/1.1 200 OK\r\n\r\nto the end")))
	if err != nil || status != 200 || !closing {
		t.Fatalf("body to the close: %d, %v, %v", status, closing, err)
	}
	for _, bad := range []string{"", "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"} {
		if _, _, err := readAnswer(bufio.NewReader(strings.NewReader(bad))); err == nil {
			t.Fatalf("%q: no error", bad)
		}
	}
}
