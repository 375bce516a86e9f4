package gateway_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

// httpBot is an HTTP interactions endpoint as a bot writes it: it checks
// each request's Ed25519 signature with the application's verify_key
// (crypto/ed25519, not the server's code), refuses a bad one with 401,
// answers PING with PONG and hands every other interaction to answer.
type httpBot struct {
	srv       *httptest.Server
	verifyKey string
	// acceptForged makes it skip the check (an endpoint that must not
	// verify).
	acceptForged bool
	pings        atomic.Int32 // PINGs answered
	refused      atomic.Int32 // requests refused with 401
	got          chan interactionCreate
	answer       func(r *http.Request, it interactionCreate) any
}

func newHTTPBot(t *testing.T, verifyKey string, answer func(r *http.Request, it interactionCreate) any) *httpBot {
	b := &httpBot{verifyKey: verifyKey, got: make(chan interactionCreate, 16), answer: answer}
	b.srv = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *httpBot) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	pub, _ := hex.DecodeString(b.verifyKey)
	sig, _ := hex.DecodeString(r.Header.Get("X-Signature-Ed25519"))
	ts := r.Header.Get("X-Signature-Timestamp")
	if !b.acceptForged && (len(pub) != ed25519.PublicKeySize || ts == "" ||
		!ed25519.Verify(pub, append([]byte(ts), body...), sig)) {
		b.refused.Add(1)
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	var it interactionCreate
	if err := json.Unmarshal(body, &it); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if it.Type == 1 {
		b.pings.Add(1)
		_, _ = w.Write([]byte(`{"type":1}`))
		return
	}
	b.got <- it
	_ = json.NewEncoder(w).Encode(b.answer(r, it))
}

func (b *httpBot) url() string { return b.srv.URL + "/interactions" }

// endpointError checks a PATCH refusal: 50035 on interactions_endpoint_url.
func endpointError(t *testing.T, e accordtest.APIError) {
	t.Helper()
	wantCode(t, e, 400, protocol.CodeInvalidFormBody)
	if !strings.Contains(string(e.Errors), `"interactions_endpoint_url"`) {
		t.Fatalf("errors %s do not name interactions_endpoint_url", e.Errors)
	}
}

type appObject struct {
	ID                      chat.ID `json:"id"`
	VerifyKey               string  `json:"verify_key"`
	InteractionsEndpointURL *string `json:"interactions_endpoint_url"`
}

func TestEndToEndHTTPInteractions(t *testing.T) {
	f := newCmdFixture(t, server.Config{})
	var app, app2 appObject
	f.bot.Must(t, 200, "GET", "/applications/@me", nil, &app)
	f.bot.Must(t, 200, "GET", "/oauth2/applications/@me", nil, &app2)
	if k, err := hex.DecodeString(app.VerifyKey); err != nil || len(k) != ed25519.PublicKeySize || app2.VerifyKey != app.VerifyKey ||
		app.InteractionsEndpointURL != nil {
		t.Fatalf("application %+v, oauth2 %+v", app, app2)
	}

	good := newHTTPBot(t, app.VerifyKey, func(r *http.Request, it interactionCreate) any {
		var opt struct {
			Value string `json:"value"`
		}
		if len(it.Data.Options) > 0 {
			_ = json.Unmarshal(it.Data.Options[0], &opt)
		}
		switch opt.Value {
		case "slow": // past the 3 s window
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
			return map[string]any{"type": 4, "data": map[string]any{"content": "too late"}}
		case "bad": // not a response a command takes
			return map[string]any{"type": 8, "data": map[string]any{"choices": []any{}}}
		}
		return map[string]any{"type": 4, "data": map[string]any{"content": "pong over http: " + opt.Value}}
	})
	patch := func(c *accordtest.Client, url any) accordtest.APIError {
		return c.Fail(t, "PATCH", "/applications/@me", map[string]any{"interactions_endpoint_url": url})
	}

	t.Run("refused endpoints", func(t *testing.T) {
		otherPub, _, _ := ed25519.GenerateKey(rand.Reader)
		wrongKey := newHTTPBot(t, hex.EncodeToString(otherPub), nil) // refuses the real signature
		endpointError(t, patch(f.bot, wrongKey.url()))
		lax := newHTTPBot(t, app.VerifyKey, nil)
		lax.acceptForged = true // takes the forged PING too
		endpointError(t, patch(f.bot, lax.url()))
		if lax.pings.Load() == 0 {
			t.Fatal("the lax endpoint was never pinged")
		}
		notFound := httptest.NewServer(http.NotFoundHandler())
		t.Cleanup(notFound.Close)
		endpointError(t, patch(f.bot, notFound.URL))
		for _, bad := range []any{"ftp://example.com/x", "not a url", "http://user:pw@127.0.0.1/", 42} {
			e := patch(f.bot, bad)
			if e.Status != 400 {
				t.Fatalf("%v: status %d", bad, e.Status)
			}
		}
		// Must not: a user (even the owner) and another application's bot
		// cannot set this application's endpoint.
		wantCode(t, patch(f.owner, good.url()), 401, 0)
		wantCode(t, patch(f.bob, good.url()), 401, 0)
		other := bot(t, f.s, f.owner, f.guildID)
		endpointError(t, patch(other, good.url())) // signed with its own key: good refuses it
		// A body refused for its flags saves nothing and asks no endpoint.
		pings := good.pings.Load()
		e := f.bot.Fail(t, "PATCH", "/applications/@me", map[string]any{"interactions_endpoint_url": good.url(), "flags": 1})
		wantCode(t, e, 400, protocol.CodeInvalidFormBody)
		if !strings.Contains(string(e.Errors), `"flags"`) || good.pings.Load() != pings {
			t.Fatalf("invalid flags: errors %s, endpoint pinged %d times", e.Errors, good.pings.Load()-pings)
		}
		f.bot.Must(t, 200, "GET", "/applications/@me", nil, &app)
		if app.InteractionsEndpointURL != nil {
			t.Fatalf("endpoint saved after refusals: %q", *app.InteractionsEndpointURL)
		}
	})

	f.bot.Must(t, 200, "PATCH", "/applications/@me", map[string]any{"interactions_endpoint_url": good.url()}, &app)
	if app.InteractionsEndpointURL == nil || *app.InteractionsEndpointURL != good.url() || good.refused.Load() == 0 || good.pings.Load() == 0 {
		t.Fatalf("after PATCH: %+v, refused %d, pings %d", app, good.refused.Load(), good.pings.Load())
	}
	botGW, _ := connect(t, f.s, f.bot, protocol.IntentGuildMessages)
	bobGW, _ := connect(t, f.s, f.bob, protocol.IntentGuildMessages)

	t.Run("delivery and response", func(t *testing.T) {
		if st, b := f.invoke(f.bob, f.general, f.ping, "h1"); st != 204 {
			t.Fatalf("invoke: %d %s", st, b)
		}
		var it interactionCreate
		select {
		case it = <-good.got:
		case <-time.After(5 * time.Second):
			t.Fatal("the endpoint got no interaction")
		}
		if it.Type != 2 || it.Token == "" || it.ApplicationID != app.ID || it.Data.Name != "ping" || it.Member.User.ID != f.bob.UserID {
			t.Fatalf("interaction %+v", it)
		}
		_ = nextEvent(t, bobGW, "INTERACTION_CREATE")
		_ = nextEvent(t, bobGW, "INTERACTION_SUCCESS")
		var m struct {
			Content string `json:"content"`
			Author  struct {
				ID chat.ID `json:"id"`
			} `json:"author"`
		}
		_ = json.Unmarshal(nextEvent(t, bobGW, "MESSAGE_CREATE"), &m)
		if m.Content != "pong over http: hi" || m.Author.ID != f.bot.UserID {
			t.Fatalf("answer %+v", m)
		}
		// The answer used the token's one acknowledgement; follow-ups work.
		wantCode(t, f.s.Anonymous().Fail(t, "POST", fmt.Sprintf("/interactions/%d/%s/callback", it.ID, it.Token),
			map[string]any{"type": 4, "data": map[string]any{"content": "again"}}), 400, 40060)
		f.s.Anonymous().Must(t, 200, "POST", fmt.Sprintf("/webhooks/%d/%s", app.ID, it.Token), map[string]any{"content": "follow-up"}, nil)
		_ = json.Unmarshal(nextEvent(t, bobGW, "MESSAGE_CREATE"), &m)
		if m.Content != "follow-up" {
			t.Fatalf("follow-up %+v", m)
		}
		// The bot's gateway session got no INTERACTION_CREATE: it sees the
		// messages, and nothing of the interaction before them.
		for seen := 0; seen < 2; {
			switch fr := botGW.next(); fr.T {
			case "INTERACTION_CREATE":
				t.Fatalf("gateway got the HTTP interaction: %s", fr.D)
			case "MESSAGE_CREATE":
				seen++
			}
		}
	})

	t.Run("timeout and bad answer fail", func(t *testing.T) {
		invoke := func(value, nonce string) {
			st, b, err := f.bob.Request("POST", "/interactions", map[string]any{"type": 2, "application_id": app.ID, "guild_id": f.guildID,
				"channel_id": f.general, "session_id": "s", "nonce": nonce,
				"data": map[string]any{"id": f.ping, "type": 1, "options": []any{map[string]any{"type": 3, "name": "text", "value": value}}}})
			if err != nil || st != 204 {
				t.Fatalf("invoke %s: %d %s %v", value, st, b, err)
			}
		}
		start := time.Now()
		invoke("slow", "slow")
		invoke("bad", "bad")
		failed := map[string]bool{}
		for len(failed) < 2 {
			switch fr := bobGW.next(); fr.T {
			case "INTERACTION_FAILURE":
				var note struct {
					Nonce string `json:"nonce"`
				}
				_ = json.Unmarshal(fr.D, &note)
				failed[note.Nonce] = true
			case "INTERACTION_SUCCESS", "MESSAGE_CREATE":
				t.Fatalf("%s for a failed interaction: %s", fr.T, fr.D)
			}
		}
		if !failed["slow"] || !failed["bad"] {
			t.Fatalf("failures %v", failed)
		}
		for range 2 { // both reached the endpoint
			select {
			case <-good.got:
			case <-time.After(time.Second):
				t.Fatal("an interaction did not reach the endpoint")
			}
		}
		if d := time.Since(start); d > 4500*time.Millisecond {
			t.Fatalf("failures after %v", d)
		}
	})

	t.Run("cleared endpoint: back to the gateway", func(t *testing.T) {
		f.bot.Must(t, 200, "PATCH", "/applications/@me", map[string]any{"interactions_endpoint_url": nil}, &app)
		if app.InteractionsEndpointURL != nil {
			t.Fatalf("endpoint not cleared: %q", *app.InteractionsEndpointURL)
		}
		if st, b := f.invoke(f.bob, f.general, f.ping, "gw"); st != 204 {
			t.Fatalf("invoke: %d %s", st, b)
		}
		_ = nextEvent(t, botGW, "INTERACTION_CREATE")
		select {
		case it := <-good.got:
			t.Fatalf("the cleared endpoint got %+v", it)
		default:
		}
	})
}

// The operator's allow-list (--interactions-endpoint-hosts) refuses other
// hosts before any request is made.
func TestEndToEndHTTPInteractionsAllowList(t *testing.T) {
	f := newCmdFixture(t, server.Config{InteractionsEndpointHosts: []string{"localhost"}})
	var app appObject
	f.bot.Must(t, 200, "GET", "/applications/@me", nil, &app)
	b := newHTTPBot(t, app.VerifyKey, nil)
	endpointError(t, f.bot.Fail(t, "PATCH", "/applications/@me", map[string]any{"interactions_endpoint_url": b.url()}))
	if n := b.pings.Load() + b.refused.Load(); n != 0 {
		t.Fatalf("a refused host got %d requests", n)
	}
	allowed := strings.Replace(b.url(), "127.0.0.1", "localhost", 1)
	f.bot.Must(t, 200, "PATCH", "/applications/@me", map[string]any{"interactions_endpoint_url": allowed}, &app)
	if app.InteractionsEndpointURL == nil || *app.InteractionsEndpointURL != allowed {
		t.Fatalf("after PATCH %+v", app)
	}
}
