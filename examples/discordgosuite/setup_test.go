//go:build clients

package discordgosuite

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// accord is the server under test, from ACCORD_URL.
type accord struct {
	base string // e.g. "http://127.0.0.1:8080"
	host string // e.g. "127.0.0.1"
	http *http.Client
}

func server(t *testing.T) *accord {
	t.Helper()
	base := strings.TrimSuffix(os.Getenv("ACCORD_URL"), "/")
	u, err := url.Parse(base)
	if base == "" || err != nil {
		t.Fatalf("ACCORD_URL %q: run scripts/test-clients, or start `accord serve` and export ACCORD_URL", base)
	}
	return &accord{base: base, host: u.Hostname(), http: &http.Client{Timeout: 30 * time.Second}}
}

// rest calls Accord's REST v10 API and decodes the answer into out,
// failing the test unless the status is want.
func (a *accord) rest(t *testing.T, want int, method, path, token string, body, out any) {
	t.Helper()
	status, _, raw := a.restFull(t, method, path, token, body)
	if status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// restFull calls Accord's REST v10 API and returns the whole answer.
func (a *accord) restFull(t *testing.T, method, path, token string, body any) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+"/api/v10"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := a.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return res.StatusCode, res.Header, raw
}

// exhaustBucket sends messages as the bot, outside the library, until the
// channel's message bucket answers 429, and checks that 429 has Discord's
// shape: a JSON body with retry_after, Retry-After, X-RateLimit-Scope, Via.
func (a *accord) exhaustBucket(t *testing.T, channelID, botToken string) {
	t.Helper()
	for i := range 20 {
		status, header, raw := a.restFull(t, "POST", "/channels/"+channelID+"/messages", "Bot "+botToken,
			map[string]string{"content": fmt.Sprintf("out of band %d", i)})
		if status == http.StatusTooManyRequests {
			var body struct {
				Message    string   `json:"message"`
				RetryAfter *float64 `json:"retry_after"`
				Global     *bool    `json:"global"`
			}
			if !strings.HasPrefix(header.Get("Content-Type"), "application/json") || json.Unmarshal(raw, &body) != nil ||
				body.Message == "" || body.RetryAfter == nil || *body.RetryAfter <= 0 || body.Global == nil || *body.Global {
				t.Fatalf("429 %s %s", header.Get("Content-Type"), raw)
			}
			for _, h := range []string{"Retry-After", "X-RateLimit-Scope", "Via", "X-RateLimit-Bucket"} {
				if header.Get(h) == "" {
					t.Fatalf("the 429 lacks %s: %v", h, header)
				}
			}
			if header.Get("X-RateLimit-Scope") != "user" {
				t.Fatalf("429 X-RateLimit-Scope %q, want user", header.Get("X-RateLimit-Scope"))
			}
			return
		}
		if status != http.StatusOK {
			t.Fatalf("out-of-band message: status %d: %s", status, raw)
		}
	}
	t.Fatal("20 messages at once and no 429: the channel's message bucket is not limited")
}

// setup is what bootstrap made: an owner, their guild and its first text
// channel, and a bot application added to the guild.
type setup struct {
	owner, guildID, channelID, botID, botToken string
}

func (a *accord) bootstrap(t *testing.T, name string) setup {
	t.Helper()
	var s setup
	suffix := make([]byte, 4)
	rand.Read(suffix)
	var reg struct{ Token string }
	a.rest(t, 201, "POST", "/auth/register", "", map[string]string{
		"username": name + "_" + hex.EncodeToString(suffix), "password": "correct horse battery staple"}, &reg)
	s.owner = reg.Token
	var guild struct{ ID string }
	a.rest(t, 201, "POST", "/guilds", s.owner, map[string]string{"name": name}, &guild)
	s.guildID = guild.ID
	var channels []struct {
		ID   string
		Type int
	}
	a.rest(t, 200, "GET", "/guilds/"+guild.ID+"/channels", s.owner, nil, &channels)
	for _, c := range channels {
		if c.Type == 0 {
			s.channelID = c.ID
			break
		}
	}
	var app struct {
		ID  string
		Bot struct{ ID string }
	}
	a.rest(t, 201, "POST", "/applications", s.owner, map[string]string{"name": name + "-bot"}, &app)
	s.botID = app.Bot.ID
	var tok struct{ Token string }
	a.rest(t, 200, "POST", "/applications/"+app.ID+"/bot/reset-token", s.owner, nil, &tok)
	s.botToken = tok.Token
	a.rest(t, 200, "POST", fmt.Sprintf("/oauth2/authorize?client_id=%s&scope=bot&permissions=0", app.ID), s.owner,
		map[string]any{"guild_id": guild.ID, "authorize": true}, nil)
	return s
}

// guard records the host of every connection the library dials and
// refuses any that is not the Accord server, so a token sent anywhere else
// fails the test instead of leaving the machine.
type guard struct {
	allowed string
	mu      sync.Mutex
	hosts   []string
}

func (g *guard) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	g.mu.Lock()
	g.hosts = append(g.hosts, host)
	g.mu.Unlock()
	if host != g.allowed {
		return nil, fmt.Errorf("connection to %s: not the Accord server %s", host, g.allowed)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

func (g *guard) seen() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.hosts...)
}

// response is one HTTP response the library received.
type response struct {
	method, path string
	status       int
	header       http.Header
}

// recorder is the library's HTTP transport: it dials through the guard and
// records every response (the rate-limit headers among them).
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []response
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := r.next.RoundTrip(req)
	if err == nil {
		r.mu.Lock()
		r.seen = append(r.seen, response{req.Method, req.URL.Path, res.StatusCode, res.Header.Clone()})
		r.mu.Unlock()
	}
	return res, err
}

func (r *recorder) responses() []response {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]response(nil), r.seen...)
}
