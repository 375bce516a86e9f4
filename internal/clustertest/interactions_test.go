//go:build cluster

package clustertest

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
)

// TestCrossNodeInteractions: a command invoked through one node reaches
// the bot's sessions on every node as INTERACTION_CREATE; the interaction
// lives at the guild's owner, which its token names, and a callback and
// follow-ups sent to the other nodes are carried there; the invoker's
// sessions on every node hear the success and the ephemeral answer, a
// bystander's do not. Then the same with an HTTP interactions endpoint.
func TestCrossNodeInteractions(t *testing.T) {
	c := startCluster(t, 3)
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	owner := n1.api().Register(t, "owner")
	g, general := owner.CreateGuild(t, "cmds")
	bob := n2.api().Register(t, "bob")
	as(bob, n3).Join(t, as(owner, n2), general)
	carol := n3.api().Register(t, "carol")
	as(carol, n1).Join(t, as(owner, n3), general)
	bot := addBot(t, owner, g.ID)
	var app struct {
		ID        chat.ID `json:"id"`
		VerifyKey string  `json:"verify_key"`
	}
	as(bot, n2).Must(t, http.StatusOK, "GET", "/applications/@me", nil, &app)
	var cmds []struct {
		ID chat.ID `json:"id"`
	}
	as(bot, n3).Must(t, http.StatusOK, "PUT", fmt.Sprintf("/applications/%d/guilds/%d/commands", app.ID, g.ID),
		[]any{map[string]any{"name": "ping", "description": "Ping"}}, &cmds)

	var bots, bobs []*gw
	for _, nd := range c.nodes {
		bots = append(bots, c.connect(t, "bot@"+nd.id, bot, nd))
		bobs = append(bobs, c.connect(t, "bob@"+nd.id, bob, nd))
	}
	cg := c.connect(t, "carol@n1", carol, n1)
	waitGuild(t, g.ID, append(append(bots, bobs...), cg)...)

	invoke := func(through *node, nonce string) {
		t.Helper()
		as(bob, through).Must(t, http.StatusNoContent, "POST", "/interactions", map[string]any{"type": 2, "application_id": app.ID,
			"guild_id": g.ID, "channel_id": general, "session_id": "s", "nonce": nonce,
			"data": map[string]any{"id": cmds[0].ID, "type": 1}}, nil)
	}
	invoke(n2, "cross")
	var it struct {
		ID    chat.ID `json:"id"`
		Token string  `json:"token"`
	}
	for _, b := range bots { // on every node, whichever created it
		e := b.waitEvent(t, "INTERACTION_CREATE", func(e event) bool { return e.name == "INTERACTION_CREATE" })
		if err := json.Unmarshal(e.d, &it); err != nil || it.Token == "" {
			t.Fatalf("%s: INTERACTION_CREATE %s", b.name, e.d)
		}
	}
	home := it.Token[strings.LastIndex(it.Token, ".")+1:]
	var others []*node
	for _, nd := range c.nodes {
		if nd.id != home {
			others = append(others, nd)
		}
	}
	if len(others) != 2 {
		t.Fatalf("token %q names node %q, not one of %s", it.Token, home, c)
	}
	anon := func(nd *node) *accordtest.Client { return nd.api().Anonymous() }
	anon(others[0]).Must(t, http.StatusNoContent, "POST", fmt.Sprintf("/interactions/%d/%s/callback", it.ID, it.Token),
		map[string]any{"type": 4, "data": map[string]any{"content": "secret pong", "flags": 64}}, nil)
	e := anon(others[1]).Fail(t, "POST", fmt.Sprintf("/interactions/%d/%s/callback", it.ID, it.Token),
		map[string]any{"type": 4, "data": map[string]any{"content": "again"}})
	if e.Status != http.StatusBadRequest || e.Code != 40060 {
		t.Fatalf("second callback through %s: %d %d %s", others[1].id, e.Status, e.Code, e.Message)
	}
	var follow struct {
		ID      chat.ID `json:"id"`
		Content string  `json:"content"`
	}
	anon(others[1]).Must(t, http.StatusOK, "POST", fmt.Sprintf("/webhooks/%d/%s", app.ID, it.Token), map[string]any{"content": "public follow-up"}, &follow)
	var edited struct {
		Content string `json:"content"`
	}
	anon(others[0]).Must(t, http.StatusOK, "PATCH", fmt.Sprintf("/webhooks/%d/%s/messages/%d", app.ID, it.Token, follow.ID),
		map[string]any{"content": "edited follow-up"}, &edited)
	if edited.Content != "edited follow-up" {
		t.Fatalf("edit through %s: %+v", others[0].id, edited)
	}
	// A forged token naming a node gets nothing anywhere.
	e = anon(others[0]).Fail(t, "POST", fmt.Sprintf("/interactions/%d/%s/callback", it.ID, it.Token[:20]+"x."+home),
		map[string]any{"type": 4, "data": map[string]any{"content": "forged"}})
	if e.Status != http.StatusNotFound || e.Code != 10062 {
		t.Fatalf("forged token: %d %d", e.Status, e.Code)
	}
	for _, b := range bobs {
		b.waitEvent(t, "INTERACTION_SUCCESS", named("INTERACTION_SUCCESS", func(d eventData) bool { return d.ID == it.ID }))
		b.waitEvent(t, "ephemeral answer", named("MESSAGE_CREATE", func(d eventData) bool { return d.Content == "secret pong" }))
		b.waitEvent(t, "follow-up", named("MESSAGE_CREATE", func(d eventData) bool { return d.ID == follow.ID }))
	}
	// Must not see: carol got the follow-up but not the ephemeral answer.
	cg.waitEvent(t, "follow-up", named("MESSAGE_CREATE", func(d eventData) bool { return d.ID == follow.ID }))
	for _, ev := range cg.last().events {
		if ev.name == "MESSAGE_CREATE" && ev.f.Content == "secret pong" || ev.name == "INTERACTION_SUCCESS" {
			t.Fatalf("carol got %s %s", ev.name, ev.d)
		}
	}

	// HTTP interactions: the endpoint is verified through one node; an
	// invocation through another is posted by the guild's owner.
	pub, _ := hex.DecodeString(app.VerifyKey)
	endpoint := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sig, _ := hex.DecodeString(r.Header.Get("X-Signature-Ed25519"))
		if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, append([]byte(r.Header.Get("X-Signature-Timestamp")), body...), sig) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var in struct {
			Type int `json:"type"`
		}
		_ = json.Unmarshal(body, &in)
		w.Header().Set("Content-Type", "application/json")
		if in.Type == 1 {
			_, _ = w.Write([]byte(`{"type":1}`))
			return
		}
		_, _ = w.Write([]byte(`{"type":4,"data":{"content":"pong over http"}}`))
	}))
	defer endpoint.Close()
	as(bot, n3).Must(t, http.StatusOK, "PATCH", "/applications/@me", map[string]any{"interactions_endpoint_url": endpoint.URL}, nil)
	invoke(others[1], "http")
	for _, b := range bobs {
		b.waitEvent(t, "answer over http", named("MESSAGE_CREATE", func(d eventData) bool {
			return d.Content == "pong over http" && d.Author.ID == bot.UserID
		}))
	}
}
