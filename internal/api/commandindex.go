package api

import (
	"errors"
	"net/http"

	"github.com/accordchat/accord/internal/appcmd"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// GET /guilds/{guild_id}/application-command-index: the commands a member
// may use in a guild, what Discord's own client reads to fill its "/"
// picker: every application whose bot is a member, with its guild and
// global commands, less those the member's roles and permissions rule
// out (channel overrides apply at invocation).

type commandIndexApp struct {
	ID          chat.ID `json:"id"`
	Name        string  `json:"name"`
	Icon        *string `json:"icon"`
	Description string  `json:"description"`
	BotID       chat.ID `json:"bot_id"`
}

func (h *Handler) commandIndex(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	guildID, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	acc, err := h.guilds.CommandIndexAccess(r.Context(), guildID, u.ID)
	if err != nil {
		return err
	}
	out := struct {
		Applications []commandIndexApp `json:"applications"`
		Commands     []appcmd.Command  `json:"application_commands"`
		Version      string            `json:"version"`
	}{Applications: []commandIndexApp{}, Commands: []appcmd.Command{}, Version: "0"}
	inv := appcmd.Invoker{GuildID: guildID, UserID: u.ID, Roles: acc.Roles, Permissions: acc.Permissions}
	for _, botID := range acc.Bots {
		app, err := h.accounts.ApplicationByBot(r.Context(), botID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		perms, err := h.loadCommandPerms(r, app.ID, guildID)
		if err != nil {
			return err
		}
		var appPerms []appcmd.Permission
		byCmd := map[chat.ID][]appcmd.Permission{}
		for _, p := range perms {
			if p.ID == app.ID {
				appPerms = p.Permissions
			} else {
				byCmd[p.ID] = p.Permissions
			}
		}
		n := len(out.Commands)
		for _, scope := range []chat.ID{guildID, 0} {
			cmds, err := h.loadCommands(r.Context(), app.ID, scope)
			if err != nil {
				return err
			}
			for _, c := range cmds {
				if appcmd.Allowed(c, byCmd[c.ID], appPerms, inv) {
					out.Commands = append(out.Commands, c)
				}
			}
		}
		if len(out.Commands) > n {
			out.Applications = append(out.Applications, commandIndexApp{ID: app.ID, Name: app.Name, BotID: app.BotID})
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
