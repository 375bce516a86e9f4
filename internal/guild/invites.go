package guild

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

// Invite is Discord's invite object; the alias keeps guild's API readable.
type Invite = protocol.Invite

const inviteAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func newInviteCode() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("guild: invite code: %w", err)
	}
	for i := range b {
		b[i] = inviteAlphabet[int(b[i])%len(inviteAlphabet)]
	}
	return string(b[:]), nil
}

// CreateInvite makes an invite to a channel; it needs CREATE_INSTANT_INVITE.
// maxAge is in seconds (0 = never expires), maxUses 0 = unlimited.
func (r *Registry) CreateInvite(ctx context.Context, channelID, userID chat.ID, maxAge, maxUses int) (Invite, error) {
	return askChannel(ctx, r, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) (Invite, error) {
		if err := a.require(userID, ch, protocol.PermCreateInstantInvite); err != nil {
			return Invite{}, err
		}
		code, err := newInviteCode()
		if err != nil {
			return Invite{}, err
		}
		inv := chat.Invite{Code: code, GuildID: a.id, ChannelID: ch.ID, InviterID: userID,
			MaxUses: maxUses, MaxAge: maxAge, CreatedAt: a.r.cfg.Now().UTC()}
		if err := r.st.PutInvite(ctx, inv); err != nil {
			return Invite{}, fmt.Errorf("guild %d: create invite: %w", a.id, err)
		}
		a.auditInvite(ctx, userID, protocol.AuditInviteCreate, inv)
		out := a.inviteObject(inv, false)
		a.broadcastInvite(protocol.EventInviteCreate, protocol.InviteCreateEvent{ChannelID: ch.ID, Code: code,
			CreatedAt: out.CreatedAt, GuildID: a.id, Inviter: out.Inviter, MaxAge: maxAge, MaxUses: maxUses,
			ExpiresAt: out.ExpiresAt}, ch.ID)
		return out, nil
	})
}

func (a *actor) inviteObject(inv chat.Invite, withCounts bool) Invite {
	out := Invite{
		Code:      inv.Code,
		GuildID:   a.id,
		Guild:     &protocol.InviteGuild{ID: a.id, Name: a.guild.Name, Features: []string{}},
		Uses:      inv.Uses,
		MaxUses:   inv.MaxUses,
		MaxAge:    inv.MaxAge,
		CreatedAt: protocol.Timestamp(inv.CreatedAt),
	}
	if a.guild.Icon != "" {
		out.Guild.Icon = &a.guild.Icon
	}
	if a.guild.Description != "" {
		out.Guild.Description = &a.guild.Description
	}
	if ch := a.channels[inv.ChannelID]; ch != nil {
		out.Channel = protocol.InviteChannel{ID: ch.ID, Name: ch.Name, Type: ch.Type}
	}
	if inv.InviterID != 0 {
		u := protocol.UserObject(a.userOf(inv.InviterID))
		out.Inviter = &u
	}
	if inv.MaxAge > 0 {
		s := protocol.Timestamp(inv.CreatedAt.Add(time.Duration(inv.MaxAge) * time.Second))
		out.ExpiresAt = &s
	}
	if withCounts {
		n, online := a.counts()
		out.ApproximateMemberCount, out.ApproximatePresenceCount = &n, &online
	}
	return out
}

func (r *Registry) invite(ctx context.Context, code string) (chat.Invite, error) {
	inv, err := r.st.Invite(ctx, code)
	if errors.Is(err, store.ErrNotFound) {
		return chat.Invite{}, chat.ErrUnknownInvite
	}
	if err != nil {
		return chat.Invite{}, fmt.Errorf("guild: invite %q: %w", code, err)
	}
	return inv, nil
}

func (a *actor) inviteValid(inv chat.Invite) bool {
	if inv.MaxAge > 0 && a.r.cfg.Now().After(inv.CreatedAt.Add(time.Duration(inv.MaxAge)*time.Second)) {
		return false
	}
	if inv.MaxUses > 0 && inv.Uses >= inv.MaxUses {
		return false
	}
	return a.channels[inv.ChannelID] != nil
}

// askInvite is ask routed to the actor of the guild of the invite code;
// fn gets the invite as read before the call. It fails with
// chat.ErrUnknownInvite when the invite or its guild does not exist.
func (r *Registry) askInvite(ctx context.Context, code string, fn func(ctx context.Context, a *actor, inv chat.Invite) (Invite, error)) (Invite, error) {
	inv, err := r.invite(ctx, code)
	if err != nil {
		return Invite{}, err
	}
	out, err := ask(ctx, r, inv.GuildID, func(ctx context.Context, a *actor) (Invite, error) {
		return fn(ctx, a, inv)
	})
	if errors.Is(err, chat.ErrUnknownGuild) {
		err = chat.ErrUnknownInvite
	}
	return out, err
}

// InviteInfo returns an invite without using it.
func (r *Registry) InviteInfo(ctx context.Context, code string, withCounts bool) (Invite, error) {
	return r.askInvite(ctx, code, func(_ context.Context, a *actor, inv chat.Invite) (Invite, error) {
		if !a.inviteValid(inv) {
			return Invite{}, chat.ErrUnknownInvite
		}
		return a.inviteObject(inv, withCounts), nil
	})
}

// AcceptInvite makes userID a member of the invite's guild and counts the
// use (only when the user was not a member yet).
func (r *Registry) AcceptInvite(ctx context.Context, code string, userID chat.ID) (Invite, error) {
	return r.askInvite(ctx, code, func(ctx context.Context, a *actor, _ chat.Invite) (Invite, error) {
		// Re-read inside the actor so concurrent joins count uses exactly.
		inv, err := r.invite(ctx, code)
		if err != nil {
			return Invite{}, err
		}
		if !a.inviteValid(inv) {
			return Invite{}, chat.ErrUnknownInvite
		}
		added, err := a.addMember(ctx, userID, nil)
		if err != nil {
			return Invite{}, err
		}
		if added {
			inv.Uses++
			if err := r.st.PutInvite(ctx, inv); err != nil {
				return Invite{}, fmt.Errorf("guild %d: count invite use: %w", a.id, err)
			}
			if inv.MaxUses > 0 && inv.Uses >= inv.MaxUses {
				a.inviteGone(inv) // used up: clients drop it as Discord's do
			}
		}
		return a.inviteObject(inv, false), nil
	})
}

// AuthorizeBot adds an application's bot to a guild (OAuth2 "bot" scope).
// userID needs MANAGE_GUILD, and may grant only permissions it has; when
// perms is non-zero the bot gets a managed role named after the app.
func (r *Registry) AuthorizeBot(ctx context.Context, guildID, userID chat.ID, app chat.Application, perms uint64) error {
	return r.call(ctx, guildID, func(ctx context.Context, a *actor) error {
		if err := a.require(userID, nil, protocol.PermManageGuild); err != nil {
			return err
		}
		if perms&^a.perms(userID, nil) != 0 {
			return chat.ErrMissingPerms
		}
		if a.members[app.BotID] != nil {
			return nil
		}
		var roles []chat.ID
		if perms != 0 {
			top := 0
			for _, ro := range a.roles {
				if ro.Position > top {
					top = ro.Position
				}
			}
			ro := chat.Role{ID: r.ids.Next(), GuildID: a.id, Name: app.Name, Permissions: perms, Managed: true, Position: top + 1}
			if err := r.st.PutRole(ctx, ro); err != nil {
				return fmt.Errorf("guild %d: bot role: %w", a.id, err)
			}
			a.roles[ro.ID] = &ro
			a.invalidateView()
			a.broadcastRole(protocol.EventGuildRoleCreate, ro)
			roles = []chat.ID{ro.ID}
		}
		_, err := a.addMember(ctx, app.BotID, roles)
		return err
	})
}

// ChannelInvites lists a channel's invites; it needs MANAGE_CHANNELS there.
func (r *Registry) ChannelInvites(ctx context.Context, channelID, userID chat.ID) ([]Invite, error) {
	return askChannel(ctx, r, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) ([]Invite, error) {
		if err := a.require(userID, ch, protocol.PermManageChannels); err != nil {
			return nil, err
		}
		return a.listInvites(ctx, ch.ID)
	})
}

// GuildInvites lists a guild's invites; it needs MANAGE_GUILD.
func (r *Registry) GuildInvites(ctx context.Context, guildID, userID chat.ID) ([]Invite, error) {
	return ask(ctx, r, guildID, func(ctx context.Context, a *actor) ([]Invite, error) {
		if err := a.require(userID, nil, protocol.PermManageGuild); err != nil {
			return nil, err
		}
		return a.listInvites(ctx, 0)
	})
}

// listInvites returns the guild's live invites, of one channel if
// channelID is not 0.
func (a *actor) listInvites(ctx context.Context, channelID chat.ID) ([]Invite, error) {
	invs, err := a.r.st.GuildInvites(ctx, a.id)
	if err != nil {
		return nil, fmt.Errorf("guild %d: invites: %w", a.id, err)
	}
	out := []Invite{}
	for _, inv := range invs {
		if (channelID == 0 || inv.ChannelID == channelID) && a.inviteValid(inv) {
			out = append(out, a.inviteObject(inv, false))
		}
	}
	return out, nil
}

// DeleteInvite revokes an invite; it needs MANAGE_CHANNELS on its channel
// or MANAGE_GUILD.
func (r *Registry) DeleteInvite(ctx context.Context, code string, userID chat.ID) (Invite, error) {
	return r.askInvite(ctx, code, func(ctx context.Context, a *actor, inv chat.Invite) (Invite, error) {
		if err := a.requireMember(userID); err != nil {
			return Invite{}, err
		}
		ch := a.channels[inv.ChannelID]
		if !a.has(userID, nil, protocol.PermManageGuild) && (ch == nil || !a.has(userID, ch, protocol.PermManageChannels)) {
			return Invite{}, chat.ErrMissingPerms
		}
		if err := r.st.DeleteInvite(ctx, code); err != nil {
			return Invite{}, fmt.Errorf("guild %d: delete invite: %w", a.id, err)
		}
		a.auditInvite(ctx, userID, protocol.AuditInviteDelete, inv)
		a.inviteGone(inv)
		return a.inviteObject(inv, false), nil
	})
}

// inviteGone sends INVITE_DELETE for inv.
func (a *actor) inviteGone(inv chat.Invite) {
	a.broadcastInvite(protocol.EventInviteDelete,
		protocol.InviteDeleteEvent{ChannelID: inv.ChannelID, GuildID: a.id, Code: inv.Code}, inv.ChannelID)
}

// broadcastInvite sends an invite event, as Discord does, only to sessions
// with GUILD_INVITES whose user may see and manage the invite's channel:
// an invite code lets anyone join, so members who cannot manage invites
// must not learn new codes.
func (a *actor) broadcastInvite(name string, body any, channelID chat.ID) {
	d := a.dispatch(name, body)
	if d == nil {
		return
	}
	ev := &event{kind: evSend, d: d, intent: protocol.IntentGuildInvites, channel: channelID, need: protocol.PermManageChannels}
	a.enqueue(func() { a.deliver(ev) })
}
