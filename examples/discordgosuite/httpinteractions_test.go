//go:build clients

package discordgosuite

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// TestHttpinteractions: an HTTP-interactions bot written with discordgo's
// own VerifyInteraction and types (Interaction, InteractionResponse):
// PATCH /applications/@me verifies its endpoint (a signed PING, and a
// forged one VerifyInteraction must refuse), then a user's command is
// POSTed to it and its answer becomes the response message.
func TestHttpinteractions(t *testing.T) {
	a := server(t)
	s := a.bootstrap(t, "dghttp")
	bot := "Bot " + s.botToken
	var app struct {
		ID                      string
		VerifyKey               string  `json:"verify_key"`
		InteractionsEndpointURL *string `json:"interactions_endpoint_url"`
	}
	a.rest(t, 200, "GET", "/applications/@me", bot, nil, &app)
	key, err := hex.DecodeString(app.VerifyKey)
	if err != nil || len(key) != ed25519.PublicKeySize {
		t.Fatalf("verify_key %q", app.VerifyKey)
	}
	var refused atomic.Int32
	got := make(chan discordgo.Interaction, 4)
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !discordgo.VerifyInteraction(r, ed25519.PublicKey(key)) {
			refused.Add(1)
			http.Error(w, "invalid request signature", http.StatusUnauthorized)
			return
		}
		var it discordgo.Interaction
		if err := json.NewDecoder(r.Body).Decode(&it); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp := discordgo.InteractionResponse{Type: discordgo.InteractionResponsePong}
		if it.Type == discordgo.InteractionApplicationCommand {
			got <- it
			resp = discordgo.InteractionResponse{Type: discordgo.InteractionResponseChannelMessageWithSource,
				Data: &discordgo.InteractionResponseData{Content: "hello " + it.Member.User.Username + " from " + it.ApplicationCommandData().Name}}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(resp)
	}))
	defer endpoint.Close()

	// Must not: the owner's user token cannot set the bot's endpoint.
	if st, _, _ := a.restFull(t, "PATCH", "/applications/@me", s.owner, map[string]any{"interactions_endpoint_url": endpoint.URL}); st != 401 {
		t.Fatalf("owner's PATCH: %d", st)
	}
	a.rest(t, 200, "PATCH", "/applications/@me", bot, map[string]any{"interactions_endpoint_url": endpoint.URL}, &app)
	if app.InteractionsEndpointURL == nil || *app.InteractionsEndpointURL != endpoint.URL || refused.Load() == 0 {
		t.Fatalf("after PATCH %+v, %d refused", app, refused.Load())
	}

	var cmds []discordgo.ApplicationCommand
	a.rest(t, 200, "PUT", fmt.Sprintf("/applications/%s/guilds/%s/commands", app.ID, s.guildID), bot,
		[]any{map[string]any{"name": "greet", "description": "Greet"}}, &cmds)
	var reg struct{ Token string }
	a.rest(t, 201, "POST", "/auth/register", "", map[string]string{
		"username": fmt.Sprintf("dghttp_user_%d", time.Now().UnixNano()%1e9), "password": "correct horse battery staple"}, &reg)
	var me struct{ ID, Username string }
	a.rest(t, 200, "GET", "/users/@me", reg.Token, nil, &me)
	var inv struct{ Code string }
	a.rest(t, 200, "POST", "/channels/"+s.channelID+"/invites", s.owner, map[string]any{}, &inv)
	a.rest(t, 200, "POST", "/invites/"+inv.Code, reg.Token, nil, nil)
	a.rest(t, 204, "POST", "/interactions", reg.Token, map[string]any{"type": 2, "application_id": app.ID, "guild_id": s.guildID,
		"channel_id": s.channelID, "session_id": "dg", "data": map[string]any{"id": cmds[0].ID, "name": "greet", "type": 1}}, nil)
	select {
	case it := <-got:
		if it.Member == nil || it.Member.User.ID != me.ID || it.Token == "" || it.AppID != app.ID {
			t.Fatalf("interaction %+v", it)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the endpoint got no interaction")
	}
	want := "hello " + me.Username + " from greet"
	deadline := time.Now().Add(10 * time.Second)
	for {
		var msgs []struct {
			Content string
			Author  struct{ ID string }
		}
		a.rest(t, 200, "GET", "/channels/"+s.channelID+"/messages?limit=5", reg.Token, nil, &msgs)
		if len(msgs) > 0 && msgs[0].Content == want && msgs[0].Author.ID == s.botID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer %q in %+v", want, msgs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
