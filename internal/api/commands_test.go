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
)

// testApp is an application with its bot's client.
type testApp struct {
	ID  chat.ID
	Bot *accordtest.Client
}

// newApp makes an application owned by owner, gives its bot a token and,
// when guildID is not 0, authorises the bot into the guild with perms.
func newApp(t *testing.T, s *accordtest.Server, owner *accordtest.Client, guildID chat.ID, perms protocol.Permission) testApp {
	t.Helper()
	var app struct {
		ID  chat.ID `json:"id"`
		Bot struct {
			ID chat.ID `json:"id"`
		} `json:"bot"`
	}
	owner.Must(t, 201, "POST", "/applications", map[string]string{"name": "cmdbot"}, &app)
	var tok struct {
		Token string `json:"token"`
	}
	owner.Must(t, 200, "POST", fmt.Sprintf("/applications/%d/bot/reset-token", app.ID), nil, &tok)
	if guildID != 0 {
		owner.Must(t, 200, "POST", fmt.Sprintf("/oauth2/authorize?client_id=%d&scope=bot&permissions=%d", app.ID, perms),
			map[string]any{"guild_id": guildID, "authorize": true}, nil)
	}
	return testApp{ID: app.ID, Bot: &accordtest.Client{S: s, Token: tok.Token, Prefix: "Bot ", UserID: app.Bot.ID}}
}

type command struct {
	ID                       chat.ID           `json:"id"`
	ApplicationID            chat.ID           `json:"application_id"`
	GuildID                  chat.ID           `json:"guild_id"`
	Type                     int               `json:"type"`
	Name                     string            `json:"name"`
	Description              string            `json:"description"`
	NameLocalizations        map[string]string `json:"name_localizations"`
	DefaultMemberPermissions *string           `json:"default_member_permissions"`
	Options                  []json.RawMessage `json:"options"`
	Version                  chat.ID           `json:"version"`
}

func TestApplicationCommandsCRUD(t *testing.T) {
	s := run(t)
	owner := s.Register(t, "owner")
	g, _ := owner.CreateGuild(t, "cmds")
	app := newApp(t, s, owner, g.ID, 0)
	global := fmt.Sprintf("/applications/%d/commands", app.ID)
	inGuild := fmt.Sprintf("/applications/%d/guilds/%d/commands", app.ID, g.ID)

	ping := map[string]any{"name": "ping", "description": "Ping!", "name_localizations": map[string]string{"fr": "pingfr"},
		"options": []any{map[string]any{"type": 3, "name": "text", "description": "what", "required": true, "min_length": 1, "max_length": 10}}}
	var c command
	app.Bot.Must(t, 201, "POST", global, ping, &c)
	if c.ID == 0 || c.ApplicationID != app.ID || c.Type != 1 || c.Name != "ping" || c.GuildID != 0 || len(c.Options) != 1 || c.Version == 0 {
		t.Fatalf("created %+v", c)
	}
	// Creating the same name again replaces it (200), keeping the ID.
	ping["description"] = "Pong?"
	var again command
	app.Bot.Must(t, 200, "POST", global, ping, &again)
	if again.ID != c.ID || again.Description != "Pong?" {
		t.Fatalf("upsert %+v, first %+v", again, c)
	}
	// The owner (a user) manages the application's commands too.
	var list []command
	owner.Must(t, 200, "GET", global, nil, &list)
	if len(list) != 1 || list[0].ID != c.ID || list[0].NameLocalizations != nil {
		t.Fatalf("list %+v", list)
	}
	app.Bot.Must(t, 200, "GET", global+"?with_localizations=true", nil, &list)
	if list[0].NameLocalizations["fr"] != "pingfr" {
		t.Fatalf("with_localizations %+v", list)
	}
	var got command
	app.Bot.Must(t, 200, "GET", fmt.Sprintf("%s/%d", global, c.ID), nil, &got)
	if got.Description != "Pong?" {
		t.Fatalf("get %+v", got)
	}
	app.Bot.Must(t, 200, "PATCH", fmt.Sprintf("%s/%d", global, c.ID), map[string]any{"default_member_permissions": "8"}, &got)
	if got.Name != "ping" || got.DefaultMemberPermissions == nil || *got.DefaultMemberPermissions != "8" || len(got.Options) != 1 {
		t.Fatalf("patched %+v", got)
	}

	// Guild commands are apart from global ones.
	var gc command
	app.Bot.Must(t, 201, "POST", inGuild, map[string]any{"name": "Show Profile", "type": 2}, &gc)
	if gc.GuildID != g.ID || gc.Type != 2 || gc.Description != "" {
		t.Fatalf("guild command %+v", gc)
	}
	app.Bot.Must(t, 200, "GET", inGuild, nil, &list)
	if len(list) != 1 || list[0].ID != gc.ID {
		t.Fatalf("guild list %+v", list)
	}
	wantCode(t, app.Bot.Fail(t, "GET", fmt.Sprintf("%s/%d", inGuild, c.ID), nil), 404, 10063)

	// Bulk overwrite: ping keeps its ID, echo is new, the rest go.
	var put []command
	app.Bot.Must(t, 200, "PUT", global, []any{
		map[string]any{"name": "ping", "description": "again"},
		map[string]any{"name": "echo", "description": "Echo", "options": []any{map[string]any{"type": 3, "name": "text", "description": "t"}}},
	}, &put)
	if len(put) != 2 || put[0].ID != c.ID || put[1].ID == 0 || put[1].ID == c.ID {
		t.Fatalf("overwrite %+v", put)
	}
	app.Bot.Must(t, 200, "PUT", global, []any{put[1]}, &put)
	app.Bot.Must(t, 200, "GET", global, nil, &list)
	if len(list) != 1 || list[0].Name != "echo" {
		t.Fatalf("after second overwrite %+v", list)
	}
	app.Bot.Must(t, 204, "DELETE", fmt.Sprintf("%s/%d", global, list[0].ID), nil, nil)
	wantCode(t, app.Bot.Fail(t, "DELETE", fmt.Sprintf("%s/%d", global, list[0].ID), nil), 404, 10063)
	app.Bot.Must(t, 200, "PUT", global, []any{}, &put)
	if put == nil || len(put) != 0 {
		t.Fatalf("empty overwrite %s", fmt.Sprint(put))
	}
}

// Another application, another user, a bot not in the guild: none may see
// or change an application's commands.
func TestApplicationCommandsMustNot(t *testing.T) {
	s := run(t)
	owner := s.Register(t, "owner")
	stranger := s.Register(t, "stranger")
	g, _ := owner.CreateGuild(t, "cmds")
	app := newApp(t, s, owner, g.ID, 0)
	other := newApp(t, s, stranger, 0, 0)
	owner.Must(t, 200, "POST", fmt.Sprintf("/oauth2/authorize?client_id=%d&scope=bot&permissions=0", other.ID),
		map[string]any{"guild_id": g.ID, "authorize": true}, nil)
	global := fmt.Sprintf("/applications/%d/commands", app.ID)
	var c command
	app.Bot.Must(t, 201, "POST", global, map[string]any{"name": "ping", "description": "d"}, &c)
	one := fmt.Sprintf("%s/%d", global, c.ID)
	for _, who := range []*accordtest.Client{other.Bot, stranger} {
		wantCode(t, who.Fail(t, "GET", global, nil), 403, protocol.CodeMissingAccess)
		wantCode(t, who.Fail(t, "POST", global, map[string]any{"name": "evil", "description": "d"}), 403, protocol.CodeMissingAccess)
		wantCode(t, who.Fail(t, "PATCH", one, map[string]any{"description": "hijacked"}), 403, protocol.CodeMissingAccess)
		wantCode(t, who.Fail(t, "DELETE", one, nil), 403, protocol.CodeMissingAccess)
		wantCode(t, who.Fail(t, "PUT", global, []any{}), 403, protocol.CodeMissingAccess)
	}
	wantCode(t, s.Anonymous().Fail(t, "GET", global, nil), 401, 0)
	var got command
	app.Bot.Must(t, 200, "GET", one, nil, &got)
	if got.Description != "d" {
		t.Fatalf("changed by another app: %+v", got)
	}
	// A guild the bot is not in.
	g2, _ := stranger.CreateGuild(t, "elsewhere")
	wantCode(t, app.Bot.Fail(t, "POST", fmt.Sprintf("/applications/%d/guilds/%d/commands", app.ID, g2.ID),
		map[string]any{"name": "x", "description": "d"}), 403, protocol.CodeMissingAccess)

	// Too many: 100 chat-input commands, then 30032; and 50035 for the
	// 101st of a bulk overwrite.
	cmds := make([]any, 101)
	for i := range cmds {
		cmds[i] = map[string]any{"name": fmt.Sprintf("c%d", i), "description": "d"}
	}
	e := app.Bot.Fail(t, "PUT", global, cmds)
	wantCode(t, e, 400, protocol.CodeInvalidFormBody)
	if !strings.Contains(string(e.Errors), `"100"`) {
		t.Fatalf("errors %s", e.Errors)
	}
	app.Bot.Must(t, 200, "PUT", global, cmds[:100], nil)
	wantCode(t, app.Bot.Fail(t, "POST", global, map[string]any{"name": "one-more", "description": "d"}), 400, 30032)
	// The upsert of an existing name is still allowed at the limit.
	app.Bot.Must(t, 200, "POST", global, map[string]any{"name": "c5", "description": "new"}, nil)
}

func TestApplicationCommandValidation(t *testing.T) {
	s := run(t)
	owner := s.Register(t, "owner")
	app := newApp(t, s, owner, 0, 0)
	global := fmt.Sprintf("/applications/%d/commands", app.ID)
	opts := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"type": 3, "name": fmt.Sprintf("o%d", i), "description": "d"}
		}
		return out
	}
	choices := make([]any, 26)
	for i := range choices {
		choices[i] = map[string]any{"name": "c", "value": "v"}
	}
	tests := []struct {
		name string
		body any
		path string // a path in "errors"
	}{
		{"capital letters", map[string]any{"name": "Ping", "description": "d"}, `"name"`},
		{"too long", map[string]any{"name": strings.Repeat("a", 33), "description": "d"}, `"name"`},
		{"no description", map[string]any{"name": "ping"}, `"description"`},
		{"26 options", map[string]any{"name": "ping", "description": "d", "options": opts(26)}, `"options"`},
		{"26 choices", map[string]any{"name": "ping", "description": "d", "options": []any{
			map[string]any{"type": 3, "name": "a", "description": "d", "choices": choices}}}, `"choices"`},
		{"required after optional", map[string]any{"name": "ping", "description": "d", "options": []any{
			map[string]any{"type": 3, "name": "a", "description": "d"},
			map[string]any{"type": 3, "name": "b", "description": "d", "required": true}}}, `"required"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := app.Bot.Fail(t, "POST", global, tc.body)
			wantCode(t, e, 400, protocol.CodeInvalidFormBody)
			if !strings.Contains(string(e.Errors), tc.path) {
				t.Fatalf("errors %s lack %s", e.Errors, tc.path)
			}
		})
	}
	var list []command
	app.Bot.Must(t, 200, "GET", global, nil, &list)
	if len(list) != 0 {
		t.Fatalf("an invalid command was stored: %+v", list)
	}
	// Every JSON answer's Content-Type is exactly application/json.
	st, _, err := app.Bot.Request("GET", global, nil)
	if err != nil || st != 200 {
		t.Fatal(st, err)
	}
	req, _ := http.NewRequest("GET", s.Base+global, nil)
	req.Header.Set("Authorization", "Bot "+app.Bot.Token)
	resp, err := s.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
}

type guildCommandPerms struct {
	ID          chat.ID `json:"id"`
	GuildID     chat.ID `json:"guild_id"`
	Permissions []struct {
		ID         chat.ID `json:"id"`
		Type       int     `json:"type"`
		Permission bool    `json:"permission"`
	} `json:"permissions"`
}

func TestApplicationCommandPermissions(t *testing.T) {
	s := run(t)
	owner := s.Register(t, "owner")
	member := s.Register(t, "member")
	g, general := owner.CreateGuild(t, "perms")
	member.Join(t, owner, general)
	app := newApp(t, s, owner, g.ID, 0)
	inGuild := fmt.Sprintf("/applications/%d/guilds/%d/commands", app.ID, g.ID)
	var c command
	app.Bot.Must(t, 201, "POST", inGuild, map[string]any{"name": "ping", "description": "d"}, &c)
	permsPath := fmt.Sprintf("%s/%d/permissions", inGuild, c.ID)
	body := map[string]any{"permissions": []any{map[string]any{"id": member.UserID, "type": 2, "permission": false}}}

	// Bots never edit command permissions; members need MANAGE_GUILD and
	// MANAGE_ROLES.
	wantCode(t, app.Bot.Fail(t, "PUT", permsPath, body), 401, 0)
	wantCode(t, member.Fail(t, "PUT", permsPath, body), 403, protocol.CodeMissingPermissions)
	wantCode(t, app.Bot.Fail(t, "GET", permsPath, nil), 404, 10066)
	wantCode(t, owner.Fail(t, "PUT", fmt.Sprintf("%s/%d/permissions", inGuild, 12345), body), 404, 10063)
	wantCode(t, owner.Fail(t, "PUT", permsPath, map[string]any{"permissions": []any{map[string]any{"id": 1, "type": 7, "permission": true}}}),
		400, protocol.CodeInvalidFormBody)

	var p guildCommandPerms
	owner.Must(t, 200, "PUT", permsPath, body, &p)
	if p.ID != c.ID || p.GuildID != g.ID || len(p.Permissions) != 1 || p.Permissions[0].ID != member.UserID || p.Permissions[0].Permission {
		t.Fatalf("put %+v", p)
	}
	app.Bot.Must(t, 200, "GET", permsPath, nil, &p)
	if len(p.Permissions) != 1 {
		t.Fatalf("get %+v", p)
	}
	// Application-wide overrides use the application's ID.
	owner.Must(t, 200, "PUT", fmt.Sprintf("%s/%d/permissions", inGuild, app.ID), map[string]any{"permissions": []any{}}, nil)
	var all []guildCommandPerms
	app.Bot.Must(t, 200, "GET", inGuild+"/permissions", nil, &all)
	if len(all) != 2 {
		t.Fatalf("all %+v", all)
	}
	wantCode(t, member.Fail(t, "GET", inGuild+"/permissions", nil), 403, protocol.CodeMissingAccess)
}

// The command index lists what a member may use: not a command whose
// default_member_permissions they lack, not one an override denies them,
// nothing at all for a non-member.
func TestApplicationCommandIndex(t *testing.T) {
	s := run(t)
	owner := s.Register(t, "owner")
	member := s.Register(t, "member")
	stranger := s.Register(t, "stranger")
	g, general := owner.CreateGuild(t, "index")
	member.Join(t, owner, general)
	app := newApp(t, s, owner, g.ID, 0)
	var ping, kick, global command
	app.Bot.Must(t, 201, "POST", fmt.Sprintf("/applications/%d/guilds/%d/commands", app.ID, g.ID), map[string]any{"name": "ping", "description": "d"}, &ping)
	app.Bot.Must(t, 201, "POST", fmt.Sprintf("/applications/%d/guilds/%d/commands", app.ID, g.ID),
		map[string]any{"name": "kick", "description": "d", "default_member_permissions": fmt.Sprint(protocol.PermKickMembers)}, &kick)
	app.Bot.Must(t, 201, "POST", fmt.Sprintf("/applications/%d/commands", app.ID), map[string]any{"name": "help", "description": "d"}, &global)
	index := func(c *accordtest.Client) []chat.ID {
		var out struct {
			Applications []struct {
				ID    chat.ID `json:"id"`
				BotID chat.ID `json:"bot_id"`
			} `json:"applications"`
			Commands []command `json:"application_commands"`
		}
		c.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/application-command-index", g.ID), nil, &out)
		if len(out.Applications) != 1 || out.Applications[0].ID != app.ID || out.Applications[0].BotID != app.Bot.UserID {
			t.Fatalf("applications %+v", out.Applications)
		}
		var ids []chat.ID
		for _, c := range out.Commands {
			ids = append(ids, c.ID)
		}
		return ids
	}
	if got := fmt.Sprint(index(owner)); got != fmt.Sprint([]chat.ID{ping.ID, kick.ID, global.ID}) {
		t.Fatalf("owner's index %s", got)
	}
	if got := fmt.Sprint(index(member)); got != fmt.Sprint([]chat.ID{ping.ID, global.ID}) {
		t.Fatalf("member's index %s", got)
	}
	owner.Must(t, 200, "PUT", fmt.Sprintf("/applications/%d/guilds/%d/commands/%d/permissions", app.ID, g.ID, ping.ID),
		map[string]any{"permissions": []any{map[string]any{"id": member.UserID, "type": 2, "permission": false}}}, nil)
	if got := fmt.Sprint(index(member)); got != fmt.Sprint([]chat.ID{global.ID}) {
		t.Fatalf("member's index after a deny %s", got)
	}
	wantCode(t, stranger.Fail(t, "GET", fmt.Sprintf("/guilds/%d/application-command-index", g.ID), nil), 403, protocol.CodeMissingAccess)
}
