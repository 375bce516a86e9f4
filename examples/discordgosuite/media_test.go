//go:build clients

package discordgosuite

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/accordchat/accord/examples/discordgoaccord"
)

// The test image's size: odd and not square, so a swapped or rounded
// width/height shows.
const mediaWidth, mediaHeight = 37, 23

// TestMedia is issue 13 through discordgo: files in one message and alone,
// read back byte-identical from the signed CDN URLs Accord hands out,
// content types sniffed whatever the library claims, an edit down to one
// file, reactions and their events, and Accord's refusals (a tampered or
// expired URL, an eleventh file, an emoji that is none) as Discord's
// errors. scripts/test-clients runs it on the fs blob store and, with
// ACCORD_CLIENT_BLOB, on S3 (selected with -run '^TestMedia').
func TestMedia(t *testing.T) {
	a := server(t)
	s := a.bootstrap(t, "discordgo-media")
	var owner struct{ ID string }
	a.rest(t, 200, "GET", "/users/@me", s.owner, nil, &owner)
	discordgoaccord.PointAt(a.base)
	g := &guard{allowed: a.host}
	dg := session(t, s.botToken, g, func(rt http.RoundTripper) http.RoundTripper { return rt },
		discordgo.IntentsGuilds|discordgo.IntentsGuildMessages|discordgo.IntentsGuildMessageReactions)
	reactions := &mediaReactions{}
	dg.AddHandler(func(_ *discordgo.Session, e *discordgo.MessageReactionAdd) { reactions.add("add", e.MessageReaction) })
	dg.AddHandler(func(_ *discordgo.Session, e *discordgo.MessageReactionRemove) {
		reactions.add("remove", e.MessageReaction)
	})
	login(t, dg, g, s.guildID)
	m := &mediaSuite{a: a, s: s, dg: dg, ownerID: owner.ID, reactions: reactions}

	t.Run("ImageAndBinaryInOneMessage", m.imageAndBinary)
	t.Run("FileOnlyMessages", m.fileOnly)
	t.Run("EditKeepsOneAttachment", m.edit)
	t.Run("Reactions", m.reactionsAndEvents)
	t.Run("SignedURLs", m.signedURLs)
	t.Run("ElevenFiles", m.elevenFiles)

	for _, h := range g.seen() {
		if h != a.host {
			t.Errorf("discordgo connected to %s, not Accord (all: %v)", h, g.seen())
		}
	}
}

type mediaSuite struct {
	a         *accord
	s         setup
	dg        *discordgo.Session
	ownerID   string
	reactions *mediaReactions
}

// mediaReactions records the reaction events discordgo dispatched.
type mediaReactions struct {
	mu  sync.Mutex
	got []string // "add|remove message user emoji"
}

func (l *mediaReactions) add(kind string, r *discordgo.MessageReaction) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, strings.Join([]string{kind, r.MessageID, r.UserID, r.Emoji.Name}, " "))
}

func (l *mediaReactions) has(want []string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, w := range want {
		found := false
		for _, g := range l.got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}

func (l *mediaReactions) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return fmt.Sprint(l.got)
}

// mediaPNG draws a width×height gradient as a PNG file.
func mediaPNG(t *testing.T, width, height int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, width, height))
	for y := range height {
		for x := range width {
			img.Set(x, y, color.NRGBA{uint8(x * 7), uint8(y * 11), uint8(x * y), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// noise is n random bytes that no sniffer takes for a known type: a NUL
// first.
func mediaNoise(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	b[0], b[1] = 0, 0xff
	return b
}

func mediaFile(name, claimed string, b []byte) *discordgo.File {
	return &discordgo.File{Name: name, ContentType: claimed, Reader: bytes.NewReader(b)}
}

// get fetches a URL outside the library: status, Content-Type, body.
func (a *accord) cdnGet(t *testing.T, u string) (int, string, []byte) {
	t.Helper()
	res, err := a.http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), b
}

// served checks that u is a signed CDN URL on Accord serving exactly want
// as contentType.
func (a *accord) cdnServed(t *testing.T, u string, want []byte, contentType string) {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil || p.Scheme+"://"+p.Host != a.base || !strings.HasPrefix(p.Path, "/attachments/") {
		t.Fatalf("attachment URL %s is not an Accord CDN URL", u)
	}
	for _, k := range []string{"ex", "is", "hm"} {
		if p.Query().Get(k) == "" {
			t.Fatalf("attachment URL %s lacks %s", u, k)
		}
	}
	status, ct, b := a.cdnGet(t, u)
	if status != 200 || ct != contentType || !bytes.Equal(b, want) {
		t.Fatalf("GET %s: %d %s, %d bytes (equal: %v); want 200 %s, the %d bytes uploaded", u, status, ct, len(b), bytes.Equal(b, want), contentType, len(want))
	}
}

// byName returns the message's attachments by filename.
func mediaByName(t *testing.T, m *discordgo.Message, want int) map[string]*discordgo.MessageAttachment {
	t.Helper()
	out := map[string]*discordgo.MessageAttachment{}
	for _, at := range m.Attachments {
		out[at.Filename] = at
	}
	if len(m.Attachments) != want || len(out) != want {
		t.Fatalf("message %s has attachments %v, want %d", m.ID, out, want)
	}
	return out
}

// restError is err as discordgo's REST error with Discord's code.
func mediaRESTError(t *testing.T, err error, status, code int) *discordgo.RESTError {
	t.Helper()
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Response == nil || re.Message == nil {
		t.Fatalf("error %v (%T), want discordgo's RESTError", err, err)
	}
	if re.Response.StatusCode != status || re.Message.Code != code {
		t.Fatalf("%d code %d (%s), want %d code %d", re.Response.StatusCode, re.Message.Code, re.ResponseBody, status, code)
	}
	return re
}

func mediaEventually(t *testing.T, d time.Duration, what func() string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", d, what())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// imageAndBinary: both files come back byte-identical, typed by their
// bytes though discordgo claims the image is HTML and the noise a PNG.
func (m *mediaSuite) imageAndBinary(t *testing.T) {
	img, bin := mediaPNG(t, mediaWidth, mediaHeight), mediaNoise(70001)
	msg, err := m.dg.ChannelMessageSendComplex(m.s.channelID, &discordgo.MessageSend{Content: "two files",
		Files: []*discordgo.File{mediaFile("gradient.png", "text/html", img), mediaFile("noise.png", "image/png", bin)}})
	if err != nil {
		t.Fatal(err)
	}
	got := mediaByName(t, msg, 2)
	ia, ba := got["gradient.png"], got["noise.png"]
	if ia == nil || ba == nil {
		t.Fatalf("attachments %v", got)
	}
	if ia.ContentType != "image/png" || ia.Width != mediaWidth || ia.Height != mediaHeight || ia.Size != len(img) {
		t.Errorf("image attachment %+v", ia)
	}
	if ba.ContentType != "application/octet-stream" || ba.Width != 0 || ba.Height != 0 || ba.Size != len(bin) {
		t.Errorf("binary attachment %+v: the claimed image/png or the .png name was trusted", ba)
	}
	m.a.cdnServed(t, ia.URL, img, "image/png")
	m.a.cdnServed(t, ia.ProxyURL, img, "image/png")
	m.a.cdnServed(t, ba.URL, bin, "application/octet-stream")

	// Another reader, the owner over REST, sees the same files, and the
	// binary has no width or height at all.
	var read struct{ Attachments []map[string]any }
	m.a.rest(t, 200, "GET", "/channels/"+m.s.channelID+"/messages/"+msg.ID, m.s.owner, nil, &read)
	if len(read.Attachments) != 2 {
		t.Fatalf("the owner reads %v", read.Attachments)
	}
	for _, at := range read.Attachments {
		if at["id"] == ba.ID && (at["width"] != nil || at["height"] != nil) {
			t.Errorf("the binary has a width or height: %v", at)
		}
		if at["id"] == ia.ID && (at["width"] != float64(mediaWidth) || at["height"] != float64(mediaHeight)) {
			t.Errorf("the image reads %v", at)
		}
	}
}

// fileOnly: a message of files alone is valid.
func (m *mediaSuite) fileOnly(t *testing.T) {
	img, bin := mediaPNG(t, mediaWidth, mediaHeight), mediaNoise(4096)
	msg, err := m.dg.ChannelMessageSendComplex(m.s.channelID, &discordgo.MessageSend{
		Files: []*discordgo.File{mediaFile("alone.bin", "", bin)}})
	if err != nil {
		t.Fatal(err)
	}
	if msg.Content != "" {
		t.Errorf("content %q", msg.Content)
	}
	m.a.cdnServed(t, mediaByName(t, msg, 1)["alone.bin"].URL, bin, "application/octet-stream")
	msg, err = m.dg.ChannelFileSend(m.s.channelID, "alone.png", bytes.NewReader(img))
	if err != nil {
		t.Fatal(err)
	}
	at := mediaByName(t, msg, 1)["alone.png"]
	if at == nil || at.Width != mediaWidth || at.Height != mediaHeight {
		t.Fatalf("attachment %+v", at)
	}
	m.a.cdnServed(t, at.URL, img, "image/png")
}

// edit keeps one attachment and removes the other, whose blob is deleted:
// its still-signed URL answers 404.
func (m *mediaSuite) edit(t *testing.T) {
	img, bin := mediaPNG(t, mediaWidth, mediaHeight), mediaNoise(2048)
	msg, err := m.dg.ChannelMessageSendComplex(m.s.channelID, &discordgo.MessageSend{Content: "to edit",
		Files: []*discordgo.File{mediaFile("keep.png", "image/png", img), mediaFile("drop.bin", "application/octet-stream", bin)}})
	if err != nil {
		t.Fatal(err)
	}
	got := mediaByName(t, msg, 2)
	keep, drop := got["keep.png"], got["drop.bin"]
	m.a.cdnServed(t, drop.URL, bin, "application/octet-stream")
	content := "edited"
	edited, err := m.dg.ChannelMessageEditComplex(&discordgo.MessageEdit{ID: msg.ID, Channel: m.s.channelID, Content: &content,
		Attachments: &[]*discordgo.MessageAttachment{keep}})
	if err != nil {
		t.Fatal(err)
	}
	if edited.Content != "edited" || len(edited.Attachments) != 1 || edited.Attachments[0].ID != keep.ID {
		t.Fatalf("edited to %q with %v, want only %s", edited.Content, edited.Attachments, keep.ID)
	}
	m.a.cdnServed(t, edited.Attachments[0].URL, img, "image/png")
	var read struct{ Attachments []struct{ ID string } }
	m.a.rest(t, 200, "GET", "/channels/"+m.s.channelID+"/messages/"+msg.ID, m.s.owner, nil, &read)
	if len(read.Attachments) != 1 || read.Attachments[0].ID != keep.ID {
		t.Fatalf("the owner reads %v", read.Attachments)
	}
	mediaEventually(t, 10*time.Second, func() string { return "the removed attachment is still served: " + drop.URL },
		func() bool { status, _, _ := m.a.cdnGet(t, drop.URL); return status == http.StatusNotFound })
}

// reactionsAndEvents: reactions added and removed through discordgo, the
// events for the bot's and the owner's, the counts on the message, and no
// emoji at all is 10014.
func (m *mediaSuite) reactionsAndEvents(t *testing.T) {
	msg, err := m.dg.ChannelMessageSend(m.s.channelID, "react to me")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{"🔥", "👍"} {
		if err := m.dg.MessageReactionAdd(m.s.channelID, msg.ID, e); err != nil {
			t.Fatalf("react %s: %v", e, err)
		}
	}
	m.a.rest(t, 204, "PUT", "/channels/"+m.s.channelID+"/messages/"+msg.ID+"/reactions/"+url.PathEscape("🔥")+"/@me", m.s.owner, nil, nil)
	if err := m.dg.MessageReactionRemove(m.s.channelID, msg.ID, "👍", "@me"); err != nil {
		t.Fatal(err)
	}
	want := []string{"add " + msg.ID + " " + m.s.botID + " 🔥", "add " + msg.ID + " " + m.s.botID + " 👍",
		"add " + msg.ID + " " + m.ownerID + " 🔥", "remove " + msg.ID + " " + m.s.botID + " 👍"}
	mediaEventually(t, 10*time.Second, func() string { return "reaction events " + m.reactions.String() }, func() bool { return m.reactions.has(want) })

	read, err := m.dg.ChannelMessage(m.s.channelID, msg.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(read.Reactions) != 1 || read.Reactions[0].Emoji.Name != "🔥" || read.Reactions[0].Count != 2 || !read.Reactions[0].Me {
		t.Fatalf("reactions %+v", read.Reactions)
	}
	users, err := m.dg.MessageReactions(m.s.channelID, msg.ID, "🔥", 100, "", "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range users {
		ids = append(ids, u.ID)
	}
	if len(ids) != 2 || !strings.Contains(strings.Join(ids, " "), m.s.botID) || !strings.Contains(strings.Join(ids, " "), m.ownerID) {
		t.Fatalf("🔥 users %v, want the bot %s and the owner %s", ids, m.s.botID, m.ownerID)
	}
	mediaRESTError(t, m.dg.MessageReactionAdd(m.s.channelID, msg.ID, "notanemoji"), 400, 10014)
}

// signedURLs: a tampered hm, an ex pushed later, a signature moved to
// another file and an unsigned URL are all 404; once ex has passed the
// URL is 404 too, and refresh-urls (through discordgo's request path)
// re-signs it, leaving a tampered URL out.
func (m *mediaSuite) signedURLs(t *testing.T) {
	img := mediaPNG(t, mediaWidth, mediaHeight)
	msg, err := m.dg.ChannelMessageSendComplex(m.s.channelID, &discordgo.MessageSend{
		Files: []*discordgo.File{mediaFile("signed.png", "", img), mediaFile("other.bin", "", mediaNoise(64))}})
	if err != nil {
		t.Fatal(err)
	}
	got := mediaByName(t, msg, 2)
	att, other := got["signed.png"], got["other.bin"]
	m.a.cdnServed(t, att.URL, img, "image/png")

	u, _ := url.Parse(att.URL)
	q := u.Query()
	with := func(k, v string) string {
		c := *u
		cq := c.Query()
		cq.Set(k, v)
		c.RawQuery = cq.Encode()
		return c.String()
	}
	hm := q.Get("hm")
	flipped := "0"
	if strings.HasSuffix(hm, "0") {
		flipped = "1"
	}
	ex, err1 := strconv.ParseInt(q.Get("ex"), 16, 64)
	is, err2 := strconv.ParseInt(q.Get("is"), 16, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("ex %q is %q: not hex", q.Get("ex"), q.Get("is"))
	}
	// The control: the URL rebuilt with its own values is served, so a
	// 404 below comes from the changed value.
	m.a.cdnServed(t, with("hm", hm), img, "image/png")
	tampered := with("hm", hm[:len(hm)-1]+flipped)
	op, _ := url.Parse(other.URL)
	moved := *op
	moved.RawQuery = u.RawQuery
	unsigned := *u
	unsigned.RawQuery = ""
	for name, bad := range map[string]string{"tampered hm": tampered, "ex pushed later": with("ex", strconv.FormatInt(ex+3600, 16)),
		"moved signature": moved.String(), "unsigned": unsigned.String()} {
		if status, _, _ := m.a.cdnGet(t, bad); status != http.StatusNotFound {
			t.Errorf("%s: %s answered %d, want 404", name, bad, status)
		}
	}

	if ttl := ex - is; ttl <= 0 || ttl > 120 {
		t.Fatalf("the URLs last %d s: serve with --blob-url-ttl of at most 2m (scripts/test-clients does)", ttl)
	}
	time.Sleep(time.Until(time.Unix(ex+1, 0)))
	if status, _, _ := m.a.cdnGet(t, att.URL); status != http.StatusNotFound {
		t.Fatalf("an expired URL answered %d, want 404", status)
	}

	body, err := m.dg.RequestWithBucketID("POST", discordgo.EndpointAPI+"attachments/refresh-urls",
		map[string][]string{"attachment_urls": {att.URL, tampered}}, "attachments/refresh-urls")
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Refreshed []struct{ Original, Refreshed string } `json:"refreshed_urls"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("refresh-urls %s: %v", body, err)
	}
	if len(out.Refreshed) != 1 || out.Refreshed[0].Original != att.URL {
		t.Fatalf("refreshed %s: want only the expired URL, the tampered one left out", body)
	}
	fresh, err := url.Parse(out.Refreshed[0].Refreshed)
	if err != nil || fresh.Path != u.Path {
		t.Fatalf("refreshed URL %s for %s", out.Refreshed[0].Refreshed, u.Path)
	}
	if fex, err := strconv.ParseInt(fresh.Query().Get("ex"), 16, 64); err != nil || time.Unix(fex, 0).Before(time.Now()) {
		t.Fatalf("refreshed URL %s is already expired", fresh)
	}
	m.a.cdnServed(t, fresh.String(), img, "image/png")
}

// elevenFiles: discordgo surfaces Discord's 50035 naming files, and no
// message is posted; ten are fine.
func (m *mediaSuite) elevenFiles(t *testing.T) {
	files := func(n int) []*discordgo.File {
		var fs []*discordgo.File
		for i := range n {
			fs = append(fs, mediaFile(fmt.Sprintf("f%d.bin", i), "", mediaNoise(16)))
		}
		return fs
	}
	var before []struct{ ID string }
	m.a.rest(t, 200, "GET", "/channels/"+m.s.channelID+"/messages?limit=1", m.s.owner, nil, &before)
	_, err := m.dg.ChannelMessageSendComplex(m.s.channelID, &discordgo.MessageSend{Content: "eleven files", Files: files(11)})
	re := mediaRESTError(t, err, 400, 50035)
	var body struct {
		Errors struct {
			Files struct {
				Errors []struct{ Code string } `json:"_errors"`
			} `json:"files"`
		} `json:"errors"`
	}
	if json.Unmarshal(re.ResponseBody, &body) != nil || len(body.Errors.Files.Errors) == 0 || body.Errors.Files.Errors[0].Code != "BASE_TYPE_MAX_LENGTH" {
		t.Errorf("error body %s, want errors.files._errors BASE_TYPE_MAX_LENGTH", re.ResponseBody)
	}
	var after []struct{ ID string }
	m.a.rest(t, 200, "GET", "/channels/"+m.s.channelID+"/messages?limit=1", m.s.owner, nil, &after)
	if len(before) != 1 || len(after) != 1 || after[0].ID != before[0].ID {
		t.Fatalf("newest message %v, was %v: the refused upload posted a message", after, before)
	}
	ten, err := m.dg.ChannelMessageSendComplex(m.s.channelID, &discordgo.MessageSend{Files: files(10)})
	if err != nil {
		t.Fatal(err)
	}
	if len(ten.Attachments) != 10 {
		t.Fatalf("ten files gave %d attachments", len(ten.Attachments))
	}
}
