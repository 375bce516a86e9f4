package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/auth"
	"github.com/accordchat/accord/internal/server"
)

// short REST timeouts for the tests below: far below the 75 s a stalled
// body used to hold its connection.
var shortHTTP = server.HTTPConfig{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond,
	WriteTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond}

// TestSlowBodyIsCut: a request whose body never arrives must not keep its
// connection: the server closes it within its read timeout.
func TestSlowBodyIsCut(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{HTTP: shortHTTP})
	nc, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	start := time.Now()
	fmt.Fprintf(nc, "POST /api/v10/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"login\":")
	_ = nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = io.Copy(io.Discard, nc) // until the server closes
	if err != nil {
		t.Fatalf("connection still open after %v: %v", time.Since(start), err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("stalled body held its connection for %v", d)
	}
}

// TestHeaderTooLarge: a header over MaxHeaderBytes is refused with 431
// before any handler runs.
func TestHeaderTooLarge(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{HTTP: server.HTTPConfig{MaxHeaderBytes: 8 << 10}})
	req, _ := http.NewRequest("GET", s.Base+"/gateway", nil)
	req.Header.Set("X-Filler", strings.Repeat("a", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("64 KiB header: %d, want 431", resp.StatusCode)
	}
}

// TestWebSocketOutlivesRESTTimeouts: the REST read, write and idle
// timeouts must not reach a connection upgraded to the gateway; a session
// idle well past them still answers a heartbeat.
func TestWebSocketOutlivesRESTTimeouts(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{HTTP: shortHTTP})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// Registered in process: a password hash on a loaded machine can take
	// longer than the 300 ms write timeout this test gives REST.
	_, token, err := s.Accounts.Register(ctx, "alice", "correct horse battery", "")
	if err != nil {
		t.Fatal(err)
	}
	nc, br, _, err := ws.Dial(ctx, "ws://"+s.Addr()+"/gateway?v=10&encoding=json")
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	rw := struct {
		io.Reader
		io.Writer
	}{nc, nc}
	if br != nil { // HELLO may have come with the upgrade's answer
		rw.Reader = io.MultiReader(br, nc)
	}
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	expect := func(op int, event string) {
		t.Helper()
		for {
			b, err := wsutil.ReadServerText(rw)
			if err != nil {
				t.Fatalf("waiting for op %d %s: %v", op, event, err)
			}
			var f struct {
				Op int    `json:"op"`
				T  string `json:"t"`
			}
			if err := json.Unmarshal(b, &f); err != nil {
				t.Fatal(err)
			}
			if f.Op == op && f.T == event {
				return
			}
		}
	}
	send := func(v string) {
		t.Helper()
		if err := wsutil.WriteClientText(nc, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	expect(10, "")
	send(fmt.Sprintf(`{"op":2,"d":{"token":%q,"intents":0,"properties":{"os":"linux","browser":"t","device":"t"}}}`, token))
	expect(0, "READY")
	time.Sleep(4 * shortHTTP.ReadTimeout) // idle past every REST timeout
	send(`{"op":1,"d":null}`)
	expect(11, "")
}

// TestPasswordHashingBusy: logins beyond the hashing bound wait in a short
// queue, then get a Discord-shaped 429 (with Via, which discord.py needs to
// retry) instead of each holding 19 MiB of argon2 memory.
func TestPasswordHashingBusy(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{Hashing: auth.HashLimits{Concurrency: 1, Queue: 1, Wait: time.Millisecond}})
	alice := s.Register(t, "alice")
	const n = 16
	var wg sync.WaitGroup
	type answer struct {
		status int
		via    string
		body   []byte
	}
	answers := make(chan answer, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(s.Base+"/auth/login", "application/json",
				strings.NewReader(fmt.Sprintf(`{"login":%q,"password":"password123"}`, alice.Username)))
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			answers <- answer{resp.StatusCode, resp.Header.Get("Via"), b}
		}()
	}
	wg.Wait()
	close(answers)
	busy := 0
	for a := range answers {
		switch a.status {
		case http.StatusOK:
		case http.StatusTooManyRequests:
			busy++
			var rl struct {
				Message    string   `json:"message"`
				RetryAfter *float64 `json:"retry_after"`
			}
			if err := json.Unmarshal(a.body, &rl); err != nil || rl.RetryAfter == nil || rl.Message == "" || a.via == "" {
				t.Fatalf("429 not Discord-shaped: via %q body %s", a.via, a.body)
			}
		default:
			t.Fatalf("login: %d %s", a.status, a.body)
		}
	}
	if busy == 0 {
		t.Fatalf("%d concurrent logins through one hashing slot: none refused", n)
	}
}

// TestCORS: only configured origins get CORS headers (never "*"), and a
// preflight from one is answered; any other origin gets none.
func TestCORS(t *testing.T) {
	if _, err := server.New(server.Config{DataDir: t.TempDir(), HTTP: server.HTTPConfig{CORSOrigins: []string{"*"}}}); err == nil {
		t.Fatal(`--cors-origins "*" accepted`)
	}
	const ok, evil = "https://chat.example", "https://evil.example"
	s := accordtest.RunServer(t, server.Config{HTTP: server.HTTPConfig{CORSOrigins: []string{ok}}})
	do := func(method, origin string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, s.Base+"/users/@me", nil)
		req.Header.Set("Origin", origin)
		if method == http.MethodOptions {
			req.Header.Set("Access-Control-Request-Method", "PATCH")
			req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, method := range []string{http.MethodGet, http.MethodOptions} {
		resp := do(method, ok)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != ok || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("%s from %s: Allow-Origin %q", method, ok, got)
		}
		if method == http.MethodOptions && (resp.StatusCode != http.StatusNoContent ||
			!strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "PATCH") ||
			!strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization")) {
			t.Errorf("preflight from %s: %d %v", ok, resp.StatusCode, resp.Header)
		}
		resp = do(method, evil)
		for k := range resp.Header {
			if strings.HasPrefix(k, "Access-Control-") {
				t.Errorf("%s from %s got %s: %q", method, evil, k, resp.Header.Get(k))
			}
		}
	}
}

// TestMetricsNotPublic: /metrics is served on the metrics listener only;
// the public address answers 404, and /healthz stays public.
func TestMetricsNotPublic(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{})
	for _, c := range []struct {
		url  string
		want int
	}{
		{s.URL() + "/metrics", http.StatusNotFound},
		{s.URL() + "/healthz", http.StatusOK},
		{s.MetricsURL() + "/metrics", http.StatusOK},
	} {
		resp, err := http.Get(c.url)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want || (c.want == http.StatusNotFound && strings.Contains(string(b), "go_goroutines")) {
			t.Errorf("GET %s: %d, want %d", c.url, resp.StatusCode, c.want)
		}
	}
}
