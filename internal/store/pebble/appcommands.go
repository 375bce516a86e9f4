package pebble

import (
	"context"
	"fmt"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// Application commands and their permission overrides. Key layout (see
// keys.go for the other tables):
//
//	ac/<app><guild><command>   store.AppCommand JSON
//	acp/<app><guild><command>  store.AppCommandPermissions JSON
//
// One (application, guild) pair is one prefix range, listed in ID order.
const (
	pAppCommand     = "ac/"
	pAppCommandPerm = "acp/"
)

// PutAppCommand stores c.
func (s *Store) PutAppCommand(ctx context.Context, c store.AppCommand) error {
	return s.putJSON(ctx, fmt.Sprintf("put app command %d", c.ID), idKey(pAppCommand, c.AppID, c.GuildID, c.ID), c)
}

// AppCommands returns one partition's commands in ID order.
func (s *Store) AppCommands(ctx context.Context, appID, guildID chat.ID) ([]store.AppCommand, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	cs, err := scanJSON[store.AppCommand](s, idKey(pAppCommand, appID, guildID))
	if err != nil {
		return nil, fmt.Errorf("pebble store: commands of app %d in guild %d: %w", appID, guildID, err)
	}
	return cs, nil
}

// DeleteAppCommand removes a command.
func (s *Store) DeleteAppCommand(ctx context.Context, appID, guildID, commandID chat.ID) error {
	return s.deleteKeys(ctx, fmt.Sprintf("delete app command %d", commandID), idKey(pAppCommand, appID, guildID, commandID))
}

// PutAppCommandPermissions stores p.
func (s *Store) PutAppCommandPermissions(ctx context.Context, p store.AppCommandPermissions) error {
	return s.putJSON(ctx, fmt.Sprintf("put app command permissions %d", p.CommandID),
		idKey(pAppCommandPerm, p.AppID, p.GuildID, p.CommandID), p)
}

// AppCommandPermissions returns an application's overrides in a guild in
// command ID order.
func (s *Store) AppCommandPermissions(ctx context.Context, appID, guildID chat.ID) ([]store.AppCommandPermissions, error) {
	if err := s.enter(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	ps, err := scanJSON[store.AppCommandPermissions](s, idKey(pAppCommandPerm, appID, guildID))
	if err != nil {
		return nil, fmt.Errorf("pebble store: command permissions of app %d in guild %d: %w", appID, guildID, err)
	}
	return ps, nil
}

// DeleteAppCommandPermissions removes a command's overrides.
func (s *Store) DeleteAppCommandPermissions(ctx context.Context, appID, guildID, commandID chat.ID) error {
	return s.deleteKeys(ctx, fmt.Sprintf("delete app command permissions %d", commandID),
		idKey(pAppCommandPerm, appID, guildID, commandID))
}
