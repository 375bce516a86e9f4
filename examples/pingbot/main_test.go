package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/poll"
	"github.com/accordchat/accord/internal/server"
)

// TestPingPong runs the example against a real in-process server: a user
// says !ping and the bot answers pong.
func TestPingPong(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{})
	alice := s.Register(t, "alice")
	gd, general := alice.CreateGuild(t, "pingbot")
	var app struct {
		ID  chat.ID `json:"id"`
		Bot struct {
			ID chat.ID `json:"id"`
		} `json:"bot"`
	}
	alice.Must(t, 201, "POST", "/applications", map[string]string{"name": "pingbot"}, &app)
	var tok struct {
		Token string `json:"token"`
	}
	alice.Must(t, 200, "POST", fmt.Sprintf("/applications/%d/bot/reset-token", app.ID), nil, &tok)
	alice.Must(t, 200, "POST", fmt.Sprintf("/oauth2/authorize?client_id=%d&scope=bot&permissions=0", app.ID),
		map[string]any{"guild_id": gd.ID, "authorize": true}, nil)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	available := make(chan struct{}, 1)
	logf := func(format string, args ...any) {
		t.Logf(format, args...)
		if strings.Contains(format, "available") {
			select {
			case available <- struct{}{}:
			default:
			}
		}
	}
	go func() { done <- run(ctx, s.URL(), tok.Token, logf) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	// GUILD_CREATE means the bot is subscribed to the guild's events.
	select {
	case <-available:
	case <-time.After(5 * time.Second):
		t.Fatal("the bot got no GUILD_CREATE")
	}
	alice.Send(t, general, "!ping")
	poll.Until(t, 5*time.Second, 20*time.Millisecond, func() error {
		var msgs []struct {
			Content string `json:"content"`
			Author  struct {
				ID chat.ID `json:"id"`
			} `json:"author"`
		}
		alice.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages?limit=5", general), nil, &msgs)
		if len(msgs) > 0 && msgs[0].Content == "pong" && msgs[0].Author.ID == app.Bot.ID {
			return nil
		}
		return fmt.Errorf("no pong yet: %+v", msgs)
	})
}
