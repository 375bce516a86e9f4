package tiered

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// Application commands are served by the durable tier alone, as
// auto-moderation rules are: they change rarely and are read per
// invocation, a partition at a time.

// PutAppCommand stores c in the durable tier.
func (s *Store) PutAppCommand(ctx context.Context, c store.AppCommand) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.PutAppCommand(ctx, c)
}

// AppCommands reads one partition's commands from the durable tier.
func (s *Store) AppCommands(ctx context.Context, appID, guildID chat.ID) ([]store.AppCommand, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.durable.AppCommands(ctx, appID, guildID)
}

// DeleteAppCommand removes a command from the durable tier.
func (s *Store) DeleteAppCommand(ctx context.Context, appID, guildID, commandID chat.ID) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.DeleteAppCommand(ctx, appID, guildID, commandID)
}

// PutAppCommandPermissions stores p in the durable tier.
func (s *Store) PutAppCommandPermissions(ctx context.Context, p store.AppCommandPermissions) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.PutAppCommandPermissions(ctx, p)
}

// AppCommandPermissions reads an application's overrides in a guild from
// the durable tier.
func (s *Store) AppCommandPermissions(ctx context.Context, appID, guildID chat.ID) ([]store.AppCommandPermissions, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.durable.AppCommandPermissions(ctx, appID, guildID)
}

// DeleteAppCommandPermissions removes a command's overrides from the
// durable tier.
func (s *Store) DeleteAppCommandPermissions(ctx context.Context, appID, guildID, commandID chat.ID) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.durable.DeleteAppCommandPermissions(ctx, appID, guildID, commandID)
}
