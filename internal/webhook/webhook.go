// Package webhook holds what channel webhooks need besides storage: their
// tokens (made here, kept only as hashes, compared in constant time) and
// the Slack- and GitHub-compatible payloads turned into message fields.
//
// It only converts bytes: no goroutines, no I/O; safe for concurrent use.
package webhook

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
)

// tokenBytes is the randomness of a token: 51 bytes are 68 base64url
// characters, the length of Discord's webhook tokens.
const tokenBytes = 51

// MaxTokenLen bounds a token from a URL before it is hashed.
const MaxTokenLen = 200

// NewToken returns a new random token and the hash to store for it.
func NewToken() (token string, hash []byte, err error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("webhook: token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken is the stored form of token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CheckToken reports whether token is the one whose hash is stored, in
// time that does not depend on how much of it matches.
func CheckToken(stored []byte, token string) bool {
	if len(stored) == 0 || len(token) == 0 || len(token) > MaxTokenLen {
		return false
	}
	return subtle.ConstantTimeCompare(stored, HashToken(token)) == 1
}
