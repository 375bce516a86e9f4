// Package auth makes and checks credentials: Discord-style tokens, which are
// stored only as SHA-256 hashes, and passwords, stored as argon2id hashes.
// All functions are safe for concurrent use.
package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"

	"github.com/accordchat/accord/internal/chat"
)

// NewToken makes a token shaped like Discord's, "base64(user id).random.random",
// so libraries that read the user id from a token's first part keep working.
// Only hash is to be stored; the token is shown to its owner once.
func NewToken(userID chat.ID) (token string, hash []byte, err error) {
	var secret [30]byte
	if _, err := rand.Read(secret[:]); err != nil {
		return "", nil, fmt.Errorf("auth: new token: %w", err)
	}
	enc := base64.RawURLEncoding
	token = enc.EncodeToString([]byte(userID.String())) + "." +
		enc.EncodeToString(secret[:6]) + "." + enc.EncodeToString(secret[6:])
	return token, HashToken(token), nil
}

// HashToken returns the stored form of a token. A fast hash is right here:
// tokens are 240 random bits, so they cannot be guessed offline.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// UserIDFromToken decodes the user id a token claims in its first part. The
// claim is not proof: callers still look the hash up.
func UserIDFromToken(token string) (chat.ID, bool) {
	first, _, ok := strings.Cut(token, ".")
	if !ok {
		return 0, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(first, "="))
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil || v == 0 {
		return 0, false
	}
	return chat.ID(v), true
}

// argon2id parameters: OWASP's minimum (19 MiB, 2 passes, 1 lane) keeps a
// login at a few tens of milliseconds on a small server.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	saltLen      = 16
)

var argonPrefix = []byte("argon2id$v=19$m=19456,t=2,p=1$")

// HashPassword returns a self-describing argon2id hash of pw.
func HashPassword(pw string) ([]byte, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("auth: hash password: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	out := append([]byte{}, argonPrefix...)
	out = append(out, salt...)
	return append(out, key...), nil
}

// CheckPassword reports whether pw matches hash, in constant time.
func CheckPassword(hash []byte, pw string) bool {
	rest, ok := bytes.CutPrefix(hash, argonPrefix)
	if !ok || len(rest) != saltLen+argonKeyLen {
		return false
	}
	key := argon2.IDKey([]byte(pw), rest[:saltLen], argonTime, argonMemory, argonThreads, argonKeyLen)
	return subtle.ConstantTimeCompare(key, rest[saltLen:]) == 1
}

// ErrBadToken is returned by callers that find no user for a token.
var ErrBadToken = errors.New("auth: invalid token")
