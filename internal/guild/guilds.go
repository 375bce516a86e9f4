package guild

import (
	"context"
	"errors"
	"fmt"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// CreateGuild creates a guild owned by ownerID with an @everyone role (whose
// ID is the guild's) and a "general" text channel, and sends GUILD_CREATE to
// the owner's live sessions.
func (r *Registry) CreateGuild(ctx context.Context, ownerID chat.ID, name string) (protocol.Guild, error) {
	now := r.cfg.Now().UTC()
	id, err := r.newGuildID()
	if err != nil {
		return protocol.Guild{}, err
	}
	g := chat.Guild{ID: id, Name: name, OwnerID: ownerID, CreatedAt: now}
	general := chat.Channel{ID: r.ids.Next(), GuildID: g.ID, Type: chat.ChannelText, Name: "general", Overwrites: []chat.Overwrite{}}
	g.SystemChannelID = general.ID
	everyone := chat.Role{ID: g.ID, GuildID: g.ID, Name: "@everyone", Permissions: protocol.PermDefaultEveryone}
	owner := chat.Member{GuildID: g.ID, UserID: ownerID, Roles: []chat.ID{}, JoinedAt: now}
	// The writes, once started, finish even if the caller hangs up. The
	// guild row goes last: until it exists the guild is unknown, so a
	// crash part-way leaves no half-made guild visible.
	wctx, cancel := r.workContext(ctx)
	defer cancel()
	if err := r.st.PutRole(wctx, everyone); err != nil {
		return protocol.Guild{}, fmt.Errorf("guild: create: %w", err)
	}
	if err := r.st.PutChannel(wctx, general); err != nil {
		return protocol.Guild{}, fmt.Errorf("guild: create: %w", err)
	}
	if err := r.st.PutMember(wctx, owner); err != nil {
		return protocol.Guild{}, fmt.Errorf("guild: create: %w", err)
	}
	if err := r.st.PutGuild(wctx, g); err != nil {
		return protocol.Guild{}, fmt.Errorf("guild: create: %w", err)
	}
	return ask(ctx, r, g.ID, func(_ context.Context, a *actor) (protocol.Guild, error) {
		out := a.guildObject()
		a.subscribeLive(ownerID)
		return out, nil
	})
}

// newGuildID returns an ID for a new guild. In a cluster it is one this
// node owns: the guild is written and first served here, so the request
// that creates it never has to be sent to another node half done.
func (r *Registry) newGuildID() (chat.ID, error) {
	for range 256 {
		id := r.ids.Next()
		err := r.owns(id, true)
		if err == nil {
			return id, nil
		}
		var no *NotOwnerError
		if errors.As(err, &no) && no.Node == "" {
			return 0, err // not ready: this node owns nothing yet
		}
	}
	return 0, errors.New("guild: no guild ID this node owns in 256 tries")
}

// Guild returns the guild object as a member sees it; withCounts adds the
// approximate member and presence counts.
func (r *Registry) Guild(ctx context.Context, guildID, userID chat.ID, withCounts bool) (protocol.Guild, error) {
	return ask(ctx, r, guildID, func(_ context.Context, a *actor) (protocol.Guild, error) {
		if err := a.requireMember(userID); err != nil {
			return protocol.Guild{}, err
		}
		out := a.guildObject()
		if withCounts {
			members, online := a.counts()
			out.ApproximateMemberCount, out.ApproximatePresenceCount = &members, &online
		}
		return out, nil
	})
}

// counts returns the guild's member count and how many members are online.
func (a *actor) counts() (members, online int) {
	for id := range a.members {
		if _, ok := a.presenceOf(id); ok {
			online++
		}
	}
	return len(a.members), online
}

// Preview returns the guild preview (GET /guilds/{id}/preview). Discord
// also shows discoverable guilds to anyone; Accord has no discovery, so a
// non-member gets chat.ErrUnknownGuild, as for a guild that does not exist.
func (r *Registry) Preview(ctx context.Context, guildID, userID chat.ID) (protocol.GuildPreview, error) {
	return ask(ctx, r, guildID, func(_ context.Context, a *actor) (protocol.GuildPreview, error) {
		if a.members[userID] == nil {
			return protocol.GuildPreview{}, chat.ErrUnknownGuild
		}
		members, online := a.counts()
		out := protocol.GuildPreviewObject(a.guild, members, online)
		out.Emojis = a.emojiObjects(false)
		return out, nil
	})
}

// UserGuild returns the partial guild of GET /users/@me/guilds.
func (r *Registry) UserGuild(ctx context.Context, guildID, userID chat.ID) (protocol.PartialGuild, error) {
	return ask(ctx, r, guildID, func(_ context.Context, a *actor) (protocol.PartialGuild, error) {
		if err := a.requireMember(userID); err != nil {
			return protocol.PartialGuild{}, err
		}
		return protocol.PartialGuildObject(a.guild, userID, a.perms(userID, nil)), nil
	})
}

// GuildEdit is a validated guild modification; nil fields are unchanged.
type GuildEdit struct {
	Name            *string
	Description     *string
	Icon            *string
	SystemChannelID *chat.ID
}

// EditGuild changes a guild; it needs MANAGE_GUILD.
func (r *Registry) EditGuild(ctx context.Context, guildID, userID chat.ID, e GuildEdit) (protocol.Guild, error) {
	return ask(ctx, r, guildID, func(ctx context.Context, a *actor) (protocol.Guild, error) {
		if err := a.require(userID, nil, protocol.PermManageGuild); err != nil {
			return protocol.Guild{}, err
		}
		g := a.guild
		if e.Name != nil {
			g.Name = *e.Name
		}
		if e.Description != nil {
			g.Description = *e.Description
		}
		if e.Icon != nil {
			g.Icon = *e.Icon
		}
		if e.SystemChannelID != nil {
			if *e.SystemChannelID != 0 && a.channels[*e.SystemChannelID] == nil {
				return protocol.Guild{}, protocol.InvalidForm(protocol.FieldError{Path: "system_channel_id", Code: "CHANNEL_INVALID", Message: "Unknown channel"})
			}
			g.SystemChannelID = *e.SystemChannelID
		}
		if err := r.st.PutGuild(ctx, g); err != nil {
			return protocol.Guild{}, fmt.Errorf("guild %d: edit: %w", a.id, err)
		}
		old := a.guild
		a.guild = g
		out := a.guildObject()
		a.broadcast(protocol.EventGuildUpdate, out, protocol.IntentGuilds, 0)
		a.auditGuild(ctx, userID, old, g)
		return out, nil
	})
}

// DeleteGuild deletes a guild and everything in it except its messages;
// only the owner may. Once started it runs to completion even if ctx ends.
func (r *Registry) DeleteGuild(ctx context.Context, guildID, userID chat.ID) error {
	return r.call(ctx, guildID, func(ctx context.Context, a *actor) error {
		if err := a.requireMember(userID); err != nil {
			return err
		}
		if userID != a.guild.OwnerID {
			return chat.ErrMissingPerms
		}
		// The guild row goes first: once it is gone the guild is unknown,
		// whatever else a crash leaves behind.
		if err := r.st.DeleteGuild(ctx, a.id); err != nil {
			return fmt.Errorf("guild %d: delete: %w", a.id, err)
		}
		for id := range a.channels {
			if err := r.st.DeleteChannel(ctx, a.id, id); err != nil {
				return fmt.Errorf("guild %d: delete channel: %w", a.id, err)
			}
			r.channelGuild.Delete(id)
		}
		for id := range a.roles {
			if err := r.st.DeleteRole(ctx, a.id, id); err != nil {
				return fmt.Errorf("guild %d: delete role: %w", a.id, err)
			}
		}
		for id := range a.members {
			if err := r.st.DeleteMember(ctx, a.id, id); err != nil {
				return fmt.Errorf("guild %d: delete member: %w", a.id, err)
			}
		}
		for id := range a.emojis {
			// Their images go with the blob collector (package api).
			if err := r.st.DeleteEmoji(ctx, a.id, id); err != nil {
				return fmt.Errorf("guild %d: delete emoji: %w", a.id, err)
			}
		}
		if invs, err := r.st.GuildInvites(ctx, a.id); err == nil {
			for _, inv := range invs {
				_ = r.st.DeleteInvite(ctx, inv.Code)
			}
		}
		d := a.dispatch(protocol.EventGuildDelete, protocol.GuildDeleteEvent{ID: a.id})
		a.enqueue(func() {
			a.deliver(&event{kind: evRemoveAll, d: d})
			a.forgetSubs(func(*sub) bool { return true })
		})
		a.gone = true
		a.channels, a.roles, a.members, a.emojis = nil, nil, nil, nil
		a.invalidateView()
		return nil
	})
}
