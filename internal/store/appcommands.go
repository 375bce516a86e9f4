package store

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
)

// AppCommand is one stored application command. GuildID is zero for a
// global command. Data is the command in the encoding package appcmd owns
// (its JSON object); the store keeps it opaque so that new command fields
// need no schema change.
type AppCommand struct {
	AppID   chat.ID
	GuildID chat.ID
	ID      chat.ID
	Data    []byte
}

// AppCommandPermissions is one stored set of permission overrides for an
// application's command in a guild. CommandID equals AppID for the
// overrides that apply to every command of the application, as on
// Discord. Data is package appcmd's encoding of the overrides.
type AppCommandPermissions struct {
	AppID     chat.ID
	GuildID   chat.ID
	CommandID chat.ID
	Data      []byte
}

// AppCommands is the part of the store that holds application commands
// and their per-guild permission overrides: one partition per (application,
// guild) pair (guild 0 for global commands), clustered by command ID.
// Discord caps a partition at a few hundred commands, so callers read a
// partition whole.
type AppCommands interface {
	// PutAppCommand inserts or replaces a command.
	PutAppCommand(ctx context.Context, c AppCommand) error
	// AppCommands lists one partition's commands in ID order.
	AppCommands(ctx context.Context, appID, guildID chat.ID) ([]AppCommand, error)
	// DeleteAppCommand removes a command; removing none is not an error.
	DeleteAppCommand(ctx context.Context, appID, guildID, commandID chat.ID) error

	// PutAppCommandPermissions inserts or replaces a command's overrides.
	PutAppCommandPermissions(ctx context.Context, p AppCommandPermissions) error
	// AppCommandPermissions lists an application's overrides in a guild in
	// command ID order.
	AppCommandPermissions(ctx context.Context, appID, guildID chat.ID) ([]AppCommandPermissions, error)
	// DeleteAppCommandPermissions removes a command's overrides; removing
	// none is not an error.
	DeleteAppCommandPermissions(ctx context.Context, appID, guildID, commandID chat.ID) error
}
