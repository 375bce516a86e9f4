package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/ratelimit"
)

// TestSharedLimit: a busy guild's 429 keeps its shape (scope shared, Discord's
// "resource" message) and gains Via, so discord.py waits instead of taking
// it for a Cloudflare ban; and it does not count as an invalid request.
func TestSharedLimit(t *testing.T) {
	l, err := ratelimit.New(ratelimit.Config{InvalidRequests: ratelimit.Limit{Requests: 2, Window: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{log: slog.New(slog.NewTextHandler(io.Discard, nil)), limits: l}
	rl := &routeLimit{route: l.Route("test")}
	serve := func(err error) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.serveLimited(w, httptest.NewRequest("POST", "/api/v10/x", nil), rl, noAuth,
			func(http.ResponseWriter, *http.Request, *chat.User) error { return err })
		return w
	}
	for range 3 {
		w := serve(guild.ErrBusy)
		var body map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
			t.Fatal(err)
		}
		if w.Code != 429 || w.Header().Get("Via") != ratelimit.Via || w.Header().Get("X-RateLimit-Scope") != "shared" ||
			w.Header().Get("Retry-After") != "1" || w.Header().Get("Content-Type") != "application/json" ||
			body["message"] != "The resource is being rate limited." || body["global"] != false {
			t.Fatalf("busy guild: %d %v %s", w.Code, w.Header(), w.Body)
		}
	}
	if d := l.Blocked("192.0.2.1"); d.Limited {
		t.Fatal("shared 429s counted as invalid requests")
	}
	if got := l.Stats().Limited["shared"]; got != 3 {
		t.Errorf("shared 429s counted %d, want 3", got)
	}
	// 403s count (httptest's address is 192.0.2.1).
	for range 2 {
		if w := serve(chat.ErrMissingPerms); w.Code != 403 {
			t.Fatalf("missing permissions: %d", w.Code)
		}
	}
	w := serve(nil)
	if w.Code != 429 || w.Header().Get("X-RateLimit-Scope") != "global" {
		t.Fatalf("after two 403s with a limit of 2: %d %v", w.Code, w.Header())
	}
}
