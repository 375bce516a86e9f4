package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/blob"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/poll"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/ratelimit"
	"github.com/accordchat/accord/internal/server"
)

// file is one part of an upload.
type file struct {
	name string
	data []byte
}

// multipartBody builds a Discord-style upload: payload_json (nil: none)
// then files[n].
func multipartBody(t *testing.T, payload any, files ...file) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			t.Fatal(err)
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="payload_json"`)
		h.Set("Content-Type", "application/json")
		pw, _ := mw.CreatePart(h)
		pw.Write(b)
	}
	for i, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="files[%d]"; filename="%s"`, i, f.name))
		h.Set("Content-Type", "image/png") // a lie the server must not trust
		pw, _ := mw.CreatePart(h)
		pw.Write(f.data)
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// send sends a raw body with a content type as c and returns status and body.
func sendRaw(t *testing.T, c *accordtest.Client, method, path, ct string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, c.S.Base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", c.Prefix+c.Token)
	resp, err := c.S.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

type attachmentMsg struct {
	ID          chat.ID               `json:"id"`
	Content     string                `json:"content"`
	Attachments []protocol.Attachment `json:"attachments"`
}

func upload(t *testing.T, c *accordtest.Client, method, path string, payload any, files ...file) attachmentMsg {
	t.Helper()
	ct, body := multipartBody(t, payload, files...)
	st, b := sendRaw(t, c, method, path, ct, body)
	if st != http.StatusOK {
		t.Fatalf("%s %s: %d %s", method, path, st, b)
	}
	var m attachmentMsg
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func uploadFail(t *testing.T, c *accordtest.Client, method, path string, payload any, files ...file) accordtest.APIError {
	t.Helper()
	ct, body := multipartBody(t, payload, files...)
	st, b := sendRaw(t, c, method, path, ct, body)
	var e accordtest.APIError
	json.Unmarshal(b, &e)
	e.Status = st
	return e
}

func realPNG(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 4), 200, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// fetch GETs a CDN URL without credentials.
func fetch(t *testing.T, s *accordtest.Server, rawURL string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// blobFiles lists the attachment blobs of a server.
func blobFiles(t *testing.T, s *accordtest.Server) []string {
	t.Helper()
	var out []string
	err := s.Blobs.List(t.Context(), "attachments/", func(info blob.Info) error {
		out = append(out, info.Key)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// testBlob is the --blob of the attachment tests: the default fs, or
// (attachments_s3_test.go, -tags s3) a real S3-compatible server.
var testBlob func(t *testing.T) server.BlobConfig

// runFiles runs a server for the attachment tests with cfg's blob limits.
func runFiles(t *testing.T, cfg server.BlobConfig) *accordtest.Server {
	t.Helper()
	if testBlob != nil {
		b := testBlob(t)
		cfg.Store, cfg.S3AccessKey, cfg.S3SecretKey = b.Store, b.S3AccessKey, b.S3SecretKey
	}
	return accordtest.RunServer(t, server.Config{Blob: cfg})
}

func TestAttachmentUploadAndCDN(t *testing.T) {
	s := runFiles(t, server.BlobConfig{})
	alice := s.Register(t, "alice")
	_, ch := alice.CreateGuild(t, "files")
	img := realPNG(t, 64, 32)
	bin := []byte{0, 1, 2, 3, 4, 5, 0xff, 0xfe}
	m := upload(t, alice, "POST", fmt.Sprintf("/channels/%d/messages", ch),
		map[string]any{"content": "look", "attachments": []any{map[string]any{"id": 0, "description": "a gradient"}, map[string]any{"id": "1", "filename": "SPOILER_blob.bin"}}},
		file{"my picture.txt", img}, file{"data.bin", bin})
	if m.Content != "look" || len(m.Attachments) != 2 {
		t.Fatalf("message = %+v", m)
	}
	a, b := m.Attachments[0], m.Attachments[1]
	if a.Filename != "my_picture.txt" || a.ContentType != "image/png" || a.Size != int64(len(img)) || a.Width == nil || *a.Width != 64 || *a.Height != 32 || a.Description != "a gradient" {
		t.Errorf("image attachment = %+v", a)
	}
	if b.Filename != "SPOILER_blob.bin" || b.Flags != chat.AttachmentIsSpoiler || b.ContentType != "application/octet-stream" || b.Width != nil || b.Size != int64(len(bin)) {
		t.Errorf("binary attachment = %+v", b)
	}
	if !strings.HasPrefix(a.URL, s.URL()+fmt.Sprintf("/attachments/%d/%d/my_picture.txt?ex=", ch, a.ID)) || a.ProxyURL != a.URL {
		t.Errorf("url = %q proxy %q", a.URL, a.ProxyURL)
	}

	resp, got := fetch(t, s, a.URL)
	if resp.StatusCode != 200 || !bytes.Equal(got, img) {
		t.Fatalf("CDN: %d, %d bytes", resp.StatusCode, len(got))
	}
	for k, want := range map[string]string{"Content-Type": "image/png", "X-Content-Type-Options": "nosniff", "Accept-Ranges": "bytes"} {
		if resp.Header.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, resp.Header.Get(k), want)
		}
	}
	etag := resp.Header.Get("ETag")
	if etag == "" || resp.Header.Get("Cache-Control") == "" || resp.Header.Get("Content-Disposition") != "" {
		t.Errorf("headers %v", resp.Header)
	}
	if resp, _ := fetch(t, s, a.URL, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d, want 304", resp.StatusCode)
	}
	resp, got = fetch(t, s, b.URL, "Range", "bytes=2-5")
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(got, bin[2:6]) || resp.Header.Get("Content-Range") != fmt.Sprintf("bytes 2-5/%d", len(bin)) {
		t.Errorf("Range: %d %v %q", resp.StatusCode, got, resp.Header.Get("Content-Range"))
	}
	if resp, _ := fetch(t, s, b.URL, "Range", "bytes=-3"); resp.StatusCode != http.StatusPartialContent {
		t.Errorf("suffix range: %d", resp.StatusCode)
	}
	if resp, _ := fetch(t, s, b.URL, "Range", "bytes=100-"); resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("range past the end: %d, want 416", resp.StatusCode)
	}
	// Resized and converted, and cached.
	for range 2 {
		resp, got = fetch(t, s, a.URL+"&size=16&format=jpeg")
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("resize: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), got)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(got))
		if err != nil || format != "jpeg" || cfg.Width != 16 || cfg.Height != 8 {
			t.Errorf("resized: %v %s %dx%d", err, format, cfg.Width, cfg.Height)
		}
	}
	if resp, _ := fetch(t, s, a.URL+"&size=100"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("size=100: %d, want 400", resp.StatusCode)
	}
	// History carries the same attachments, freshly signed.
	var history []attachmentMsg
	alice.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages?limit=1", ch), nil, &history)
	if len(history) != 1 || len(history[0].Attachments) != 2 || history[0].Attachments[1].Flags != chat.AttachmentIsSpoiler {
		t.Fatalf("history = %+v", history)
	}
	if resp, got := fetch(t, s, history[0].Attachments[1].URL); resp.StatusCode != 200 || !bytes.Equal(got, bin) {
		t.Errorf("history URL: %d", resp.StatusCode)
	}

	// A file-only message, without payload_json.
	m = upload(t, alice, "POST", fmt.Sprintf("/channels/%d/messages", ch), nil, file{"only.bin", bin})
	if m.Content != "" || len(m.Attachments) != 1 {
		t.Errorf("file-only message = %+v", m)
	}
}

// TestAttachmentSniffedType: the server sniffs the bytes. A ".png" that
// is HTML is served as text/html, as a download, with nosniff and a
// sandbox, so that it can never run as a page of the server's origin.
func TestAttachmentSniffedType(t *testing.T) {
	s := runFiles(t, server.BlobConfig{})
	alice := s.Register(t, "alice")
	_, ch := alice.CreateGuild(t, "files")
	for _, c := range []struct{ name, data, ct string }{
		{"cute.png", "<!DOCTYPE html><html><script>alert(document.cookie)</script></html>", "text/html; charset=utf-8"},
		{"icon.svg", `<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`, "text/xml; charset=utf-8"},
	} {
		m := upload(t, alice, "POST", fmt.Sprintf("/channels/%d/messages", ch), nil, file{c.name, []byte(c.data)})
		a := m.Attachments[0]
		if a.ContentType != c.ct || a.Width != nil {
			t.Errorf("%s: content_type %q width %v, want %q", c.name, a.ContentType, a.Width, c.ct)
		}
		resp, got := fetch(t, s, a.URL)
		if resp.StatusCode != 200 || string(got) != c.data {
			t.Fatalf("%s: %d", c.name, resp.StatusCode)
		}
		if resp.Header.Get("Content-Type") != c.ct || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("%s: headers %v", c.name, resp.Header)
		}
		// Nor does ?format= turn it into something else.
		if resp, _ := fetch(t, s, a.URL+"&format=png"); resp.Header.Get("Content-Type") != c.ct {
			t.Errorf("%s: format=png served %s", c.name, resp.Header.Get("Content-Type"))
		}
	}
}

// TestAttachmentSignedURLs: must not see. A URL works only for its own
// path and only until it expires; refresh-urls re-signs only URLs the
// server signed.
func TestAttachmentSignedURLs(t *testing.T) {
	s := runFiles(t, server.BlobConfig{URLTTL: 2 * time.Second})
	alice := s.Register(t, "alice")
	_, ch := alice.CreateGuild(t, "private")
	_, other := alice.CreateGuild(t, "other")
	m := upload(t, alice, "POST", fmt.Sprintf("/channels/%d/messages", ch), nil, file{"a.bin", []byte("secret one")}, file{"b.bin", []byte("secret two")})
	a, b := m.Attachments[0], m.Attachments[1]
	u, _ := url.Parse(a.URL)
	q := u.Query()
	tampered := []string{
		s.URL() + u.Path, // unsigned
		strings.Replace(a.URL, "&hm=", "&hm=0", 1),                                   // forged hm
		strings.Replace(a.URL, "ex=", "ex=f", 1),                                     // extended expiry
		s.URL() + fmt.Sprintf("/attachments/%d/%d/a.bin?", other, a.ID) + q.Encode(), // another channel's path
		s.URL() + fmt.Sprintf("/attachments/%d/%d/b.bin?", ch, b.ID) + q.Encode(),    // another file with a's signature
		s.URL() + fmt.Sprintf("/attachments/%d/%d/renamed.bin?", ch, a.ID) + q.Encode(),
	}
	for _, bad := range tampered {
		if resp, got := fetch(t, s, bad); resp.StatusCode != http.StatusNotFound || bytes.Contains(got, []byte("secret")) {
			t.Errorf("%s: %d %s", bad, resp.StatusCode, got)
		}
	}
	if resp, _ := fetch(t, s, a.URL); resp.StatusCode != 200 {
		t.Fatalf("fresh URL: %d", resp.StatusCode)
	}
	// A leaked URL stops working once it expires.
	poll.Until(t, 10*time.Second, 100*time.Millisecond, func() error {
		if resp, _ := fetch(t, s, a.URL); resp.StatusCode != http.StatusNotFound {
			return fmt.Errorf("expired URL still answers %d", resp.StatusCode)
		}
		return nil
	})
	var out struct {
		Refreshed []struct{ Original, Refreshed string } `json:"refreshed_urls"`
	}
	alice.Must(t, 200, "POST", "/attachments/refresh-urls", map[string]any{"attachment_urls": append([]string{a.URL}, tampered...)}, &out)
	if len(out.Refreshed) != 1 || out.Refreshed[0].Original != a.URL {
		t.Fatalf("refreshed = %+v, want only the authentic URL", out.Refreshed)
	}
	if resp, got := fetch(t, s, out.Refreshed[0].Refreshed); resp.StatusCode != 200 || string(got) != "secret one" {
		t.Errorf("refreshed URL: %d", resp.StatusCode)
	}
	wantCode(t, alice.Fail(t, "POST", "/attachments/refresh-urls", map[string]any{}), 400, protocol.CodeInvalidFormBody)
	wantCode(t, alice.Fail(t, "POST", "/attachments/refresh-urls", map[string]any{"attachment_urls": make([]string, 51)}), 400, protocol.CodeInvalidFormBody)
	wantCode(t, s.Anonymous().Fail(t, "POST", "/attachments/refresh-urls", map[string]any{"attachment_urls": []string{a.URL}}), 401, protocol.CodeGeneral)
}

func TestAttachmentLimits(t *testing.T) {
	s := runFiles(t, server.BlobConfig{MaxFileBytes: 1000, MaxUploadBytes: 1500})
	alice := s.Register(t, "alice")
	_, ch := alice.CreateGuild(t, "limits")
	path := fmt.Sprintf("/channels/%d/messages", ch)
	var eleven []file
	for i := range 11 {
		eleven = append(eleven, file{fmt.Sprintf("f%d.txt", i), []byte("x")})
	}
	e := uploadFail(t, alice, "POST", path, nil, eleven...)
	wantCode(t, e, 400, protocol.CodeInvalidFormBody)
	if !strings.Contains(string(e.Errors), `"files":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH"`) {
		t.Errorf("11 files: %s", e.Errors)
	}
	wantCode(t, uploadFail(t, alice, "POST", path, nil, file{"big.bin", make([]byte, 1001)}), 413, protocol.CodeEntityTooLarge)
	wantCode(t, uploadFail(t, alice, "POST", path, nil, file{"a.bin", make([]byte, 800)}, file{"b.bin", make([]byte, 800)}), 413, protocol.CodeEntityTooLarge)
	// A bad payload after good files.
	wantCode(t, uploadFail(t, alice, "POST", path, map[string]any{"content": strings.Repeat("x", 2001)}, file{"ok.bin", []byte("ok")}), 400, protocol.CodeInvalidFormBody)
	// A truncated upload: the body ends inside a file.
	ct, body := multipartBody(t, map[string]any{"content": "x"}, file{"cut.bin", bytes.Repeat([]byte("y"), 900)})
	st, b := sendRaw(t, alice, "POST", path, ct, body[:len(body)-300])
	if st != 400 || !strings.Contains(string(b), "truncated") {
		t.Errorf("truncated upload: %d %s", st, b)
	}
	if files := blobFiles(t, s); len(files) != 0 {
		t.Errorf("refused uploads left blobs: %v", files)
	}
	var history []attachmentMsg
	alice.Must(t, 200, "GET", path, nil, &history)
	if len(history) != 0 {
		t.Errorf("refused uploads made messages: %+v", history)
	}
}

// TestAttachmentPermissions: must not do and must not see. Without
// ATTACH_FILES no file is stored; without VIEW_CHANNEL no attachment URL
// is given out.
func TestAttachmentPermissions(t *testing.T) {
	s := runFiles(t, server.BlobConfig{})
	alice := s.Register(t, "alice")
	bob := s.Register(t, "bob")
	g, ch := alice.CreateGuild(t, "perms")
	bob.Join(t, alice, ch)
	path := fmt.Sprintf("/channels/%d/messages", ch)
	m := upload(t, alice, "POST", path, nil, file{"a.bin", []byte("for members")})
	alice.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/permissions/%d", ch, g.ID), map[string]any{"type": 0, "deny": fmt.Sprint(protocol.PermAttachFiles)}, nil)
	wantCode(t, uploadFail(t, bob, "POST", path, map[string]any{"content": "x"}, file{"b.bin", []byte("nope")}), 403, protocol.CodeMissingPermissions)
	// Text without files still goes.
	bob.Send(t, ch, "text is fine")
	// Editing someone else's message to add files.
	wantCode(t, uploadFail(t, bob, "PATCH", fmt.Sprintf("%s/%d", path, m.ID), nil, file{"c.bin", []byte("nope")}), 403, protocol.CodeMissingPermissions)
	if files := blobFiles(t, s); len(files) != 1 {
		t.Errorf("blobs = %v, want alice's one", files)
	}
	alice.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/permissions/%d", ch, bob.UserID), map[string]any{"type": 1, "deny": fmt.Sprint(protocol.PermViewChannel)}, nil)
	st, b, _ := bob.Request("GET", path, nil)
	if st != 403 || bytes.Contains(b, []byte("/attachments/")) {
		t.Errorf("bob without VIEW_CHANNEL: %d %s", st, b)
	}
	st, b, _ = bob.Request("GET", fmt.Sprintf("%s/%d", path, m.ID), nil)
	if st != 403 || bytes.Contains(b, []byte("/attachments/")) {
		t.Errorf("bob without VIEW_CHANNEL, one message: %d %s", st, b)
	}
}

// TestAttachmentEditAndDelete: an edit keeps or removes attachments and
// adds files; removed and deleted files' blobs go; the collector removes
// those of a deleted channel, and leaves held and young ones.
func TestAttachmentEditAndDelete(t *testing.T) {
	s := runFiles(t, server.BlobConfig{})
	alice := s.Register(t, "alice")
	_, ch := alice.CreateGuild(t, "edits")
	path := fmt.Sprintf("/channels/%d/messages", ch)
	m := upload(t, alice, "POST", path, nil, file{"a.bin", []byte("aaa")}, file{"b.bin", []byte("bbb")})
	a, b := m.Attachments[0], m.Attachments[1]
	edited := upload(t, alice, "PATCH", fmt.Sprintf("%s/%d", path, m.ID),
		map[string]any{"attachments": []any{map[string]any{"id": a.ID.String()}, map[string]any{"id": 0, "description": "new"}}},
		file{"c.bin", []byte("ccc")})
	if len(edited.Attachments) != 2 || edited.Attachments[0].ID != a.ID || edited.Attachments[1].Filename != "c.bin" || edited.Attachments[1].Description != "new" {
		t.Fatalf("edited = %+v", edited.Attachments)
	}
	gone := func(u string) func() error {
		return func() error {
			if resp, _ := fetch(t, s, u); resp.StatusCode != http.StatusNotFound {
				return fmt.Errorf("%s still answers %d", u, resp.StatusCode)
			}
			return nil
		}
	}
	poll.Until(t, 5*time.Second, 20*time.Millisecond, gone(b.URL))
	if resp, _ := fetch(t, s, a.URL); resp.StatusCode != 200 {
		t.Errorf("kept attachment: %d", resp.StatusCode)
	}
	// A JSON edit with an empty list removes the rest; content keeps the
	// message valid.
	var out attachmentMsg
	alice.Must(t, 200, "PATCH", fmt.Sprintf("%s/%d", path, m.ID), map[string]any{"content": "text now", "attachments": []any{}}, &out)
	if len(out.Attachments) != 0 {
		t.Errorf("after removing all: %+v", out.Attachments)
	}
	poll.Until(t, 5*time.Second, 20*time.Millisecond, gone(a.URL))
	poll.Until(t, 5*time.Second, 20*time.Millisecond, gone(edited.Attachments[1].URL))

	m2 := upload(t, alice, "POST", path, nil, file{"d.bin", []byte("ddd")})
	alice.Must(t, 204, "DELETE", fmt.Sprintf("%s/%d", path, m2.ID), nil, nil)
	poll.Until(t, 5*time.Second, 20*time.Millisecond, gone(m2.Attachments[0].URL))

	// A deleted channel's files are left to the collector.
	held := upload(t, alice, "POST", path, nil, file{"keep.bin", []byte("keep")})
	var ch2 struct {
		ID chat.ID `json:"id"`
	}
	_, gid := guildOf(t, alice, ch)
	alice.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/channels", gid), map[string]any{"name": "doomed"}, &ch2)
	doomed := upload(t, alice, "POST", fmt.Sprintf("/channels/%d/messages", ch2.ID), nil, file{"e.bin", []byte("eee")})
	alice.Must(t, 200, "DELETE", fmt.Sprintf("/channels/%d", ch2.ID), nil, nil)
	// And a deleted guild's.
	g3, ch3 := alice.CreateGuild(t, "doomed guild")
	gone3 := upload(t, alice, "POST", fmt.Sprintf("/channels/%d/messages", ch3), nil, file{"f.bin", []byte("fff")})
	alice.Must(t, 204, "DELETE", fmt.Sprintf("/guilds/%d", g3.ID), nil, nil)
	if n, err := s.API.CollectAttachments(context.Background(), time.Hour); err != nil || n != 0 {
		t.Errorf("collector with an hour's grace deleted %d (%v), want 0", n, err)
	}
	n, err := s.API.CollectAttachments(context.Background(), time.Nanosecond)
	if err != nil || n != 2 {
		t.Errorf("collector deleted %d (%v), want the deleted channel's and guild's 2", n, err)
	}
	for _, a := range []protocol.Attachment{doomed.Attachments[0], gone3.Attachments[0]} {
		if resp, _ := fetch(t, s, a.URL); resp.StatusCode != http.StatusNotFound {
			t.Errorf("deleted channel's or guild's file %s: %d", a.Filename, resp.StatusCode)
		}
	}
	if resp, got := fetch(t, s, held.Attachments[0].URL); resp.StatusCode != 200 || string(got) != "keep" {
		t.Errorf("held file after collecting: %d", resp.StatusCode)
	}
}

// guildOf returns the guild of channel ch.
func guildOf(t *testing.T, c *accordtest.Client, ch chat.ID) (chat.ID, chat.ID) {
	t.Helper()
	var out struct {
		GuildID chat.ID `json:"guild_id"`
	}
	c.Must(t, 200, "GET", fmt.Sprintf("/channels/%d", ch), nil, &out)
	return ch, out.GuildID
}

// TestAttachmentRefreshRateLimit: refresh-urls has a bucket of its own.
func TestAttachmentRefreshRateLimit(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{RateLimit: ratelimit.Config{Routes: map[string]ratelimit.Limit{
		ratelimit.BucketAttachmentRefresh: {Requests: 2, Window: time.Minute}}}})
	alice := s.Register(t, "alice")
	body := map[string]any{"attachment_urls": []string{}}
	alice.Must(t, 200, "POST", "/attachments/refresh-urls", body, nil)
	alice.Must(t, 200, "POST", "/attachments/refresh-urls", body, nil)
	if st, b, _ := alice.Request("POST", "/attachments/refresh-urls", body); st != http.StatusTooManyRequests {
		t.Errorf("third refresh in a minute: %d %s, want 429", st, b)
	}
}
