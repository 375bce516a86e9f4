package interaction

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestSignVerify(t *testing.T) {
	seed, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	key := VerifyKey(seed)
	ts, sig, err := Sign(seed, time.Unix(1700000000, 0), []byte(`{"type":1}`))
	if err != nil || ts != "1700000000" {
		t.Fatalf("Sign: %q %v", ts, err)
	}
	// An independent check with crypto/ed25519 on the hex forms.
	pub, _ := hex.DecodeString(key)
	raw, _ := hex.DecodeString(sig)
	if !ed25519.Verify(pub, []byte(ts+`{"type":1}`), raw) || !Verify(key, ts, sig, []byte(`{"type":1}`)) {
		t.Fatal("signature does not verify")
	}
	for _, c := range []struct{ key, ts, sig, body string }{
		{key, "1700000001", sig, `{"type":1}`},
		{key, ts, sig, `{"type":2}`},
		{key, ts, "00" + sig[2:], `{"type":1}`},
		{VerifyKey(make([]byte, 32)), ts, sig, `{"type":1}`},
		{"zz", ts, sig, `{"type":1}`},
	} {
		if Verify(c.key, c.ts, c.sig, []byte(c.body)) {
			t.Errorf("verified %+v", c)
		}
	}
	if _, _, err := Sign([]byte("short"), time.Now(), nil); !errors.Is(err, ErrBadKey) || VerifyKey([]byte("short")) != "" {
		t.Fatal("a malformed seed was taken")
	}
}

func TestNodeOf(t *testing.T) {
	r := New(Config{Node: "n2"})
	it, err := r.Create(&Interaction{ID: 1, AppID: 2})
	if err != nil {
		t.Fatal(err)
	}
	if NodeOf(it.Token) != "n2" || !r.Owns(2, it.Token) {
		t.Fatalf("token %q names %q", it.Token, NodeOf(it.Token))
	}
	single, _ := New(Config{}).Create(&Interaction{ID: 1})
	for _, tok := range []string{single.Token, "webhooktoken.n2", ""} {
		if NodeOf(tok) != "" {
			t.Errorf("NodeOf(%q) = %q", tok, NodeOf(tok))
		}
	}
}

func TestEndpointsBounds(t *testing.T) {
	seed, _ := NewKey()
	var hits int
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		_, _ = w.Write([]byte(strings.Repeat("x", 2048)))
	}))
	defer big.Close()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("followed a redirect to another host")
	}))
	defer other.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1), http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body) // then the server notices the client leave
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()

	e := NewEndpoints(EndpointsConfig{MaxResponseBytes: 1024, Timeout: 200 * time.Millisecond})
	ctx := context.Background()
	if _, err := e.Post(ctx, big.URL, seed, []byte("{}")); err == nil || hits != 1 {
		t.Fatalf("an answer over the limit was taken: %v", err)
	}
	if _, err := e.Post(ctx, redirect.URL, seed, []byte("{}")); err == nil {
		t.Fatal("a redirect to another host was taken")
	}
	start := time.Now()
	if _, err := e.Post(ctx, slow.URL, seed, []byte("{}")); err == nil || time.Since(start) > 2*time.Second {
		t.Fatalf("slow endpoint: %v after %v", err, time.Since(start))
	}
	for _, u := range []string{"ftp://x/", "/relative", "http://u:p@127.0.0.1/", "http://"} {
		if err := e.CheckURL(u); !errors.Is(err, ErrEndpointURL) {
			t.Errorf("CheckURL(%q) = %v", u, err)
		}
	}
	allow := NewEndpoints(EndpointsConfig{Hosts: []string{"bots.example", "127.0.0.1:8443"}})
	for u, ok := range map[string]bool{
		"https://bots.example/i": true, "http://BOTS.example:8080/i": true, "https://127.0.0.1:8443/": true,
		"https://127.0.0.1:8444/": false, "https://evil.example/": false, "http://localhost/": false,
	} {
		if err := allow.CheckURL(u); (err == nil) != ok || (err != nil && !errors.Is(err, ErrHostNotAllowed)) {
			t.Errorf("allow-list CheckURL(%q) = %v", u, err)
		}
	}
}
