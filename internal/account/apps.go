package account

import (
	"context"
	"errors"
	"fmt"

	"github.com/maypok86/otter/v2"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// ApplicationByBot returns the application whose bot is botID
// (store.ErrNotFound, wrapped, when there is none), from the application
// cache. The gateway reads it at IDENTIFY and the API on each message read
// of a bot.
func (s *Service) ApplicationByBot(ctx context.Context, botID chat.ID) (chat.Application, error) {
	app, err := s.apps.Get(ctx, botID, otter.LoaderFunc[chat.ID, chat.Application](s.loadApplication))
	if errors.Is(err, otter.ErrNotFound) {
		return chat.Application{}, fmt.Errorf("account: application of bot %d: %w", botID, store.ErrNotFound)
	}
	if err != nil {
		return chat.Application{}, fmt.Errorf("account: application of bot %d: %w", botID, err)
	}
	return app, nil
}

// loadApplication reads one application for the cache; a bot without one
// is not cached.
func (s *Service) loadApplication(ctx context.Context, botID chat.ID) (chat.Application, error) {
	app, err := s.st.ApplicationByBot(ctx, botID)
	if errors.Is(err, store.ErrNotFound) {
		return chat.Application{}, otter.ErrNotFound
	}
	return app, err
}

// SaveApplication writes app (created, flags edited, token reset) and
// drops the cached copy, so the next read sees the write; dropping rather
// than storing it keeps a read that raced the write from caching the old
// value (otter discards loads in flight during an invalidation).
func (s *Service) SaveApplication(ctx context.Context, app chat.Application) error {
	if err := s.st.PutApplication(ctx, app); err != nil {
		return fmt.Errorf("account: save application %d: %w", app.ID, err)
	}
	s.apps.Invalidate(app.BotID)
	return nil
}
