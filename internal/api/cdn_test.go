package api_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"net/http"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/blob"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

func realGIF(t *testing.T) []byte {
	img := image.NewPaletted(image.Rect(0, 0, 40, 20), color.Palette{color.Black, color.White})
	var buf bytes.Buffer
	if err := gif.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestAvatarsAndIcons: images set through REST are stored and served from
// the CDN paths Discord's libraries build, resized and converted on
// request; only a guild's managers can store its icon.
func TestAvatarsAndIcons(t *testing.T) {
	s := runFiles(t, server.BlobConfig{})
	alice := s.Register(t, "alice")
	bob := s.Register(t, "bob")
	img := realPNG(t, 64, 64)
	var me struct {
		Avatar string `json:"avatar"`
	}
	alice.Must(t, 200, "PATCH", "/users/@me", map[string]any{"avatar": "data:image/png;base64," + base64.StdEncoding.EncodeToString(img)}, &me)
	base := fmt.Sprintf("%s/avatars/%d/%s", s.URL(), alice.UserID, me.Avatar)
	resp, got := fetch(t, s, base+".png")
	if resp.StatusCode != 200 || !bytes.Equal(got, img) || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("avatar: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, c := range []struct {
		url, ct string
		w       int
	}{
		{base + ".webp?size=16", "image/png", 16}, // no WebP encoder: PNG, labelled as such
		{base + ".jpg?size=32", "image/jpeg", 32},
		{base + ".png?size=4096", "image/png", 64}, // never enlarged
	} {
		resp, got := fetch(t, s, c.url)
		cfg, _, err := image.DecodeConfig(bytes.NewReader(got))
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != c.ct || err != nil || cfg.Width != c.w {
			t.Errorf("%s: %d %s %v %dpx, want %s %dpx", c.url, resp.StatusCode, resp.Header.Get("Content-Type"), err, cfg.Width, c.ct, c.w)
		}
	}
	for _, bad := range []string{
		fmt.Sprintf("%s/avatars/%d/%s.png", s.URL(), alice.UserID, "0123456789abcdef0123456789abcdef"),
		fmt.Sprintf("%s/avatars/%d/%s.png", s.URL(), bob.UserID, me.Avatar), // another user's path
		base + ".bmp",
		base,
		fmt.Sprintf("%s/avatars/%d/..%%2f..%%2fsecrets.png", s.URL(), alice.UserID),
	} {
		if resp, _ := fetch(t, s, bad); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, resp.StatusCode)
		}
	}
	if resp, _ := fetch(t, s, base+".png?size=17"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("size=17: %d, want 400", resp.StatusCode)
	}
	// A GIF's bytes named PNG are not an image of the type named.
	e := alice.Fail(t, "PATCH", "/users/@me", map[string]any{"avatar": "data:image/png;base64," + base64.StdEncoding.EncodeToString(realGIF(t))})
	wantCode(t, e, 400, protocol.CodeInvalidFormBody)

	g, ch := alice.CreateGuild(t, "icons")
	bob.Join(t, alice, ch)
	icon := realGIF(t)
	uri := "data:image/gif;base64," + base64.StdEncoding.EncodeToString(icon)
	// Must not do: bob, without MANAGE_GUILD, stores nothing.
	wantCode(t, bob.Fail(t, "PATCH", fmt.Sprintf("/guilds/%d", g.ID), map[string]any{"icon": uri}), 403, protocol.CodeMissingPermissions)
	if n := countBlobs(t, s, fmt.Sprintf("icons/%d/", g.ID)); n != 0 {
		t.Errorf("bob's refused icon left %d blobs", n)
	}
	var out struct {
		Icon string `json:"icon"`
	}
	alice.Must(t, 200, "PATCH", fmt.Sprintf("/guilds/%d", g.ID), map[string]any{"icon": uri}, &out)
	resp, got = fetch(t, s, fmt.Sprintf("%s/icons/%d/%s.gif", s.URL(), g.ID, out.Icon))
	if resp.StatusCode != 200 || !bytes.Equal(got, icon) || resp.Header.Get("Content-Type") != "image/gif" {
		t.Errorf("icon: %d %s (hash %s)", resp.StatusCode, resp.Header.Get("Content-Type"), out.Icon)
	}
	resp, _ = fetch(t, s, fmt.Sprintf("%s/icons/%d/%s.png?size=16", s.URL(), g.ID, out.Icon))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" {
		t.Errorf("icon as png: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// Methods other than GET and HEAD, and unknown CDN paths.
	if resp, _ := fetch(t, s, s.URL()+"/attachments/1/2"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("short attachment path: %d", resp.StatusCode)
	}
	req, _ := http.NewRequest("DELETE", base+".png", nil)
	if resp, err := s.HTTP.Do(req); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("DELETE on the CDN: %v %v", resp, err)
	}
}

func countBlobs(t *testing.T, s *accordtest.Server, prefix string) int {
	t.Helper()
	n := 0
	if err := s.Blobs.List(t.Context(), prefix, func(blob.Info) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}
