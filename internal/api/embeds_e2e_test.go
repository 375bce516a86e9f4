package api_test

import (
	"fmt"
	"strings"
	"testing"

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
