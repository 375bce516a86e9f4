package api_test

import (
	"fmt"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
)

// TestResetBotTokenRevokesOld checks Discord's behaviour: resetting a bot
// token makes the previous one stop working, at once, for REST.
func TestResetBotTokenRevokesOld(t *testing.T) {
	s := run(t)
	owner := s.Register(t, "owner")
	var app struct {
		ID  chat.ID `json:"id"`
		Bot struct {
			ID chat.ID `json:"id"`
		} `json:"bot"`
	}
	owner.Must(t, 201, "POST", "/applications", map[string]string{"name": "Rotator"}, &app)
	reset := fmt.Sprintf("/applications/%d/bot/reset-token", app.ID)
	newBot := func() *accordtest.Client {
		t.Helper()
		var tok struct {
			Token string `json:"token"`
		}
		owner.Must(t, 200, "POST", reset, nil, &tok)
		return &accordtest.Client{S: s, Token: tok.Token, Prefix: "Bot ", UserID: app.Bot.ID}
	}
	unauthorized := func(c *accordtest.Client, what string) {
		t.Helper()
		st, b, err := c.Request("GET", "/users/@me", nil)
		if err != nil {
			t.Fatal(err)
		}
		if st != 401 {
			t.Fatalf("%s: status %d %s, want 401", what, st, b)
		}
	}

	first := newBot()
	first.Must(t, 200, "GET", "/users/@me", nil, nil)
	second := newBot()
	unauthorized(first, "first token after one reset")
	second.Must(t, 200, "GET", "/users/@me", nil, nil)
	// A flag edit in between must not bring back a revoked token.
	second.Must(t, 200, "PATCH", "/applications/@me", map[string]any{"flags": 1 << 19}, nil)
	third := newBot()
	unauthorized(first, "first token after two resets")
	unauthorized(second, "second token after a reset")
	var me struct {
		ID chat.ID `json:"id"`
	}
	third.Must(t, 200, "GET", "/users/@me", nil, &me)
	if me.ID != app.Bot.ID {
		t.Fatalf("new token is user %d, want the bot %d", me.ID, app.Bot.ID)
	}
	third.Must(t, 200, "GET", "/applications/@me", nil, nil)
	// The owner's own token is untouched.
	owner.Must(t, 200, "GET", "/users/@me", nil, nil)
}
