package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// TestEmbedValidation checks Discord's error bodies for bad embeds on
// create and edit: 50035 with the path of each bad field.
func TestEmbedValidation(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	_, ch := alice.CreateGuild(t, "embeds")
	path := fmt.Sprintf("/channels/%d/messages", ch)

	e := alice.Fail(t, "POST", path, map[string]any{"content": "x", "embeds": []any{
		map[string]any{"title": "ok"},
		map[string]any{"title": strings.Repeat("t", 257), "fields": []any{map[string]any{"name": "n"}}},
	}})
	wantCode(t, e, 400, protocol.CodeInvalidFormBody)
	for _, want := range []string{
		`"title":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH","message":"Must be 256 or fewer in length."}]}`,
		`"fields":{"0":{"value":{"_errors":[{"code":"BASE_TYPE_REQUIRED"`,
	} {
		if !strings.Contains(string(e.Errors), `"embeds":{"1":{`) || !strings.Contains(string(e.Errors), want) {
			t.Errorf("errors %s lack %s", e.Errors, want)
		}
	}
	e = alice.Fail(t, "POST", path, map[string]any{"embeds": []any{
		map[string]any{"description": strings.Repeat("d", 4096)},
		map[string]any{"description": strings.Repeat("d", 1905)},
	}})
	wantCode(t, e, 400, protocol.CodeInvalidFormBody)
	if want := `{"embeds":{"_errors":[{"code":"MAX_EMBED_SIZE_EXCEEDED","message":"Embed size exceeds maximum size of 6000"}]}}`; string(e.Errors) != want {
		t.Errorf("total: %s, want %s", e.Errors, want)
	}
	wantCode(t, alice.Fail(t, "POST", path, map[string]any{"embeds": []any{map[string]any{"color": 5}}}), 400, protocol.CodeEmptyMessage)

	m := alice.Send(t, ch, "hello")
	edit := fmt.Sprintf("%s/%d", path, m.ID)
	e = alice.Fail(t, "PATCH", edit, map[string]any{"embeds": []any{map[string]any{"footer": map[string]any{"text": strings.Repeat("f", 2049)}}}})
	wantCode(t, e, 400, protocol.CodeInvalidFormBody)
	if !strings.Contains(string(e.Errors), `"embeds":{"0":{"footer":{"text":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH"`) {
		t.Errorf("edit footer: %s", e.Errors)
	}
	e = alice.Fail(t, "PATCH", edit, map[string]any{"embeds": "nope"})
	wantCode(t, e, 400, protocol.CodeInvalidFormBody)
	if !strings.Contains(string(e.Errors), `"embeds":{"_errors":[{"code":"BASE_TYPE_ARRAY"`) {
		t.Errorf("edit embeds of the wrong type: %s", e.Errors)
	}
}

// embedMessage is the part of a message object these tests read.
type embedMessage struct {
	ID              chat.ID          `json:"id"`
	Content         string           `json:"content"`
	EditedTimestamp *string          `json:"edited_timestamp"`
	Embeds          []map[string]any `json:"embeds"`
}

// TestEmbedMessages checks that an embed-only message is accepted, that its
// embeds come back in Discord's shape from the create reply (the bytes
// MESSAGE_CREATE carries) and from history, and that an edit replaces or
// removes them.
func TestEmbedMessages(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	_, ch := alice.CreateGuild(t, "embeds")
	path := fmt.Sprintf("/channels/%d/messages", ch)

	var m embedMessage
	alice.Must(t, 200, "POST", path, map[string]any{"embeds": []any{map[string]any{
		"title": "Build passed", "color": 0x57f287, "timestamp": "2024-05-06T07:08:09Z",
		"fields": []any{map[string]any{"name": "branch", "value": "main", "inline": true}},
		"footer": map[string]any{"text": "ci"},
	}}}, &m)
	want := `{"color":5763719,"fields":[{"inline":true,"name":"branch","value":"main"}],"footer":{"text":"ci"},` +
		`"timestamp":"2024-05-06T07:08:09.000000+00:00","title":"Build passed","type":"rich"}`
	check := func(what string, m embedMessage, want ...string) {
		t.Helper()
		if len(m.Embeds) != len(want) {
			t.Fatalf("%s: %d embeds %v, want %d", what, len(m.Embeds), m.Embeds, len(want))
		}
		for i, e := range m.Embeds {
			if b, _ := json.Marshal(e); string(b) != want[i] {
				t.Fatalf("%s: embed %d\n got %s\nwant %s", what, i, b, want[i])
			}
		}
	}
	check("create reply", m, want)
	// Decoding into a used value would merge maps: start afresh each time.
	var got embedMessage
	fresh := func() *embedMessage { got = embedMessage{}; return &got }
	alice.Must(t, 200, "GET", fmt.Sprintf("%s/%d", path, m.ID), nil, fresh())
	check("GET message", got, want)
	var page []embedMessage
	alice.Must(t, 200, "GET", path+"?limit=1", nil, &page)
	if len(page) != 1 {
		t.Fatalf("history %v", page)
	}
	check("history", page[0], want)

	// The author removes nothing by blanking content that was empty.
	edit := fmt.Sprintf("%s/%d", path, m.ID)
	alice.Must(t, 200, "PATCH", edit, map[string]any{"content": ""}, fresh())
	check("content edit", got, want)
	// Replacing the embeds marks the message edited.
	alice.Must(t, 200, "PATCH", edit, map[string]any{"embeds": []any{map[string]any{"description": "replaced"}}}, fresh())
	check("embeds edit", got, `{"description":"replaced","type":"rich"}`)
	if got.EditedTimestamp == nil {
		t.Error("embed edit left edited_timestamp null")
	}
	alice.Must(t, 200, "GET", edit, nil, fresh())
	check("GET after embeds edit", got, `{"description":"replaced","type":"rich"}`)
	// Removing the embeds of a message without content would empty it.
	wantCode(t, alice.Fail(t, "PATCH", edit, map[string]any{"embeds": []any{}}), 400, protocol.CodeEmptyMessage)
	alice.Must(t, 200, "PATCH", edit, map[string]any{"content": "text now", "embeds": nil}, fresh())
	check("embeds removed", got)
	if got.Content != "text now" {
		t.Errorf("content %q", got.Content)
	}
	// Someone else may not edit the embeds.
	bob := s.Register(t, "bob")
	bob.Join(t, alice, ch)
	e := bob.Fail(t, "PATCH", edit, map[string]any{"embeds": []any{map[string]any{"title": "mine"}}})
	if e.Status != 403 {
		t.Errorf("bob edited alice's embeds: %+v", e)
	}
	plain := alice.Send(t, ch, "plain")
	alice.Must(t, 200, "GET", fmt.Sprintf("%s/%d", path, plain.ID), nil, fresh())
	if got.Embeds == nil || len(got.Embeds) != 0 {
		t.Errorf("plain message embeds %v, want []", got.Embeds)
	}
}
