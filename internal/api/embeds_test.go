package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store/storetest"
)

// errorPaths returns "path:CODE" for each field error of a 50035 error.
func errorPaths(t *testing.T, err error) []string {
	t.Helper()
	var apiErr *protocol.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != protocol.CodeInvalidFormBody {
		t.Fatalf("err = %v, want 50035", err)
	}
	var out []string
	for _, f := range apiErr.Fields {
		out = append(out, f.Path+":"+f.Code)
	}
	return out
}

func body(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeEmbedsAccepted(t *testing.T) {
	req, err := decodeMessageCreate([]byte(`{"embeds":[{
		"title":"Release","type":"article","description":"notes","url":"https://example.com/r",
		"timestamp":"2024-05-06T09:08:09.5+02:00","color":5793266,
		"footer":{"text":"f","icon_url":"attachment://f.png"},
		"image":{"url":"https://example.com/i.png"},"thumbnail":{"url":"http://example.com/t.png"},
		"author":{"name":"me","url":"https://example.com/me","icon_url":"https://example.com/me.png"},
		"fields":[{"name":"a","value":"1","inline":true},{"name":"b","value":"2"}]},
		{"description":"second","color":0}]}`))
	if err != nil {
		t.Fatalf("embed-only message rejected: %v", err)
	}
	if req.Content != "" {
		t.Fatalf("content %q", req.Content)
	}
	at := time.Date(2024, 5, 6, 7, 8, 9, 5e8, time.UTC)
	blurple, black := 5793266, 0
	want := []chat.Embed{
		{Title: "Release", Type: "rich", Description: "notes", URL: "https://example.com/r", Timestamp: &at,
			Color:     &blurple,
			Footer:    &chat.EmbedFooter{Text: "f", IconURL: "attachment://f.png"},
			Image:     &chat.EmbedMedia{URL: "https://example.com/i.png"},
			Thumbnail: &chat.EmbedMedia{URL: "http://example.com/t.png"},
			Author:    &chat.EmbedAuthor{Name: "me", URL: "https://example.com/me", IconURL: "https://example.com/me.png"},
			Fields:    []chat.EmbedField{{Name: "a", Value: "1", Inline: true}, {Name: "b", Value: "2"}}},
		{Type: "rich", Description: "second", Color: &black},
	}
	if !storetest.Equal(req.Embeds, want) {
		t.Fatalf("embeds:\n got %+v\nwant %+v", req.Embeds, want)
	}

	// Limits are inclusive, and the 6000 total may be reached exactly.
	exact := map[string]any{"embeds": []any{
		map[string]any{"title": strings.Repeat("t", maxEmbedTitle), "description": strings.Repeat("é", maxEmbedDescription),
			"footer": map[string]any{"text": strings.Repeat("f", 6000-maxEmbedTitle-maxEmbedDescription-maxEmbedAuthor)},
			"author": map[string]any{"name": strings.Repeat("a", maxEmbedAuthor)}},
	}}
	if _, err := decodeMessageCreate(body(t, exact)); err != nil {
		t.Fatalf("embed of exactly 6000 characters: %v", err)
	}
	for _, ts := range []string{"2024-01-02T03:04:05Z", "2024-01-02T03:04:05.123", "2024-01-02"} {
		if _, err := decodeMessageCreate(body(t, map[string]any{"embeds": []any{map[string]any{"title": "x", "timestamp": ts}}})); err != nil {
			t.Errorf("timestamp %q: %v", ts, err)
		}
	}
}

func TestDecodeEmbedsRejected(t *testing.T) {
	field := func(n int) map[string]any { return map[string]any{"name": "n", "value": strings.Repeat("v", n)} }
	many := func(n int, v any) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = v
		}
		return out
	}
	cases := []struct {
		name string
		body any
		want []string
	}{
		{"TooManyEmbeds", map[string]any{"embeds": many(11, map[string]any{"title": "x"})},
			[]string{"embeds:BASE_TYPE_MAX_LENGTH"}},
		{"Title", map[string]any{"embeds": []any{map[string]any{"title": strings.Repeat("t", 257)}}},
			[]string{"embeds.0.title:BASE_TYPE_MAX_LENGTH"}},
		{"DescriptionInSecond", map[string]any{"embeds": []any{map[string]any{"title": "ok"},
			map[string]any{"description": strings.Repeat("d", 4097)}}},
			[]string{"embeds.1.description:BASE_TYPE_MAX_LENGTH"}},
		{"TooManyFields", map[string]any{"embeds": []any{map[string]any{"fields": many(26, field(1))}}},
			[]string{"embeds.0.fields:BASE_TYPE_MAX_LENGTH"}},
		{"FieldLengths", map[string]any{"embeds": []any{map[string]any{"fields": []any{
			field(1), map[string]any{"name": strings.Repeat("n", 257), "value": strings.Repeat("v", 1025)}}}}},
			[]string{"embeds.0.fields.1.name:BASE_TYPE_MAX_LENGTH", "embeds.0.fields.1.value:BASE_TYPE_MAX_LENGTH"}},
		{"FieldRequired", map[string]any{"embeds": []any{map[string]any{"fields": []any{map[string]any{"inline": true}}}}},
			[]string{"embeds.0.fields.0.name:BASE_TYPE_REQUIRED", "embeds.0.fields.0.value:BASE_TYPE_REQUIRED"}},
		{"Footer", map[string]any{"embeds": []any{map[string]any{"footer": map[string]any{"text": strings.Repeat("f", 2049)}}}},
			[]string{"embeds.0.footer.text:BASE_TYPE_MAX_LENGTH"}},
		{"FooterWithoutText", map[string]any{"embeds": []any{map[string]any{"title": "x", "footer": map[string]any{}}}},
			[]string{"embeds.0.footer.text:BASE_TYPE_REQUIRED"}},
		{"Author", map[string]any{"embeds": []any{map[string]any{"author": map[string]any{"name": strings.Repeat("a", 257)}}}},
			[]string{"embeds.0.author.name:BASE_TYPE_MAX_LENGTH"}},
		{"Total", map[string]any{"embeds": []any{
			map[string]any{"description": strings.Repeat("d", 4000)},
			map[string]any{"description": strings.Repeat("d", 2001)}}},
			[]string{"embeds:MAX_EMBED_SIZE_EXCEEDED"}},
		{"TotalWithFields", map[string]any{"embeds": []any{map[string]any{"description": strings.Repeat("d", 4096),
			"fields": many(2, field(1000))}}},
			[]string{"embeds:MAX_EMBED_SIZE_EXCEEDED"}},
		{"Color", map[string]any{"embeds": []any{map[string]any{"title": "x", "color": 0x1000000}}},
			[]string{"embeds.0.color:NUMBER_TYPE_MAX"}},
		{"NegativeColor", map[string]any{"embeds": []any{map[string]any{"title": "x", "color": -1}}},
			[]string{"embeds.0.color:NUMBER_TYPE_MIN"}},
		{"Timestamp", map[string]any{"embeds": []any{map[string]any{"title": "x", "timestamp": "yesterday"}}},
			[]string{"embeds.0.timestamp:DATE_TYPE_PARSE"}},
		{"URLScheme", map[string]any{"embeds": []any{map[string]any{"title": "x", "url": "ftp://example.com",
			"image": map[string]any{"url": "javascript:alert(1)"}}}},
			[]string{"embeds.0.url:URL_TYPE_INVALID_SCHEME", "embeds.0.image.url:URL_TYPE_INVALID_SCHEME"}},
		{"NotAURL", map[string]any{"embeds": []any{map[string]any{"title": "x", "url": "example.com"}}},
			[]string{"embeds.0.url:URL_TYPE_INVALID_URL"}},
		{"WrongTypes", map[string]any{"embeds": []any{map[string]any{"title": 5, "footer": map[string]any{"text": true}}}},
			[]string{"embeds.0.title:BASE_TYPE_STRING"}},
		{"WrongNestedType", map[string]any{"embeds": []any{map[string]any{"title": "x", "footer": map[string]any{"text": true}}}},
			[]string{"embeds.0.footer.text:BASE_TYPE_STRING"}},
		{"EmbedNotAnObject", map[string]any{"embeds": []any{"x", nil}},
			[]string{"embeds.0:DICT_TYPE_CONVERT", "embeds.1:BASE_TYPE_REQUIRED"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeMessageCreate(body(t, tc.body))
			got := errorPaths(t, err)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("errors %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDecodeEmbedsEmptyMessage(t *testing.T) {
	for _, b := range []string{
		`{"embeds":[]}`, `{"embeds":null}`, `{"content":" ","embeds":[{}]}`, `{"embeds":[{"color":5,"timestamp":"2024-01-01T00:00:00Z"}]}`,
	} {
		_, err := decodeMessageCreate([]byte(b))
		var apiErr *protocol.APIError
		if !errors.As(err, &apiErr) || apiErr.Code != protocol.CodeEmptyMessage {
			t.Errorf("%s: err = %v, want 50006", b, err)
		}
	}
	for _, b := range []string{
		`{"embeds":[{"title":"t"}]}`, `{"embeds":[{"image":{"url":"https://e.com/i.png"}}]}`,
		`{"embeds":[{"fields":[{"name":"n","value":"v"}]}]}`, `{"content":"x","embeds":[{}]}`,
	} {
		if _, err := decodeMessageCreate([]byte(b)); err != nil {
			t.Errorf("%s: %v", b, err)
		}
	}
}
