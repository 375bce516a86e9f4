package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/ratelimit"
	"github.com/accordchat/accord/internal/server"
)

// fakeClock drives a test server's rate limits, so windows pass without
// sleeping.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// runLimited starts a server whose limits are cfg (other counts keep
// accordtest's test values) on a fake clock.
func runLimited(t *testing.T, cfg ratelimit.Config) (*accordtest.Server, *fakeClock) {
	t.Helper()
	clk := &fakeClock{now: time.Now()}
	cfg.Now = clk.Now
	return accordtest.RunServer(t, server.Config{RateLimit: cfg}), clk
}

// answer is a response's status, headers and body.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// send sends a request as c and returns the whole answer.
func send(t *testing.T, c *accordtest.Client, method, path string, body any) answer {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.S.Base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", c.Prefix+c.Token)
	}
	resp, err := c.S.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// want429 checks a 429 the way discord.py, discord.js and discordgo read
// it: Retry-After, X-RateLimit-Scope, a Via header, X-RateLimit-Global only
// for the global scope, and a JSON body (Content-Type exactly
// application/json) with message, retry_after and global.
func want429(t *testing.T, a answer, scope string) {
	t.Helper()
	if a.status != http.StatusTooManyRequests {
		t.Fatalf("status %d (%s), want 429", a.status, a.body)
	}
	h := a.header
	if h.Get("Retry-After") == "" || h.Get("X-RateLimit-Scope") != scope || h.Get("Via") != "1.1 accord" ||
		h.Get("Content-Type") != "application/json" {
		t.Errorf("429 headers %v", h)
	}
	_, global := h["X-Ratelimit-Global"]
	if global != (scope == "global") {
		t.Errorf("scope %s: X-RateLimit-Global present = %v", scope, global)
	}
	var body struct {
		Message    string   `json:"message"`
		RetryAfter *float64 `json:"retry_after"`
		Global     *bool    `json:"global"`
	}
	if err := json.Unmarshal(a.body, &body); err != nil {
		t.Fatalf("429 body %s: %v", a.body, err)
	}
	if body.Message != "You are being rate limited." || body.RetryAfter == nil || *body.RetryAfter <= 0 ||
		body.Global == nil || *body.Global != (scope == "global") {
		t.Errorf("429 body %s", a.body)
	}
}

// TestMessageCreateBucket: 5 messages per 5 s per channel, with the bucket
// headers on every answer; the 6th is refused (and not created), another
// channel has its own bucket under the same X-RateLimit-Bucket, another
// user has their own, and the window resets.
func TestMessageCreateBucket(t *testing.T) {
	s, clk := runLimited(t, ratelimit.Config{Routes: map[string]ratelimit.Limit{ratelimit.BucketMessageCreate: {Requests: 5, Window: 5 * time.Second}}})
	alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
	g, general := alice.CreateGuild(t, "limits")
	bob.Join(t, alice, general)
	var other struct {
		ID chat.ID `json:"id"`
	}
	alice.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/channels", g.ID), map[string]any{"name": "other"}, &other)

	post := func(c *accordtest.Client, ch chat.ID) answer {
		return send(t, c, "POST", fmt.Sprintf("/channels/%d/messages", ch), map[string]string{"content": "hi"})
	}
	var bucket string
	for i := 4; i >= 0; i-- {
		a := post(alice, general)
		h := a.header
		if a.status != 200 || h.Get("X-RateLimit-Limit") != "5" || h.Get("X-RateLimit-Remaining") != fmt.Sprint(i) ||
			h.Get("X-RateLimit-Reset-After") != "5.000" || h.Get("X-RateLimit-Reset") == "" || h.Get("X-RateLimit-Bucket") == "" {
			t.Fatalf("post %d: %d %v", 5-i, a.status, h)
		}
		if bucket == "" {
			bucket = h.Get("X-RateLimit-Bucket")
		} else if h.Get("X-RateLimit-Bucket") != bucket {
			t.Fatalf("bucket changed: %q then %q", bucket, h.Get("X-RateLimit-Bucket"))
		}
	}
	clk.Advance(time.Second)
	a := post(alice, general)
	want429(t, a, "user")
	if a.header.Get("Retry-After") != "4" || a.header.Get("X-RateLimit-Remaining") != "0" || a.header.Get("X-RateLimit-Bucket") != bucket {
		t.Errorf("6th post headers %v", a.header)
	}
	var history []accordtest.Message
	alice.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages", general), nil, &history)
	if n := len(history); n != 5 {
		t.Errorf("%d messages in the channel after 5 posts and a refused one, want 5", n)
	}

	if a := post(alice, other.ID); a.status != 200 || a.header.Get("X-RateLimit-Remaining") != "4" || a.header.Get("X-RateLimit-Bucket") != bucket {
		t.Errorf("other channel: %d %v", a.status, a.header)
	}
	if a := post(bob, general); a.status != 200 || a.header.Get("X-RateLimit-Remaining") != "4" {
		t.Errorf("other user: %d %v", a.status, a.header)
	}
	clk.Advance(4 * time.Second)
	if a := post(alice, general); a.status != 200 || a.header.Get("X-RateLimit-Remaining") != "4" {
		t.Errorf("after the window: %d %v", a.status, a.header)
	}
	if got := limited(t, s, "user"); got != 1 {
		t.Errorf("accord_rest_ratelimited_total{scope=\"user\"} = %v, want 1", got)
	}
}

// limited reads accord_rest_ratelimited_total{scope} from the server's
// registry.
func limited(t *testing.T, s *accordtest.Server, scope string) float64 {
	t.Helper()
	mfs, err := s.Metrics.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "accord_rest_ratelimited_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "scope" && l.GetValue() == scope {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no accord_rest_ratelimited_total{scope=%q}", scope)
	return 0
}

// TestGlobalLimit: a user's requests on all routes together are limited.
func TestGlobalLimit(t *testing.T) {
	s, clk := runLimited(t, ratelimit.Config{Global: ratelimit.Limit{Requests: 3, Window: time.Second}})
	alice := s.Register(t, "alice")
	for _, path := range []string{"/users/@me", "/users/@me/guilds", "/users/@me"} {
		if a := send(t, alice, "GET", path, nil); a.status != 200 {
			t.Fatalf("GET %s: %d", path, a.status)
		}
	}
	a := send(t, alice, "GET", "/gateway/bot", nil)
	want429(t, a, "global")
	if a.header.Get("X-RateLimit-Global") != "true" {
		t.Errorf("global 429 headers %v", a.header)
	}
	if bob := s.Register(t, "bob"); send(t, bob, "GET", "/users/@me", nil).status != 200 {
		t.Error("another user was limited by alice's global limit")
	}
	clk.Advance(time.Second)
	if a := send(t, alice, "GET", "/users/@me", nil); a.status != 200 {
		t.Errorf("after the window: %d", a.status)
	}
}

// TestInvalidRequestBlock: an address that collects InvalidRequests 401s
// is refused, even with a valid token, until the block ends.
func TestInvalidRequestBlock(t *testing.T) {
	s, clk := runLimited(t, ratelimit.Config{InvalidRequests: ratelimit.Limit{Requests: 3, Window: 10 * time.Minute},
		InvalidBlock: 10 * time.Minute})
	alice := s.Register(t, "alice")
	bad := &accordtest.Client{S: s, Token: "not.a.token"}
	for range 3 {
		if a := send(t, bad, "GET", "/users/@me", nil); a.status != 401 {
			t.Fatalf("bad token: %d", a.status)
		}
	}
	a := send(t, alice, "GET", "/users/@me", nil)
	want429(t, a, "global")
	if got := limited(t, s, "global"); got != 1 {
		t.Errorf("accord_rest_ratelimited_total{scope=\"global\"} = %v, want 1", got)
	}
	clk.Advance(10 * time.Minute)
	if a := send(t, alice, "GET", "/users/@me", nil); a.status != 200 {
		t.Errorf("after the block: %d %s", a.status, a.body)
	}
}

// TestLoginThrottles: logins are limited per address (the route's bucket)
// and failed logins per account name; once an account's failures are used
// up even the right password is refused, until the window ends.
func TestLoginThrottles(t *testing.T) {
	login := func(c *accordtest.Client, name, pw string) answer {
		return send(t, c, "POST", "/auth/login", map[string]string{"login": name, "password": pw})
	}
	t.Run("per account", func(t *testing.T) {
		s, clk := runLimited(t, ratelimit.Config{LoginFailures: ratelimit.Limit{Requests: 2, Window: 10 * time.Minute}})
		alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
		anon := s.Anonymous()
		for range 2 {
			if a := login(anon, alice.Username, "wrong-password"); a.status != 400 {
				t.Fatalf("wrong password: %d %s", a.status, a.body)
			}
		}
		want429(t, login(anon, strings.ToUpper(alice.Username), "password123"), "user")
		if a := login(anon, bob.Username, "password123"); a.status != 200 {
			t.Errorf("another account: %d %s", a.status, a.body)
		}
		clk.Advance(10 * time.Minute)
		if a := login(anon, alice.Username, "password123"); a.status != 200 {
			t.Errorf("after the window: %d %s", a.status, a.body)
		}
	})
	t.Run("per address", func(t *testing.T) {
		s, clk := runLimited(t, ratelimit.Config{Routes: map[string]ratelimit.Limit{ratelimit.BucketLogin: {Requests: 3, Window: time.Minute}}})
		alice := s.Register(t, "alice")
		anon := s.Anonymous()
		for i := range 3 {
			if a := login(anon, alice.Username, "password123"); a.status != 200 || a.header.Get("X-RateLimit-Remaining") != fmt.Sprint(2-i) {
				t.Fatalf("login %d: %d %v", i, a.status, a.header)
			}
		}
		want429(t, login(anon, alice.Username, "password123"), "user")
		clk.Advance(time.Minute)
		if a := login(anon, alice.Username, "password123"); a.status != 200 {
			t.Errorf("after the window: %d", a.status)
		}
	})
}

// TestRegistrationThrottles: registrations are limited per address and per
// requested username.
func TestRegistrationThrottles(t *testing.T) {
	register := func(s *accordtest.Server, name string) answer {
		return send(t, s.Anonymous(), "POST", "/auth/register", map[string]string{"username": name, "password": "password123"})
	}
	t.Run("per address", func(t *testing.T) {
		s, _ := runLimited(t, ratelimit.Config{Routes: map[string]ratelimit.Limit{ratelimit.BucketRegister: {Requests: 2, Window: time.Minute}}})
		for _, name := range []string{"reg-a", "reg-b"} {
			if a := register(s, name); a.status != 201 {
				t.Fatalf("register %s: %d", name, a.status)
			}
		}
		want429(t, register(s, "reg-c"), "user")
		if a := send(t, s.Anonymous(), "POST", "/auth/login", map[string]string{"login": "reg-c", "password": "password123"}); a.status != 400 {
			t.Errorf("the refused registration created its user: login %d", a.status)
		}
	})
	t.Run("per username", func(t *testing.T) {
		s, _ := runLimited(t, ratelimit.Config{Registrations: ratelimit.Limit{Requests: 1, Window: 10 * time.Minute}})
		if a := register(s, "taken"); a.status != 201 {
			t.Fatalf("register: %d", a.status)
		}
		want429(t, register(s, "TAKEN"), "user")
		if a := register(s, "free"); a.status != 201 {
			t.Errorf("another username: %d", a.status)
		}
	})
}

// TestRateLimitsOff: with DisableRateLimits nothing is refused, however
// tight the configured limits, and no X-RateLimit headers are sent.
func TestRateLimitsOff(t *testing.T) {
	tight := ratelimit.Limit{Requests: 1, Window: time.Hour}
	s := accordtest.RunServer(t, server.Config{DisableRateLimits: true, RateLimit: ratelimit.Config{
		Global: tight, Route: tight, InvalidRequests: tight, LoginFailures: tight, Registrations: tight,
		Routes: map[string]ratelimit.Limit{ratelimit.BucketMessageCreate: tight, ratelimit.BucketLogin: tight, ratelimit.BucketRegister: tight}}})
	alice := s.Register(t, "alice")
	_, general := alice.CreateGuild(t, "off")
	bad := &accordtest.Client{S: s, Token: "nope"}
	for i := range 10 {
		a := send(t, alice, "POST", fmt.Sprintf("/channels/%d/messages", general), map[string]string{"content": "hi"})
		if a.status != 200 {
			t.Fatalf("post %d: %d %s", i, a.status, a.body)
		}
		for k := range a.header {
			if strings.HasPrefix(k, "X-Ratelimit") {
				t.Fatalf("limits off, but %s: %v", k, a.header)
			}
		}
		send(t, bad, "GET", "/users/@me", nil)
		send(t, s.Anonymous(), "POST", "/auth/login", map[string]string{"login": alice.Username, "password": "wrong-password"})
	}
	if a := send(t, s.Anonymous(), "POST", "/auth/login", map[string]string{"login": alice.Username, "password": "password123"}); a.status != 200 {
		t.Errorf("login after failures with limits off: %d %s", a.status, a.body)
	}
	if st := s.Register(t, "bob"); st.Token == "" {
		t.Error("no token")
	}
}
