package cql

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// appCommandTables hold application commands and their per-guild
// permission overrides in one partition per (application, guild) pair
// (guild 0 for global commands), clustered by command ID; the command is an
// opaque blob (package appcmd's encoding), so new fields need no schema
// change.
var appCommandTables = []string{
	`CREATE TABLE IF NOT EXISTS app_commands (
		app_id bigint, guild_id bigint, id bigint, data blob,
		PRIMARY KEY ((app_id, guild_id), id))`,
	`CREATE TABLE IF NOT EXISTS app_command_permissions (
		app_id bigint, guild_id bigint, command_id bigint, data blob,
		PRIMARY KEY ((app_id, guild_id), command_id))`,
}

// PutAppCommand writes a command into its partition.
func (s *Store) PutAppCommand(ctx context.Context, c store.AppCommand) error {
	return s.exec(ctx, "put app command",
		`INSERT INTO app_commands (app_id, guild_id, id, data) VALUES (?, ?, ?, ?)`,
		i64(c.AppID), i64(c.GuildID), i64(c.ID), c.Data)
}

// AppCommands lists one partition's commands in ID order.
func (s *Store) AppCommands(ctx context.Context, appID, guildID chat.ID) ([]store.AppCommand, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	iter := s.query(`SELECT id, data FROM app_commands WHERE app_id = ? AND guild_id = ?`, i64(appID), i64(guildID)).IterContext(ctx)
	var out []store.AppCommand
	var id int64
	var data []byte
	for iter.Scan(&id, &data) {
		out = append(out, store.AppCommand{AppID: appID, GuildID: guildID, ID: chat.ID(id), Data: data})
		data = nil
	}
	return out, wrap("app commands", iter.Close())
}

// DeleteAppCommand removes a command.
func (s *Store) DeleteAppCommand(ctx context.Context, appID, guildID, commandID chat.ID) error {
	return s.exec(ctx, "delete app command", `DELETE FROM app_commands WHERE app_id = ? AND guild_id = ? AND id = ?`,
		i64(appID), i64(guildID), i64(commandID))
}

// PutAppCommandPermissions writes a command's overrides.
func (s *Store) PutAppCommandPermissions(ctx context.Context, p store.AppCommandPermissions) error {
	return s.exec(ctx, "put app command permissions",
		`INSERT INTO app_command_permissions (app_id, guild_id, command_id, data) VALUES (?, ?, ?, ?)`,
		i64(p.AppID), i64(p.GuildID), i64(p.CommandID), p.Data)
}

// AppCommandPermissions lists an application's overrides in a guild in
// command ID order.
func (s *Store) AppCommandPermissions(ctx context.Context, appID, guildID chat.ID) ([]store.AppCommandPermissions, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	iter := s.query(`SELECT command_id, data FROM app_command_permissions WHERE app_id = ? AND guild_id = ?`,
		i64(appID), i64(guildID)).IterContext(ctx)
	var out []store.AppCommandPermissions
	var id int64
	var data []byte
	for iter.Scan(&id, &data) {
		out = append(out, store.AppCommandPermissions{AppID: appID, GuildID: guildID, CommandID: chat.ID(id), Data: data})
		data = nil
	}
	return out, wrap("app command permissions", iter.Close())
}

// DeleteAppCommandPermissions removes a command's overrides.
func (s *Store) DeleteAppCommandPermissions(ctx context.Context, appID, guildID, commandID chat.ID) error {
	return s.exec(ctx, "delete app command permissions",
		`DELETE FROM app_command_permissions WHERE app_id = ? AND guild_id = ? AND command_id = ?`,
		i64(appID), i64(guildID), i64(commandID))
}
