package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

// emojiBody is an emoji object as clients read it.
type emojiBody struct {
	ID    chat.ID   `json:"id"`
	Name  string    `json:"name"`
	Roles []chat.ID `json:"roles"`
	User  *struct {
		ID chat.ID `json:"id"`
	} `json:"user"`
	RequireColons bool `json:"require_colons"`
	Managed       bool `json:"managed"`
	Animated      bool `json:"animated"`
	Available     bool `json:"available"`
}

// animatedGIF is a real two-frame GIF.
func animatedGIF(t *testing.T) []byte {
	pal := color.Palette{color.Black, color.White}
	a, b := image.NewPaletted(image.Rect(0, 0, 32, 32), pal), image.NewPaletted(image.Rect(0, 0, 32, 32), pal)
	b.SetColorIndex(3, 3, 1)
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{a, b}, Delay: []int{10, 10}}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// noisePNG is a PNG of random pixels, which PNG cannot compress: about
// 4*side*side bytes.
func noisePNG(t *testing.T, side int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, side, side))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(rng.Uint32())
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fieldCode returns the first field error code at the dotted path in a
// 50035 body ({"roles": {"0": {"_errors": [...]}}} for "roles.0").
func fieldCode(t *testing.T, e accordtest.APIError, path string) string {
	t.Helper()
	raw := e.Errors
	for _, part := range strings.Split(path, ".") {
		var node map[string]json.RawMessage
		if err := json.Unmarshal(raw, &node); err != nil {
			t.Fatalf("errors %s: %v", e.Errors, err)
		}
		raw = node[part]
	}
	var f struct {
		Errors []struct {
			Code string `json:"code"`
		} `json:"_errors"`
	}
	if err := json.Unmarshal(raw, &f); err != nil || len(f.Errors) == 0 {
		t.Fatalf("no field error at %q in %s", path, e.Errors)
	}
	return f.Errors[0].Code
}

// emojiGuild is a guild with its owner alice, bob (a plain member), carol
// (CREATE_GUILD_EXPRESSIONS), dave (MANAGE_GUILD_EXPRESSIONS) and mallory
// (no member).
type emojiGuild struct {
	s                                *accordtest.Server
	g                                accordtest.Guild
	general                          chat.ID
	alice, bob, carol, dave, mallory *accordtest.Client
	creatorRole                      chat.ID
}

func newEmojiGuild(t *testing.T) *emojiGuild {
	s := runFiles(t, server.BlobConfig{})
	eg := &emojiGuild{s: s, alice: s.Register(t, "alice"), bob: s.Register(t, "bob"), carol: s.Register(t, "carol"),
		dave: s.Register(t, "dave"), mallory: s.Register(t, "mallory")}
	eg.g, eg.general = eg.alice.CreateGuild(t, "emoji")
	for _, c := range []*accordtest.Client{eg.bob, eg.carol, eg.dave} {
		c.Join(t, eg.alice, eg.general)
	}
	role := func(perm protocol.Permission, who *accordtest.Client) chat.ID {
		var r struct {
			ID chat.ID `json:"id"`
		}
		eg.alice.Must(t, 200, "POST", fmt.Sprintf("/guilds/%d/roles", eg.g.ID), map[string]any{"permissions": fmt.Sprint(perm)}, &r)
		eg.alice.Must(t, 204, "PUT", fmt.Sprintf("/guilds/%d/members/%d/roles/%d", eg.g.ID, who.UserID, r.ID), nil, nil)
		return r.ID
	}
	eg.creatorRole = role(protocol.PermCreateGuildExpressions, eg.carol)
	role(protocol.PermManageGuildExpressions, eg.dave)
	return eg
}

func (eg *emojiGuild) path(id chat.ID) string {
	if id == 0 {
		return fmt.Sprintf("/guilds/%d/emojis", eg.g.ID)
	}
	return fmt.Sprintf("/guilds/%d/emojis/%d", eg.g.ID, id)
}

func (eg *emojiGuild) create(t *testing.T, c *accordtest.Client, name, uri string) emojiBody {
	t.Helper()
	var e emojiBody
	c.Must(t, 201, "POST", eg.path(0), map[string]any{"name": name, "image": uri}, &e)
	return e
}

// TestEmojiRoutes: create, list, get, modify and delete under Discord's
// permissions, with Discord's errors for everything refused.
func TestEmojiRoutes(t *testing.T) {
	eg := newEmojiGuild(t)
	s, alice, bob, carol, dave, mallory := eg.s, eg.alice, eg.bob, eg.carol, eg.dave, eg.mallory
	pngURI := dataURI("png", realPNG(t, 32, 32))

	// The owner creates one, with an audit log reason (accepted).
	body, _ := json.Marshal(map[string]any{"name": "blob", "image": pngURI})
	req, _ := http.NewRequest("POST", s.Base+eg.path(0), bytes.NewReader(body))
	req.Header.Set("Authorization", alice.Prefix+alice.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Audit-Log-Reason", url.PathEscape("for the blob fans"))
	resp, err := s.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var blob emojiBody
	err = json.NewDecoder(resp.Body).Decode(&blob)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 201 || blob.Name != "blob" || blob.Roles == nil || len(blob.Roles) != 0 ||
		blob.User == nil || blob.User.ID != alice.UserID || !blob.RequireColons || blob.Managed || blob.Animated || !blob.Available {
		t.Fatalf("create: %d %+v %v", resp.StatusCode, blob, err)
	}

	// Must not do: bob has no permission, mallory is no member; nothing is
	// stored for them.
	before := countBlobs(t, s, "emojis/")
	wantCode(t, bob.Fail(t, "POST", eg.path(0), map[string]any{"name": "bobs", "image": pngURI}), 403, protocol.CodeMissingPermissions)
	wantCode(t, mallory.Fail(t, "POST", eg.path(0), map[string]any{"name": "mal", "image": pngURI}), 404, protocol.CodeUnknownGuild)
	wantCode(t, mallory.Fail(t, "GET", eg.path(0), nil), 404, protocol.CodeUnknownGuild)
	wantCode(t, mallory.Fail(t, "GET", eg.path(blob.ID), nil), 404, protocol.CodeUnknownGuild)
	wantCode(t, mallory.Fail(t, "DELETE", eg.path(blob.ID), nil), 404, protocol.CodeUnknownGuild)
	wantCode(t, alice.Fail(t, "GET", "/guilds/12345/emojis", nil), 404, protocol.CodeUnknownGuild)
	if n := countBlobs(t, s, "emojis/"); n != before {
		t.Fatalf("refused creates stored %d images", n-before)
	}

	// Bad bodies: Discord's form errors, nothing stored.
	big := noisePNG(t, 300)
	if len(big) <= 256<<10 {
		t.Fatalf("noise PNG is only %d bytes", len(big))
	}
	small := realPNG(t, 32, 32)
	for _, c := range []struct {
		name, body any
		path, code string
	}{
		{"a", pngURI, "name", protocol.FieldBaseTypeBadLength},
		{strings.Repeat("a", 33), pngURI, "name", protocol.FieldBaseTypeBadLength},
		{"bad-name", pngURI, "name", protocol.FieldStringTypeRegex},
		{"nope", nil, "image", protocol.FieldBaseTypeRequired},
		{"nope", "not an image", "image", protocol.FieldImageInvalid},
		{"nope", dataURI("gif", small), "image", protocol.FieldImageInvalid},                // PNG bytes named GIF
		{"nope", dataURI("png", small[:len(small)/2]), "image", protocol.FieldImageInvalid}, // truncated
		{"nope", dataURI("png", big), "image", protocol.FieldBinaryTypeMaxSize},
	} {
		b := map[string]any{"name": c.name}
		if c.body != nil {
			b["image"] = c.body
		}
		e := carol.Fail(t, "POST", eg.path(0), b)
		wantCode(t, e, 400, protocol.CodeInvalidFormBody)
		if got := fieldCode(t, e, c.path); got != c.code {
			t.Errorf("%v: %s %s, want %s", c.name, c.path, got, c.code)
		}
	}
	e := carol.Fail(t, "POST", eg.path(0), map[string]any{"name": "roled", "image": pngURI, "roles": []string{"12345"}})
	wantCode(t, e, 400, protocol.CodeInvalidFormBody)
	if got := fieldCode(t, e, "roles.0"); got != protocol.FieldRoleInvalid {
		t.Errorf("unknown role: %s", got)
	}
	if n := countBlobs(t, s, "emojis/"); n != before {
		t.Fatalf("bad bodies left %d images", n-before)
	}

	// Carol (CREATE) creates one limited to her role.
	var carols emojiBody
	carol.Must(t, 201, "POST", eg.path(0), map[string]any{"name": "carols", "image": pngURI,
		"roles": []string{eg.creatorRole.String(), eg.creatorRole.String()}}, &carols)
	if len(carols.Roles) != 1 || carols.Roles[0] != eg.creatorRole || carols.User == nil || carols.User.ID != carol.UserID {
		t.Fatalf("carol's emoji %+v", carols)
	}

	// Who sees the creator.
	var list []emojiBody
	bob.Must(t, 200, "GET", eg.path(0), nil, &list)
	if len(list) != 2 || list[0].ID != blob.ID || list[1].ID != carols.ID || list[0].User != nil || list[1].User != nil {
		t.Fatalf("bob's list %+v", list)
	}
	carol.Must(t, 200, "GET", eg.path(0), nil, &list)
	if len(list) != 2 || list[0].User == nil || list[0].User.ID != alice.UserID {
		t.Fatalf("carol's list %+v", list)
	}
	var one emojiBody
	carol.Must(t, 200, "GET", eg.path(blob.ID), nil, &one)
	if one.User != nil {
		t.Fatalf("carol sees the creator of alice's emoji: %+v", one)
	}
	carol.Must(t, 200, "GET", eg.path(carols.ID), nil, &one)
	if one.User == nil || one.User.ID != carol.UserID {
		t.Fatalf("carol's own: %+v", one)
	}
	dave.Must(t, 200, "GET", eg.path(blob.ID), nil, &one)
	if one.User == nil {
		t.Fatalf("dave (MANAGE) does not see the creator: %+v", one)
	}
	wantCode(t, bob.Fail(t, "GET", eg.path(424242), nil), 404, protocol.CodeUnknownEmoji)
	var g struct {
		Emojis []emojiBody `json:"emojis"`
	}
	bob.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d", eg.g.ID), nil, &g)
	if len(g.Emojis) != 2 || g.Emojis[1].Name != "carols" || g.Emojis[1].User != nil {
		t.Fatalf("guild emojis %+v", g.Emojis)
	}
	bob.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/preview", eg.g.ID), nil, &g)
	if len(g.Emojis) != 2 || g.Emojis[0].ID != blob.ID || g.Emojis[0].User != nil {
		t.Fatalf("preview emojis %+v", g.Emojis)
	}

	// Modify: one's own with CREATE, anyone's with MANAGE.
	wantCode(t, bob.Fail(t, "PATCH", eg.path(carols.ID), map[string]any{"name": "bobs"}), 403, protocol.CodeMissingPermissions)
	wantCode(t, carol.Fail(t, "PATCH", eg.path(blob.ID), map[string]any{"name": "hers"}), 403, protocol.CodeMissingPermissions)
	wantCode(t, carol.Fail(t, "PATCH", eg.path(carols.ID), map[string]any{"name": "x"}), 400, protocol.CodeInvalidFormBody)
	wantCode(t, carol.Fail(t, "PATCH", eg.path(424242), map[string]any{"name": "xy"}), 404, protocol.CodeUnknownEmoji)
	carol.Must(t, 200, "PATCH", eg.path(carols.ID), map[string]any{"name": "carol2", "roles": nil}, &one)
	if one.Name != "carol2" || one.Roles == nil || len(one.Roles) != 0 {
		t.Fatalf("carol's edit %+v", one)
	}
	dave.Must(t, 200, "PATCH", eg.path(blob.ID), map[string]any{"roles": []string{eg.creatorRole.String()}}, &one)
	if one.Name != "blob" || len(one.Roles) != 1 {
		t.Fatalf("dave's edit %+v", one)
	}

	// Delete: carol not alice's, her own yes; its image goes with it.
	wantCode(t, bob.Fail(t, "DELETE", eg.path(carols.ID), nil), 403, protocol.CodeMissingPermissions)
	wantCode(t, carol.Fail(t, "DELETE", eg.path(blob.ID), nil), 403, protocol.CodeMissingPermissions)
	if n := countBlobs(t, s, fmt.Sprintf("emojis/%d", carols.ID)); n != 1 {
		t.Fatalf("carol's emoji has %d images", n)
	}
	carol.Must(t, 204, "DELETE", eg.path(carols.ID), nil, nil)
	if n := countBlobs(t, s, fmt.Sprintf("emojis/%d", carols.ID)); n != 0 {
		t.Fatalf("deleted emoji left %d images", n)
	}
	wantCode(t, carol.Fail(t, "GET", eg.path(carols.ID), nil), 404, protocol.CodeUnknownEmoji)
	wantCode(t, carol.Fail(t, "DELETE", eg.path(carols.ID), nil), 404, protocol.CodeUnknownEmoji)
	dave.Must(t, 204, "DELETE", eg.path(blob.ID), nil, nil)
	bob.Must(t, 200, "GET", eg.path(0), nil, &list)
	if len(list) != 0 {
		t.Fatalf("after deletes: %+v", list)
	}
}

// TestEmojiLimit: 50 static emoji, then 30008; animated ones count apart.
func TestEmojiLimit(t *testing.T) {
	eg := newEmojiGuild(t)
	uri := dataURI("png", realPNG(t, 16, 16))
	for i := range protocol.MaxGuildEmojis {
		eg.create(t, eg.alice, fmt.Sprintf("e%d", i), uri)
	}
	before := countBlobs(t, eg.s, "emojis/")
	e := eg.alice.Fail(t, "POST", eg.path(0), map[string]any{"name": "one_more", "image": uri})
	wantCode(t, e, 400, protocol.CodeMaxEmojis)
	if e.Message != "Maximum number of emojis reached (50)" {
		t.Errorf("message %q", e.Message)
	}
	if n := countBlobs(t, eg.s, "emojis/"); n != before {
		t.Errorf("the refused 51st stored an image")
	}
	if a := eg.create(t, eg.alice, "moving", dataURI("gif", animatedGIF(t))); !a.Animated {
		t.Errorf("GIF emoji not animated: %+v", a)
	}
}

// TestEmojiCDN: /emojis/{id}.{ext} serves the image as stored or
// converted and resized, like the other image routes; unknown and deleted
// emoji are 404.
func TestEmojiCDN(t *testing.T) {
	eg := newEmojiGuild(t)
	img := realPNG(t, 64, 64)
	still := eg.create(t, eg.alice, "still", dataURI("png", img))
	anim := animatedGIF(t)
	moving := eg.create(t, eg.alice, "moving", dataURI("gif", anim))
	base := eg.s.URL() + "/emojis/"

	resp, got := fetch(t, eg.s, fmt.Sprintf("%s%d.png", base, still.ID))
	if resp.StatusCode != 200 || !bytes.Equal(got, img) || resp.Header.Get("Content-Type") != "image/png" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("ETag") == "" ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "public") {
		t.Fatalf("png: %d %v", resp.StatusCode, resp.Header)
	}
	if resp, _ := fetch(t, eg.s, fmt.Sprintf("%s%d.png", base, still.ID), "If-None-Match", resp.Header.Get("ETag")); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", resp.StatusCode)
	}
	for _, c := range []struct {
		url, ct string
		w       int
	}{
		{fmt.Sprintf("%s%d.webp?size=16", base, still.ID), "image/png", 16},
		{fmt.Sprintf("%s%d.jpg?size=32", base, still.ID), "image/jpeg", 32},
		{fmt.Sprintf("%s%d.png?size=32", base, moving.ID), "image/png", 32},
	} {
		resp, got := fetch(t, eg.s, c.url)
		cfg, _, err := image.DecodeConfig(bytes.NewReader(got))
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != c.ct || err != nil || cfg.Width != c.w {
			t.Errorf("%s: %d %s %v %dpx", c.url, resp.StatusCode, resp.Header.Get("Content-Type"), err, cfg.Width)
		}
	}
	// The animated GIF as .gif is the stored bytes, every frame.
	resp, got = fetch(t, eg.s, fmt.Sprintf("%s%d.gif", base, moving.ID))
	if resp.StatusCode != 200 || !bytes.Equal(got, anim) || resp.Header.Get("Content-Type") != "image/gif" {
		t.Fatalf("gif: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if all, err := gif.DecodeAll(bytes.NewReader(got)); err != nil || len(all.Image) != 2 {
		t.Fatalf("served GIF frames: %v", err)
	}
	for _, bad := range []string{
		fmt.Sprintf("%s%d.png", base, 424242),
		fmt.Sprintf("%s%d.bmp", base, still.ID),
		fmt.Sprintf("%s%d", base, still.ID),
		base + "abc.png",
	} {
		if resp, _ := fetch(t, eg.s, bad); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, resp.StatusCode)
		}
	}
	if resp, _ := fetch(t, eg.s, fmt.Sprintf("%s%d.png?size=17", base, still.ID)); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("size=17: %d", resp.StatusCode)
	}
	// Deleted: the image and its cached variants are gone.
	eg.alice.Must(t, 204, "DELETE", eg.path(still.ID), nil, nil)
	if resp, _ := fetch(t, eg.s, fmt.Sprintf("%s%d.png", base, still.ID)); resp.StatusCode != http.StatusNotFound {
		t.Errorf("deleted emoji: %d", resp.StatusCode)
	}
	if n := countBlobs(t, eg.s, fmt.Sprintf("variants/emojis/%d/", still.ID)); n != 0 {
		t.Errorf("deleted emoji left %d variants", n)
	}
}

// TestEmojiReactions: a custom emoji of the guild is a known reaction,
// stored with its own name; an ID that is no emoji of the guild stays
// 10014 Unknown Emoji.
func TestEmojiReactions(t *testing.T) {
	eg := newEmojiGuild(t)
	blob := eg.create(t, eg.alice, "blob", dataURI("png", realPNG(t, 16, 16)))
	m := eg.bob.Send(t, eg.general, "react to me")
	react := func(c *accordtest.Client, emoji string) (int, []byte) {
		st, b, err := c.Request("PUT", fmt.Sprintf("/channels/%d/messages/%d/reactions/%s/@me", eg.general, m.ID, url.PathEscape(emoji)), nil)
		if err != nil {
			t.Fatal(err)
		}
		return st, b
	}
	// A client may send any name with the ID: the emoji's own is kept.
	if st, b := react(eg.bob, fmt.Sprintf("whatever:%d", blob.ID)); st != 204 {
		t.Fatalf("react with the guild's emoji: %d %s", st, b)
	}
	var msg struct {
		Reactions []struct {
			Count int `json:"count"`
			Emoji struct {
				ID   *chat.ID `json:"id"`
				Name string   `json:"name"`
			} `json:"emoji"`
		} `json:"reactions"`
	}
	eg.bob.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages/%d", eg.general, m.ID), nil, &msg)
	if len(msg.Reactions) != 1 || msg.Reactions[0].Emoji.ID == nil || *msg.Reactions[0].Emoji.ID != blob.ID ||
		msg.Reactions[0].Emoji.Name != "blob" || msg.Reactions[0].Count != 1 {
		t.Fatalf("reactions %+v", msg.Reactions)
	}

	// Must not do: an ID no emoji has, and another guild's emoji.
	other, _ := eg.mallory.CreateGuild(t, "elsewhere")
	var theirs emojiBody
	eg.mallory.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/emojis", other.ID), map[string]any{"name": "theirs", "image": dataURI("png", realPNG(t, 16, 16))}, &theirs)
	for _, emoji := range []string{"ghost:424242", fmt.Sprintf("theirs:%d", theirs.ID)} {
		st, b := react(eg.bob, emoji)
		var e accordtest.APIError
		_ = json.Unmarshal(b, &e)
		if st != 400 || e.Code != protocol.CodeUnknownEmoji {
			t.Errorf("react with %s: %d %s", emoji, st, b)
		}
	}
	// A deleted emoji is unknown for new reactions too.
	eg.alice.Must(t, 204, "DELETE", eg.path(blob.ID), nil, nil)
	if st, b := react(eg.carol, fmt.Sprintf("blob:%d", blob.ID)); st != 400 {
		t.Errorf("react with a deleted emoji: %d %s", st, b)
	}
}

// TestEmojiCollector: the images of a deleted guild's emoji, and images no
// emoji names, are collected; live emoji keep theirs.
func TestEmojiCollector(t *testing.T) {
	eg := newEmojiGuild(t)
	uri := dataURI("png", realPNG(t, 16, 16))
	kept := eg.create(t, eg.alice, "kept", uri)
	doomed, _ := eg.bob.CreateGuild(t, "doomed")
	var lost emojiBody
	eg.bob.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/emojis", doomed.ID), map[string]any{"name": "lost", "image": uri}, &lost)
	eg.bob.Must(t, 204, "DELETE", fmt.Sprintf("/guilds/%d", doomed.ID), nil, nil)
	if n := countBlobs(t, eg.s, fmt.Sprintf("emojis/%d", lost.ID)); n != 1 {
		t.Fatalf("the deleted guild's emoji image: %d blobs before collecting", n)
	}
	if n, err := eg.s.API.CollectAttachments(context.Background(), time.Hour); err != nil || n != 0 {
		t.Errorf("with an hour's grace: deleted %d (%v)", n, err)
	}
	n, err := eg.s.API.CollectAttachments(context.Background(), time.Nanosecond)
	if err != nil || n != 1 {
		t.Errorf("collector deleted %d (%v), want the deleted guild's 1", n, err)
	}
	if n := countBlobs(t, eg.s, fmt.Sprintf("emojis/%d", lost.ID)); n != 0 {
		t.Errorf("the deleted guild's emoji image survived")
	}
	if n := countBlobs(t, eg.s, fmt.Sprintf("emojis/%d", kept.ID)); n != 1 {
		t.Errorf("a live emoji lost its image")
	}
}

// TestEmojiReactionsInDMs: in a DM, a recipient reacts with the custom
// emoji of a guild they are in (kept with the emoji's own name); an emoji
// of a guild they are not in, one kept for some roles, and an unknown ID
// are 10014.
func TestEmojiReactionsInDMs(t *testing.T) {
	eg := newEmojiGuild(t)
	blob := eg.create(t, eg.alice, "blob", dataURI("png", realPNG(t, 16, 16)))
	var vip emojiBody
	eg.alice.Must(t, 201, "POST", eg.path(0), map[string]any{"name": "vip", "image": dataURI("png", realPNG(t, 16, 16)),
		"roles": []chat.ID{eg.creatorRole}}, &vip)
	other, _ := eg.mallory.CreateGuild(t, "elsewhere")
	var theirs emojiBody
	eg.mallory.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/emojis", other.ID), map[string]any{"name": "theirs", "image": dataURI("png", realPNG(t, 16, 16))}, &theirs)

	var dm struct {
		ID chat.ID `json:"id"`
	}
	eg.bob.Must(t, 200, "POST", "/users/@me/channels", map[string]any{"recipient_id": eg.dave.UserID}, &dm)
	m := eg.dave.Send(t, dm.ID, "react to me")
	react := func(c *accordtest.Client, emoji string) (int, []byte) {
		st, b, err := c.Request("PUT", fmt.Sprintf("/channels/%d/messages/%d/reactions/%s/@me", dm.ID, m.ID, url.PathEscape(emoji)), nil)
		if err != nil {
			t.Fatal(err)
		}
		return st, b
	}
	if st, b := react(eg.bob, fmt.Sprintf("whatever:%d", blob.ID)); st != 204 {
		t.Fatalf("react in a DM with a guild's emoji: %d %s", st, b)
	}
	var msg struct {
		Reactions []struct {
			Emoji struct {
				ID   *chat.ID `json:"id"`
				Name string   `json:"name"`
			} `json:"emoji"`
		} `json:"reactions"`
	}
	eg.dave.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages/%d", dm.ID, m.ID), nil, &msg)
	if len(msg.Reactions) != 1 || msg.Reactions[0].Emoji.ID == nil || *msg.Reactions[0].Emoji.ID != blob.ID || msg.Reactions[0].Emoji.Name != "blob" {
		t.Fatalf("DM reactions %+v", msg.Reactions)
	}
	for _, emoji := range []string{"ghost:424242", fmt.Sprintf("theirs:%d", theirs.ID), fmt.Sprintf("vip:%d", vip.ID)} {
		st, b := react(eg.bob, emoji)
		var e accordtest.APIError
		_ = json.Unmarshal(b, &e)
		if st != 400 || e.Code != protocol.CodeUnknownEmoji {
			t.Errorf("react in a DM with %s: %d %s", emoji, st, b)
		}
	}
}
