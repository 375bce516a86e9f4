package gateway_test

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/poll"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

// These tests run the gateway inside a real server (store, guild actors,
// REST) through accordtest.RunServer.

func gatewayURL(t *testing.T, s *accordtest.Server) string {
	t.Helper()
	var gw struct {
		URL string `json:"url"`
	}
	s.Anonymous().Must(t, 200, "GET", "/gateway", nil, &gw)
	return gw.URL + "?v=10&encoding=json"
}

// connect opens a gateway session for c and reads READY and the
// GUILD_CREATEs of its guilds.
func connect(t *testing.T, s *accordtest.Server, c *accordtest.Client, intents protocol.Intents) (*client, readyData) {
	t.Helper()
	g := dial(t, gatewayURL(t, s))
	hello(t, g)
	r := g.identify(c.Token, intents, nil)
	for range r.Guilds {
		f := g.expect(protocol.OpDispatch, "GUILD_CREATE")
		var gc struct {
			Unavailable *bool             `json:"unavailable"`
			Channels    []json.RawMessage `json:"channels"`
		}
		if err := json.Unmarshal(f.D, &gc); err != nil || gc.Unavailable == nil || *gc.Unavailable || gc.Channels == nil {
			t.Fatalf("GUILD_CREATE %.300s", f.D)
		}
	}
	return g, r
}

// nextMessage skips dispatches other than MESSAGE_CREATE and returns the
// next message's content and channel.
func nextMessage(t *testing.T, g *client) (content string, channelID chat.ID, raw json.RawMessage) {
	t.Helper()
	for {
		f := g.next()
		if f.T != "MESSAGE_CREATE" {
			continue
		}
		var m struct {
			Content   string  `json:"content"`
			ChannelID chat.ID `json:"channel_id"`
		}
		if err := json.Unmarshal(f.D, &m); err != nil {
			t.Fatal(err)
		}
		return m.Content, m.ChannelID, f.D
	}
}

// post sends a message over REST and returns the reply's raw JSON.
func post(t *testing.T, c *accordtest.Client, channelID chat.ID, content string) json.RawMessage {
	t.Helper()
	var raw json.RawMessage
	c.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/messages", channelID), map[string]string{"content": content}, &raw)
	return raw
}

func TestEndToEndMessageCreateMatchesREST(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{})
	alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
	_, general := alice.CreateGuild(t, "e2e")
	bob.Join(t, alice, general)
	g, r := connect(t, s, bob, protocol.IntentGuilds|protocol.IntentGuildMessages|protocol.IntentMessageContent)
	if r.User.ID != bob.UserID || len(r.Guilds) != 1 {
		t.Fatalf("READY %+v", r)
	}
	rest := post(t, alice, general, "hello bob")
	content, ch, raw := nextMessage(t, g)
	if content != "hello bob" || ch != general {
		t.Fatalf("MESSAGE_CREATE %s", raw)
	}
	var want, got map[string]json.RawMessage
	_ = json.Unmarshal(rest, &want)
	_ = json.Unmarshal(raw, &got)
	for k, v := range want {
		if string(got[k]) != string(v) {
			t.Errorf("field %q: REST %s, gateway %s", k, v, got[k])
		}
	}
	if got["guild_id"] == nil {
		t.Errorf("MESSAGE_CREATE without guild_id: %s", raw)
	}
}

func TestEndToEndViewChannelOverwrite(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{})
	alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
	gd, general := alice.CreateGuild(t, "perm")
	bob.Join(t, alice, general)
	var other struct {
		ID chat.ID `json:"id"`
	}
	alice.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/channels", gd.ID), map[string]any{"name": "other"}, &other)
	g, _ := connect(t, s, bob, protocol.IntentGuilds|protocol.IntentGuildMessages|protocol.IntentMessageContent)

	post(t, alice, general, "one")
	if c, _, _ := nextMessage(t, g); c != "one" {
		t.Fatalf("got %q, want one", c)
	}
	ow := fmt.Sprintf("/channels/%d/permissions/%d", general, bob.UserID)
	alice.Must(t, 204, "PUT", ow, map[string]any{"type": 1, "allow": "0", "deny": fmt.Sprint(protocol.PermViewChannel)}, nil)
	post(t, alice, general, "hidden")
	post(t, alice, other.ID, "marker")
	// The guild's events are ordered, so the marker coming first proves the
	// hidden message was not delivered.
	if c, _, _ := nextMessage(t, g); c != "marker" {
		t.Fatalf("got %q, want marker (the hidden message leaked)", c)
	}
	alice.Must(t, 204, "DELETE", ow, nil, nil)
	post(t, alice, general, "visible again")
	if c, ch, _ := nextMessage(t, g); c != "visible again" || ch != general {
		t.Fatalf("got %q in %d, want \"visible again\"", c, ch)
	}
}

func TestEndToEndResume(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{})
	alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
	_, general := alice.CreateGuild(t, "resume")
	bob.Join(t, alice, general)
	g, r := connect(t, s, bob, protocol.IntentGuilds|protocol.IntentGuildMessages|protocol.IntentMessageContent)
	post(t, alice, general, "before")
	var last int64
	for {
		f := g.next()
		last = *f.S
		if f.T == "MESSAGE_CREATE" {
			break
		}
	}
	_ = g.nc.Close() // a network failure: no close frame
	poll.Until(t, 2*time.Second, 2*time.Millisecond, func() error {
		if n := s.Gateway.Stats().Connections; n != 0 {
			return fmt.Errorf("%d connections", n)
		}
		return nil
	})
	for i := range 3 {
		post(t, alice, general, fmt.Sprintf("missed %d", i))
	}
	g2 := dial(t, r.ResumeGatewayURL+"?v=10&encoding=json")
	hello(t, g2)
	g2.send(protocol.OpResume, map[string]any{"token": bob.Token, "session_id": r.SessionID, "seq": last})
	for i := range 3 {
		f := g2.expect(protocol.OpDispatch, "MESSAGE_CREATE")
		var m struct {
			Content string `json:"content"`
		}
		_ = json.Unmarshal(f.D, &m)
		if m.Content != fmt.Sprintf("missed %d", i) || *f.S != last+int64(i)+1 {
			t.Fatalf("replay %d: s=%d %s", i, *f.S, f.D)
		}
	}
	g2.expect(protocol.OpDispatch, "RESUMED")
}

// bot makes an application, authorises its bot into the guild and returns
// the bot's client.
func bot(t *testing.T, s *accordtest.Server, owner *accordtest.Client, guildID chat.ID) *accordtest.Client {
	t.Helper()
	var app struct {
		ID  chat.ID `json:"id"`
		Bot struct {
			ID chat.ID `json:"id"`
		} `json:"bot"`
	}
	owner.Must(t, 201, "POST", "/applications", map[string]string{"name": "bot"}, &app)
	var tok struct {
		Token string `json:"token"`
	}
	owner.Must(t, 200, "POST", fmt.Sprintf("/applications/%d/bot/reset-token", app.ID), nil, &tok)
	owner.Must(t, 200, "POST", fmt.Sprintf("/oauth2/authorize?client_id=%d&scope=bot&permissions=0", app.ID),
		map[string]any{"guild_id": guildID, "authorize": true}, nil)
	return &accordtest.Client{S: s, Token: tok.Token, Prefix: "Bot ", UserID: app.Bot.ID}
}

// burstyBots lets one bot IDENTIFY twice at once, which Discord (and
// Accord by default) refuses with op 9 within 5 s (max_concurrency 1).
var burstyBots = server.Config{Gateway: server.GatewayConfig{Options: gateway.Config{IdentifyWindow: time.Nanosecond}}}

func TestEndToEndIntents(t *testing.T) {
	s := accordtest.RunServer(t, burstyBots)
	alice := s.Register(t, "alice")
	gd, general := alice.CreateGuild(t, "intents")
	b := bot(t, s, alice, gd.ID)

	noMessages, r := connect(t, s, b, protocol.IntentGuilds)
	if r.Application == nil || r.Application.ID == 0 {
		t.Fatalf("bot READY without application: %+v", r)
	}
	noContent, _ := connect(t, s, b, protocol.IntentGuilds|protocol.IntentGuildMessages)

	post(t, alice, general, "secret")
	post(t, alice, general, fmt.Sprintf("<@%d> hello", b.UserID))
	alice.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/channels", gd.ID), map[string]any{"name": "marker"}, nil)

	// Without GUILD_MESSAGES: the CHANNEL_CREATE marker comes first.
	for {
		f := noMessages.next()
		if f.T == "MESSAGE_CREATE" {
			t.Fatalf("MESSAGE_CREATE without GUILD_MESSAGES: %s", f.D)
		}
		if f.T == "CHANNEL_CREATE" {
			break
		}
	}
	// Without MESSAGE_CONTENT: content only where the bot is mentioned.
	if c, _, raw := nextMessage(t, noContent); c != "" {
		t.Fatalf("content without MESSAGE_CONTENT: %s", raw)
	}
	if c, _, raw := nextMessage(t, noContent); c != fmt.Sprintf("<@%d> hello", b.UserID) {
		t.Fatalf("mention lost its content: %s", raw)
	}
}

func TestEndToEndRequestGuildMembers(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{})
	alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
	gd, general := alice.CreateGuild(t, "members")
	bob.Join(t, alice, general)
	g, _ := connect(t, s, alice, protocol.IntentGuilds|protocol.IntentGuildMembers)
	g.send(protocol.OpRequestGuildMembers, map[string]any{"guild_id": gd.ID, "query": "", "limit": 0, "nonce": "x"})
	for {
		f := g.next()
		if f.T != "GUILD_MEMBERS_CHUNK" {
			continue
		}
		var ch protocol.GuildMembersChunk
		if err := json.Unmarshal(f.D, &ch); err != nil {
			t.Fatal(err)
		}
		if len(ch.Members) != 2 || ch.Nonce != "x" || ch.ChunkCount != 1 {
			t.Fatalf("chunk %s", f.D)
		}
		return
	}
}

func TestEndToEndMetrics(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{})
	alice := s.Register(t, "alice")
	alice.CreateGuild(t, "metrics")
	connect(t, s, alice, protocol.IntentGuilds)
	resp, err := s.HTTP.Get(s.MetricsURL() + "/metrics")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /metrics: %v %v", resp, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"accord_gateway_identified_total 1", "accord_gateway_connections 1", "accord_gateway_sessions 1"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// TestEndToEndTokenResetEndsBotSessions: resetting a bot's token closes its
// live session with 4004 (terminal) and the old token cannot resume it or
// identify again, while the new token works.
func TestEndToEndTokenResetEndsBotSessions(t *testing.T) {
	s := accordtest.RunServer(t, burstyBots)
	alice := s.Register(t, "alice")
	gd, _ := alice.CreateGuild(t, "reset")
	b := bot(t, s, alice, gd.ID)
	g, r := connect(t, s, b, protocol.IntentGuilds)

	var app struct {
		ID chat.ID `json:"id"`
	}
	b.Must(t, 200, "GET", "/oauth2/applications/@me", nil, &app)
	var tok struct {
		Token string `json:"token"`
	}
	alice.Must(t, 200, "POST", fmt.Sprintf("/applications/%d/bot/reset-token", app.ID), nil, &tok)
	g.expectClose(int(protocol.CloseAuthenticationFailed))

	old := dial(t, gatewayURL(t, s))
	hello(t, old)
	old.send(protocol.OpResume, map[string]any{"token": b.Token, "session_id": r.SessionID, "seq": 1})
	old.expectClose(int(protocol.CloseAuthenticationFailed))

	renewed := *b
	renewed.Token = tok.Token
	_, r2 := connect(t, s, &renewed, protocol.IntentGuilds)
	if r2.User.ID != b.UserID || r2.SessionID == r.SessionID {
		t.Fatalf("READY after reset: %+v", r2)
	}
}
