package h1

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// served names who answered: "lean" (this package) or "net/http".
func served(w http.ResponseWriter) string {
	if _, ok := w.(*response); ok {
		return "lean"
	}
	return "net/http"
}

// testHandler answers by path; every answer says who served it.
func testHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/api/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Served-By", served(w))
		fmt.Fprintf(w, `{"method":%q,"len":%d}`, r.Method, r.ContentLength)
	})
	mux.HandleFunc("/api/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", served(w))
		b, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		fmt.Fprintf(w, "%s %s host=%s uri=%s auth=%q hosthdr=%v close=%v len=%d body=%s",
			r.Method, r.URL.Path, r.Host, r.RequestURI, r.Header.Get("Authorization"), r.Header["Host"] != nil, r.Close, r.ContentLength, b)
	})
	mux.HandleFunc("/api/sniff", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", served(w))
		_, _ = w.Write([]byte("<html><body>hi</body></html>"))
	})
	mux.HandleFunc("/api/empty", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", served(w))
	})
	mux.HandleFunc("/api/nocontent", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", served(w))
		w.WriteHeader(http.StatusNoContent)
		if _, err := w.Write([]byte("x")); !errors.Is(err, http.ErrBodyNotAllowed) {
			panic(fmt.Sprintf("write after 204: %v", err))
		}
	})
	mux.HandleFunc("/api/notmodified", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", served(w))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotModified)
	})
	mux.HandleFunc("/api/declared", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", served(w))
		w.Header().Set("Content-Length", "5")
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("hello"))
		if _, err := w.Write([]byte("!")); !errors.Is(err, http.ErrContentLength) {
			panic(fmt.Sprintf("write past Content-Length: %v", err))
		}
	})
	mux.HandleFunc("/api/large", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", served(w))
		w.Header().Set("Content-Type", "text/plain")
		for i := 0; i < 100; i++ {
			_, _ = w.Write([]byte(strings.Repeat(fmt.Sprint(i%10), 1000)))
		}
	})
	mux.HandleFunc("/api/flush", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", served(w))
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte("first "))
		w.(http.Flusher).Flush()
		_, _ = w.Write([]byte("second"))
	})
	mux.HandleFunc("/api/frozen", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", served(w))
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("X-Bad", "a\r\nInjected: yes")
		w.WriteHeader(http.StatusTeapot)
		w.Header().Set("X-Late", "ignored") // after WriteHeader: not sent
		w.WriteHeader(http.StatusOK)        // superfluous
		_, _ = w.Write([]byte("tea"))
	})
	mux.HandleFunc("/api/close", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", served(w))
		w.Header().Set("Connection", "close")
		_, _ = w.Write([]byte("bye"))
	})
	mux.HandleFunc("/api/panic", func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", served(w))
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "root %s", r.URL.Path)
	})
	return mux
}

// start serves h on a loopback port, lean in front of net/http or
// net/http alone, and returns the address.
func start(t *testing.T, h http.Handler, lean bool) (string, *Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second,
		WriteTimeout: 2 * time.Second, IdleTimeout: 2 * time.Second}
	if !lean {
		go func() { _ = hs.Serve(ln) }()
		t.Cleanup(func() { _ = hs.Close() })
		return ln.Addr().String(), nil
	}
	s := &Server{Handler: h, Fallback: hs, Prefixes: []string{"/api/"}}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return ln.Addr().String(), s
}

// exchange sends raw on a new connection and reads n answers.
func exchange(t *testing.T, addr, raw string, n int, method string) []*http.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	var out []*http.Response
	for i := 0; i < n; i++ {
		resp, err := http.ReadResponse(br, &http.Request{Method: method})
		if err != nil {
			t.Fatalf("answer %d of %q: %v", i, raw, err)
		}
		if resp.StatusCode == http.StatusContinue { // Expect: 100-continue's
			i--
			continue
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("answer %d body: %v", i, err)
		}
		resp.Body = io.NopCloser(strings.NewReader(string(body)))
		out = append(out, resp)
	}
	return out
}

// describe is what a client can tell of an answer, Date aside.
func describe(resp *http.Response) string {
	body, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(strings.NewReader(string(body)))
	var keys []string
	for k := range resp.Header {
		if k != "Date" && k != "X-Served-By" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%s len=%d te=%v close=%v\n", resp.Status, resp.ContentLength, resp.TransferEncoding, resp.Close)
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %q\n", k, resp.Header[k])
	}
	fmt.Fprintf(&b, "date=%v\n%s", resp.Header.Get("Date") != "", body)
	return b.String()
}

// TestAnswersLikeNetHTTP: each request gets, from the lean server, the
// answer net/http gives (status, headers, framing, body), and is served
// by the lean one.
func TestAnswersLikeNetHTTP(t *testing.T) {
	h := testHandler()
	lean, _ := start(t, h, true)
	std, _ := start(t, h, false)
	for _, tc := range []struct{ name, method, path, extra, body string }{
		{"json", "POST", "/api/json", "Content-Type: application/json\r\n", `{"content":"hi"}`},
		{"echo", "POST", "/api/echo?x=1", "Authorization: Bot abc\r\nX-Other: 1\r\nx-lower: 2\r\n", "payload"},
		{"get", "GET", "/api/echo", "", ""},
		{"sniffed", "GET", "/api/sniff", "", ""},
		{"empty", "GET", "/api/empty", "", ""},
		{"204", "DELETE", "/api/nocontent", "", ""},
		{"304", "GET", "/api/notmodified", "", ""},
		{"declared", "GET", "/api/declared", "", ""},
		{"large", "GET", "/api/large", "", ""},
		{"flush", "GET", "/api/flush", "", ""},
		{"frozen", "GET", "/api/frozen", "", ""},
		{"head", "HEAD", "/api/json", "", ""},
		{"head-empty", "HEAD", "/api/empty", "", ""},
		{"not found", "GET", "/api/nothing", "", ""},
		{"answer closes", "GET", "/api/close", "", ""},
		{"asked to close", "GET", "/api/json", "Connection: close\r\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: example.test\r\n%sContent-Length: %d\r\n\r\n%s",
				tc.method, tc.path, tc.extra, len(tc.body), tc.body)
			if tc.body == "" {
				raw = fmt.Sprintf("%s %s HTTP/1.1\r\nHost: example.test\r\n%s\r\n", tc.method, tc.path, tc.extra)
			}
			got := exchange(t, lean, raw, 1, tc.method)[0]
			want := exchange(t, std, raw, 1, tc.method)[0]
			if by := got.Header.Get("X-Served-By"); by != "lean" && tc.name != "not found" {
				t.Errorf("served by %q, want lean", by)
			}
			if g, w := describe(got), describe(want); g != w {
				t.Errorf("lean answered\n%s\nnet/http answered\n%s", g, w)
			}
		})
	}
}

// TestKeepAliveAndPipelining: one connection carries many requests, two
// of them sent in one write, each answered in order.
func TestKeepAliveAndPipelining(t *testing.T) {
	addr, _ := start(t, testHandler(), true)
	var raw strings.Builder
	for i := 0; i < 50; i++ {
		body := fmt.Sprintf("n%d", i)
		fmt.Fprintf(&raw, "POST /api/echo HTTP/1.1\r\nHost: h\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	}
	for i, resp := range exchange(t, addr, raw.String(), 50, "POST") {
		b, _ := io.ReadAll(resp.Body)
		if want := fmt.Sprintf("body=n%d", i); !strings.HasSuffix(string(b), want) || resp.Header.Get("X-Served-By") != "lean" {
			t.Fatalf("answer %d: %q by %s, want ...%s by lean", i, b, resp.Header.Get("X-Served-By"), want)
		}
	}
}

// TestRequestFields: the handler's *http.Request is net/http's for the
// same bytes: Host out of Header, the target as RequestURI, the body, and
// a context cancelled once the handler returns.
func TestRequestFields(t *testing.T) {
	got := make(chan *http.Request, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if string(b) != "abc" {
			t.Errorf("body %q", b)
		}
		got <- r
	})
	addr, _ := start(t, h, true)
	exchange(t, addr, "PATCH /api/x/y?q=1&r=2 HTTP/1.1\r\nHost: chat.test:8080\r\nauthorization: Bot t\r\nX-Twice: 1\r\nX-Twice: 2\r\nContent-Length: 3\r\n\r\nabc", 1, "PATCH")
	r := <-got
	switch {
	case r.Method != "PATCH" || r.URL.Path != "/x/y" && r.URL.Path != "/api/x/y" || r.URL.RawQuery != "q=1&r=2":
		t.Errorf("method %s url %v", r.Method, r.URL)
	case r.Host != "chat.test:8080" || r.Header["Host"] != nil:
		t.Errorf("host %q, header %v", r.Host, r.Header["Host"])
	case r.RequestURI != "/api/x/y?q=1&r=2" || r.Proto != "HTTP/1.1" || r.ContentLength != 3:
		t.Errorf("uri %q proto %q length %d", r.RequestURI, r.Proto, r.ContentLength)
	case r.Header.Get("Authorization") != "Bot t" || !slices.Equal(r.Header["X-Twice"], []string{"1", "2"}):
		t.Errorf("header %v", r.Header)
	case r.RemoteAddr == "" || r.Context().Err() == nil:
		t.Errorf("remote %q, context still live after the handler: %v", r.RemoteAddr, r.Context().Err())
	}
}

// TestHandsOver: what the lean server does not serve exactly like
// net/http goes to net/http with every byte, and net/http's answer comes
// back: a request smuggled with two lengths is refused as before, one
// with a length and chunking is read chunked as before.
func TestHandsOver(t *testing.T) {
	addr, _ := start(t, testHandler(), true)
	for _, tc := range []struct {
		name, raw string
		status    int
	}{
		{"not under /api", "GET /index.html HTTP/1.1\r\nHost: h\r\n\r\n", 200},
		{"HTTP/1.0", "GET /api/json HTTP/1.0\r\nHost: h\r\n\r\n", 200},
		{"chunked body", "POST /api/echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 200},
		{"expect", "POST /api/echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc", 200},
		{"bare LF", "GET /api/json HTTP/1.1\nHost: h\n\n", 200},
		{"head beyond 4 KiB", "GET /api/json HTTP/1.1\r\nHost: h\r\nX-Fill: " + strings.Repeat("a", 5000) + "\r\n\r\n", 200},
		{"body beyond MaxBody", "POST /api/echo HTTP/1.1\r\nHost: h\r\nContent-Length: 70000\r\n\r\n" + strings.Repeat("b", 70000), 200},
		{"two lengths", "POST /api/echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
		{"length and chunked", "POST /api/echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 200},
		{"no host", "GET /api/json HTTP/1.1\r\n\r\n", 400},
		{"two hosts", "GET /api/json HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
		{"malformed host", "GET /api/json HTTP/1.1\r\nHost: a b\r\n\r\n", 400},
		{"host with a quote", "GET /api/json HTTP/1.1\r\nHost: a\"b\r\n\r\n", 400},
		{"folded header", "GET /api/json HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  2\r\n\r\n", 200},
		{"bad length", "POST /api/echo HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc", 400},
		{"space in name", "GET /api/json HTTP/1.1\r\nHost: h\r\nX A: 1\r\n\r\n", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := exchange(t, addr, tc.raw, 1, "GET")[0]
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if by := resp.Header.Get("X-Served-By"); tc.status == 200 && by != "net/http" {
				t.Fatalf("served by %q, want net/http", by)
			}
		})
	}
	// After a hand-over the connection stays with net/http.
	raw := "GET /index.html HTTP/1.1\r\nHost: h\r\n\r\nGET /api/json HTTP/1.1\r\nHost: h\r\n\r\n"
	for _, resp := range exchange(t, addr, raw, 2, "GET") {
		if by := resp.Header.Get("X-Served-By"); by != "net/http" {
			t.Fatalf("after a hand-over: served by %q", by)
		}
	}
}

// TestPanicClosesConnection: a handler's panic ends its connection with no
// answer, and the server goes on serving others.
func TestPanicClosesConnection(t *testing.T) {
	addr, _ := start(t, testHandler(), true)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(c, "GET /api/panic HTTP/1.1\r\nHost: h\r\n\r\n")
	if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Fatalf("read after a panic: %d bytes, %v; want the connection closed", n, err)
	}
	exchange(t, addr, "GET /api/json HTTP/1.1\r\nHost: h\r\n\r\n", 1, "GET")
}

// TestTimeouts: a head or a body that does not arrive does not hold its
// connection past the read timeouts.
func TestTimeouts(t *testing.T) {
	addr, _ := start(t, testHandler(), true)
	for _, raw := range []string{
		"GET /api/json HTTP/1.1\r\nHost: h\r\n",                              // the head never ends
		"POST /api/echo HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nab", // nor the body
		"", // nothing at all
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprint(c, raw)
		start := time.Now()
		_, err = io.Copy(io.Discard, c)
		c.Close()
		if err != nil || time.Since(start) > 6*time.Second {
			t.Fatalf("%q: held for %v (%v)", raw, time.Since(start), err)
		}
	}
}

// TestShutdownWaitsForRequests: Shutdown closes idle connections at once
// and lets a request in progress finish with its answer.
func TestShutdownWaitsForRequests(t *testing.T) {
	release := make(chan struct{})
	var entered atomic.Bool
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered.Store(true)
		<-release
		_, _ = w.Write([]byte("done"))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Handler: h, Fallback: &http.Server{Handler: h}, Prefixes: []string{"/api/"}}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	busy, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_ = busy.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprint(busy, "GET /api/slow HTTP/1.1\r\nHost: h\r\n\r\n")
	for !entered.Load() {
		time.Sleep(time.Millisecond)
	}
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	_ = idle.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := idle.Read(make([]byte, 1)); err == nil {
		t.Fatal("idle connection still open during Shutdown")
	}
	select {
	case err := <-shut:
		t.Fatalf("Shutdown returned (%v) with a request in progress", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	resp, err := http.ReadResponse(bufio.NewReader(busy), nil)
	if err != nil {
		t.Fatalf("request in progress lost its answer: %v", err)
	}
	if b, _ := io.ReadAll(resp.Body); string(b) != "done" {
		t.Fatalf("answer %q", b)
	}
	if err := <-shut; err != nil {
		t.Fatal(err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
}
