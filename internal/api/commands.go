package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/accordchat/accord/internal/appcmd"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

// Application commands (package appcmd) under
// /applications/{app_id}/commands and
// /applications/{app_id}/guilds/{guild_id}/commands, and their per-guild
// permission overrides. Only the application's bot (or its owner) manages
// its commands; guild commands need the bot in the guild.

var errUnknownCommand = protocol.NewAPIError(http.StatusNotFound, 10063, "Unknown application command")

// cmdLocks serialise the read-modify-write of a command partition
// (create's upsert by name, the count limits, bulk overwrite) in this
// process: a partition hashes to one of a fixed set of stripes, so the
// locks stay bounded however many applications there are.
var cmdLocks [64]sync.Mutex

func lockCommands(appID, guildID chat.ID) func() {
	mu := &cmdLocks[(uint64(appID)*31+uint64(guildID))%uint64(len(cmdLocks))]
	mu.Lock()
	return mu.Unlock
}

// commandScope resolves {app_id} (and {guild_id}) for u: the application
// must be u's own (its bot, or its owner), and a guild scope needs the bot
// in the guild.
func (h *Handler) commandScope(r *http.Request, u *chat.User, withGuild bool) (chat.Application, chat.ID, error) {
	appID, err := pathID(r, "app_id")
	if err != nil {
		return chat.Application{}, 0, err
	}
	app, err := h.st.Application(r.Context(), appID)
	if errors.Is(err, store.ErrNotFound) {
		return chat.Application{}, 0, chat.ErrUnknownApp
	}
	if err != nil {
		return chat.Application{}, 0, err
	}
	if (u.Bot && app.BotID != u.ID) || (!u.Bot && app.OwnerID != u.ID) {
		return chat.Application{}, 0, chat.ErrMissingAccess
	}
	if !withGuild {
		return app, 0, nil
	}
	guildID, err := pathID(r, "guild_id")
	if err != nil {
		return chat.Application{}, 0, err
	}
	if _, err := h.guilds.Member(r.Context(), guildID, app.BotID, app.BotID); err != nil {
		if errors.Is(err, chat.ErrUnknownGuild) || errors.Is(err, chat.ErrMissingAccess) || errors.Is(err, chat.ErrUnknownMember) {
			return chat.Application{}, 0, chat.ErrMissingAccess
		}
		return chat.Application{}, 0, err
	}
	return app, guildID, nil
}

// loadCommands reads one partition's commands.
func (h *Handler) loadCommands(ctx context.Context, appID, guildID chat.ID) ([]appcmd.Command, error) {
	rows, err := h.st.AppCommands(ctx, appID, guildID)
	if err != nil {
		return nil, err
	}
	out := make([]appcmd.Command, 0, len(rows))
	for _, row := range rows {
		var c appcmd.Command
		if err := json.Unmarshal(row.Data, &c); err != nil {
			return nil, fmt.Errorf("command %d: decode: %w", row.ID, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func (h *Handler) saveCommand(ctx context.Context, c appcmd.Command) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return h.st.PutAppCommand(ctx, store.AppCommand{AppID: c.ApplicationID, GuildID: c.GuildID, ID: c.ID, Data: b})
}

// checkCommand normalizes and validates one command from a request.
func checkCommand(c *appcmd.Command, prefix string) []protocol.FieldError {
	appcmd.Normalize(c)
	return appcmd.Validate(c, prefix)
}

// countLimit is how many commands of c's type a partition may hold.
func countLimit(typ int) int {
	switch typ {
	case appcmd.UserType:
		return appcmd.MaxUserCommands
	case appcmd.Message:
		return appcmd.MaxMessageCommands
	}
	return appcmd.MaxChatInputCommands
}

var errMaxCommands = protocol.NewAPIError(http.StatusBadRequest, 30032, "Maximum number of application commands reached")

func (h *Handler) listCommands(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return h.listCommandsIn(w, r, u, false)
}

func (h *Handler) listGuildCommands(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return h.listCommandsIn(w, r, u, true)
}

func (h *Handler) listCommandsIn(w http.ResponseWriter, r *http.Request, u *chat.User, withGuild bool) error {
	app, guildID, err := h.commandScope(r, u, withGuild)
	if err != nil {
		return err
	}
	cmds, err := h.loadCommands(r.Context(), app.ID, guildID)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("with_localizations") != "true" {
		for i := range cmds {
			cmds[i].NameLocalizations, cmds[i].DescriptionLocalizations = nil, nil
		}
	}
	writeJSON(w, http.StatusOK, cmds)
	return nil
}

func (h *Handler) createCommand(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return h.createCommandIn(w, r, u, false)
}

func (h *Handler) createGuildCommand(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return h.createCommandIn(w, r, u, true)
}

// createCommandIn creates a command, or, as on Discord, replaces the one of
// the same type and name (200 instead of 201).
func (h *Handler) createCommandIn(w http.ResponseWriter, r *http.Request, u *chat.User, withGuild bool) error {
	app, guildID, err := h.commandScope(r, u, withGuild)
	if err != nil {
		return err
	}
	var c appcmd.Command
	if err := h.decode(w, r, &c); err != nil {
		return err
	}
	if errs := checkCommand(&c, ""); len(errs) > 0 {
		return protocol.InvalidForm(errs...)
	}
	defer lockCommands(app.ID, guildID)()
	cmds, err := h.loadCommands(r.Context(), app.ID, guildID)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	c.ID, c.ApplicationID, c.GuildID, c.Version = h.ids.Next(), app.ID, guildID, h.ids.Next()
	same := 0
	for _, old := range cmds {
		if old.Type != c.Type {
			continue
		}
		same++
		if old.Name == c.Name {
			c.ID, status = old.ID, http.StatusOK
		}
	}
	if status == http.StatusCreated && same >= countLimit(c.Type) {
		return errMaxCommands
	}
	if err := h.saveCommand(r.Context(), c); err != nil {
		return err
	}
	writeJSON(w, status, c)
	return nil
}

// findCommand returns the command {command_id} of the scope.
func (h *Handler) findCommand(r *http.Request, appID, guildID chat.ID) (appcmd.Command, []appcmd.Command, error) {
	id, err := pathID(r, "command_id")
	if err != nil {
		return appcmd.Command{}, nil, err
	}
	cmds, err := h.loadCommands(r.Context(), appID, guildID)
	if err != nil {
		return appcmd.Command{}, nil, err
	}
	for _, c := range cmds {
		if c.ID == id {
			return c, cmds, nil
		}
	}
	return appcmd.Command{}, nil, errUnknownCommand
}

func (h *Handler) getCommand(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return h.getCommandIn(w, r, u, false)
}

func (h *Handler) getGuildCommand(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return h.getCommandIn(w, r, u, true)
}

func (h *Handler) getCommandIn(w http.ResponseWriter, r *http.Request, u *chat.User, withGuild bool) error {
	app, guildID, err := h.commandScope(r, u, withGuild)
	if err != nil {
		return err
	}
	c, _, err := h.findCommand(r, app.ID, guildID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (h *Handler) editCommand(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return h.editCommandIn(w, r, u, false)
}

func (h *Handler) editGuildCommand(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return h.editCommandIn(w, r, u, true)
}

// editCommandIn applies a partial update: the body is decoded over the
// stored command, so absent fields keep their values.
func (h *Handler) editCommandIn(w http.ResponseWriter, r *http.Request, u *chat.User, withGuild bool) error {
	app, guildID, err := h.commandScope(r, u, withGuild)
	if err != nil {
		return err
	}
	b, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	defer lockCommands(app.ID, guildID)()
	c, cmds, err := h.findCommand(r, app.ID, guildID)
	if err != nil {
		return err
	}
	id, typ := c.ID, c.Type
	if err := decodeJSON(b, &c); err != nil {
		return err
	}
	c.ID, c.Type, c.ApplicationID, c.GuildID, c.Version = id, typ, app.ID, guildID, h.ids.Next()
	if errs := checkCommand(&c, ""); len(errs) > 0 {
		return protocol.InvalidForm(errs...)
	}
	for _, other := range cmds {
		if other.ID != c.ID && other.Type == c.Type && other.Name == c.Name {
			return protocol.InvalidForm(protocol.FieldError{Path: "name", Code: "APPLICATION_COMMAND_ALREADY_EXISTS",
				Message: "Application command with that name already exists"})
		}
	}
	if err := h.saveCommand(r.Context(), c); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (h *Handler) deleteCommand(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return h.deleteCommandIn(w, r, u, false)
}

func (h *Handler) deleteGuildCommand(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return h.deleteCommandIn(w, r, u, true)
}

func (h *Handler) deleteCommandIn(w http.ResponseWriter, r *http.Request, u *chat.User, withGuild bool) error {
	app, guildID, err := h.commandScope(r, u, withGuild)
	if err != nil {
		return err
	}
	defer lockCommands(app.ID, guildID)()
	c, _, err := h.findCommand(r, app.ID, guildID)
	if err != nil {
		return err
	}
	if err := h.st.DeleteAppCommand(r.Context(), app.ID, guildID, c.ID); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) overwriteCommands(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return h.overwriteCommandsIn(w, r, u, false)
}

func (h *Handler) overwriteGuildCommands(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return h.overwriteCommandsIn(w, r, u, true)
}

// overwriteCommandsIn replaces the partition's commands with the body's
// list: commands keep their IDs where type and name match (or the body
// names the ID), the rest are created, and those not listed are deleted.
func (h *Handler) overwriteCommandsIn(w http.ResponseWriter, r *http.Request, u *chat.User, withGuild bool) error {
	app, guildID, err := h.commandScope(r, u, withGuild)
	if err != nil {
		return err
	}
	var list []appcmd.Command
	if err := h.decode(w, r, &list); err != nil {
		return err
	}
	var errs []protocol.FieldError
	counts := map[int]int{}
	names := map[string]bool{}
	for i := range list {
		c := &list[i]
		p := fmt.Sprintf("%d.", i)
		errs = append(errs, checkCommand(c, p)...)
		key := fmt.Sprintf("%d/%s", c.Type, c.Name)
		if names[key] {
			errs = append(errs, protocol.FieldError{Path: p + "name", Code: "APPLICATION_COMMANDS_DUPLICATE_NAME",
				Message: "Application command names must be unique"})
		}
		names[key] = true
		counts[c.Type]++
		if counts[c.Type] == countLimit(c.Type)+1 {
			errs = append(errs, protocol.FieldError{Path: p + "name", Code: protocol.FieldBaseTypeMaxLength,
				Message: fmt.Sprintf("Must be %d or fewer in length.", countLimit(c.Type))})
		}
	}
	if len(errs) > 0 {
		return protocol.InvalidForm(errs...)
	}
	defer lockCommands(app.ID, guildID)()
	old, err := h.loadCommands(r.Context(), app.ID, guildID)
	if err != nil {
		return err
	}
	keep := map[chat.ID]bool{}
	for i := range list {
		c := &list[i]
		reqID := c.ID
		c.ID = 0
		for _, o := range old {
			if (reqID != 0 && o.ID == reqID) || (o.Type == c.Type && o.Name == c.Name) {
				c.ID = o.ID
				break
			}
		}
		if c.ID == 0 || keep[c.ID] {
			c.ID = h.ids.Next()
		}
		keep[c.ID] = true
		c.ApplicationID, c.GuildID, c.Version = app.ID, guildID, h.ids.Next()
		if err := h.saveCommand(r.Context(), *c); err != nil {
			return err
		}
	}
	for _, o := range old {
		if !keep[o.ID] {
			if err := h.st.DeleteAppCommand(r.Context(), app.ID, guildID, o.ID); err != nil {
				return err
			}
		}
	}
	if list == nil {
		list = []appcmd.Command{}
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// commandRoutes registers the application command routes (called from
// routes).
func (h *Handler) commandRoutes() {
	const app, guild = "/applications/{app_id}/commands", "/applications/{app_id}/guilds/{guild_id}/commands"
	h.handle("GET", app, withAuth, h.listCommands)
	h.handle("POST", app, withAuth, h.createCommand)
	h.handle("PUT", app, withAuth, h.overwriteCommands)
	h.handle("GET", app+"/{command_id}", withAuth, h.getCommand)
	h.handle("PATCH", app+"/{command_id}", withAuth, h.editCommand)
	h.handle("DELETE", app+"/{command_id}", withAuth, h.deleteCommand)
	h.handle("GET", guild, withAuth, h.listGuildCommands)
	h.handle("POST", guild, withAuth, h.createGuildCommand)
	h.handle("PUT", guild, withAuth, h.overwriteGuildCommands)
	h.handle("GET", guild+"/permissions", withAuth, h.listCommandPerms)
	h.handle("GET", guild+"/{command_id}", withAuth, h.getGuildCommand)
	h.handle("PATCH", guild+"/{command_id}", withAuth, h.editGuildCommand)
	h.handle("DELETE", guild+"/{command_id}", withAuth, h.deleteGuildCommand)
	h.handle("GET", guild+"/{command_id}/permissions", withAuth, h.getCommandPerms)
	h.handle("PUT", guild+"/{command_id}/permissions", withAuth, h.putCommandPerms)
	h.handle("GET", "/guilds/{guild_id}/application-command-index", withAuth, h.commandIndex)
}
