package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/accordchat/accord/internal/auth"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// IssueToken makes a new token for userID and stores its hash. The token
// itself is returned once and never stored.
func (s *Service) IssueToken(ctx context.Context, userID chat.ID) (string, error) {
	token, _, err := s.newToken(ctx, userID)
	return token, err
}

// newToken makes and stores a token for userID.
func (s *Service) newToken(ctx context.Context, userID chat.ID) (token string, hash []byte, err error) {
	token, hash, err = auth.NewToken(userID)
	if err != nil {
		return "", nil, err
	}
	if err := s.st.PutToken(ctx, hash, userID); err != nil {
		return "", nil, fmt.Errorf("account: put token of %d: %w", userID, err)
	}
	return token, hash, nil
}

// Authenticate returns the user a token belongs to. An empty, unknown or
// revoked token, or one whose user no longer exists, is auth.ErrBadToken.
func (s *Service) Authenticate(ctx context.Context, token string) (chat.User, error) {
	if token == "" {
		return chat.User{}, auth.ErrBadToken
	}
	id, err := s.TokenUser(ctx, auth.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return chat.User{}, auth.ErrBadToken
	}
	if err != nil {
		return chat.User{}, err
	}
	u, err := s.User(ctx, id)
	if errors.Is(err, chat.ErrUnknownUser) {
		return chat.User{}, auth.ErrBadToken
	}
	return u, err
}

// TokenUser returns the ID of the user whose token hashes to tokenHash;
// an unknown hash is store.ErrNotFound (wrapped), as the gateway expects.
// Known tokens are served from the token cache (see Service.tokens);
// unknown ones are not cached, so a token issued on another node works
// here at once.
func (s *Service) TokenUser(ctx context.Context, tokenHash []byte) (chat.ID, error) {
	var key tokenKey
	if len(tokenHash) != len(key) {
		return 0, fmt.Errorf("account: token lookup: %w", store.ErrNotFound) // no hash of ours
	}
	key = tokenKey(tokenHash)
	gen := s.revoked.Load()
	if e, ok := s.tokens.GetIfPresent(key); ok && e.gen == gen {
		return e.user, nil
	}
	// The generation is read before the store: a revocation that lands
	// during the read leaves this entry older than it, untrusted.
	id, err := s.st.TokenUser(ctx, tokenHash)
	if err != nil {
		return 0, fmt.Errorf("account: token lookup: %w", err)
	}
	s.tokens.Set(key, tokenEntry{user: id, gen: gen})
	return id, nil
}

// tokenKey is a token's SHA-256 (auth.HashToken), the token cache's key: an
// array, so a lookup converts the hash without allocating.
type tokenKey [32]byte

// tokenEntry is a cached token: its user, and the revocation generation
// (Service.revoked) before the store read that found it.
type tokenEntry struct {
	user chat.ID
	gen  int64
}

// tokenTTL bounds how long a cached token is trusted without a store
// read, should a revocation's broadcast from another node be lost.
const tokenTTL = 5 * time.Minute

// RevokeToken deletes a token by its hash; revoking an unknown token is
// not an error. In a cluster the caller also tells the other nodes
// (TokensRevoked), whose caches may hold it.
func (s *Service) RevokeToken(ctx context.Context, tokenHash []byte) error {
	if err := s.st.DeleteToken(ctx, tokenHash); err != nil {
		return fmt.Errorf("account: revoke token: %w", err)
	}
	s.TokensRevoked()
	return nil
}

// TokensRevoked says a token was revoked (here or on another node): every
// token cached before now is read from the store again at its next use.
// Revocations are rare (a bot token reset), so forgetting all is cheaper
// than indexing tokens by user.
func (s *Service) TokensRevoked() {
	s.revoked.Add(1)
	s.tokens.InvalidateAll()
}

// ResetToken gives userID (a bot) a new token and revokes old (its
// previous token's hash, if any), returning the new token and its hash
// for the caller to record. The new token is stored first: if revoking
// fails, nobody has received the new one, and the old stays recorded for
// the next reset to delete again, harmlessly.
func (s *Service) ResetToken(ctx context.Context, userID chat.ID, old []byte) (token string, hash []byte, err error) {
	token, hash, err = s.newToken(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	if len(old) > 0 {
		if err := s.RevokeToken(ctx, old); err != nil {
			return "", nil, err
		}
	}
	return token, hash, nil
}

// SplitAuthorization splits an Authorization header value, or an IDENTIFY
// token, into the token and whether it carried the "Bot " scheme. At most
// one scheme is removed ("Bot ", "Bearer ", any case), so "Bot Bearer x"
// is not the token "x".
func SplitAuthorization(v string) (token string, botScheme bool) {
	v = strings.TrimSpace(v)
	for _, p := range []string{"Bot ", "Bearer "} {
		if len(v) >= len(p) && strings.EqualFold(v[:len(p)], p) {
			return strings.TrimSpace(v[len(p):]), p == "Bot "
		}
	}
	return v, false
}

// CheckScheme refuses, as Discord does, a user token presented with the
// "Bot " scheme: that scheme is for bot tokens only. A bot token without
// it stays accepted (some clients send the bare token).
func CheckScheme(u chat.User, botScheme bool) error {
	if botScheme && !u.Bot {
		return auth.ErrBadToken
	}
	return nil
}
