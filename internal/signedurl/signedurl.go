// Package signedurl signs and checks expiring CDN URLs the way Discord's
// attachment links carry them: query parameters ex (expiry, hex Unix
// seconds), is (issue time, hex Unix seconds) and hm (hex HMAC-SHA256 over
// the path, ex and is with a server secret). A link is good only for the
// exact path it was issued for and only until ex, so a leaked link to a
// private channel's file stops working.
//
// A Signer is safe for concurrent use.
package signedurl

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Sentinel errors of Verify.
var (
	ErrMissing  = errors.New("signedurl: not signed")
	ErrExpired  = errors.New("signedurl: expired")
	ErrTampered = errors.New("signedurl: signature does not match")
)

// DefaultTTL is how long a signed URL stays good (Discord's links last
// about a day).
const DefaultTTL = 24 * time.Hour

// Config configures a Signer.
type Config struct {
	// Secret keys the HMAC; at least 32 bytes. Required.
	Secret []byte
	// Base, if set, returns what is prepended to signed paths, e.g.
	// "https://cdn.example" (a func because a server may learn its own
	// address only once it listens); nil leaves URLs relative.
	Base func() string
	// TTL is how long a URL stays good. Default DefaultTTL.
	TTL time.Duration
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Signer signs and verifies URLs.
type Signer struct {
	cfg Config
}

// New returns a Signer.
func New(cfg Config) (*Signer, error) {
	if len(cfg.Secret) < 32 {
		return nil, errors.New("signedurl: Config.Secret must be at least 32 bytes")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Signer{cfg: cfg}, nil
}

func (s *Signer) mac(path, ex, is string) string {
	m := hmac.New(sha256.New, s.cfg.Secret)
	m.Write([]byte(path + "\n" + ex + "\n" + is))
	return hex.EncodeToString(m.Sum(nil))
}

// Sign returns the signed URL of path (a CDN path beginning with '/',
// not yet escaped).
func (s *Signer) Sign(path string) string {
	now := s.cfg.Now()
	ex := strconv.FormatInt(now.Add(s.cfg.TTL).Unix(), 16)
	is := strconv.FormatInt(now.Unix(), 16)
	u := url.URL{Path: path}
	base := ""
	if s.cfg.Base != nil {
		base = strings.TrimSuffix(s.cfg.Base(), "/")
	}
	return base + u.EscapedPath() + "?ex=" + ex + "&is=" + is + "&hm=" + s.mac(path, ex, is)
}

// Verify checks the signature query q of a request for path (unescaped):
// made by this server's secret for this path, and not expired.
func (s *Signer) Verify(path string, q url.Values) error {
	if err := s.Authentic(path, q); err != nil {
		return err
	}
	exp, err := strconv.ParseInt(q.Get("ex"), 16, 64)
	if err != nil {
		return ErrTampered
	}
	if !s.cfg.Now().Before(time.Unix(exp, 0)) {
		return ErrExpired
	}
	return nil
}

// Authentic checks that q signs path with this server's secret, whether
// or not it expired (what refreshing a URL needs).
func (s *Signer) Authentic(path string, q url.Values) error {
	ex, is, hm := q.Get("ex"), q.Get("is"), q.Get("hm")
	if ex == "" || is == "" || hm == "" {
		return ErrMissing
	}
	if !hmac.Equal([]byte(hm), []byte(s.mac(path, ex, is))) {
		return ErrTampered
	}
	return nil
}

// Parse splits a signed URL (absolute or not) into its unescaped path and
// query; ok is false for anything that is not a URL with a path.
func Parse(raw string) (path string, q url.Values, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || !strings.HasPrefix(u.Path, "/") {
		return "", nil, false
	}
	return u.Path, u.Query(), true
}
