package account

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/maypok86/otter/v2"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// User returns the user with id, from the cache when it holds it.
// A missing user is chat.ErrUnknownUser.
//
// Concurrent misses for one id share one store read, and a write through
// the service during that read discards what it read (otter's Get), so
// the cache never keeps a user older than the last write.
func (s *Service) User(ctx context.Context, id chat.ID) (chat.User, error) {
	u, err := s.users.Get(ctx, id, s.userLoader)
	if errors.Is(err, otter.ErrNotFound) {
		return chat.User{}, chat.ErrUnknownUser
	}
	if err != nil {
		return chat.User{}, fmt.Errorf("account: user %d: %w", id, err)
	}
	return u, nil
}

// loadUser reads one user for the cache; otter.ErrNotFound tells it the
// user does not exist (nothing is cached then).
func (s *Service) loadUser(ctx context.Context, id chat.ID) (chat.User, error) {
	u, err := s.st.User(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return chat.User{}, otter.ErrNotFound
	}
	return u, err
}

// registerUser creates a user with a password and returns it with its
// first token (Register throttles, then calls it). The caller has
// validated the username and password; a taken username is
// ErrUsernameTaken.
func (s *Service) registerUser(ctx context.Context, username, password, globalName string) (chat.User, string, error) {
	hash, err := s.hash.Hash(ctx, password)
	if err != nil {
		return chat.User{}, "", err
	}
	u := chat.User{ID: s.ids.Next(), Username: username, GlobalName: globalName}
	if err := s.create(ctx, u, chat.Credentials{UserID: u.ID, PasswordHash: hash}); err != nil {
		return chat.User{}, "", err
	}
	token, err := s.IssueToken(ctx, u.ID)
	if err != nil {
		return chat.User{}, "", err
	}
	return u, token, nil
}

// CreateBot creates the bot user of application appID, with the given
// user id, named after the application: appName with every character a
// username may not hold replaced by '_'. Usernames are unique, so a taken
// name gets the bot's ID appended. A bot has no password; it signs in with
// a token (ResetToken).
func (s *Service) CreateBot(ctx context.Context, id, appID chat.ID, appName string) (chat.User, error) {
	bot := chat.User{ID: id, Bot: true, ApplicationID: appID}
	base := strings.Map(func(r rune) rune {
		if UsernameRune(r) {
			return r
		}
		return '_'
	}, appName)
	var err error
	for _, name := range []string{base, base + "-" + id.String()} {
		bot.Username = name
		if err = s.create(ctx, bot, chat.Credentials{UserID: id}); !errors.Is(err, ErrUsernameTaken) {
			break
		}
	}
	if err != nil {
		return chat.User{}, err
	}
	return bot, nil
}

// UsernameRune reports whether a username may hold r: ASCII letters,
// digits, and "_", "." and "-".
func UsernameRune(r rune) bool {
	return r == '_' || r == '.' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// create stores a new user and caches it. Nobody else writes a user that
// does not exist yet, so putting it in the cache cannot race another write.
func (s *Service) create(ctx context.Context, u chat.User, c chat.Credentials) error {
	if err := s.st.CreateUser(ctx, u, c); err != nil {
		if errors.Is(err, store.ErrExists) {
			return ErrUsernameTaken
		}
		return fmt.Errorf("account: create user %d: %w", u.ID, err)
	}
	s.users.Set(u.ID, u)
	return nil
}

// loginUser checks a username and password and returns the user with a
// new token (Login throttles, then calls it). A wrong username or password is ErrInvalidLogin.
func (s *Service) loginUser(ctx context.Context, username, password string) (chat.User, string, error) {
	u, err := s.st.UserByName(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return chat.User{}, "", ErrInvalidLogin
	}
	if err != nil {
		return chat.User{}, "", fmt.Errorf("account: login %q: %w", username, err)
	}
	cred, err := s.st.Credentials(ctx, u.ID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && len(cred.PasswordHash) == 0) {
		return chat.User{}, "", ErrInvalidLogin
	}
	if err != nil {
		return chat.User{}, "", fmt.Errorf("account: login %d: %w", u.ID, err)
	}
	// Hashing is bounded (auth.Hasher): a busy hasher is auth.ErrBusy, a
	// 429 for the caller, never a wrong-password answer.
	ok, err := s.hash.Check(ctx, cred.PasswordHash, password)
	if err != nil {
		return chat.User{}, "", fmt.Errorf("account: login %d: %w", u.ID, err)
	}
	if !ok {
		return chat.User{}, "", ErrInvalidLogin
	}
	token, err := s.IssueToken(ctx, u.ID)
	if err != nil {
		return chat.User{}, "", err
	}
	return u, token, nil
}

// UpdateProfile replaces an existing user's profile (username, global
// name, avatar). Renaming to a username another user holds is
// ErrUsernameTaken; a missing user is store.ErrNotFound (wrapped).
//
// The cached copy is dropped, not replaced, whatever the outcome: two
// concurrent updates could otherwise leave the cache holding the one the
// store did not keep. The next read loads the stored user once.
func (s *Service) UpdateProfile(ctx context.Context, u chat.User) error {
	err := s.st.UpdateUser(ctx, u)
	s.users.Invalidate(u.ID)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrExists):
		return ErrUsernameTaken
	}
	return fmt.Errorf("account: update user %d: %w", u.ID, err)
}

// UserGuilds lists the IDs of the guilds userID is a member of, in no
// particular order, as the store does.
func (s *Service) UserGuilds(ctx context.Context, userID chat.ID) ([]chat.ID, error) {
	return s.st.UserGuilds(ctx, userID)
}

// Invalidate drops a user from the cache: another node of the cluster
// changed them, and the next read loads the stored user.
func (s *Service) Invalidate(id chat.ID) { s.users.Invalidate(id) }
