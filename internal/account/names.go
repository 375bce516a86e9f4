package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// UserByName returns the user with username (compared case-insensitively,
// as usernames are unique), or chat.ErrUnknownUser. Friend requests by
// username use it.
func (s *Service) UserByName(ctx context.Context, username string) (chat.User, error) {
	u, err := s.st.UserByName(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return chat.User{}, chat.ErrUnknownUser
	}
	if err != nil {
		return chat.User{}, fmt.Errorf("account: user %q: %w", username, err)
	}
	return u, nil
}
