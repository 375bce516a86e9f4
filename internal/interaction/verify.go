package interaction

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// HTTP interactions are signed as Discord signs them: each application has
// an Ed25519 key pair; every request to its interactions endpoint carries
// X-Signature-Timestamp and X-Signature-Ed25519, the hex signature of the
// timestamp followed by the body, which the endpoint checks against the
// application's verify_key (the hex public key).

// Headers of a signed request.
const (
	HeaderSignature = "X-Signature-Ed25519"
	HeaderTimestamp = "X-Signature-Timestamp"
)

// ErrBadKey is returned for a stored key that is not an Ed25519 seed.
var ErrBadKey = errors.New("interaction: application key is not an Ed25519 seed")

// NewKey returns a fresh private key seed (ed25519.SeedSize bytes), the
// form in which applications store their key.
func NewKey() ([]byte, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("interaction: new key: %w", err)
	}
	return seed, nil
}

// VerifyKey returns the hex public key of seed, Discord's verify_key, or
// "" for a malformed seed.
func VerifyKey(seed []byte) string {
	if len(seed) != ed25519.SeedSize {
		return ""
	}
	return hex.EncodeToString(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))
}

// Sign returns the signature headers' values for body sent at t.
func Sign(seed []byte, t time.Time, body []byte) (timestamp, signature string, err error) {
	if len(seed) != ed25519.SeedSize {
		return "", "", ErrBadKey
	}
	timestamp = strconv.FormatInt(t.Unix(), 10)
	msg := append([]byte(timestamp), body...)
	return timestamp, hex.EncodeToString(ed25519.Sign(ed25519.NewKeyFromSeed(seed), msg)), nil
}

// Verify reports whether signature (hex) signs timestamp followed by body
// under the hex public key verifyKey: what an endpoint checks.
func Verify(verifyKey, timestamp, signature string, body []byte) bool {
	pub, err := hex.DecodeString(verifyKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return false
	}
	sig, err := hex.DecodeString(signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return false
	}
	return ed25519.Verify(ed25519.PublicKey(pub), append([]byte(timestamp), body...), sig)
}
