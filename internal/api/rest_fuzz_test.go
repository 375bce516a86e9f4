package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/server"
)

// restRoute is one REST route that takes a JSON body. Path placeholders
// name the fixture's objects: {guild}, {general} (its text channel),
// {role}, {bob} (a second member), {msg} (a message in general) and {app}.
type restRoute struct {
	method, path string
	as           string                                 // "alice" (the guild owner), "bot" or "" (no token)
	check        func(t *testing.T, obj map[string]any) // limits an accepted body's object must keep
	cleanup      string                                 // DELETE path for what was created, "{id}" its id
}

// restRoutes are the body-taking routes FuzzRESTBodies drives; the route
// index is a fuzz input, so append new routes at the end to keep the
// corpus meaningful.
var restRoutes = []restRoute{
	{method: "POST", path: "/auth/register"},
	{method: "POST", path: "/auth/login"},
	{method: "POST", path: "/applications", as: "alice", check: func(t *testing.T, o map[string]any) {
		runes(t, o, "name", 2, 32)
	}},
	{method: "PATCH", path: "/applications/@me", as: "bot", check: func(t *testing.T, o map[string]any) {
		// Only the gateway intent flags (bits 12-19) may change.
		if f, _ := o["flags"].(float64); uint64(f)&^0xFF000 != 0 {
			t.Fatalf("application flags %v", o["flags"])
		}
	}},
	{method: "POST", path: "/guilds", as: "alice", cleanup: "/guilds/{id}", check: checkGuild},
	{method: "PATCH", path: "/guilds/{guild}", as: "alice", check: checkGuild},
	{method: "POST", path: "/guilds/{guild}/channels", as: "alice", cleanup: "/channels/{id}", check: checkChannel},
	{method: "PATCH", path: "/channels/{general}", as: "alice", check: checkChannel},
	{method: "PUT", path: "/channels/{general}/permissions/{role}", as: "alice"},
	{method: "POST", path: "/guilds/{guild}/roles", as: "alice", cleanup: "/guilds/{guild}/roles/{id}", check: checkRole},
	{method: "PATCH", path: "/guilds/{guild}/roles/{role}", as: "alice", check: checkRole},
	{method: "PATCH", path: "/guilds/{guild}/members/{bob}", as: "alice", check: checkMember},
	{method: "PATCH", path: "/guilds/{guild}/members/@me", as: "alice", check: checkMember},
	{method: "POST", path: "/channels/{general}/invites", as: "alice", check: func(t *testing.T, o map[string]any) {
		number(t, o, "max_age", 0, 604800)
		number(t, o, "max_uses", 0, 100)
	}},
	{method: "POST", path: "/channels/{general}/messages", as: "alice", check: checkMessage},
	{method: "POST", path: "/channels/{general}/threads", as: "alice", cleanup: "/channels/{id}", check: checkChannel},
	{method: "PATCH", path: "/channels/{general}/messages/{msg}", as: "alice", check: checkMessage},
	{method: "POST", path: "/channels/{general}/messages/bulk-delete", as: "alice"},
	{method: "PATCH", path: "/users/@me", as: "alice", check: func(t *testing.T, o map[string]any) {
		runes(t, o, "username", 2, 32)
		runes(t, o, "global_name", 0, 32)
	}},
	{method: "PATCH", path: "/guilds/{guild}/channels", as: "alice"},
	{method: "PATCH", path: "/guilds/{guild}/roles", as: "alice"},
	{method: "POST", path: "/oauth2/authorize?client_id={app}&scope=bot", as: "alice"},
}

func checkGuild(t *testing.T, o map[string]any) {
	if name, _ := o["name"].(string); utf8.RuneCountInString(strings.TrimSpace(name)) < 2 || utf8.RuneCountInString(name) > 100 {
		t.Fatalf("guild name %q", name)
	}
}

func checkChannel(t *testing.T, o map[string]any) {
	runes(t, o, "name", 1, 100)
	runes(t, o, "topic", 0, 1024)
	switch typ, _ := o["type"].(float64); typ {
	case 0, 2, 4, 5, 15, 16: // text, voice, category, announcement, forum, media
	case 10, 11, 12: // threads, only as PATCH of a thread
	default:
		t.Fatalf("channel type %v", o["type"])
	}
	tags, _ := o["available_tags"].([]any)
	if len(tags) > 20 {
		t.Fatalf("%d forum tags", len(tags))
	}
	for _, tag := range tags {
		m, _ := tag.(map[string]any)
		runes(t, m, "name", 1, 20)
	}
	if applied, _ := o["applied_tags"].([]any); len(applied) > 5 {
		t.Fatalf("%d applied tags", len(applied))
	}
	ows, _ := o["permission_overwrites"].([]any)
	for _, ow := range ows {
		m, _ := ow.(map[string]any)
		if typ, _ := m["type"].(float64); (typ != 0 && typ != 1) || m["id"] == "0" {
			t.Fatalf("overwrite %v", ow)
		}
	}
}

func checkRole(t *testing.T, o map[string]any) { runes(t, o, "name", 1, 100) }

func checkMember(t *testing.T, o map[string]any) { runes(t, o, "nick", 0, 32) }

func checkMessage(t *testing.T, o map[string]any) {
	runes(t, o, "content", 0, 2000)
	if embeds, _ := o["embeds"].([]any); len(embeds) > 10 {
		t.Fatalf("%d embeds", len(embeds))
	}
}

// runes fails t if o[key] is a string whose length is outside lo..hi.
func runes(t *testing.T, o map[string]any, key string, lo, hi int) {
	t.Helper()
	if s, ok := o[key].(string); ok {
		if n := utf8.RuneCountInString(s); n < lo || n > hi {
			t.Fatalf("%s of %d characters, want %d-%d", key, n, lo, hi)
		}
	}
}

// number fails t if o[key] is a number outside lo..hi.
func number(t *testing.T, o map[string]any, key string, lo, hi float64) {
	t.Helper()
	if v, ok := o[key].(float64); ok && (v < lo || v > hi) {
		t.Fatalf("%s = %v, want %v-%v", key, v, lo, hi)
	}
}

// FuzzRESTBodies sends arbitrary bodies to every REST route that decodes
// one (the inline decoders of guilds, channels, roles, members, invites,
// users, applications and messages included), as the owner of a guild
// that has a channel, a role, a second member, a message and a bot. An
// answer is 2xx with a JSON object that keeps Discord's limits, or 4xx
// with Discord's error body; never a 5xx.
func FuzzRESTBodies(f *testing.F) {
	seeds := map[int][]string{
		0:  {`{"username":"fuzzer","password":"password123"}`, `{"username":"x","password":"1"}`, `{"username":"a b","password":"password123","global_name":"G"}`},
		1:  {`{"login":"nobody","password":"password123"}`, `{"login":5}`},
		2:  {`{"name":"Pinger"}`, `{"name":" p "}`, `{"name":"` + strings.Repeat("n", 33) + `"}`},
		3:  {`{"flags":524288}`, `{"flags":1}`, `{"flags":-1}`, `{}`},
		4:  {`{"name":"fuzz guild"}`, `{"name":"x"}`, `{"name":"  ab  "}`, `{"name":null}`},
		5:  {`{"name":"renamed","description":"d","icon":null,"system_channel_id":null}`, `{"name":" "}`, `{"system_channel_id":"1"}`},
		6:  {`{"name":"Two Words","type":0,"topic":"t","permission_overwrites":[{"id":"{guild}","type":0,"deny":"1024"}]}`, `{"name":"v","type":2}`, `{"name":"c","type":5}`, `{"name":"x","permission_overwrites":[{"id":"1","type":7}]}`},
		7:  {`{"name":"general","topic":null,"nsfw":true,"rate_limit_per_user":5}`, `{"name":""}`, `{"permission_overwrites":[]}`, `{"parent_id":"1"}`},
		8:  {`{"type":0,"allow":"2048","deny":"1024"}`, `{"type":1}`, `{"type":3}`, `{"allow":"x"}`},
		9:  {``, `{}`, `{"name":"mods","permissions":"8","color":255,"hoist":true}`, `{"name":""}`},
		10: {`{"name":"renamed","permissions":"1024"}`, `{"permissions":"18446744073709551615"}`, `{"position":1}`},
		11: {`{"nick":"bobby"}`, `{"nick":null}`, `{"roles":["{role}"]}`, `{"nick":"` + strings.Repeat("n", 33) + `"}`},
		12: {`{"nick":"owner"}`, `{"roles":[]}`},
		13: {``, `{}`, `{"max_age":0,"max_uses":100}`, `{"max_age":604801}`, `{"max_uses":-1}`},
		14: {`{"content":"hi"}`, `{"content":"x","message_reference":{"message_id":"{msg}"}}`, `{"embeds":[{"title":"t"}]}`},
		15: {`{"content":"edited"}`, `{"content":null,"embeds":null}`, `{"embeds":[{"description":"d"}]}`, `{"flags":4}`},
		16: {`{"messages":["1","2"]}`, `{"messages":[]}`, `{"messages":["{msg}","{msg}"]}`},
		17: {`{"global_name":"Alice"}`, `{"avatar":null}`, `{"username":"a"}`},
		18: {`[{"id":"{general}","position":1,"parent_id":null}]`, `[]`, `{}`},
		19: {`[{"id":"{role}","position":1}]`, `[{"id":"1"}]`},
		20: {`{"guild_id":"{guild}","authorize":true,"permissions":"2048"}`, `{"authorize":false}`, `{"guild_id":"1","authorize":true}`},
	}
	for route, bodies := range seeds {
		for _, b := range bodies {
			f.Add(uint8(route), []byte(b))
		}
	}

	// Fuzzing is a load test: buckets would answer most bodies with 429.
	s := accordtest.RunServer(f, server.Config{DisableRateLimits: true})
	alice := s.Register(f, "fuzz")
	g, general := alice.CreateGuild(f, "fuzz guild")
	bob := s.Register(f, "fuzzbob")
	bob.Join(f, alice, general)
	var role, app struct {
		ID  chat.ID `json:"id"`
		Bot struct {
			ID chat.ID `json:"id"`
		} `json:"bot"`
	}
	alice.Must(f, 200, "POST", fmt.Sprintf("/guilds/%d/roles", g.ID), map[string]string{"name": "fuzzed"}, &role)
	msg := alice.Send(f, general, "fuzz me")
	alice.Must(f, 201, "POST", "/applications", map[string]string{"name": "fuzzbot"}, &app)
	var tok struct {
		Token string `json:"token"`
	}
	alice.Must(f, 200, "POST", fmt.Sprintf("/applications/%d/bot/reset-token", app.ID), nil, &tok)
	clients := map[string]*accordtest.Client{
		"":      s.Anonymous(),
		"alice": alice,
		"bot":   {S: s, Token: tok.Token, Prefix: "Bot ", UserID: app.Bot.ID},
	}
	fill := strings.NewReplacer("{guild}", g.ID.String(), "{general}", general.String(), "{role}", role.ID.String(),
		"{bob}", bob.UserID.String(), "{msg}", msg.ID.String(), "{app}", app.ID.String())

	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		rt := restRoutes[int(route)%len(restRoutes)]
		// Placeholders in a body name the fixture too, so seeds can
		// refer to real objects.
		body = []byte(fill.Replace(string(body)))
		status, resp, err := clients[rt.as].Request(rt.method, fill.Replace(rt.path), body)
		if err != nil {
			t.Fatalf("%s %s: %v", rt.method, rt.path, err)
		}
		switch {
		case status == http.StatusNoContent:
			return
		case status >= 200 && status < 300:
			var obj map[string]any
			if err := json.Unmarshal(resp, &obj); err != nil {
				var list []any
				if json.Unmarshal(resp, &list) != nil {
					t.Fatalf("%s %s %q: %d with body %q", rt.method, rt.path, body, status, resp)
				}
				return
			}
			if rt.check != nil {
				rt.check(t, obj)
			}
			if id, ok := obj["id"].(string); ok && rt.cleanup != "" {
				p := fill.Replace(strings.ReplaceAll(rt.cleanup, "{id}", id))
				if st, b, err := alice.Request("DELETE", p, nil); err != nil || st >= 300 {
					t.Fatalf("cleanup DELETE %s: %d %s %v", p, st, b, err)
				}
			}
		case status >= 400 && status < 500:
			checkErrorBody(t, status, resp)
		default:
			t.Fatalf("%s %s %q: status %d, body %s", rt.method, rt.path, body, status, resp)
		}
	})
}

// checkErrorBody fails t unless body is Discord's error body for status:
// {"code", "message"[, "errors"]}, or for 429 {"message", "retry_after"}.
func checkErrorBody(t *testing.T, status int, body []byte) {
	t.Helper()
	var e struct {
		Code       *int            `json:"code"`
		Message    *string         `json:"message"`
		RetryAfter *float64        `json:"retry_after"`
		Errors     json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Message == nil ||
		(status == http.StatusTooManyRequests && e.RetryAfter == nil) ||
		(status != http.StatusTooManyRequests && e.Code == nil) {
		t.Fatalf("status %d: body %q is not Discord's error body (%v)", status, body, err)
	}
	if len(e.Errors) > 0 && e.Errors[0] != '{' {
		t.Fatalf("status %d: errors %s is not an object", status, e.Errors)
	}
}
