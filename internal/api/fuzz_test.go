package api

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
)

// FuzzDecodeMessageCreate feeds arbitrary bodies to the Create Message
// decoder: it must never panic, must answer only with Discord API errors,
// and whatever it accepts must respect the documented limits and come out
// the same when encoded as a body again.
func FuzzDecodeMessageCreate(f *testing.F) {
	for _, s := range []string{
		`{"content":"hello"}`,
		`{"content":"hi <@123> <@&456> @everyone","nonce":"abc","enforce_nonce":true}`,
		`{"content":"x","nonce":12345678901234567890}`,
		`{"content":"x","nonce":-42,"tts":true,"flags":4096}`,
		`{"content":"x","message_reference":{"message_id":"1","fail_if_not_exists":false}}`,
		`{"content":"x","message_reference":{"channel_id":"1"}}`,
		`{"content":"x","allowed_mentions":{"parse":["users"],"users":["1"]}}`,
		`{"content":"x","allowed_mentions":{"parse":["everyone","roles"],"users":[],"replied_user":true}}`,
		`{"content":"x","allowed_mentions":{"parse":["nobody"]}}`,
		`{"content":"x","sticker_ids":["1"],"components":[{"type":1}]}`,
		`{"content":5}`, `{"content":"x"`, ``, `null`, `[]`, `{"nonce":{}}`, `{"content":"   "}`,
		`{"content":"` + strings.Repeat("é", maxContent+1) + `"}`,
		`{"embeds":[{"title":"t","description":"d","color":16777215,"timestamp":"2024-01-01T00:00:00+01:00",` +
			`"footer":{"text":"f"},"author":{"name":"a","url":"https://e.com"},"image":{"url":"attachment://x.png"},` +
			`"fields":[{"name":"n","value":"v","inline":true}]}]}`,
		`{"embeds":[{"fields":[{}]},null,"x",{"footer":{"text":5}}]}`,
		`{"embeds":[{"color":1}]}`, `{"content":"x","embeds":[]}`,
		`{"embeds":[{"timestamp":"0000-01-01T00:00:00+01:00","description":"d"}]}`,
		`{"embeds":[{"url":"javascript:alert(1)","thumbnail":{"url":"ftp://x"},"description":"d"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeMessageCreate(body)
		if err != nil {
			checkAPIError(t, err)
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
		if am := req.AllowedMentions; am != nil {
			for _, p := range am.Parse {
				if p != "users" && p != "roles" && p != "everyone" {
					t.Fatalf("accepted allowed_mentions.parse %q", p)
				}
			}
			if len(am.Users) > 100 || len(am.Roles) > 100 {
				t.Fatalf("accepted %d users, %d roles in allowed_mentions", len(am.Users), len(am.Roles))
			}
		}
		again, err := decodeMessageCreate(encodeMessageCreate(t, req))
		if err != nil {
			t.Fatalf("accepted %q but not its re-encoding: %v", body, err)
		}
		if !reflect.DeepEqual(again, req) {
			t.Fatalf("round trip changed the message:\n%#v\n%#v", req, again)
		}
	})
}

// encodeMessageCreate writes req back as the body a client would send.
func encodeMessageCreate(t *testing.T, req guild.MessageCreate) []byte {
	t.Helper()
	b := map[string]any{"content": req.Content, "tts": req.TTS, "flags": req.Flags, "enforce_nonce": req.EnforceNonce}
	if req.Nonce != "" {
		b["nonce"] = req.Nonce
	}
	if r := req.Reference; r != nil {
		b["message_reference"] = map[string]any{"message_id": r.MessageID, "channel_id": r.ChannelID,
			"guild_id": r.GuildID, "fail_if_not_exists": req.FailIfNotExists}
	}
	if am := req.AllowedMentions; am != nil {
		b["allowed_mentions"] = allowedMentionsBody{Parse: am.Parse, Users: am.Users, Roles: am.Roles, RepliedUser: am.RepliedUser}
	}
	if req.Embeds != nil {
		b["embeds"] = req.Embeds
	}
	enc, err := json.Marshal(b)
	if err != nil {
		t.Fatalf("accepted message does not encode: %v", err)
	}
	return enc
}

// FuzzDecodeEmbeds feeds arbitrary "embeds" values of an Edit Message
// body: null clears, an array is validated like Create Message's. Accepted
// embeds meet every limit and survive a JSON round trip; every refusal is
// a 50035 field error under "embeds".
func FuzzDecodeEmbeds(f *testing.F) {
	for _, s := range []string{
		`null`, `[]`, `{}`, `"x"`, `[null]`, `[{}]`, `[{"title":"t"}]`,
		`[{"description":"d","fields":[{"name":"a","value":"b"},{"name":" ","value":"c"}]}]`,
		`[{"title":"t","timestamp":"2024-05-06T09:08:09.5+02:00","color":5793266,"url":"https://example.com"}]`,
		`[{"title":"t","timestamp":"2024-05-06T09:08:09","footer":{"text":"f","icon_url":"attachment://f.png"}}]`,
		`[{"author":{"name":"me","icon_url":"https://e.com/a.png"},"image":{"url":"https://e.com/i.png"}}]`,
		`[{"title":"t","color":-1},{"title":"t","color":16777216},{"title":"t","color":1.5}]`,
		`[{"title":"` + strings.Repeat("a", maxEmbedTitle) + `","description":"` + strings.Repeat("b", maxEmbedDescription) + `"}]`,
		`[{},{},{},{},{},{},{},{},{},{},{}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var body struct {
			Embeds nullableEmbeds `json:"embeds"`
		}
		if err := decodeJSON(append(append([]byte(`{"embeds":`), raw...), '}'), &body); err != nil || !body.Embeds.Set {
			return // not one JSON value: the body itself is refused
		}
		embeds, errs := body.Embeds.decode()
		if len(errs) > 0 {
			for _, fe := range errs {
				if fe.Path != "embeds" && !strings.HasPrefix(fe.Path, "embeds.") || fe.Code == "" || fe.Message == "" {
					t.Fatalf("field error %+v", fe)
				}
			}
			checkAPIError(t, protocol.InvalidForm(errs...))
			return
		}
		checkEmbedLimits(t, embeds)
		enc, err := json.Marshal(embeds)
		if err != nil {
			t.Fatalf("accepted embeds do not encode: %v", err)
		}
		again, errs := nullableEmbeds{Set: true, Raw: enc}.decode()
		if len(errs) > 0 || !reflect.DeepEqual(again, embeds) {
			t.Fatalf("round trip of %s: %v\n%#v\n%#v", enc, errs, embeds, again)
		}
	})
}

// checkAPIError fails t unless err is a Discord API error: a 4xx status,
// a non-zero code (but for the generic 0 of 4xx route errors) and a body
// that encodes.
func checkAPIError(t *testing.T, err error) {
	t.Helper()
	var apiErr *protocol.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("non-API error %T %v", err, err)
	}
	if apiErr.Status < 400 || apiErr.Status > 499 {
		t.Fatalf("status %d", apiErr.Status)
	}
	b, err := apiErr.MarshalJSON()
	if err != nil {
		t.Fatalf("error body does not encode: %v", err)
	}
	var back struct {
		Message *string         `json:"message"`
		Code    *int            `json:"code"`
		Errors  json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(b, &back); err != nil || back.Message == nil || back.Code == nil {
		t.Fatalf("error body %s is not Discord's shape: %v", b, err)
	}
	if (len(apiErr.Fields) > 0) != (len(back.Errors) > 0) {
		t.Fatalf("error body %s: %d field errors", b, len(apiErr.Fields))
	}
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
		if e.Type != "rich" {
			t.Fatalf("accepted embed type %q", e.Type)
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
		for _, m := range []*chat.EmbedMedia{e.Image, e.Thumbnail} {
			if m != nil && strings.TrimSpace(m.URL) == "" {
				t.Fatalf("accepted media without url: %+v", e)
			}
		}
		for _, f := range e.Fields {
			total += n(f.Name) + n(f.Value)
			if n(f.Name) > maxEmbedFieldName || n(f.Value) > maxEmbedFieldValue ||
				strings.TrimSpace(f.Name) == "" || strings.TrimSpace(f.Value) == "" {
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
