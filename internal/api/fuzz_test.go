package api

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// FuzzDecodeMessageCreate feeds arbitrary bodies to the Create Message
// decoder: it must never panic, must answer only with Discord API errors,
// and whatever it accepts must respect the documented limits.
func FuzzDecodeMessageCreate(f *testing.F) {
	for _, s := range []string{
		`{"content":"hello"}`,
		`{"content":"hi <@123> <@&456> @everyone","nonce":"abc","enforce_nonce":true}`,
		`{"content":"x","nonce":12345678901234567890}`,
		`{"content":"x","message_reference":{"message_id":"1","fail_if_not_exists":false}}`,
		`{"content":"x","allowed_mentions":{"parse":["users"],"users":["1"]}}`,
		`{"content":5}`, `{"content":"x"`, ``, `null`, `[]`, `{"nonce":{}}`,
		`{"embeds":[{"title":"t","description":"d","color":16777215,"timestamp":"2024-01-01T00:00:00+01:00",` +
			`"footer":{"text":"f"},"author":{"name":"a","url":"https://e.com"},"image":{"url":"attachment://x.png"},` +
			`"fields":[{"name":"n","value":"v","inline":true}]}]}`,
		`{"embeds":[{"fields":[{}]},null,"x",{"footer":{"text":5}}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeMessageCreate(body)
		if err != nil {
			var apiErr *protocol.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("non-API error %T %v", err, err)
			}
			if apiErr.Status < 400 || apiErr.Status > 499 {
				t.Fatalf("status %d", apiErr.Status)
			}
			if _, err := apiErr.MarshalJSON(); err != nil {
				t.Fatalf("error body does not encode: %v", err)
			}
			return
		}
		if utf8.RuneCountInString(req.Content) > maxContent {
			t.Fatalf("accepted content of %d runes", utf8.RuneCountInString(req.Content))
		}
		if strings.TrimSpace(req.Content) == "" && !hasVisibleEmbed(req.Embeds) {
			t.Fatal("accepted an empty message")
		}
		checkEmbedLimits(t, req.Embeds)
		if utf8.RuneCountInString(req.Nonce) > maxNonce {
			t.Fatalf("accepted nonce %q", req.Nonce)
		}
		if req.Reference != nil && req.Reference.MessageID == 0 {
			t.Fatal("accepted a reference without message_id")
		}
	})
}

// checkEmbedLimits fails t if accepted embeds break one of Discord's limits.
func checkEmbedLimits(t *testing.T, embeds []chat.Embed) {
	t.Helper()
	n := utf8.RuneCountInString
	if len(embeds) > maxEmbeds {
		t.Fatalf("accepted %d embeds", len(embeds))
	}
	total := 0
	for _, e := range embeds {
		total += n(e.Title) + n(e.Description)
		if n(e.Title) > maxEmbedTitle || n(e.Description) > maxEmbedDescription || len(e.Fields) > maxEmbedFields {
			t.Fatalf("accepted embed %+v", e)
		}
		if e.Footer != nil {
			total += n(e.Footer.Text)
			if n(e.Footer.Text) > maxEmbedFooter || strings.TrimSpace(e.Footer.Text) == "" {
				t.Fatalf("accepted footer %q", e.Footer.Text)
			}
		}
		if e.Author != nil {
			total += n(e.Author.Name)
			if n(e.Author.Name) > maxEmbedAuthor || strings.TrimSpace(e.Author.Name) == "" {
				t.Fatalf("accepted author %q", e.Author.Name)
			}
		}
		for _, f := range e.Fields {
			total += n(f.Name) + n(f.Value)
			if n(f.Name) > maxEmbedFieldName || n(f.Value) > maxEmbedFieldValue {
				t.Fatalf("accepted field %+v", f)
			}
		}
		if e.Color != nil && (*e.Color < 0 || *e.Color > maxEmbedColor) {
			t.Fatalf("accepted color %d", *e.Color)
		}
		if e.Timestamp != nil && (e.Timestamp.Year() < 1 || e.Timestamp.Year() > 9999) {
			t.Fatalf("accepted timestamp %v", e.Timestamp)
		}
	}
	if total > maxEmbedTotal {
		t.Fatalf("accepted embeds of %d characters", total)
	}
}
