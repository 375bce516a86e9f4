package auth

import (
	"bytes"
	"testing"

	"github.com/accordchat/accord/internal/chat"
)

func TestTokenRoundTrip(t *testing.T) {
	id := chat.ID(175928847299117063)
	tok, hash, err := NewToken(id)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := UserIDFromToken(tok); !ok || got != id {
		t.Fatalf("UserIDFromToken(%q) = %v, %v", tok, got, ok)
	}
	if !bytes.Equal(HashToken(tok), hash) {
		t.Fatal("HashToken differs from the hash NewToken returned")
	}
	tok2, _, _ := NewToken(id)
	if tok2 == tok {
		t.Fatal("two tokens for one user are equal")
	}
	for _, bad := range []string{"", "abc", "!!!.x.y", "MA.x.y"} {
		if _, ok := UserIDFromToken(bad); ok {
			t.Errorf("UserIDFromToken(%q) accepted", bad)
		}
	}
}

func TestPassword(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "correct horse") {
		t.Fatal("right password rejected")
	}
	if CheckPassword(h, "correct horsE") || CheckPassword(h[:10], "correct horse") {
		t.Fatal("wrong password or truncated hash accepted")
	}
	h2, _ := HashPassword("correct horse")
	if bytes.Equal(h, h2) {
		t.Fatal("hash is not salted")
	}
}
