package appcmd

import (
	"slices"
	"strconv"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// PermUseApplicationCommands is USE_APPLICATION_COMMANDS, needed in the
// channel to invoke any command.
const PermUseApplicationCommands protocol.Permission = 1 << 31

// Invoker is who invokes a command where: the guild (0 outside guilds),
// the channel, the user, their roles and their permissions in the channel.
type Invoker struct {
	GuildID, ChannelID, UserID chat.ID
	Roles                      []chat.ID
	Permissions                protocol.Permission
}

// Allowed reports whether inv may use cmd, by Discord's rules: channel
// overrides first (the command's, else the application's; a channel's own,
// else "all channels", guild ID - 1), then user and role overrides (the
// command's, else the application's: a user's own wins, then any allowed
// role, then @everyone, the guild ID), and without any of those the
// command's default_member_permissions. cmdPerms and appPerms are the
// command's and the application's overrides in the guild (nil: none).
func Allowed(cmd Command, cmdPerms, appPerms []Permission, inv Invoker) bool {
	if inv.GuildID == 0 {
		return true // DMs have no overrides and no member permissions
	}
	if allowed, decided := channelDecision(cmdPerms, inv); decided {
		if !allowed {
			return false
		}
	} else if allowed, decided := channelDecision(appPerms, inv); decided && !allowed {
		return false
	}
	if allowed, decided := memberDecision(cmdPerms, inv); decided {
		return allowed
	}
	if allowed, decided := memberDecision(appPerms, inv); decided {
		return allowed
	}
	if inv.Permissions&protocol.PermAdministrator != 0 {
		return true
	}
	if cmd.DefaultMemberPermissions == nil {
		return true
	}
	need, err := strconv.ParseUint(*cmd.DefaultMemberPermissions, 10, 64)
	if err != nil {
		return false
	}
	if need == 0 {
		return false // "0": only administrators, as on Discord
	}
	return inv.Permissions&protocol.Permission(need) == protocol.Permission(need)
}

func channelDecision(list []Permission, inv Invoker) (allowed, decided bool) {
	all := inv.GuildID - 1
	var allSet, allAllowed bool
	for _, p := range list {
		if p.Type != PermChannel {
			continue
		}
		if p.ID == inv.ChannelID {
			return p.Permission, true
		}
		if p.ID == all {
			allSet, allAllowed = true, p.Permission
		}
	}
	return allAllowed, allSet
}

func memberDecision(list []Permission, inv Invoker) (allowed, decided bool) {
	var roleSet, roleAllowed, everyoneSet, everyoneAllowed bool
	for _, p := range list {
		switch {
		case p.Type == PermUser && p.ID == inv.UserID:
			return p.Permission, true
		case p.Type == PermRole && p.ID == inv.GuildID:
			everyoneSet, everyoneAllowed = true, p.Permission
		case p.Type == PermRole && slices.Contains(inv.Roles, p.ID):
			roleSet = true
			roleAllowed = roleAllowed || p.Permission
		}
	}
	if roleSet {
		return roleAllowed, true
	}
	return everyoneAllowed, everyoneSet
}
