package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

// postFile uploads one file as c and returns the reply's raw JSON.
func postFile(t *testing.T, c *accordtest.Client, channelID chat.ID, name string, data []byte) json.RawMessage {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("files[0]", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/channels/%d/messages", c.S.Base, channelID), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", c.Token)
	resp, err := c.S.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	return b
}

// TestAttachmentEvents: MESSAGE_CREATE carries the attachments, with the
// same signed URLs as the REST reply; a session whose user cannot view
// the channel gets neither the message nor its file's URL.
func TestAttachmentEvents(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{})
	alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
	gd, general := alice.CreateGuild(t, "files")
	bob.Join(t, alice, general)
	var secret struct {
		ID chat.ID `json:"id"`
	}
	alice.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/channels", gd.ID), map[string]any{"name": "secret"}, &secret)
	alice.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/permissions/%d", secret.ID, bob.UserID),
		map[string]any{"type": 1, "deny": fmt.Sprint(protocol.PermViewChannel)}, nil)
	g, _ := connect(t, s, bob, protocol.IntentGuilds|protocol.IntentGuildMessages|protocol.IntentMessageContent)

	postFile(t, alice, secret.ID, "plans.txt", []byte("the plan"))
	rest := postFile(t, alice, general, "notes.txt", []byte("shared notes"))
	_, ch, raw := nextMessage(t, g)
	if ch != general {
		t.Fatalf("bob's first MESSAGE_CREATE is in channel %d: %s", ch, raw)
	}
	if bytes.Contains(raw, []byte(fmt.Sprintf("/attachments/%d/", secret.ID))) {
		t.Errorf("bob saw the hidden channel's attachment: %s", raw)
	}
	var want, got struct {
		Attachments []protocol.Attachment `json:"attachments"`
	}
	_ = json.Unmarshal(rest, &want)
	_ = json.Unmarshal(raw, &got)
	if len(got.Attachments) != 1 || got.Attachments[0].URL != want.Attachments[0].URL ||
		!strings.Contains(got.Attachments[0].URL, "hm=") || got.Attachments[0].ContentType != "text/plain; charset=utf-8" {
		t.Errorf("gateway attachments %+v, REST %+v", got.Attachments, want.Attachments)
	}
}
