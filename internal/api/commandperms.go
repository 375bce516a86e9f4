package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/accordchat/accord/internal/appcmd"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

// Command permission overrides:
// GET /applications/{app_id}/guilds/{guild_id}/commands/permissions,
// GET|PUT .../commands/{command_id}/permissions. Reading is for the
// application (bot or owner); writing, as on Discord, only for a user
// (a Bearer token: never a bot) with MANAGE_GUILD and MANAGE_ROLES in the
// guild, and it tells the application's bot sessions with
// APPLICATION_COMMAND_PERMISSIONS_UPDATE.

// userSessionFinder is the optional ability of Config.Sessions (the
// gateway) to list a user's live sessions.
type userSessionFinder interface {
	UserSessions(userID chat.ID) []guild.Session
}

// ShardSender sends to a user's sessions on every node of a cluster (the
// cluster node implements it; a single node's gateway lists its sessions
// through userSessionFinder instead).
type ShardSender interface {
	UserSender
	// SendToShard sends d to userID's sessions whose shard covers guildID.
	SendToShard(userID, guildID chat.ID, d *protocol.Dispatch)
}

// shardFilter is the optional ability of a session to say whether a guild
// belongs to its shard.
type shardFilter interface {
	InShard(guildID chat.ID) bool
}

// sendToBot dispatches d to the sessions of botID that serve guildID's
// shard (every session of the bot when guildID is 0: DMs go to shard 0,
// and an unsharded session is shard 0), and reports whether any got it.
func (h *Handler) sendToBot(botID, guildID chat.ID, d *protocol.Dispatch) bool {
	if s, ok := h.cfg.Sessions.(ShardSender); ok {
		s.SendToShard(botID, guildID, d) // a cluster: every node's sessions
		return true
	}
	f, ok := h.cfg.Sessions.(userSessionFinder)
	if !ok {
		return false
	}
	sent := false
	for _, s := range f.UserSessions(botID) {
		if sf, ok := s.(shardFilter); ok && !sf.InShard(guildID) {
			continue
		}
		s.Send(d)
		sent = true
	}
	return sent
}

// sendToUser dispatches d to every session of userID.
func (h *Handler) sendToUser(userID chat.ID, d *protocol.Dispatch) {
	if s, ok := h.cfg.Sessions.(ShardSender); ok {
		s.SendToUser(userID, d) // a cluster: every node's sessions
		return
	}
	f, ok := h.cfg.Sessions.(userSessionFinder)
	if !ok {
		return
	}
	for _, s := range f.UserSessions(userID) {
		s.Send(d)
	}
}

func (h *Handler) loadCommandPerms(r *http.Request, appID, guildID chat.ID) ([]appcmd.GuildPermissions, error) {
	rows, err := h.st.AppCommandPermissions(r.Context(), appID, guildID)
	if err != nil {
		return nil, err
	}
	out := make([]appcmd.GuildPermissions, 0, len(rows))
	for _, row := range rows {
		var ps []appcmd.Permission
		if err := json.Unmarshal(row.Data, &ps); err != nil {
			return nil, fmt.Errorf("command permissions %d: decode: %w", row.CommandID, err)
		}
		out = append(out, appcmd.GuildPermissions{ID: row.CommandID, ApplicationID: appID, GuildID: guildID, Permissions: ps})
	}
	return out, nil
}

func (h *Handler) listCommandPerms(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	app, guildID, err := h.commandScope(r, u, true)
	if err != nil {
		return err
	}
	perms, err := h.loadCommandPerms(r, app.ID, guildID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, perms)
	return nil
}

func (h *Handler) getCommandPerms(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	app, guildID, err := h.commandScope(r, u, true)
	if err != nil {
		return err
	}
	id, err := pathID(r, "command_id")
	if err != nil {
		return err
	}
	perms, err := h.loadCommandPerms(r, app.ID, guildID)
	if err != nil {
		return err
	}
	for _, p := range perms {
		if p.ID == id {
			writeJSON(w, http.StatusOK, p)
			return nil
		}
	}
	return protocol.NewAPIError(http.StatusNotFound, 10066, "Unknown application command permissions")
}

// putCommandPerms replaces one command's (or, with the application's ID,
// every command's) overrides in the guild.
func (h *Handler) putCommandPerms(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	if u.Bot {
		// Discord takes these only with a user's Bearer token.
		return errUnauthorized
	}
	appID, err := pathID(r, "app_id")
	if err != nil {
		return err
	}
	guildID, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	cmdID, err := pathID(r, "command_id")
	if err != nil {
		return err
	}
	app, err := h.st.Application(r.Context(), appID)
	if errors.Is(err, store.ErrNotFound) {
		return chat.ErrUnknownApp
	}
	if err != nil {
		return err
	}
	perms, err := h.guilds.GuildPermissions(r.Context(), guildID, u.ID)
	if err != nil {
		return err
	}
	need := protocol.PermManageGuild | protocol.PermManageRoles
	if perms&need != need {
		return chat.ErrMissingPerms
	}
	if cmdID != app.ID {
		found := false
		for _, scope := range []chat.ID{0, guildID} {
			cmds, err := h.loadCommands(r.Context(), app.ID, scope)
			if err != nil {
				return err
			}
			for _, c := range cmds {
				found = found || c.ID == cmdID
			}
		}
		if !found {
			return errUnknownCommand
		}
	}
	var body struct {
		Permissions []appcmd.Permission `json:"permissions"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	if len(body.Permissions) > appcmd.MaxPermissionOverrides {
		return protocol.InvalidForm(protocol.FieldError{Path: "permissions", Code: protocol.FieldBaseTypeMaxLength,
			Message: fmt.Sprintf("Must be %d or fewer in length.", appcmd.MaxPermissionOverrides)})
	}
	for i, p := range body.Permissions {
		if p.Type < appcmd.PermRole || p.Type > appcmd.PermChannel {
			return protocol.InvalidForm(protocol.FieldError{Path: fmt.Sprintf("permissions.%d.type", i),
				Code: protocol.FieldBaseTypeChoices, Message: "Value must be one of {1, 2, 3}."})
		}
	}
	if body.Permissions == nil {
		body.Permissions = []appcmd.Permission{}
	}
	data, err := json.Marshal(body.Permissions)
	if err != nil {
		return err
	}
	if err := h.st.PutAppCommandPermissions(r.Context(), store.AppCommandPermissions{AppID: app.ID, GuildID: guildID, CommandID: cmdID, Data: data}); err != nil {
		return err
	}
	out := appcmd.GuildPermissions{ID: cmdID, ApplicationID: app.ID, GuildID: guildID, Permissions: body.Permissions}
	b, err := protocol.Marshal(out)
	if err != nil {
		return err
	}
	h.sendToBot(app.BotID, guildID, &protocol.Dispatch{Name: "APPLICATION_COMMAND_PERMISSIONS_UPDATE", Data: b})
	writeRaw(w, http.StatusOK, b)
	return nil
}
