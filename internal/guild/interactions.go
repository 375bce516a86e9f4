package guild

import (
	"context"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// InteractionAccess is what an interaction in a guild channel needs to
// know of the guild, read in one visit to its actor: the invoking member
// (rendered, with their user), their permissions and the application
// bot's in the channel, and the channel itself.
type InteractionAccess struct {
	Channel        protocol.Channel
	Member         protocol.Member
	Roles          []chat.ID
	Permissions    protocol.Permission // the invoker's, in the channel
	AppPermissions protocol.Permission // the bot's, in the channel
	BotMember      bool
}

// InteractionAccess reads what an interaction by userID for the
// application whose bot is botID needs to check in channelID. A user who
// is not a member gets chat.ErrMissingAccess; the permission checks
// themselves are the caller's (they depend on the command).
func (r *Registry) InteractionAccess(ctx context.Context, channelID, userID, botID chat.ID) (InteractionAccess, error) {
	return askChannel(ctx, r, channelID, func(_ context.Context, a *actor, ch *chat.Channel) (InteractionAccess, error) {
		m := a.members[userID]
		if m == nil {
			return InteractionAccess{}, chat.ErrMissingAccess
		}
		acc := InteractionAccess{
			Channel:        protocol.ChannelObject(*ch),
			Member:         a.memberObject(m),
			Roles:          append([]chat.ID(nil), m.Roles...),
			Permissions:    a.perms(userID, ch),
			AppPermissions: a.perms(botID, ch),
			BotMember:      a.members[botID] != nil,
		}
		return acc, nil
	})
}

// GuildPermissions returns userID's guild-level permissions; a user who is
// not a member gets chat.ErrMissingAccess.
func (r *Registry) GuildPermissions(ctx context.Context, guildID, userID chat.ID) (protocol.Permission, error) {
	return ask(ctx, r, guildID, func(_ context.Context, a *actor) (protocol.Permission, error) {
		if err := a.requireMember(userID); err != nil {
			return 0, err
		}
		return a.perms(userID, nil), nil
	})
}

// CommandIndexAccess is what listing a guild's commands for a member needs:
// the guild's bot members, and the member's roles and guild permissions.
type CommandIndexAccess struct {
	Bots        []chat.ID
	Roles       []chat.ID
	Permissions protocol.Permission
}

// CommandIndexAccess reads it for userID, who must be a member
// (chat.ErrMissingAccess otherwise).
func (r *Registry) CommandIndexAccess(ctx context.Context, guildID, userID chat.ID) (CommandIndexAccess, error) {
	return ask(ctx, r, guildID, func(_ context.Context, a *actor) (CommandIndexAccess, error) {
		m := a.members[userID]
		if m == nil {
			return CommandIndexAccess{}, chat.ErrMissingAccess
		}
		acc := CommandIndexAccess{Roles: append([]chat.ID(nil), m.Roles...), Permissions: a.perms(userID, nil)}
		for _, id := range a.sortedMemberIDs() {
			if a.userOf(id).Bot {
				acc.Bots = append(acc.Bots, id)
			}
		}
		return acc, nil
	})
}
