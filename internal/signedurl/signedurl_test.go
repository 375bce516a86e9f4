package signedurl_test

import (
	"bytes"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/signedurl"
)

func TestSignVerify(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	clock := func() time.Time { return now }
	s, err := signedurl.New(signedurl.Config{Secret: bytes.Repeat([]byte("k"), 32), Base: func() string { return "http://cdn.test/" }, TTL: time.Hour, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	path := "/attachments/1/2/a file.png"
	raw := s.Sign(path)
	u, err := url.Parse(raw)
	if err != nil || u.Host != "cdn.test" || u.Path != path {
		t.Fatalf("Sign = %q (%v)", raw, err)
	}
	if err := s.Verify(path, u.Query()); err != nil {
		t.Fatalf("Verify of a fresh URL: %v", err)
	}
	// Must not do: reuse the signature for another file or channel.
	for _, other := range []string{"/attachments/9/2/a file.png", "/attachments/1/3/a file.png", "/attachments/1/2/b.png"} {
		if err := s.Verify(other, u.Query()); !errors.Is(err, signedurl.ErrTampered) {
			t.Errorf("Verify(%s) with %s's signature = %v, want ErrTampered", other, path, err)
		}
	}
	// Must not do: extend the expiry.
	q := u.Query()
	q.Set("ex", "7fffffff")
	if err := s.Verify(path, q); !errors.Is(err, signedurl.ErrTampered) {
		t.Errorf("extended ex: %v, want ErrTampered", err)
	}
	if err := s.Verify(path, url.Values{}); !errors.Is(err, signedurl.ErrMissing) {
		t.Errorf("no signature: %v, want ErrMissing", err)
	}
	// Another server's secret.
	s2, _ := signedurl.New(signedurl.Config{Secret: bytes.Repeat([]byte("x"), 32), Now: clock})
	if err := s2.Verify(path, u.Query()); !errors.Is(err, signedurl.ErrTampered) {
		t.Errorf("other secret: %v, want ErrTampered", err)
	}
	// A leaked URL stops working at its expiry.
	now = now.Add(time.Hour)
	if err := s.Verify(path, u.Query()); !errors.Is(err, signedurl.ErrExpired) {
		t.Errorf("after the TTL: %v, want ErrExpired", err)
	}
	// Still authentic (refresh-urls may re-sign it), and only for its path.
	if err := s.Authentic(path, u.Query()); err != nil {
		t.Errorf("Authentic after expiry: %v", err)
	}
	if err := s.Authentic("/attachments/9/2/a file.png", u.Query()); !errors.Is(err, signedurl.ErrTampered) {
		t.Errorf("Authentic for another path: %v", err)
	}
	if p, q, ok := signedurl.Parse(raw); !ok || p != path || q.Get("hm") == "" {
		t.Errorf("Parse = %q, %v, %v", p, q, ok)
	}
	if _, err := signedurl.New(signedurl.Config{Secret: []byte("short")}); err == nil {
		t.Error("New accepted a short secret")
	}
}
