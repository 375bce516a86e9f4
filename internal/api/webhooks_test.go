package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/ratelimit"
	"github.com/accordchat/accord/internal/server"
	"github.com/accordchat/accord/internal/webhook"
)

type webhookOut struct {
	ID            chat.ID  `json:"id"`
	Type          int      `json:"type"`
	GuildID       chat.ID  `json:"guild_id"`
	ChannelID     chat.ID  `json:"channel_id"`
	Name          string   `json:"name"`
	Avatar        *string  `json:"avatar"`
	Token         string   `json:"token"`
	ApplicationID *chat.ID `json:"application_id"`
	User          *struct {
		ID chat.ID `json:"id"`
	} `json:"user"`
}

type webhookMsg struct {
	ID        chat.ID `json:"id"`
	ChannelID chat.ID `json:"channel_id"`
	Content   string  `json:"content"`
	WebhookID chat.ID `json:"webhook_id"`
	Flags     int     `json:"flags"`
	Author    struct {
		ID            chat.ID `json:"id"`
		Username      string  `json:"username"`
		Avatar        *string `json:"avatar"`
		Bot           bool    `json:"bot"`
		Discriminator string  `json:"discriminator"`
	} `json:"author"`
	Embeds     []json.RawMessage `json:"embeds"`
	Components json.RawMessage   `json:"components"`
}

// newBot makes an application owned by owner and adds its bot to the
// guild with perms.
func newBot(t *testing.T, s *accordtest.Server, owner *accordtest.Client, guildID chat.ID, perms protocol.Permission) (*accordtest.Client, chat.ID) {
	t.Helper()
	app := newApp(t, s, owner, guildID, perms)
	return app.Bot, app.ID
}

// TestWebhooksCRUD: create, list, get, edit, delete with MANAGE_WEBHOOKS,
// and everything a caller without it, or without the token, must not do.
func TestWebhooksCRUD(t *testing.T) {
	s := run(t)
	alice, bob, mallory := s.Register(t, "alice"), s.Register(t, "bob"), s.Register(t, "mallory")
	g, general := alice.CreateGuild(t, "hooks")
	bob.Join(t, alice, general)
	chans := fmt.Sprintf("/channels/%d/webhooks", general)

	// Must not do: no MANAGE_WEBHOOKS (50013), not in the guild (50001).
	wantCode(t, bob.Fail(t, "POST", chans, map[string]any{"name": "x"}), 403, protocol.CodeMissingPermissions)
	wantCode(t, bob.Fail(t, "GET", chans, nil), 403, protocol.CodeMissingPermissions)
	wantCode(t, bob.Fail(t, "GET", fmt.Sprintf("/guilds/%d/webhooks", g.ID), nil), 403, protocol.CodeMissingPermissions)
	wantCode(t, mallory.Fail(t, "GET", chans, nil), 403, protocol.CodeMissingAccess)

	// Names: 1-80, no "clyde" or "discord".
	for _, name := range []string{"", strings.Repeat("n", 81), "Clyde", "my discord hook"} {
		e := alice.Fail(t, "POST", chans, map[string]any{"name": name})
		wantCode(t, e, 400, protocol.CodeInvalidFormBody)
		if fieldCode(t, e, "name") == "" {
			t.Fatalf("name %q: no field error: %s", name, e.Errors)
		}
	}
	wantCode(t, alice.Fail(t, "POST", chans, map[string]any{"name": "x", "avatar": "not an image"}), 400, protocol.CodeInvalidFormBody)

	var wh webhookOut
	alice.Must(t, 200, "POST", chans, map[string]any{"name": "Captain", "avatar": pngDataURI}, &wh)
	if wh.ID == 0 || wh.Type != 1 || wh.GuildID != g.ID || wh.ChannelID != general || wh.Token == "" ||
		wh.Avatar == nil || wh.User == nil || wh.User.ID != alice.UserID || wh.ApplicationID != nil {
		t.Fatalf("created %+v", wh)
	}
	// The store keeps the token's hash, never the token.
	stored, err := s.Store.Webhook(t.Context(), wh.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(stored.TokenHash, webhook.HashToken(wh.Token)) || bytes.Contains(stored.TokenHash, []byte(wh.Token)) {
		t.Fatalf("stored hash %x for token %q", stored.TokenHash, wh.Token)
	}
	raw, _ := json.Marshal(stored)
	if bytes.Contains(raw, []byte(wh.Token)) {
		t.Fatal("the stored record holds the token")
	}

	var list []webhookOut
	alice.Must(t, 200, "GET", chans, nil, &list)
	if len(list) != 1 || list[0].ID != wh.ID || list[0].Token != "" {
		t.Fatalf("channel list %+v", list)
	}
	alice.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/webhooks", g.ID), nil, &list)
	if len(list) != 1 || list[0].ID != wh.ID {
		t.Fatalf("guild list %+v", list)
	}
	one := fmt.Sprintf("/webhooks/%d", wh.ID)
	withToken := fmt.Sprintf("/webhooks/%d/%s", wh.ID, wh.Token)
	wantCode(t, bob.Fail(t, "GET", one, nil), 403, protocol.CodeMissingPermissions)
	wantCode(t, bob.Fail(t, "PATCH", one, map[string]any{"name": "mine"}), 403, protocol.CodeMissingPermissions)
	wantCode(t, bob.Fail(t, "DELETE", one, nil), 403, protocol.CodeMissingPermissions)
	wantCode(t, mallory.Fail(t, "GET", one, nil), 403, protocol.CodeMissingAccess)

	// The token routes: no user field; a wrong token 50027, an unknown
	// webhook 10015.
	var got map[string]json.RawMessage
	s.Anonymous().Must(t, 200, "GET", withToken, nil, &got)
	if _, ok := got["user"]; ok {
		t.Fatalf("token GET shows user: %v", got)
	}
	if _, ok := got["token"]; ok {
		t.Fatalf("token GET shows the token again: %v", got)
	}
	wantCode(t, s.Anonymous().Fail(t, "GET", withToken+"x", nil), 401, 50027)
	wantCode(t, s.Anonymous().Fail(t, "POST", fmt.Sprintf("/webhooks/%d/%s", wh.ID, strings.Repeat("a", 68)), map[string]any{"content": "x"}), 401, 50027)
	wantCode(t, s.Anonymous().Fail(t, "GET", fmt.Sprintf("/webhooks/1/%s", wh.Token), nil), 404, 10015)

	var edited webhookOut
	alice.Must(t, 200, "PATCH", one, map[string]any{"name": "Hook"}, &edited)
	if edited.Name != "Hook" || edited.User == nil {
		t.Fatalf("edited %+v", edited)
	}
	edited = webhookOut{}
	s.Anonymous().Must(t, 200, "PATCH", withToken, map[string]any{"name": "Hook 2", "channel_id": 1}, &edited)
	if edited.Name != "Hook 2" || edited.ChannelID != general || edited.User != nil {
		t.Fatalf("token edit %+v", edited)
	}

	// A user who cannot see a channel cannot list its webhooks, even with
	// MANAGE_WEBHOOKS guild-wide.
	var role struct {
		ID chat.ID `json:"id"`
	}
	alice.Must(t, 200, "POST", fmt.Sprintf("/guilds/%d/roles", g.ID), map[string]any{"permissions": fmt.Sprint(protocol.PermManageWebhooks)}, &role)
	alice.Must(t, 204, "PUT", fmt.Sprintf("/guilds/%d/members/%d/roles/%d", g.ID, bob.UserID, role.ID), nil, nil)
	var secret struct {
		ID chat.ID `json:"id"`
	}
	alice.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/channels", g.ID), map[string]any{"name": "secret",
		"permission_overwrites": []any{map[string]any{"id": g.ID, "type": 0, "deny": fmt.Sprint(protocol.PermViewChannel)}}}, &secret)
	var hidden webhookOut
	alice.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/webhooks", secret.ID), map[string]any{"name": "hidden"}, &hidden)
	wantCode(t, bob.Fail(t, "GET", fmt.Sprintf("/channels/%d/webhooks", secret.ID), nil), 403, protocol.CodeMissingAccess)
	bob.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/webhooks", g.ID), nil, &list)
	if len(list) != 1 || list[0].ID != wh.ID {
		t.Fatalf("bob's guild list shows %+v", list)
	}
	wantCode(t, bob.Fail(t, "GET", fmt.Sprintf("/webhooks/%d", hidden.ID), nil), 403, protocol.CodeMissingAccess)
	bob.Must(t, 200, "GET", chans, nil, &list)

	// At most 15 per channel (30007).
	for i := len(list); i < 15; i++ {
		alice.Must(t, 200, "POST", chans, map[string]any{"name": fmt.Sprintf("h%d", i)}, nil)
	}
	wantCode(t, alice.Fail(t, "POST", chans, map[string]any{"name": "sixteenth"}), 400, 30007)

	// Deleted: its token stops working.
	s.Anonymous().Must(t, 204, "DELETE", withToken, nil, nil)
	wantCode(t, s.Anonymous().Fail(t, "POST", withToken, map[string]any{"content": "still here?"}), 404, 10015)
	wantCode(t, alice.Fail(t, "GET", one, nil), 404, 10015)
	alice.Must(t, 204, "DELETE", fmt.Sprintf("/webhooks/%d", hidden.ID), nil, nil)
	wantCode(t, alice.Fail(t, "DELETE", fmt.Sprintf("/webhooks/%d", hidden.ID), nil), 404, 10015)

	// Deleting a channel deletes its webhooks.
	var doomed webhookOut
	alice.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/webhooks", secret.ID), map[string]any{"name": "doomed"}, &doomed)
	alice.Must(t, 200, "DELETE", fmt.Sprintf("/channels/%d", secret.ID), nil, nil)
	wantCode(t, s.Anonymous().Fail(t, "POST", fmt.Sprintf("/webhooks/%d/%s", doomed.ID, doomed.Token), map[string]any{"content": "x"}), 404, 10015)
}

// pngDataURI is a 1x1 PNG as Discord's image data.
const pngDataURI = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="

// TestWebhookExecute: messages sent through a webhook, read back as
// Discord shows them, and edited and deleted through the token only.
func TestWebhookExecute(t *testing.T) {
	s := run(t)
	alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
	_, general := alice.CreateGuild(t, "exec")
	bob.Join(t, alice, general)
	var wh webhookOut
	alice.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/webhooks", general), map[string]any{"name": "Hook"}, &wh)
	anon := s.Anonymous()
	url := fmt.Sprintf("/webhooks/%d/%s", wh.ID, wh.Token)

	// Without wait: 204 and the message is in the channel.
	anon.Must(t, 204, "POST", url, map[string]any{"content": "no wait"}, nil)
	var m webhookMsg
	anon.Must(t, 200, "POST", url+"?wait=true", map[string]any{"content": "hello @everyone", "username": "Override",
		"avatar_url": "https://example.com/a.png", "flags": 1<<12 | 1<<2,
		"embeds": []any{map[string]any{"title": "E"}}}, &m)
	if m.WebhookID != wh.ID || m.Author.ID != wh.ID || m.Author.Username != "Override" || !m.Author.Bot ||
		m.Author.Discriminator != "0000" || m.Author.Avatar == nil || *m.Author.Avatar != "https://example.com/a.png" ||
		m.Flags != 1<<12|1<<2 || len(m.Embeds) != 1 {
		t.Fatalf("executed %+v", m)
	}
	var history []webhookMsg
	bob.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages?limit=2", general), nil, &history)
	if len(history) != 2 || history[0].ID != m.ID || history[0].WebhookID != wh.ID || history[0].Author.Username != "Override" ||
		history[1].Content != "no wait" || history[1].Author.Username != "Hook" {
		t.Fatalf("history %+v", history)
	}
	// Bad overrides: 50035.
	e := anon.Fail(t, "POST", url, map[string]any{"content": "x", "username": "clyde"})
	wantCode(t, e, 400, protocol.CodeInvalidFormBody)
	if fieldCode(t, e, "username") == "" {
		t.Fatalf("username errors %s", e.Errors)
	}
	wantCode(t, anon.Fail(t, "POST", url, map[string]any{"content": "x", "avatar_url": "javascript:alert(1)"}), 400, protocol.CodeInvalidFormBody)
	wantCode(t, anon.Fail(t, "POST", url, map[string]any{}), 400, protocol.CodeEmptyMessage)
	// thread_id naming no thread of the channel: Unknown Channel.
	wantCode(t, anon.Fail(t, "POST", url+fmt.Sprintf("?thread_id=%d", general), map[string]any{"content": "x"}), 404, protocol.CodeUnknownChannel)

	// Its messages: get, edit, delete through the token.
	msgURL := fmt.Sprintf("%s/messages/%d", url, m.ID)
	var read webhookMsg
	anon.Must(t, 200, "GET", msgURL, nil, &read)
	if read.ID != m.ID || read.Author.Username != "Override" {
		t.Fatalf("read %+v", read)
	}
	anon.Must(t, 200, "PATCH", msgURL, map[string]any{"content": "edited"}, &read)
	if read.Content != "edited" || read.WebhookID != wh.ID {
		t.Fatalf("edited %+v", read)
	}
	// Must not: a webhook touches only its own messages; a member cannot
	// edit the webhook's message.
	mine := alice.Send(t, general, "alice's")
	wantCode(t, anon.Fail(t, "GET", fmt.Sprintf("%s/messages/%d", url, mine.ID), nil), 404, protocol.CodeUnknownMessage)
	wantCode(t, anon.Fail(t, "PATCH", fmt.Sprintf("%s/messages/%d", url, mine.ID), map[string]any{"content": "hijack"}), 404, protocol.CodeUnknownMessage)
	wantCode(t, anon.Fail(t, "DELETE", fmt.Sprintf("%s/messages/%d", url, mine.ID), nil), 404, protocol.CodeUnknownMessage)
	wantCode(t, bob.Fail(t, "PATCH", fmt.Sprintf("/channels/%d/messages/%d", general, m.ID), map[string]any{"content": "x"}), 403, protocol.CodeCannotEditOthers)
	wantCode(t, anon.Fail(t, "GET", fmt.Sprintf("/webhooks/%d/%s/messages/%d", wh.ID, "wrong", m.ID), nil), 401, 50027)
	anon.Must(t, 204, "DELETE", msgURL, nil, nil)
	wantCode(t, anon.Fail(t, "GET", msgURL, nil), 404, protocol.CodeUnknownMessage)

	// Files, as multipart with payload_json.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	_ = mw.WriteField("payload_json", `{"content":"with a file"}`)
	fw, _ := mw.CreateFormFile("files[0]", "note.txt")
	_, _ = fw.Write([]byte("hello file"))
	_ = mw.Close()
	resp, err := s.HTTP.Post(s.Base+url+"?wait=true", mw.FormDataContentType(), &form)
	if err != nil {
		t.Fatal(err)
	}
	var withFile struct {
		Content     string `json:"content"`
		Attachments []struct {
			Filename string `json:"filename"`
			Size     int    `json:"size"`
		} `json:"attachments"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&withFile)
	resp.Body.Close()
	if resp.StatusCode != 200 || withFile.Content != "with a file" || len(withFile.Attachments) != 1 ||
		withFile.Attachments[0].Filename != "note.txt" || withFile.Attachments[0].Size != 10 {
		t.Fatalf("multipart execute: %d %+v", resp.StatusCode, withFile)
	}

	// A user's webhook sends no interactive components (dropped, as
	// Discord does); link buttons stay.
	buttons := []any{map[string]any{"type": 1, "components": []any{
		map[string]any{"type": 2, "style": 1, "label": "Click", "custom_id": "c"}}}}
	anon.Must(t, 200, "POST", url+"?wait=true", map[string]any{"content": "buttons", "components": buttons}, &m)
	if string(m.Components) != "[]" {
		t.Fatalf("non-app webhook kept components %s", m.Components)
	}
	link := []any{map[string]any{"type": 1, "components": []any{
		map[string]any{"type": 2, "style": 5, "label": "Docs", "url": "https://example.com"}}}}
	anon.Must(t, 200, "POST", url+"?wait=true", map[string]any{"content": "link", "components": link}, &m)
	if !strings.Contains(string(m.Components), `"url":"https://example.com"`) {
		t.Fatalf("link button dropped: %s", m.Components)
	}
}

// TestWebhookSlackAndGitHub: the compatible execute routes.
func TestWebhookSlackAndGitHub(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	_, general := alice.CreateGuild(t, "compat")
	var wh webhookOut
	alice.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/webhooks", general), map[string]any{"name": "Hook"}, &wh)
	url := fmt.Sprintf("%s/webhooks/%d/%s", s.Base, wh.ID, wh.Token)

	resp, err := s.HTTP.Post(url+"/slack", "application/json", strings.NewReader(
		`{"text":"see <https://example.com|the site>","attachments":[{"title":"T","text":"body","color":"#ff0000","fields":[{"title":"a","value":"b","short":true}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("slack status %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", url+"/github?wait=true", strings.NewReader(
		`{"ref":"refs/heads/main","compare":"https://github.com/o/r/compare/a...b","repository":{"full_name":"o/r"},"sender":{"login":"octo"},
		"commits":[{"id":"0123456789abcdef","message":"Fix it\n\nlong","url":"https://github.com/o/r/commit/0123456","author":{"username":"octo"}}]}`))
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("Content-Type", "application/json")
	resp, err = s.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var gh struct {
		Embeds []struct {
			Title       string `json:"title"`
			Description string `json:"description"`
		} `json:"embeds"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&gh)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(gh.Embeds) != 1 || gh.Embeds[0].Title != "[o/r:main] 1 new commit" ||
		!strings.Contains(gh.Embeds[0].Description, "`0123456`") {
		t.Fatalf("github status %d %+v", resp.StatusCode, gh)
	}
	var history []struct {
		Content string `json:"content"`
		Embeds  []struct {
			Title string `json:"title"`
			Color int    `json:"color"`
		} `json:"embeds"`
	}
	alice.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages?limit=2", general), nil, &history)
	if len(history) != 2 || history[1].Content != "see [the site](https://example.com)" || len(history[1].Embeds) != 1 ||
		history[1].Embeds[0].Title != "T" || history[1].Embeds[0].Color != 0xff0000 {
		t.Fatalf("history %+v", history)
	}
	// A wrong token posts nothing there either.
	resp, err = s.HTTP.Post(url+"x/slack", "application/json", strings.NewReader(`{"text":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("slack with a wrong token: %d", resp.StatusCode)
	}
}

// TestWebhookRateLimit: a webhook takes 5 executions per 2 s from all
// callers together; the sixth is 429 with retry_after and the headers.
func TestWebhookRateLimit(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{RateLimit: ratelimit.Config{Routes: map[string]ratelimit.Limit{
		ratelimit.BucketWebhook: {Requests: 5, Window: 10 * time.Second}}}})
	alice := s.Register(t, "alice")
	_, general := alice.CreateGuild(t, "limits")
	var wh webhookOut
	alice.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/webhooks", general), map[string]any{"name": "Hook"}, &wh)
	url := fmt.Sprintf("%s/webhooks/%d/%s", s.Base, wh.ID, wh.Token)
	var last *http.Response
	for i := 0; i < 6; i++ {
		resp, err := s.HTTP.Post(url, "application/json", strings.NewReader(`{"content":"spam"}`))
		if err != nil {
			t.Fatal(err)
		}
		if i < 5 {
			resp.Body.Close()
			if resp.StatusCode != 204 || resp.Header.Get("X-RateLimit-Limit") != "5" {
				t.Fatalf("request %d: %d, limit header %q", i, resp.StatusCode, resp.Header.Get("X-RateLimit-Limit"))
			}
			continue
		}
		last = resp
	}
	defer last.Body.Close()
	var body struct {
		RetryAfter float64 `json:"retry_after"`
	}
	_ = json.NewDecoder(last.Body).Decode(&body)
	if last.StatusCode != 429 || body.RetryAfter <= 0 || last.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth: %d retry_after %v", last.StatusCode, body.RetryAfter)
	}
}

// TestComponents: a bot's components are validated with Discord's paths,
// stored, returned on every read and replaced by an edit; a user's
// interactive components are dropped.
func TestComponents(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	g, general := alice.CreateGuild(t, "components")
	bot, _ := newBot(t, s, alice, g.ID, protocol.PermSendMessages|protocol.PermViewChannel|protocol.PermReadMessageHistory)
	msgs := fmt.Sprintf("/channels/%d/messages", general)
	button := func(id string) map[string]any {
		return map[string]any{"type": 2, "style": 1, "label": "B", "custom_id": id}
	}
	row := func(cs ...any) map[string]any { return map[string]any{"type": 1, "components": cs} }

	cases := []struct {
		name       string
		components []any
		path, code string
	}{
		{"duplicate custom_id", []any{row(button("a"), button("a"))}, "components.0.components.1.custom_id", "COMPONENT_CUSTOM_ID_DUPLICATED"},
		{"long custom_id", []any{row(button(strings.Repeat("x", 101)))}, "components.0.components.0.custom_id", protocol.FieldBaseTypeBadLength},
		{"six buttons", []any{row(button("1"), button("2"), button("3"), button("4"), button("5"), button("6"))}, "components.0.components.5", "COMPONENT_LAYOUT_WIDTH_EXCEEDED"},
		{"link with custom_id", []any{row(map[string]any{"type": 2, "style": 5, "label": "L", "url": "https://x.y", "custom_id": "c"})}, "components.0.components.0.custom_id", "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED"},
		{"link without url", []any{row(map[string]any{"type": 2, "style": 5, "label": "L"})}, "components.0.components.0.url", protocol.FieldBaseTypeRequired},
		{"long label", []any{row(map[string]any{"type": 2, "style": 1, "label": strings.Repeat("l", 81), "custom_id": "c"})}, "components.0.components.0.label", protocol.FieldBaseTypeMaxLength},
		{"select and button", []any{row(button("a"), map[string]any{"type": 3, "custom_id": "s", "options": []any{map[string]any{"label": "o", "value": "o"}}})}, "components.0.components.1", "COMPONENT_LAYOUT_WIDTH_EXCEEDED"},
		{"select without options", []any{row(map[string]any{"type": 3, "custom_id": "s", "options": []any{}})}, "components.0.components.0.options", protocol.FieldBaseTypeBadLength},
		{"text input in a message", []any{row(map[string]any{"type": 4, "custom_id": "t", "style": 1, "label": "T"})}, "components.0.components.0.type", "UNION_TYPE_CHOICES"},
		{"six rows", []any{row(button("1")), row(button("2")), row(button("3")), row(button("4")), row(button("5")), row(button("6"))}, "components", protocol.FieldBaseTypeBadLength},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := bot.Fail(t, "POST", msgs, map[string]any{"content": "x", "components": c.components})
			wantCode(t, e, 400, protocol.CodeInvalidFormBody)
			if got := fieldCode(t, e, c.path); got != c.code {
				t.Fatalf("%s: code %q, want %q; errors %s", c.path, got, c.code, e.Errors)
			}
		})
	}

	var m webhookMsg
	comps := []any{row(button("yes"), map[string]any{"type": 2, "style": 5, "label": "Docs", "url": "https://example.com", "junk": 1}),
		row(map[string]any{"type": 8, "custom_id": "ch", "channel_types": []int{0}, "min_values": 1, "max_values": 2,
			"default_values": []any{map[string]any{"id": general, "type": "channel"}}})}
	bot.Must(t, 200, "POST", msgs, map[string]any{"components": comps}, &m) // components alone are a message
	if !strings.Contains(string(m.Components), `"custom_id":"yes"`) || strings.Contains(string(m.Components), "junk") {
		t.Fatalf("created components %s", m.Components)
	}
	var read webhookMsg
	alice.Must(t, 200, "GET", fmt.Sprintf("%s/%d", msgs, m.ID), nil, &read)
	if string(read.Components) != string(m.Components) {
		t.Fatalf("read back %s, created %s", read.Components, m.Components)
	}
	var edited webhookMsg
	bot.Must(t, 200, "PATCH", fmt.Sprintf("%s/%d", msgs, m.ID), map[string]any{"content": "now text", "components": []any{row(button("no"))}}, &edited)
	if !strings.Contains(string(edited.Components), `"custom_id":"no"`) || strings.Contains(string(edited.Components), "yes") {
		t.Fatalf("edited components %s", edited.Components)
	}
	e := bot.Fail(t, "PATCH", fmt.Sprintf("%s/%d", msgs, m.ID), map[string]any{"components": []any{row(button("a"), button("a"))}})
	wantCode(t, e, 400, protocol.CodeInvalidFormBody)
	bot.Must(t, 200, "PATCH", fmt.Sprintf("%s/%d", msgs, m.ID), map[string]any{"components": []any{}}, &edited)
	if string(edited.Components) != "[]" {
		t.Fatalf("cleared components %s", edited.Components)
	}

	// A user's interactive components are dropped; alone, nothing is left.
	var um webhookMsg
	alice.Must(t, 200, "POST", msgs, map[string]any{"content": "user", "components": []any{row(button("u"))}}, &um)
	if string(um.Components) != "[]" {
		t.Fatalf("user message kept %s", um.Components)
	}
	wantCode(t, alice.Fail(t, "POST", msgs, map[string]any{"components": []any{row(button("u"))}}), 400, protocol.CodeEmptyMessage)
}

// fakeInteractions claims one (application ID, token) pair.
type fakeInteractions struct {
	app   chat.ID
	token string
	got   []string
}

func (f *fakeInteractions) Owns(appID chat.ID, token string) bool {
	return appID == f.app && token == f.token
}

// TestWebhookInteractionHandOver: an (id, token) the interaction service
// owns is handed to its route on every shared path; anything else stays
// a channel webhook's.
func TestWebhookInteractionHandOver(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	_, general := alice.CreateGuild(t, "handover")
	var wh webhookOut
	alice.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/webhooks", general), map[string]any{"name": "Hook"}, &wh)
	f := &fakeInteractions{app: 4242, token: "interaction-token"}
	s.API.SetInteractionWebhooks(f, func(w http.ResponseWriter, r *http.Request, appID chat.ID, token, messageID string) error {
		f.got = append(f.got, fmt.Sprintf("%s %d %s %q", r.Method, appID, token, messageID))
		w.WriteHeader(http.StatusTeapot)
		return nil
	})
	anon := s.Anonymous()
	for _, c := range []struct{ method, path, want string }{
		{"POST", "/webhooks/4242/interaction-token", `POST 4242 interaction-token ""`},
		{"GET", "/webhooks/4242/interaction-token/messages/@original", `GET 4242 interaction-token "@original"`},
		{"PATCH", "/webhooks/4242/interaction-token/messages/123", `PATCH 4242 interaction-token "123"`},
		{"DELETE", "/webhooks/4242/interaction-token/messages/@original", `DELETE 4242 interaction-token "@original"`},
	} {
		f.got = nil
		st, _, err := anon.Request(c.method, c.path, map[string]any{"content": "x"})
		if err != nil || st != http.StatusTeapot || len(f.got) != 1 || f.got[0] != c.want {
			t.Fatalf("%s %s: status %d err %v, handed %q, want %q", c.method, c.path, st, err, f.got, c.want)
		}
	}
	// Another token of the same ID is not the interaction's: a channel
	// webhook's route answers (unknown webhook here); nor are the Slack
	// and GitHub routes, which interactions lack.
	f.got = nil
	wantCode(t, anon.Fail(t, "POST", "/webhooks/4242/other-token", map[string]any{"content": "x"}), 404, 10015)
	wantCode(t, anon.Fail(t, "POST", "/webhooks/4242/interaction-token/slack", map[string]any{"text": "x"}), 404, 10015)
	// A channel webhook still works beside it.
	anon.Must(t, 204, "POST", fmt.Sprintf("/webhooks/%d/%s", wh.ID, wh.Token), map[string]any{"content": "hi"}, nil)
	if len(f.got) != 0 {
		t.Fatalf("handed over %q", f.got)
	}
}
