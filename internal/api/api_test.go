package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

func run(t *testing.T) *accordtest.Server {
	t.Helper()
	return accordtest.RunServer(t, server.Config{})
}

func wantCode(t *testing.T, e accordtest.APIError, status, code int) {
	t.Helper()
	if e.Status != status || e.Code != code {
		t.Fatalf("got status %d code %d (%q), want %d / %d; errors %s", e.Status, e.Code, e.Message, status, code, e.Errors)
	}
}

func TestHealthzAndUnknownRoutes(t *testing.T) {
	s := run(t)
	resp, err := http.Get(s.URL() + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", resp, err)
	}
	resp.Body.Close()
	a := s.Anonymous()
	e := a.Fail(t, "GET", "/no/such/route", nil)
	wantCode(t, e, 404, 0)
	if e.Message != "404: Not Found" {
		t.Errorf("404 message %q", e.Message)
	}
	e = a.Fail(t, "PUT", "/guilds", nil)
	wantCode(t, e, 405, 0)
	if e.Message != "405: Method Not Allowed" {
		t.Errorf("405 message %q", e.Message)
	}
}

func TestUnauthorized(t *testing.T) {
	s := run(t)
	for _, auth := range []string{"", "Bot nope", "garbage.token.value", "Bearer x"} {
		c := &accordtest.Client{S: s, Token: auth}
		st, b, err := c.Request("GET", "/users/@me", nil)
		if err != nil {
			t.Fatal(err)
		}
		if st != 401 || string(b) != `{"message":"401: Unauthorized","code":0}` {
			t.Errorf("auth %q: %d %s", auth, st, b)
		}
	}
}

func TestRegisterLoginAndUsers(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	a := s.Anonymous()

	// Duplicate usernames and bad input are 50035 with field paths.
	e := a.Fail(t, "POST", "/auth/register", map[string]string{"username": alice.Username, "password": "password123"})
	wantCode(t, e, 400, protocol.CodeInvalidFormBody)
	if !strings.Contains(string(e.Errors), "USERNAME_ALREADY_TAKEN") {
		t.Errorf("errors %s", e.Errors)
	}
	e = a.Fail(t, "POST", "/auth/register", map[string]string{"username": "x", "password": "1"})
	if !strings.Contains(string(e.Errors), `"username"`) || !strings.Contains(string(e.Errors), `"password"`) {
		t.Errorf("errors %s", e.Errors)
	}

	var login struct {
		Token  string  `json:"token"`
		UserID chat.ID `json:"user_id"`
	}
	a.Must(t, 200, "POST", "/auth/login", map[string]string{"login": alice.Username, "password": "password123"}, &login)
	if login.UserID != alice.UserID || login.Token == "" || login.Token == alice.Token {
		t.Fatalf("login %+v", login)
	}
	wantCode(t, a.Fail(t, "POST", "/auth/login", map[string]string{"login": alice.Username, "password": "wrong"}), 400, 50035)

	// Every accepted Authorization form of a user token. "Bot " is not one
	// of them (issue 11: Discord refuses it; TestBotSchemeOnlyForBots).
	for _, prefix := range []string{"", "Bearer "} {
		c := &accordtest.Client{S: s, Token: login.Token, Prefix: prefix}
		var me struct {
			ID       chat.ID `json:"id"`
			Username string  `json:"username"`
		}
		c.Must(t, 200, "GET", "/users/@me", nil, &me)
		if me.ID != alice.UserID {
			t.Fatalf("me %+v", me)
		}
	}
	for _, p := range []string{"/api/v9", "/api"} {
		if st := alice.Do(t, "GET", s.URL()+p+"/users/@me", nil, nil); st != 200 {
			t.Errorf("%s alias: %d", p, st)
		}
	}

	var me map[string]any
	alice.Must(t, 200, "PATCH", "/users/@me", map[string]any{"global_name": "Alice A."}, &me)
	if me["global_name"] != "Alice A." || me["discriminator"] != "0" {
		t.Errorf("patched me %v", me)
	}
	bob := s.Register(t, "bob")
	wantCode(t, bob.Fail(t, "PATCH", "/users/@me", map[string]any{"username": alice.Username}), 400, 50035)

	var u map[string]any
	bob.Must(t, 200, "GET", fmt.Sprintf("/users/%d", alice.UserID), nil, &u)
	if u["id"] != alice.UserID.String() || u["global_name"] != "Alice A." {
		t.Errorf("user %v", u)
	}
	if _, ok := u["email"]; ok {
		t.Errorf("other users' objects must not carry private fields: %v", u)
	}
	wantCode(t, bob.Fail(t, "GET", "/users/12345", nil), 404, protocol.CodeUnknownUser)
	wantCode(t, bob.Fail(t, "GET", "/users/abc", nil), 400, protocol.CodeInvalidFormBody)
}

func TestBodyErrors(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	_, ch := alice.CreateGuild(t, "gg")
	path := fmt.Sprintf("/channels/%d/messages", ch)
	wantCode(t, alice.Fail(t, "POST", path, `{"content": "x"`), 400, protocol.CodeInvalidJSON)
	wantCode(t, alice.Fail(t, "POST", path, ``), 400, protocol.CodeInvalidJSON)
	wantCode(t, alice.Fail(t, "POST", path, `{"content": 5}`), 400, protocol.CodeInvalidFormBody)
	big := `{"content":"` + strings.Repeat("a", 2<<20) + `"}`
	wantCode(t, alice.Fail(t, "POST", path, big), 413, protocol.CodeEntityTooLarge)
	// A non-JSON content type is refused with 50035.
	req, _ := http.NewRequest("POST", s.Base+path, strings.NewReader("<x/>"))
	req.Header.Set("Authorization", alice.Token)
	req.Header.Set("Content-Type", "application/xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var e accordtest.APIError
	_ = json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != 400 || e.Code != 50035 {
		t.Errorf("xml body: %d %+v", resp.StatusCode, e)
	}
}

func TestGateway(t *testing.T) {
	s := run(t)
	a := s.Anonymous()
	var gw struct {
		URL string `json:"url"`
	}
	a.Must(t, 200, "GET", "/gateway", nil, &gw)
	if gw.URL != "ws://"+s.Addr()+"/gateway" {
		t.Errorf("gateway url %q", gw.URL)
	}
	wantCode(t, (&accordtest.Client{S: s, Token: "Bot bad"}).Fail(t, "GET", "/gateway/bot", nil), 401, 0)
	alice := s.Register(t, "alice")
	var bot struct {
		URL               string `json:"url"`
		Shards            int    `json:"shards"`
		SessionStartLimit struct {
			Total, Remaining, ResetAfter, MaxConcurrency int
		} `json:"session_start_limit"`
	}
	var raw map[string]any
	alice.Must(t, 200, "GET", "/gateway/bot", nil, &raw)
	b, _ := json.Marshal(raw)
	_ = json.Unmarshal(b, &bot)
	ssl := raw["session_start_limit"].(map[string]any)
	if bot.URL != gw.URL || bot.Shards != 1 || ssl["total"] != 1000.0 || ssl["remaining"] != 1000.0 ||
		ssl["reset_after"] != 86400000.0 || ssl["max_concurrency"] != 1.0 {
		t.Errorf("gateway/bot %s", b)
	}
}

func TestApplicationsBotsAndOAuth(t *testing.T) {
	s := run(t)
	owner := s.Register(t, "owner")
	g, ch := owner.CreateGuild(t, "with bot")
	var app struct {
		ID    chat.ID `json:"id"`
		Name  string  `json:"name"`
		Flags uint64  `json:"flags"`
		Bot   struct {
			ID  chat.ID `json:"id"`
			Bot bool    `json:"bot"`
		} `json:"bot"`
	}
	owner.Must(t, 201, "POST", "/applications", map[string]string{"name": "Pinger"}, &app)
	if !app.Bot.Bot || app.Bot.ID == 0 || app.Flags&(1<<19) == 0 {
		t.Fatalf("app %+v", app)
	}
	other := s.Register(t, "other")
	wantCode(t, other.Fail(t, "POST", fmt.Sprintf("/applications/%d/bot/reset-token", app.ID), nil), 403, protocol.CodeMissingAccess)
	wantCode(t, owner.Fail(t, "POST", "/applications/1/bot/reset-token", nil), 404, protocol.CodeUnknownApplication)
	var tok struct {
		Token string `json:"token"`
	}
	owner.Must(t, 200, "POST", fmt.Sprintf("/applications/%d/bot/reset-token", app.ID), nil, &tok)
	bot := &accordtest.Client{S: s, Token: tok.Token, Prefix: "Bot ", UserID: app.Bot.ID}
	var me struct {
		ID  chat.ID `json:"id"`
		Bot bool    `json:"bot"`
	}
	bot.Must(t, 200, "GET", "/users/@me", nil, &me)
	if me.ID != app.Bot.ID || !me.Bot {
		t.Fatalf("bot me %+v", me)
	}
	bot.Must(t, 200, "GET", "/gateway/bot", nil, nil)
	var mine struct {
		ID    chat.ID `json:"id"`
		Flags uint64  `json:"flags"`
	}
	bot.Must(t, 200, "PATCH", "/applications/@me", map[string]any{"flags": 1 << 19}, &mine)
	for _, p := range []string{"/applications/@me", "/oauth2/applications/@me"} {
		bot.Must(t, 200, "GET", p, nil, &mine)
		if mine.ID != app.ID || mine.Flags != 1<<19 {
			t.Errorf("%s: %+v", p, mine)
		}
	}

	// Before authorisation the bot cannot post.
	wantCode(t, bot.Fail(t, "POST", fmt.Sprintf("/channels/%d/messages", ch), map[string]string{"content": "hi"}), 403, protocol.CodeMissingAccess)
	authorize := fmt.Sprintf("/oauth2/authorize?client_id=%d&scope=bot&permissions=%d", app.ID, protocol.PermManageMessages)
	wantCode(t, other.Fail(t, "POST", authorize, map[string]any{"guild_id": g.ID, "authorize": true}), 403, protocol.CodeMissingAccess)
	owner.Must(t, 200, "POST", authorize, map[string]any{"guild_id": g.ID, "authorize": true}, nil)
	m := bot.Send(t, ch, "hello from a bot")
	if m.Author.ID != app.Bot.ID {
		t.Errorf("bot message %+v", m)
	}
	var member struct {
		Roles []chat.ID `json:"roles"`
	}
	owner.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/members/%d", g.ID, app.Bot.ID), nil, &member)
	if len(member.Roles) != 1 {
		t.Fatalf("bot member roles %v", member.Roles)
	}
	var roles []struct {
		ID          chat.ID `json:"id"`
		Managed     bool    `json:"managed"`
		Permissions string  `json:"permissions"`
	}
	owner.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/roles", g.ID), nil, &roles)
	found := false
	for _, r := range roles {
		if r.ID == member.Roles[0] {
			found = r.Managed && r.Permissions == fmt.Sprint(protocol.PermManageMessages)
		}
	}
	if !found {
		t.Errorf("bot role not managed with the granted permissions: %+v", roles)
	}
	// The bot can now delete someone else's message (MANAGE_MESSAGES).
	om := owner.Send(t, ch, "delete me")
	bot.Must(t, 204, "DELETE", fmt.Sprintf("/channels/%d/messages/%d", ch, om.ID), nil, nil)
}

func TestInvites(t *testing.T) {
	s := run(t)
	owner := s.Register(t, "owner")
	g, ch := owner.CreateGuild(t, "invites")
	var inv struct {
		Code    string `json:"code"`
		MaxUses int    `json:"max_uses"`
		Guild   struct {
			ID chat.ID `json:"id"`
		} `json:"guild"`
		Channel struct {
			ID chat.ID `json:"id"`
		} `json:"channel"`
	}
	owner.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/invites", ch), map[string]any{"max_uses": 1}, &inv)
	if inv.Guild.ID != g.ID || inv.Channel.ID != ch || inv.MaxUses != 1 {
		t.Fatalf("invite %+v", inv)
	}
	var info map[string]any
	s.Anonymous().Must(t, 200, "GET", "/invites/"+inv.Code+"?with_counts=true", nil, &info)
	if info["approximate_member_count"] != 1.0 {
		t.Errorf("invite info %v", info)
	}
	bob := s.Register(t, "bob")
	bob.Must(t, 200, "POST", "/invites/"+inv.Code, nil, nil)
	bob.Send(t, ch, "joined")
	// Used up: a second user cannot join with it.
	carol := s.Register(t, "carol")
	wantCode(t, carol.Fail(t, "POST", "/invites/"+inv.Code, nil), 404, protocol.CodeUnknownInvite)
	wantCode(t, carol.Fail(t, "GET", "/invites/nope", nil), 404, protocol.CodeUnknownInvite)
	// An outsider cannot make invites.
	wantCode(t, carol.Fail(t, "POST", fmt.Sprintf("/channels/%d/invites", ch), map[string]any{}), 403, protocol.CodeMissingAccess)
}
