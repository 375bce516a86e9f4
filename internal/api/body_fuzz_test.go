package api

import (
	"bytes"
	"mime/multipart"
	"net/http/httptest"
	"testing"
)

// FuzzReadBody feeds arbitrary bodies under arbitrary Content-Types to
// readBody, multipart/form-data (discord.js's payload_json) included: a
// refusal is a 4xx Discord error, a JSON-ish type passes the body through
// untouched, and a multipart body yields its payload_json field.
func FuzzReadBody(f *testing.F) {
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	_ = mw.SetBoundary("fuzzboundary")
	_ = mw.WriteField("payload_json", `{"content":"hi"}`)
	fw, _ := mw.CreateFormFile("files[0]", "a.txt")
	_, _ = fw.Write([]byte("attachment"))
	_ = mw.Close()
	for _, s := range []struct{ ct, body string }{
		{"application/json", `{"content":"hi"}`},
		{"", `{}`},
		{"application/json; charset=utf-8", `[]`},
		{"text/plain", `{"a":1}`},
		{"application/x-www-form-urlencoded", `a=1`},
		{"multipart/form-data; boundary=fuzzboundary", mp.String()},
		{"multipart/form-data; boundary=fuzzboundary", "--fuzzboundary\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\r\n{}\r\n--fuzz"},
		{"multipart/form-data", "--x\r\n\r\n"},
		{"image/png", "\x89PNG"},
		{"application/json; charset", `{}`},
	} {
		f.Add(s.ct, []byte(s.body))
	}
	h := &Handler{cfg: Config{MaxBodyBytes: 1 << 16}}
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		r := httptest.NewRequest("POST", "/api/v10/channels/1/messages", bytes.NewReader(body))
		r.Header.Set("Content-Type", ct)
		got, err := h.readBody(httptest.NewRecorder(), r)
		if err != nil {
			checkAPIError(t, err)
			return
		}
		if len(got) > len(body) {
			t.Fatalf("read %d bytes from a %d-byte body", len(got), len(body))
		}
		if r.MultipartForm == nil && !bytes.Equal(got, body) {
			t.Fatalf("body %q read as %q", body, got)
		}
		if r.MultipartForm != nil {
			if want := r.MultipartForm.Value["payload_json"]; len(want) > 0 && string(got) != want[0] {
				t.Fatalf("payload_json %q read as %q", want[0], got)
			}
			_ = r.MultipartForm.RemoveAll()
		}
	})
}
