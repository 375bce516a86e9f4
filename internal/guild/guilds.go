package guild

import (
	"context"
	"fmt"
	"sort"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// CreateGuild creates a guild owned by ownerID with an @everyone role (whose
// ID is the guild's) and a "general" text channel, and sends GUILD_CREATE to
// the owner's live sessions.
func (r *Registry) CreateGuild(ctx context.Context, ownerID chat.ID, name string) (protocol.Guild, error) {
	now := r.cfg.Now().UTC()
	g := chat.Guild{ID: r.ids.Next(), Name: name, OwnerID: ownerID, CreatedAt: now}
	general := chat.Channel{ID: r.ids.Next(), GuildID: g.ID, Type: chat.ChannelText, Name: "general", Overwrites: []chat.Overwrite{}}
	g.SystemChannelID = general.ID
	everyone := chat.Role{ID: g.ID, GuildID: g.ID, Name: "@everyone", Permissions: protocol.PermDefaultEveryone}
	owner := chat.Member{GuildID: g.ID, UserID: ownerID, Roles: []chat.ID{}, JoinedAt: now}
	// The guild row goes last: until it exists the guild is unknown, so a
	// crash part-way leaves no half-made guild visible.
	if err := r.st.PutRole(ctx, everyone); err != nil {
		return protocol.Guild{}, fmt.Errorf("guild: create: %w", err)
	}
	if err := r.st.PutChannel(ctx, general); err != nil {
		return protocol.Guild{}, fmt.Errorf("guild: create: %w", err)
	}
	if err := r.st.PutMember(ctx, owner); err != nil {
		return protocol.Guild{}, fmt.Errorf("guild: create: %w", err)
	}
	if err := r.st.PutGuild(ctx, g); err != nil {
		return protocol.Guild{}, fmt.Errorf("guild: create: %w", err)
	}
	var out protocol.Guild
	err := r.call(ctx, g.ID, func(a *actor) error {
		out = a.guildObject()
		a.subscribeLive(ownerID)
		return nil
	})
	return out, err
}

// Guild returns the guild object as a member sees it; withCounts adds the
// approximate member and presence counts.
func (r *Registry) Guild(ctx context.Context, guildID, userID chat.ID, withCounts bool) (protocol.Guild, error) {
	var out protocol.Guild
	err := r.call(ctx, guildID, func(a *actor) error {
		if a.members[userID] == nil {
			return chat.ErrMissingAccess
		}
		out = a.guildObject()
		if withCounts {
			members, online := len(a.members), 0
			for id := range a.members {
				if _, ok := a.presenceOf(id); ok {
					online++
				}
			}
			out.ApproximateMemberCount, out.ApproximatePresenceCount = &members, &online
		}
		return nil
	})
	return out, err
}

// UserGuild returns the partial guild of GET /users/@me/guilds.
func (r *Registry) UserGuild(ctx context.Context, guildID, userID chat.ID) (protocol.PartialGuild, error) {
	var out protocol.PartialGuild
	err := r.call(ctx, guildID, func(a *actor) error {
		if a.members[userID] == nil {
			return chat.ErrMissingAccess
		}
		out = protocol.PartialGuildObject(a.guild, userID, a.perms(userID, nil))
		return nil
	})
	return out, err
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
	var out protocol.Guild
	err := r.call(ctx, guildID, func(a *actor) error {
		if err := a.require(userID, nil, protocol.PermManageGuild); err != nil {
			return err
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
				return protocol.InvalidForm(protocol.FieldError{Path: "system_channel_id", Code: "CHANNEL_INVALID", Message: "Unknown channel"})
			}
			g.SystemChannelID = *e.SystemChannelID
		}
		if err := r.st.PutGuild(ctx, g); err != nil {
			return fmt.Errorf("guild %d: edit: %w", a.id, err)
		}
		a.guild = g
		out = a.guildObject()
		a.broadcast("GUILD_UPDATE", out, protocol.IntentGuilds, 0)
		return nil
	})
	return out, err
}

// DeleteGuild deletes a guild and everything in it except its messages;
// only the owner may.
func (r *Registry) DeleteGuild(ctx context.Context, guildID, userID chat.ID) error {
	return r.call(ctx, guildID, func(a *actor) error {
		if a.members[userID] == nil {
			return chat.ErrMissingAccess
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
		if invs, err := r.st.GuildInvites(ctx, a.id); err == nil {
			for _, inv := range invs {
				_ = r.st.DeleteInvite(ctx, inv.Code)
			}
		}
		d := a.dispatch("GUILD_DELETE", map[string]any{"id": a.id})
		a.enqueue(func() {
			a.deliver(&event{kind: evRemoveAll, d: d})
			a.forgetSubs(func(*sub) bool { return true })
		})
		a.gone = true
		a.channels, a.roles, a.members = nil, nil, nil
		a.invalidateView()
		return nil
	})
}

// --- channels ---

// Channels lists a guild's channels.
func (r *Registry) Channels(ctx context.Context, guildID, userID chat.ID) ([]protocol.Channel, error) {
	var out []protocol.Channel
	err := r.call(ctx, guildID, func(a *actor) error {
		if a.members[userID] == nil {
			return chat.ErrMissingAccess
		}
		out = make([]protocol.Channel, 0, len(a.channels))
		for _, c := range a.sortedChannels() {
			out = append(out, protocol.ChannelObject(c))
		}
		return nil
	})
	return out, err
}

// ChannelCreate is a validated create-channel request.
type ChannelCreate struct {
	Name       string
	Type       int
	Topic      string
	Position   *int
	ParentID   chat.ID
	NSFW       bool
	RateLimit  int
	Overwrites []chat.Overwrite
}

// CreateChannel creates a channel; it needs MANAGE_CHANNELS.
func (r *Registry) CreateChannel(ctx context.Context, guildID, userID chat.ID, c ChannelCreate) (protocol.Channel, error) {
	var out protocol.Channel
	err := r.call(ctx, guildID, func(a *actor) error {
		if err := a.require(userID, nil, protocol.PermManageChannels); err != nil {
			return err
		}
		if len(a.channels) >= 500 {
			return protocol.NewAPIError(400, protocol.CodeMaxChannels, "Maximum number of guild channels reached (500)")
		}
		if c.ParentID != 0 {
			if p := a.channels[c.ParentID]; p == nil || p.Type != chat.ChannelCategory {
				return protocol.InvalidForm(protocol.FieldError{Path: "parent_id", Code: "CHANNEL_PARENT_INVALID", Message: "Not a category"})
			}
		}
		if len(c.Overwrites) > 0 && a.perms(userID, nil)&protocol.PermManageRoles == 0 {
			return chat.ErrMissingPerms
		}
		ch := chat.Channel{
			ID: r.ids.Next(), GuildID: a.id, Type: c.Type, Name: c.Name, Topic: c.Topic,
			ParentID: c.ParentID, NSFW: c.NSFW, RateLimit: c.RateLimit, Overwrites: c.Overwrites,
		}
		if ch.Overwrites == nil {
			ch.Overwrites = []chat.Overwrite{}
		}
		if c.Position != nil {
			ch.Position = *c.Position
		} else {
			for _, o := range a.channels {
				if o.Position >= ch.Position {
					ch.Position = o.Position + 1
				}
			}
		}
		if err := r.st.PutChannel(ctx, ch); err != nil {
			return fmt.Errorf("guild %d: create channel: %w", a.id, err)
		}
		a.channels[ch.ID] = &ch
		r.channelGuild.Store(ch.ID, a.id)
		a.invalidateView()
		out = protocol.ChannelObject(ch)
		a.broadcast("CHANNEL_CREATE", out, protocol.IntentGuilds, 0)
		return nil
	})
	return out, err
}

// ChannelPosition is one entry of PATCH /guilds/{id}/channels.
type ChannelPosition struct {
	ID       chat.ID
	Position *int
	ParentID *chat.ID
}

// SetChannelPositions moves channels; it needs MANAGE_CHANNELS.
func (r *Registry) SetChannelPositions(ctx context.Context, guildID, userID chat.ID, ps []ChannelPosition) error {
	return r.call(ctx, guildID, func(a *actor) error {
		if err := a.require(userID, nil, protocol.PermManageChannels); err != nil {
			return err
		}
		for i, p := range ps {
			if a.channels[p.ID] == nil {
				return protocol.InvalidForm(protocol.FieldError{Path: fmt.Sprintf("%d.id", i), Code: "CHANNEL_INVALID", Message: "Unknown channel"})
			}
		}
		for _, p := range ps {
			ch := *a.channels[p.ID]
			if p.Position != nil {
				ch.Position = *p.Position
			}
			if p.ParentID != nil {
				ch.ParentID = *p.ParentID
			}
			if err := r.st.PutChannel(ctx, ch); err != nil {
				return fmt.Errorf("guild %d: move channel: %w", a.id, err)
			}
			*a.channels[p.ID] = ch
			a.broadcast("CHANNEL_UPDATE", protocol.ChannelObject(ch), protocol.IntentGuilds, 0)
		}
		return nil
	})
}

// Channel returns a channel the user can see.
func (r *Registry) Channel(ctx context.Context, channelID, userID chat.ID) (protocol.Channel, error) {
	var out protocol.Channel
	err := r.channelCall(ctx, channelID, func(a *actor, ch *chat.Channel) error {
		if err := a.require(userID, ch, protocol.PermViewChannel); err != nil {
			return err
		}
		out = protocol.ChannelObject(*ch)
		return nil
	})
	return out, err
}

// ChannelEdit is a validated channel modification; nil fields are unchanged.
type ChannelEdit struct {
	Name       *string
	Topic      *string
	Position   *int
	NSFW       *bool
	RateLimit  *int
	ParentID   *chat.ID
	Overwrites *[]chat.Overwrite
}

// EditChannel changes a channel; it needs MANAGE_CHANNELS there, and
// MANAGE_ROLES to change its overwrites.
func (r *Registry) EditChannel(ctx context.Context, channelID, userID chat.ID, e ChannelEdit) (protocol.Channel, error) {
	var out protocol.Channel
	err := r.channelCall(ctx, channelID, func(a *actor, ch *chat.Channel) error {
		if err := a.require(userID, ch, protocol.PermManageChannels); err != nil {
			return err
		}
		if e.Overwrites != nil && a.perms(userID, ch)&protocol.PermManageRoles == 0 {
			return chat.ErrMissingPerms
		}
		c := *ch
		if e.Name != nil {
			c.Name = *e.Name
		}
		if e.Topic != nil {
			c.Topic = *e.Topic
		}
		if e.Position != nil {
			c.Position = *e.Position
		}
		if e.NSFW != nil {
			c.NSFW = *e.NSFW
		}
		if e.RateLimit != nil {
			c.RateLimit = *e.RateLimit
		}
		if e.ParentID != nil {
			if *e.ParentID != 0 {
				if p := a.channels[*e.ParentID]; p == nil || p.Type != chat.ChannelCategory {
					return protocol.InvalidForm(protocol.FieldError{Path: "parent_id", Code: "CHANNEL_PARENT_INVALID", Message: "Not a category"})
				}
			}
			c.ParentID = *e.ParentID
		}
		if e.Overwrites != nil {
			c.Overwrites = append([]chat.Overwrite{}, *e.Overwrites...)
		}
		return a.saveChannel(ctx, c, &out)
	})
	return out, err
}

func (a *actor) saveChannel(ctx context.Context, c chat.Channel, out *protocol.Channel) error {
	if err := a.r.st.PutChannel(ctx, c); err != nil {
		return fmt.Errorf("guild %d: save channel %d: %w", a.id, c.ID, err)
	}
	*a.channels[c.ID] = c
	a.invalidateView()
	obj := protocol.ChannelObject(c)
	if out != nil {
		*out = obj
	}
	a.broadcast("CHANNEL_UPDATE", obj, protocol.IntentGuilds, 0)
	return nil
}

// DeleteChannel deletes a channel and returns it; it needs MANAGE_CHANNELS.
func (r *Registry) DeleteChannel(ctx context.Context, channelID, userID chat.ID) (protocol.Channel, error) {
	var out protocol.Channel
	err := r.channelCall(ctx, channelID, func(a *actor, ch *chat.Channel) error {
		if err := a.require(userID, ch, protocol.PermManageChannels); err != nil {
			return err
		}
		if err := r.st.DeleteChannel(ctx, a.id, ch.ID); err != nil {
			return fmt.Errorf("guild %d: delete channel: %w", a.id, err)
		}
		delete(a.channels, ch.ID)
		r.channelGuild.Delete(ch.ID)
		a.invalidateView()
		if a.guild.SystemChannelID == ch.ID {
			a.guild.SystemChannelID = 0
			_ = r.st.PutGuild(ctx, a.guild)
		}
		out = protocol.ChannelObject(*ch)
		a.broadcast("CHANNEL_DELETE", out, protocol.IntentGuilds, 0)
		return nil
	})
	return out, err
}

// PutOverwrite creates or replaces a permission overwrite; it needs
// MANAGE_ROLES in the channel.
func (r *Registry) PutOverwrite(ctx context.Context, channelID, userID chat.ID, ow chat.Overwrite) error {
	return r.channelCall(ctx, channelID, func(a *actor, ch *chat.Channel) error {
		if err := a.require(userID, ch, protocol.PermManageRoles); err != nil {
			return err
		}
		if ow.Type == chat.OverwriteRole && a.roles[ow.ID] == nil {
			return chat.ErrUnknownRole
		}
		if ow.Type == chat.OverwriteMember && a.members[ow.ID] == nil {
			return chat.ErrUnknownMember
		}
		c := *ch
		c.Overwrites = make([]chat.Overwrite, 0, len(ch.Overwrites)+1)
		for _, o := range ch.Overwrites {
			if o.ID != ow.ID {
				c.Overwrites = append(c.Overwrites, o)
			}
		}
		c.Overwrites = append(c.Overwrites, ow)
		return a.saveChannel(ctx, c, nil)
	})
}

// DeleteOverwrite removes the overwrite for targetID; it needs MANAGE_ROLES.
func (r *Registry) DeleteOverwrite(ctx context.Context, channelID, userID, targetID chat.ID) error {
	return r.channelCall(ctx, channelID, func(a *actor, ch *chat.Channel) error {
		if err := a.require(userID, ch, protocol.PermManageRoles); err != nil {
			return err
		}
		c := *ch
		c.Overwrites = make([]chat.Overwrite, 0, len(ch.Overwrites))
		for _, o := range ch.Overwrites {
			if o.ID != targetID {
				c.Overwrites = append(c.Overwrites, o)
			}
		}
		if len(c.Overwrites) == len(ch.Overwrites) {
			return nil
		}
		return a.saveChannel(ctx, c, nil)
	})
}

// --- roles ---

// Roles lists a guild's roles by position.
func (r *Registry) Roles(ctx context.Context, guildID, userID chat.ID) ([]protocol.Role, error) {
	var out []protocol.Role
	err := r.call(ctx, guildID, func(a *actor) error {
		if a.members[userID] == nil {
			return chat.ErrMissingAccess
		}
		for _, ro := range a.sortedRoles() {
			out = append(out, protocol.RoleObject(ro))
		}
		return nil
	})
	return out, err
}

// Role returns one role.
func (r *Registry) Role(ctx context.Context, guildID, userID, roleID chat.ID) (protocol.Role, error) {
	var out protocol.Role
	err := r.call(ctx, guildID, func(a *actor) error {
		if a.members[userID] == nil {
			return chat.ErrMissingAccess
		}
		ro := a.roles[roleID]
		if ro == nil {
			return chat.ErrUnknownRole
		}
		out = protocol.RoleObject(*ro)
		return nil
	})
	return out, err
}

// RoleEdit is a validated role create/modify request; nil fields keep
// their value (or default on create).
type RoleEdit struct {
	Name        *string
	Permissions *uint64
	Color       *int
	Hoist       *bool
	Mentionable *bool
	Position    *int
}

// CreateRole creates a role; it needs MANAGE_ROLES, and the role may not
// carry permissions its creator lacks.
func (r *Registry) CreateRole(ctx context.Context, guildID, userID chat.ID, e RoleEdit) (protocol.Role, error) {
	var out protocol.Role
	err := r.call(ctx, guildID, func(a *actor) error {
		if err := a.require(userID, nil, protocol.PermManageRoles); err != nil {
			return err
		}
		if len(a.roles) >= 250 {
			return protocol.NewAPIError(400, protocol.CodeMaxRoles, "Maximum number of guild roles reached (250)")
		}
		ro := chat.Role{ID: r.ids.Next(), GuildID: a.id, Name: "new role", Permissions: a.roles[a.id].Permissions, Position: 1}
		if e.Position == nil {
			// New roles sit just above @everyone, as in Discord; the
			// others move up one.
			for _, o := range a.roles {
				if o.ID != a.id {
					c := *o
					c.Position++
					if err := r.st.PutRole(ctx, c); err != nil {
						return fmt.Errorf("guild %d: shift role: %w", a.id, err)
					}
					*o = c
					a.broadcast("GUILD_ROLE_UPDATE", map[string]any{"guild_id": a.id, "role": protocol.RoleObject(c)}, protocol.IntentGuilds, 0)
				}
			}
		}
		if err := a.applyRoleEdit(userID, &ro, e); err != nil {
			return err
		}
		if err := r.st.PutRole(ctx, ro); err != nil {
			return fmt.Errorf("guild %d: create role: %w", a.id, err)
		}
		a.roles[ro.ID] = &ro
		a.invalidateView()
		out = protocol.RoleObject(ro)
		a.broadcast("GUILD_ROLE_CREATE", map[string]any{"guild_id": a.id, "role": out}, protocol.IntentGuilds, 0)
		return nil
	})
	return out, err
}

func (a *actor) applyRoleEdit(userID chat.ID, ro *chat.Role, e RoleEdit) error {
	if e.Name != nil {
		ro.Name = *e.Name
	}
	if e.Permissions != nil {
		mine := a.perms(userID, nil)
		if *e.Permissions&^mine != 0 {
			return chat.ErrMissingPerms
		}
		ro.Permissions = *e.Permissions
	}
	if e.Color != nil {
		ro.Color = *e.Color
	}
	if e.Hoist != nil {
		ro.Hoist = *e.Hoist
	}
	if e.Mentionable != nil {
		ro.Mentionable = *e.Mentionable
	}
	if e.Position != nil && ro.ID != a.id {
		if *e.Position >= a.highest(userID) {
			return chat.ErrMissingPerms
		}
		ro.Position = *e.Position
	}
	return nil
}

// EditRole changes a role below the user's highest role.
func (r *Registry) EditRole(ctx context.Context, guildID, userID, roleID chat.ID, e RoleEdit) (protocol.Role, error) {
	var out protocol.Role
	err := r.call(ctx, guildID, func(a *actor) error {
		if err := a.require(userID, nil, protocol.PermManageRoles); err != nil {
			return err
		}
		cur := a.roles[roleID]
		if cur == nil {
			return chat.ErrUnknownRole
		}
		if roleID != a.id && cur.Position >= a.highest(userID) {
			return chat.ErrMissingPerms
		}
		ro := *cur
		if err := a.applyRoleEdit(userID, &ro, e); err != nil {
			return err
		}
		if err := r.st.PutRole(ctx, ro); err != nil {
			return fmt.Errorf("guild %d: edit role: %w", a.id, err)
		}
		*cur = ro
		a.invalidateView()
		out = protocol.RoleObject(ro)
		a.broadcast("GUILD_ROLE_UPDATE", map[string]any{"guild_id": a.id, "role": out}, protocol.IntentGuilds, 0)
		return nil
	})
	return out, err
}

// DeleteRole deletes a role below the user's highest role and removes it
// from every member and overwrite.
func (r *Registry) DeleteRole(ctx context.Context, guildID, userID, roleID chat.ID) error {
	return r.call(ctx, guildID, func(a *actor) error {
		if err := a.require(userID, nil, protocol.PermManageRoles); err != nil {
			return err
		}
		cur := a.roles[roleID]
		if cur == nil {
			return chat.ErrUnknownRole
		}
		if roleID == a.id || cur.Managed || cur.Position >= a.highest(userID) {
			return chat.ErrMissingPerms
		}
		if err := r.st.DeleteRole(ctx, a.id, roleID); err != nil {
			return fmt.Errorf("guild %d: delete role: %w", a.id, err)
		}
		delete(a.roles, roleID)
		a.invalidateView()
		for _, m := range a.members {
			if hasID(m.Roles, roleID) {
				c := *m
				c.Roles = removeID(m.Roles, roleID)
				if err := r.st.PutMember(ctx, c); err != nil {
					return fmt.Errorf("guild %d: drop role from member: %w", a.id, err)
				}
				*m = c
				a.setRoles(c.UserID, c.Roles)
			}
		}
		for _, ch := range a.channels {
			for _, o := range ch.Overwrites {
				if o.ID == roleID && o.Type == chat.OverwriteRole {
					c := *ch
					c.Overwrites = nil
					for _, o2 := range ch.Overwrites {
						if o2.ID != roleID {
							c.Overwrites = append(c.Overwrites, o2)
						}
					}
					if c.Overwrites == nil {
						c.Overwrites = []chat.Overwrite{}
					}
					if err := a.saveChannel(ctx, c, nil); err != nil {
						return err
					}
					break
				}
			}
		}
		a.invalidateView()
		a.broadcast("GUILD_ROLE_DELETE", map[string]any{"guild_id": a.id, "role_id": roleID}, protocol.IntentGuilds, 0)
		return nil
	})
}

func removeID(ids []chat.ID, id chat.ID) []chat.ID {
	out := make([]chat.ID, 0, len(ids))
	for _, x := range ids {
		if x != id {
			out = append(out, x)
		}
	}
	return out
}

// --- members ---

// Members lists members in user-ID order after the cursor; limit 1–1000.
func (r *Registry) Members(ctx context.Context, guildID, userID, after chat.ID, limit int) ([]protocol.Member, error) {
	var out []protocol.Member
	err := r.call(ctx, guildID, func(a *actor) error {
		if a.members[userID] == nil {
			return chat.ErrMissingAccess
		}
		ids := a.sortedMemberIDs()
		i := sort.Search(len(ids), func(i int) bool { return ids[i] > after })
		out = []protocol.Member{}
		for ; i < len(ids) && len(out) < limit; i++ {
			out = append(out, a.memberObject(a.members[ids[i]]))
		}
		return nil
	})
	return out, err
}

// Member returns one member.
func (r *Registry) Member(ctx context.Context, guildID, userID, targetID chat.ID) (protocol.Member, error) {
	var out protocol.Member
	err := r.call(ctx, guildID, func(a *actor) error {
		if a.members[userID] == nil {
			return chat.ErrMissingAccess
		}
		m := a.members[targetID]
		if m == nil {
			return chat.ErrUnknownMember
		}
		out = a.memberObject(m)
		return nil
	})
	return out, err
}

// MemberEdit is a validated member modification; nil fields are unchanged.
type MemberEdit struct {
	Nick  *string
	Roles *[]chat.ID
}

// EditMember changes a member's nickname or roles. A user may change their
// own nick with CHANGE_NICKNAME; changing others needs MANAGE_NICKNAMES and
// a higher role; roles need MANAGE_ROLES and roles below the user's highest.
func (r *Registry) EditMember(ctx context.Context, guildID, userID, targetID chat.ID, e MemberEdit) (protocol.Member, error) {
	var out protocol.Member
	err := r.call(ctx, guildID, func(a *actor) error {
		if a.members[userID] == nil {
			return chat.ErrMissingAccess
		}
		cur := a.members[targetID]
		if cur == nil {
			return chat.ErrUnknownMember
		}
		perms := a.perms(userID, nil)
		m := *cur
		if e.Nick != nil && *e.Nick != cur.Nick {
			switch {
			case userID == targetID:
				if perms&(protocol.PermChangeNickname|protocol.PermManageNicknames) == 0 {
					return chat.ErrMissingPerms
				}
			case perms&protocol.PermManageNicknames == 0 || !a.outranks(userID, targetID):
				return chat.ErrMissingPerms
			}
			m.Nick = *e.Nick
		}
		if e.Roles != nil {
			if perms&protocol.PermManageRoles == 0 {
				return chat.ErrMissingPerms
			}
			want := []chat.ID{}
			for _, id := range *e.Roles {
				if id == a.id {
					continue
				}
				if a.roles[id] == nil {
					return chat.ErrUnknownRole
				}
				want = appendUnique(want, id)
			}
			for _, id := range symmetricDiff(cur.Roles, want) {
				if ro := a.roles[id]; ro != nil && (ro.Managed || ro.Position >= a.highest(userID)) {
					return chat.ErrMissingPerms
				}
			}
			m.Roles = want
		}
		if err := a.saveMember(ctx, m); err != nil {
			return err
		}
		out = a.memberObject(&m)
		return nil
	})
	return out, err
}

func symmetricDiff(a, b []chat.ID) []chat.ID {
	var out []chat.ID
	for _, x := range a {
		if !hasID(b, x) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if !hasID(a, x) {
			out = append(out, x)
		}
	}
	return out
}

// outranks reports whether actor may act on target by role hierarchy.
func (a *actor) outranks(actorID, targetID chat.ID) bool {
	if targetID == a.guild.OwnerID {
		return false
	}
	return a.highest(actorID) > a.highest(targetID)
}

func (a *actor) saveMember(ctx context.Context, m chat.Member) error {
	if err := a.r.st.PutMember(ctx, m); err != nil {
		return fmt.Errorf("guild %d: save member %d: %w", a.id, m.UserID, err)
	}
	*a.members[m.UserID] = m
	a.invalidateView()
	a.setRoles(m.UserID, m.Roles)
	obj := a.memberObject(&m)
	obj.GuildID = a.id
	a.broadcast("GUILD_MEMBER_UPDATE", obj, protocol.IntentGuildMembers, 0)
	return nil
}

// SetMemberRole adds (add=true) or removes a role of a member; it needs
// MANAGE_ROLES and a role below the user's highest.
func (r *Registry) SetMemberRole(ctx context.Context, guildID, userID, targetID, roleID chat.ID, add bool) error {
	return r.call(ctx, guildID, func(a *actor) error {
		if err := a.require(userID, nil, protocol.PermManageRoles); err != nil {
			return err
		}
		cur := a.members[targetID]
		if cur == nil {
			return chat.ErrUnknownMember
		}
		ro := a.roles[roleID]
		if ro == nil || roleID == a.id {
			return chat.ErrUnknownRole
		}
		if ro.Managed || ro.Position >= a.highest(userID) {
			return chat.ErrMissingPerms
		}
		m := *cur
		if add {
			if hasID(cur.Roles, roleID) {
				return nil
			}
			m.Roles = append(append([]chat.ID{}, cur.Roles...), roleID)
		} else {
			if !hasID(cur.Roles, roleID) {
				return nil
			}
			m.Roles = removeID(cur.Roles, roleID)
		}
		return a.saveMember(ctx, m)
	})
}

// RemoveMember kicks targetID (KICK_MEMBERS and a higher role needed) or,
// when userID == targetID, makes the user leave. The owner cannot leave.
func (r *Registry) RemoveMember(ctx context.Context, guildID, userID, targetID chat.ID) error {
	return r.call(ctx, guildID, func(a *actor) error {
		if a.members[userID] == nil {
			if userID == targetID {
				return chat.ErrUnknownGuild
			}
			return chat.ErrMissingAccess
		}
		if userID == targetID {
			if userID == a.guild.OwnerID {
				return protocol.NewAPIError(400, 50055, "Invalid Guild")
			}
		} else {
			if err := a.require(userID, nil, protocol.PermKickMembers); err != nil {
				return err
			}
			if a.members[targetID] == nil {
				return chat.ErrUnknownMember
			}
			if !a.outranks(userID, targetID) {
				return chat.ErrMissingPerms
			}
		}
		return a.removeMember(ctx, targetID)
	})
}

func (a *actor) removeMember(ctx context.Context, userID chat.ID) error {
	if err := a.r.st.DeleteMember(ctx, a.id, userID); err != nil {
		return fmt.Errorf("guild %d: remove member %d: %w", a.id, userID, err)
	}
	delete(a.members, userID)
	delete(a.presence, userID)
	a.invalidateView()
	a.unsubscribeUser(userID)
	u := protocol.UserObject(a.userOf(userID))
	a.broadcast("GUILD_MEMBER_REMOVE", map[string]any{"guild_id": a.id, "user": u}, protocol.IntentGuildMembers, 0)
	return nil
}

// AddMember makes userID a member (no-op if already one), dispatches
// GUILD_MEMBER_ADD and subscribes the user's live sessions with a
// GUILD_CREATE. It reports whether the user was added.
func (r *Registry) AddMember(ctx context.Context, guildID, userID chat.ID) (bool, error) {
	var added bool
	err := r.call(ctx, guildID, func(a *actor) error {
		var err error
		added, err = a.addMember(ctx, userID, nil)
		return err
	})
	return added, err
}

func (a *actor) addMember(ctx context.Context, userID chat.ID, roles []chat.ID) (bool, error) {
	if a.members[userID] != nil {
		return false, nil
	}
	if _, err := a.r.users.get(ctx, userID); err != nil {
		return false, err
	}
	if roles == nil {
		roles = []chat.ID{}
	}
	m := chat.Member{GuildID: a.id, UserID: userID, Roles: roles, JoinedAt: a.r.cfg.Now().UTC()}
	if err := a.r.st.PutMember(ctx, m); err != nil {
		return false, fmt.Errorf("guild %d: add member %d: %w", a.id, userID, err)
	}
	a.members[userID] = &m
	a.invalidateView()
	obj := a.memberObject(&m)
	obj.GuildID = a.id
	a.broadcast("GUILD_MEMBER_ADD", obj, protocol.IntentGuildMembers, 0)
	a.subscribeLive(userID)
	return true, nil
}

// RolePosition is one entry of PATCH /guilds/{id}/roles.
type RolePosition struct {
	ID       chat.ID
	Position int
}

// SetRolePositions moves roles; it needs MANAGE_ROLES, and both the old
// and the new position of each role must be below the user's highest role.
// It returns every role in order.
func (r *Registry) SetRolePositions(ctx context.Context, guildID, userID chat.ID, ps []RolePosition) ([]protocol.Role, error) {
	var out []protocol.Role
	err := r.call(ctx, guildID, func(a *actor) error {
		if err := a.require(userID, nil, protocol.PermManageRoles); err != nil {
			return err
		}
		top := a.highest(userID)
		for i, p := range ps {
			ro := a.roles[p.ID]
			if ro == nil || p.ID == a.id {
				return protocol.InvalidForm(protocol.FieldError{Path: fmt.Sprintf("%d.id", i), Code: "ROLE_INVALID", Message: "Unknown or immovable role"})
			}
			if p.Position < 1 || ro.Position >= top || p.Position >= top {
				return chat.ErrMissingPerms
			}
		}
		for _, p := range ps {
			ro := *a.roles[p.ID]
			if ro.Position == p.Position {
				continue
			}
			ro.Position = p.Position
			if err := r.st.PutRole(ctx, ro); err != nil {
				return fmt.Errorf("guild %d: move role: %w", a.id, err)
			}
			*a.roles[p.ID] = ro
			a.broadcast("GUILD_ROLE_UPDATE", map[string]any{"guild_id": a.id, "role": protocol.RoleObject(ro)}, protocol.IntentGuilds, 0)
		}
		for _, ro := range a.sortedRoles() {
			out = append(out, protocol.RoleObject(ro))
		}
		return nil
	})
	return out, err
}
