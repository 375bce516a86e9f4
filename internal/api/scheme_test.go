package api_test

import (
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
)

// TestBotSchemeOnlyForBots: Discord refuses a user's token sent as
// "Bot <token>" (401); a bot's token works with and without the prefix.
func TestBotSchemeOnlyForBots(t *testing.T) {
	s := run(t)
	owner := s.Register(t, "owner")
	for _, prefix := range []string{"Bot ", "bot ", "Bot Bearer ", "Bearer Bot "} {
		c := &accordtest.Client{S: s, Token: owner.Token, Prefix: prefix}
		wantCode(t, c.Fail(t, "GET", "/users/@me", nil), 401, 0)
	}
	var app struct {
		ID chat.ID `json:"id"`
	}
	owner.Must(t, 201, "POST", "/applications", map[string]string{"name": "Schemes"}, &app)
	var tok struct {
		Token string `json:"token"`
	}
	owner.Must(t, 200, "POST", "/applications/"+app.ID.String()+"/bot/reset-token", nil, &tok)
	for _, prefix := range []string{"Bot ", "bot ", ""} {
		c := &accordtest.Client{S: s, Token: tok.Token, Prefix: prefix}
		c.Must(t, 200, "GET", "/users/@me", nil, nil)
	}
}
