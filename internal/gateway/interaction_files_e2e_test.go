package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/server"
)

// sendWithFile sends payload as payload_json with one file, as discord.py
// and discord.js send a message with files; token may be "" (interaction
// routes take the token in the path).
func sendWithFile(t *testing.T, s *accordtest.Server, method, path, token string, payload any, name string, data []byte) (int, []byte) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	pj, _ := json.Marshal(payload)
	_ = mw.WriteField("payload_json", string(pj))
	fw, _ := mw.CreateFormFile("files[0]", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest(method, s.Base+path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

type fileAnswer struct {
	ID          chat.ID `json:"id"`
	Content     string  `json:"content"`
	Attachments []struct {
		Filename string `json:"filename"`
		URL      string `json:"url"`
	} `json:"attachments"`
}

func fetchURL(t *testing.T, s *accordtest.Server, url string) string {
	t.Helper()
	resp, err := s.HTTP.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// TestEndToEndInteractionFiles: an answer (callback 4), a follow-up and an
// edit of the original carry files sent as multipart, stored and served
// like any message's; an ephemeral follow-up's file reaches the invoker
// only; a file with a wrong token is refused.
func TestEndToEndInteractionFiles(t *testing.T) {
	f := newCmdFixture(t, server.Config{})
	botGW, _ := connect(t, f.s, f.bot, 0)
	if st, b := f.invoke(f.bob, f.general, f.ping, "files"); st != 204 {
		t.Fatalf("invoke: %d %s", st, b)
	}
	var it interactionCreate
	if err := json.Unmarshal(nextEvent(t, botGW, "INTERACTION_CREATE"), &it); err != nil {
		t.Fatal(err)
	}
	cb := fmt.Sprintf("/interactions/%d/%s/callback?with_response=true", it.ID, it.Token)
	if st, b := sendWithFile(t, f.s, "POST", fmt.Sprintf("/interactions/%d/%sx/callback", it.ID, it.Token), "",
		map[string]any{"type": 4, "data": map[string]any{"content": "no"}}, "x.txt", []byte("x")); st != 404 {
		t.Fatalf("wrong token: %d %s", st, b)
	}
	st, b := sendWithFile(t, f.s, "POST", cb, "", map[string]any{"type": 4, "data": map[string]any{"content": "here you go",
		"attachments": []any{map[string]any{"id": 0, "filename": "answer.txt"}}}}, "answer.txt", []byte("the answer"))
	if st != 200 {
		t.Fatalf("callback with a file: %d %s", st, b)
	}
	var history []fileAnswer
	f.carol.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages?limit=1", f.general), nil, &history)
	if len(history) != 1 || history[0].Content != "here you go" || len(history[0].Attachments) != 1 ||
		history[0].Attachments[0].Filename != "answer.txt" {
		t.Fatalf("the answer as carol reads it: %+v", history)
	}
	if got := fetchURL(t, f.s, history[0].Attachments[0].URL); got != "the answer" {
		t.Fatalf("answer file %q", got)
	}
	original := history[0].ID

	hook := fmt.Sprintf("/webhooks/%d/%s", f.appID, it.Token)
	st, b = sendWithFile(t, f.s, "POST", hook, "", map[string]any{"content": "more",
		"attachments": []any{map[string]any{"id": 0}}}, "more.txt", []byte("follow-up file"))
	var follow fileAnswer
	if err := json.Unmarshal(b, &follow); st != 200 || err != nil || len(follow.Attachments) != 1 ||
		fetchURL(t, f.s, follow.Attachments[0].URL) != "follow-up file" {
		t.Fatalf("follow-up with a file: %d %s", st, b)
	}

	st, b = sendWithFile(t, f.s, "PATCH", hook+"/messages/@original", "", map[string]any{"content": "edited",
		"attachments": []any{map[string]any{"id": 0}}}, "second.txt", []byte("added later"))
	var edited fileAnswer
	if err := json.Unmarshal(b, &edited); st != 200 || err != nil || edited.ID != original || len(edited.Attachments) != 1 ||
		edited.Attachments[0].Filename != "second.txt" {
		t.Fatalf("edit of the original with a file: %d %s", st, b)
	}

	// Ephemeral: the invoker's answer has the file; nobody's history does.
	st, b = sendWithFile(t, f.s, "POST", hook, "", map[string]any{"content": "only you", "flags": 64,
		"attachments": []any{map[string]any{"id": 0}}}, "secret.txt", []byte("for bob"))
	var eph fileAnswer
	if err := json.Unmarshal(b, &eph); st != 200 || err != nil || len(eph.Attachments) != 1 ||
		fetchURL(t, f.s, eph.Attachments[0].URL) != "for bob" {
		t.Fatalf("ephemeral follow-up with a file: %d %s", st, b)
	}
	f.carol.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages?limit=5", f.general), nil, &history)
	for _, m := range history {
		if m.ID == eph.ID || m.Content == "only you" {
			t.Fatalf("an ephemeral answer is in the history: %+v", m)
		}
	}
	// No new files on an ephemeral answer (it is not stored anywhere).
	if st, b := sendWithFile(t, f.s, "PATCH", fmt.Sprintf("%s/messages/%d", hook, eph.ID), "", map[string]any{"content": "x"},
		"late.txt", []byte("late")); st != 400 {
		t.Fatalf("a file added to an ephemeral answer: %d %s", st, b)
	}
}
