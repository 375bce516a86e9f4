package api_test

import (
	"fmt"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
)

// TestMessageContentOnREST: a bot whose application has no MESSAGE_CONTENT
// flag reads messages as the gateway sends them to it, content blanked,
// except its own and those that mention it (Discord's "Message Content
// Intent" rule); with the flag, or as a user, everything is readable.
func TestMessageContentOnREST(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	g, ch := alice.CreateGuild(t, "content")
	var app struct {
		ID  chat.ID
		Bot struct{ ID chat.ID }
	}
	alice.Must(t, 201, "POST", "/applications", map[string]string{"name": "reader"}, &app)
	var tok struct{ Token string }
	alice.Must(t, 200, "POST", fmt.Sprintf("/applications/%d/bot/reset-token", app.ID), nil, &tok)
	alice.Must(t, 200, "POST", fmt.Sprintf("/oauth2/authorize?client_id=%d&scope=bot&permissions=0", app.ID),
		map[string]any{"guild_id": g.ID, "authorize": true}, nil)
	bot := &accordtest.Client{S: s, Token: tok.Token, Prefix: "Bot ", UserID: app.Bot.ID}

	var secret accordtest.Message
	alice.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/messages", ch),
		map[string]any{"content": "secret", "embeds": []map[string]any{{"title": "hidden"}}}, &secret)
	mention := alice.Send(t, ch, fmt.Sprintf("hi <@%d>", bot.UserID))
	own := bot.Send(t, ch, "mine")
	path := fmt.Sprintf("/channels/%d/messages", ch)
	read := func(c *accordtest.Client) map[chat.ID]string {
		var ms []accordtest.Message
		c.Must(t, 200, "GET", path, nil, &ms)
		out := map[chat.ID]string{}
		for _, m := range ms {
			out[m.ID] = m.Content
			var one accordtest.Message
			c.Must(t, 200, "GET", fmt.Sprintf("%s/%d", path, m.ID), nil, &one)
			if one.Content != m.Content {
				t.Fatalf("GET message %d: %q, list says %q", m.ID, one.Content, m.Content)
			}
		}
		return out
	}
	want := func(c *accordtest.Client, secretWant string) {
		t.Helper()
		got := read(c)
		if got[secret.ID] != secretWant || got[mention.ID] != mention.Content || got[own.ID] != "mine" {
			t.Fatalf("read %v, want secret %q, mention and own intact", got, secretWant)
		}
	}
	want(bot, "secret") // new applications have GATEWAY_MESSAGE_CONTENT_LIMITED
	want(alice, "secret")
	// Must not see: without either MESSAGE_CONTENT flag the content of
	// others' messages that do not mention the bot is blank.
	bot.Must(t, 200, "PATCH", "/applications/@me", map[string]any{"flags": 0}, nil)
	want(bot, "")
	want(alice, "secret")
	var raw map[string]any
	alice.Must(t, 200, "GET", fmt.Sprintf("%s/%d", path, secret.ID), nil, &raw)
	if l, _ := raw["embeds"].([]any); len(l) != 1 {
		t.Fatalf("the author's embeds: %v", raw["embeds"])
	}
	var blank map[string]any
	bot.Must(t, 200, "GET", fmt.Sprintf("%s/%d", path, secret.ID), nil, &blank)
	for _, k := range []string{"embeds", "attachments", "components"} {
		if l, ok := blank[k].([]any); !ok || len(l) != 0 {
			t.Fatalf("%s of a blanked message: %v", k, blank[k])
		}
	}
	bot.Must(t, 200, "PATCH", "/applications/@me", map[string]any{"flags": 1 << 18}, nil)
	want(bot, "secret")
}
