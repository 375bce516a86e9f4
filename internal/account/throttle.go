package account

import (
	"context"
	"errors"
	"strings"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/ratelimit"
)

// Register creates a user with a password and returns it with its first
// token. The caller has validated the username and password; a taken
// username is ErrUsernameTaken. With Config.Limits, registrations asking
// for one username are throttled (ratelimit.Registrations, counted
// case-insensitively like usernames); a refused one is a *ratelimit.Error.
// The per-address limit is the REST route's (package api).
func (s *Service) Register(ctx context.Context, username, password, globalName string) (chat.User, string, error) {
	if s.limits != nil {
		if d := s.limits.Take(ratelimit.Registrations, strings.ToLower(username)); d.Limited {
			return chat.User{}, "", &ratelimit.Error{Decision: d}
		}
	}
	return s.registerUser(ctx, username, password, globalName)
}

// Login checks a username and password and returns the user with a new
// token. A wrong username or password is ErrInvalidLogin. With
// Config.Limits, failed logins are counted per account name
// (ratelimit.LoginFailures); once an account has used them up, its logins
// are refused with a *ratelimit.Error until the window ends, whatever the
// password, so that guessing cannot go on. Only failures count, so other
// people's attempts cannot lock an account out for longer than one window.
func (s *Service) Login(ctx context.Context, username, password string) (chat.User, string, error) {
	if s.limits == nil {
		return s.loginUser(ctx, username, password)
	}
	key := strings.ToLower(username)
	if d := s.limits.Check(ratelimit.LoginFailures, key); d.Limited {
		return chat.User{}, "", &ratelimit.Error{Decision: d}
	}
	u, token, err := s.loginUser(ctx, username, password)
	if errors.Is(err, ErrInvalidLogin) {
		s.limits.Take(ratelimit.LoginFailures, key)
	}
	return u, token, err
}
