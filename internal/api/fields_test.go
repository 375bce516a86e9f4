package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/protocol"
)

// pngBytes is the start of a PNG file followed by n bytes of padding: the
// type sniffing reads only the signature.
func pngBytes(n int) []byte {
	return append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, n)...)
}

func dataURI(typ string, b []byte) string {
	return "data:image/" + typ + ";base64," + base64.StdEncoding.EncodeToString(b)
}

// wantField checks a 50035 whose errors name path with code.
func wantField(t *testing.T, e accordtest.APIError, path, code string) {
	t.Helper()
	if e.Status != 400 || e.Code != protocol.CodeInvalidFormBody {
		t.Fatalf("got %d %d %s, want 400 50035", e.Status, e.Code, e.Errors)
	}
	var errs map[string]struct {
		Errors []struct {
			Code string `json:"code"`
		} `json:"_errors"`
	}
	if err := json.Unmarshal(e.Errors, &errs); err != nil || len(errs[path].Errors) == 0 || errs[path].Errors[0].Code != code {
		t.Fatalf("errors %s, want %s on %q", e.Errors, code, path)
	}
}

// TestFieldLimits: every string field has Discord's limit, and image
// fields take only a small image of the type they claim.
func TestFieldLimits(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	g, ch := alice.CreateGuild(t, "limits")
	huge := strings.Repeat("a", 900_000)
	guild := fmt.Sprintf("/guilds/%d", g.ID)
	channel := fmt.Sprintf("/channels/%d", ch)

	badImages := map[string]string{
		"900 KB string":      huge,
		"900 KB data URI":    "data:image/png;base64," + huge,
		"too large PNG":      dataURI("png", pngBytes(protocol.MaxImageBytes)),
		"not base64":         "data:image/png;base64,!!!!",
		"PNG claimed as GIF": dataURI("gif", pngBytes(10)),
		"text as PNG":        dataURI("png", []byte("hello, world")),
		"svg":                "data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte("<svg/>")),
		"url":                "https://example.com/a.png",
		"no base64 marker":   "data:image/png," + base64.StdEncoding.EncodeToString(pngBytes(10)),
		"empty image":        "data:image/png;base64,",
	}
	for name, v := range badImages {
		t.Run("avatar/"+name, func(t *testing.T) {
			e := alice.Fail(t, "PATCH", "/users/@me", map[string]any{"avatar": v})
			code := protocol.FieldImageInvalid
			if strings.Contains(name, "900 KB data") || strings.Contains(name, "too large") {
				code = protocol.FieldBinaryTypeMaxSize
			}
			wantField(t, e, "avatar", code)
		})
		t.Run("icon/"+name, func(t *testing.T) {
			e := alice.Fail(t, "PATCH", guild, map[string]any{"icon": v})
			if e.Code != protocol.CodeInvalidFormBody || !strings.Contains(string(e.Errors), `"icon"`) {
				t.Fatalf("got %d %d %s", e.Status, e.Code, e.Errors)
			}
		})
	}

	strs := []struct {
		method, path, field string
		max                 int
	}{
		{"PATCH", guild, "description", protocol.MaxGuildDescription},
		{"PATCH", guild, "name", protocol.MaxGuildName},
		{"POST", "/guilds", "name", protocol.MaxGuildName},
		{"PATCH", "/users/@me", "global_name", protocol.MaxGlobalName},
		{"PATCH", "/users/@me", "username", protocol.MaxUsername},
		{"PATCH", channel, "name", protocol.MaxChannelName},
		{"PATCH", channel, "topic", protocol.MaxChannelTopic},
		{"POST", guild + "/channels", "name", protocol.MaxChannelName},
		{"POST", guild + "/channels", "topic", protocol.MaxChannelTopic},
		{"POST", guild + "/roles", "name", protocol.MaxRoleName},
		{"PATCH", guild + "/members/@me", "nick", protocol.MaxNick},
		{"POST", "/auth/register", "global_name", protocol.MaxGlobalName},
		{"POST", "/applications", "name", 32},
	}
	for _, c := range strs {
		for _, v := range []string{strings.Repeat("x", c.max+1), huge} {
			t.Run(fmt.Sprintf("%s %s %s/%d", c.method, c.path, c.field, len(v)), func(t *testing.T) {
				body := map[string]any{c.field: v}
				if c.path == "/auth/register" {
					body = map[string]any{"username": "someone", "password": "secret123", c.field: v}
				}
				if c.path == guild+"/channels" && c.field == "topic" {
					body["name"] = "ok"
				}
				wantField(t, alice.Fail(t, c.method, c.path, body), c.field, protocol.FieldBaseTypeBadLength)
			})
		}
	}
	// A login or password no account can have is refused before hashing.
	anon := s.Anonymous()
	wantField(t, anon.Fail(t, "POST", "/auth/login", map[string]any{"login": huge, "password": "secret123"}), "login", protocol.FieldInvalidLogin)
	wantField(t, anon.Fail(t, "POST", "/auth/login", map[string]any{"login": "alice", "password": huge}), "login", protocol.FieldInvalidLogin)

	// Within the limits everything is accepted, and an image is kept as a
	// hash, not as the data.
	var me struct {
		Avatar *string `json:"avatar"`
	}
	alice.Must(t, 200, "PATCH", "/users/@me", map[string]any{"avatar": dataURI("png", pngBytes(1000))}, &me)
	if me.Avatar == nil || len(*me.Avatar) != 32 {
		t.Fatalf("avatar %v, want a 32-digit hash", me.Avatar)
	}
	gif := append([]byte("GIF89a"), make([]byte, 20)...)
	var gg struct {
		Icon        *string `json:"icon"`
		Description *string `json:"description"`
	}
	alice.Must(t, 200, "PATCH", guild, map[string]any{"icon": dataURI("gif", gif), "description": strings.Repeat("d", protocol.MaxGuildDescription)}, &gg)
	if gg.Icon == nil || !strings.HasPrefix(*gg.Icon, "a_") || len(*gg.Icon) != 34 {
		t.Fatalf("icon %v, want an a_ hash", gg.Icon)
	}
	webp := append([]byte("RIFF\x00\x00\x00\x00WEBP"), make([]byte, 20)...)
	alice.Must(t, 200, "PATCH", guild, map[string]any{"icon": dataURI("webp", webp)}, nil)
	alice.Must(t, 200, "PATCH", "/users/@me", map[string]any{"avatar": dataURI("jpeg", append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, make([]byte, 20)...))}, nil)
	alice.Must(t, 200, "PATCH", "/users/@me", map[string]any{"avatar": nil}, &me)
	if me.Avatar != nil {
		t.Fatalf("avatar null: %v", *me.Avatar)
	}
}
