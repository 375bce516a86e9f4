package api

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

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
		if utf8.RuneCountInString(req.Content) > maxContent || strings.TrimSpace(req.Content) == "" {
			t.Fatalf("accepted content of %d runes", utf8.RuneCountInString(req.Content))
		}
		if utf8.RuneCountInString(req.Nonce) > maxNonce {
			t.Fatalf("accepted nonce %q", req.Nonce)
		}
		if req.Reference != nil && req.Reference.MessageID == 0 {
			t.Fatal("accepted a reference without message_id")
		}
	})
}
