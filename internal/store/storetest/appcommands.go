package storetest

import (
	"testing"

	"github.com/accordchat/accord/internal/store"
)

func testAppCommands(t *testing.T, s store.Store) {
	ctx := t.Context()
	app, otherApp, guild := NewID(), NewID(), NewID()
	// IDs made in this order: AppCommands lists them so.
	first := store.AppCommand{AppID: app, ID: NewID(), Data: []byte(`{"name":"first"}`)}
	second := store.AppCommand{AppID: app, ID: NewID(), Data: []byte(`{"name":"second","x":"\u0000\u00ff"}`)}
	inGuild := store.AppCommand{AppID: app, GuildID: guild, ID: NewID(), Data: []byte(`{"name":"guild"}`)}
	otherAppCmd := store.AppCommand{AppID: otherApp, ID: NewID(), Data: []byte(`{"name":"other"}`)}
	for _, c := range []store.AppCommand{second, inGuild, otherAppCmd, first} {
		ok(t, "PutAppCommand", s.PutAppCommand(ctx, c))
	}
	got, err := s.AppCommands(ctx, app, 0)
	ok(t, "AppCommands global", err)
	check(t, "AppCommands global", got, []store.AppCommand{first, second})
	got, err = s.AppCommands(ctx, app, guild)
	ok(t, "AppCommands guild", err)
	check(t, "AppCommands guild", got, []store.AppCommand{inGuild})
	got, err = s.AppCommands(ctx, otherApp, guild)
	ok(t, "AppCommands of another app in the guild", err)
	check(t, "AppCommands of another app in the guild", got, nil)

	first.Data = []byte(`{"name":"renamed"}`)
	ok(t, "PutAppCommand replace", s.PutAppCommand(ctx, first))
	ok(t, "DeleteAppCommand", s.DeleteAppCommand(ctx, app, 0, second.ID))
	ok(t, "DeleteAppCommand again", s.DeleteAppCommand(ctx, app, 0, second.ID))
	ok(t, "DeleteAppCommand of another app's ID", s.DeleteAppCommand(ctx, app, 0, otherAppCmd.ID))
	got, err = s.AppCommands(ctx, app, 0)
	ok(t, "AppCommands after replace and delete", err)
	check(t, "AppCommands after replace and delete", got, []store.AppCommand{first})
	got, err = s.AppCommands(ctx, otherApp, 0)
	ok(t, "AppCommands of the other app", err)
	check(t, "AppCommands of the other app", got, []store.AppCommand{otherAppCmd})

	appWide := store.AppCommandPermissions{AppID: app, GuildID: guild, CommandID: app, Data: []byte(`[{"id":"1"}]`)}
	one := store.AppCommandPermissions{AppID: app, GuildID: guild, CommandID: inGuild.ID, Data: []byte(`[]`)}
	elsewhere := store.AppCommandPermissions{AppID: app, GuildID: NewID(), CommandID: first.ID, Data: []byte(`[{"id":"2"}]`)}
	for _, p := range []store.AppCommandPermissions{one, elsewhere, appWide} {
		ok(t, "PutAppCommandPermissions", s.PutAppCommandPermissions(ctx, p))
	}
	perms, err := s.AppCommandPermissions(ctx, app, guild)
	ok(t, "AppCommandPermissions", err)
	check(t, "AppCommandPermissions", perms, []store.AppCommandPermissions{appWide, one})
	one.Data = []byte(`[{"id":"3"}]`)
	ok(t, "PutAppCommandPermissions replace", s.PutAppCommandPermissions(ctx, one))
	ok(t, "DeleteAppCommandPermissions", s.DeleteAppCommandPermissions(ctx, app, guild, app))
	ok(t, "DeleteAppCommandPermissions again", s.DeleteAppCommandPermissions(ctx, app, guild, app))
	perms, err = s.AppCommandPermissions(ctx, app, guild)
	ok(t, "AppCommandPermissions after replace and delete", err)
	check(t, "AppCommandPermissions after replace and delete", perms, []store.AppCommandPermissions{one})
	perms, err = s.AppCommandPermissions(ctx, otherApp, guild)
	ok(t, "AppCommandPermissions of the other app", err)
	check(t, "AppCommandPermissions of the other app", perms, nil)
}
