package guild

import (
	"context"
	"fmt"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Roles lists a guild's roles by position.
func (r *Registry) Roles(ctx context.Context, guildID, userID chat.ID) ([]protocol.Role, error) {
	return ask(ctx, r, guildID, func(_ context.Context, a *actor) ([]protocol.Role, error) {
		if err := a.requireMember(userID); err != nil {
			return nil, err
		}
		return a.roleObjects(), nil
	})
}

// roleObjects returns every role in order.
func (a *actor) roleObjects() []protocol.Role {
	var out []protocol.Role
	for _, ro := range a.sortedRoles() {
		out = append(out, protocol.RoleObject(ro))
	}
	return out
}

// Role returns one role.
func (r *Registry) Role(ctx context.Context, guildID, userID, roleID chat.ID) (protocol.Role, error) {
	return ask(ctx, r, guildID, func(_ context.Context, a *actor) (protocol.Role, error) {
		if err := a.requireMember(userID); err != nil {
			return protocol.Role{}, err
		}
		ro := a.roles[roleID]
		if ro == nil {
			return protocol.Role{}, chat.ErrUnknownRole
		}
		return protocol.RoleObject(*ro), nil
	})
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

// maxRoles is Discord's limit of roles in one guild.
const maxRoles = protocol.MaxGuildRoles

// CreateRole creates a role; it needs MANAGE_ROLES, and the role may not
// carry permissions its creator lacks.
func (r *Registry) CreateRole(ctx context.Context, guildID, userID chat.ID, e RoleEdit) (protocol.Role, error) {
	return ask(ctx, r, guildID, func(ctx context.Context, a *actor) (protocol.Role, error) {
		if err := a.require(userID, nil, protocol.PermManageRoles); err != nil {
			return protocol.Role{}, err
		}
		if len(a.roles) >= maxRoles {
			return protocol.Role{}, protocol.NewAPIError(400, protocol.CodeMaxRoles, "Maximum number of guild roles reached (250)")
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
						return protocol.Role{}, fmt.Errorf("guild %d: shift role: %w", a.id, err)
					}
					*o = c
					a.broadcastRole(protocol.EventGuildRoleUpdate, c)
				}
			}
		}
		if err := a.applyRoleEdit(userID, &ro, e); err != nil {
			return protocol.Role{}, err
		}
		if err := r.st.PutRole(ctx, ro); err != nil {
			return protocol.Role{}, fmt.Errorf("guild %d: create role: %w", a.id, err)
		}
		a.roles[ro.ID] = &ro
		a.invalidateView()
		obj := a.broadcastRole(protocol.EventGuildRoleCreate, ro)
		a.auditRole(ctx, userID, protocol.AuditRoleCreate, nil, &ro)
		return obj, nil
	})
}

// broadcastRole sends GUILD_ROLE_CREATE or GUILD_ROLE_UPDATE (name) for ro
// and returns its role object.
func (a *actor) broadcastRole(name string, ro chat.Role) protocol.Role {
	obj := protocol.RoleObject(ro)
	a.broadcast(name, protocol.GuildRoleEvent{GuildID: a.id, Role: obj}, protocol.IntentGuilds, 0)
	return obj
}

func (a *actor) applyRoleEdit(userID chat.ID, ro *chat.Role, e RoleEdit) error {
	if e.Name != nil {
		ro.Name = *e.Name
	}
	if e.Permissions != nil {
		if !mayGrant(a.perms(userID, nil), *e.Permissions^ro.Permissions) {
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
	return ask(ctx, r, guildID, func(ctx context.Context, a *actor) (protocol.Role, error) {
		if err := a.require(userID, nil, protocol.PermManageRoles); err != nil {
			return protocol.Role{}, err
		}
		cur := a.roles[roleID]
		if cur == nil {
			return protocol.Role{}, chat.ErrUnknownRole
		}
		if roleID != a.id && cur.Position >= a.highest(userID) {
			return protocol.Role{}, chat.ErrMissingPerms
		}
		ro := *cur
		if err := a.applyRoleEdit(userID, &ro, e); err != nil {
			return protocol.Role{}, err
		}
		if err := r.st.PutRole(ctx, ro); err != nil {
			return protocol.Role{}, fmt.Errorf("guild %d: edit role: %w", a.id, err)
		}
		old := *cur
		*cur = ro
		a.invalidateView()
		obj := a.broadcastRole(protocol.EventGuildRoleUpdate, ro)
		a.auditRole(ctx, userID, protocol.AuditRoleUpdate, &old, &ro)
		return obj, nil
	})
}

// DeleteRole deletes a role below the user's highest role and removes it
// from every member and overwrite. Once started it runs to completion even
// if ctx ends.
func (r *Registry) DeleteRole(ctx context.Context, guildID, userID, roleID chat.ID) error {
	return r.call(ctx, guildID, func(ctx context.Context, a *actor) error {
		if err := a.require(userID, nil, protocol.PermManageRoles); err != nil {
			return err
		}
		cur := a.roles[roleID]
		if cur == nil {
			return chat.ErrUnknownRole
		}
		if roleID == a.id || !a.assignable(userID, cur) {
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
			if !hasRoleOverwrite(ch, roleID) {
				continue
			}
			c := *ch
			c.Overwrites = withoutOverwrite(ch.Overwrites, roleID, 0)
			if _, err := a.saveChannel(ctx, c); err != nil {
				return err
			}
		}
		a.invalidateView()
		a.broadcast(protocol.EventGuildRoleDelete, protocol.GuildRoleDeleteEvent{GuildID: a.id, RoleID: roleID}, protocol.IntentGuilds, 0)
		a.auditRole(ctx, userID, protocol.AuditRoleDelete, cur, nil)
		return nil
	})
}

// hasRoleOverwrite reports whether ch has an overwrite for role roleID.
func hasRoleOverwrite(ch *chat.Channel, roleID chat.ID) bool {
	for _, o := range ch.Overwrites {
		if o.ID == roleID && o.Type == chat.OverwriteRole {
			return true
		}
	}
	return false
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
	return ask(ctx, r, guildID, func(ctx context.Context, a *actor) ([]protocol.Role, error) {
		if err := a.require(userID, nil, protocol.PermManageRoles); err != nil {
			return nil, err
		}
		top := a.highest(userID)
		for i, p := range ps {
			ro := a.roles[p.ID]
			if ro == nil || p.ID == a.id {
				return nil, protocol.InvalidForm(protocol.FieldError{Path: fmt.Sprintf("%d.id", i), Code: "ROLE_INVALID", Message: "Unknown or immovable role"})
			}
			if p.Position < 1 || ro.Position >= top || p.Position >= top {
				return nil, chat.ErrMissingPerms
			}
		}
		for _, p := range ps {
			ro := *a.roles[p.ID]
			if ro.Position == p.Position {
				continue
			}
			ro.Position = p.Position
			if err := r.st.PutRole(ctx, ro); err != nil {
				return nil, fmt.Errorf("guild %d: move role: %w", a.id, err)
			}
			*a.roles[p.ID] = ro
			a.broadcastRole(protocol.EventGuildRoleUpdate, ro)
		}
		return a.roleObjects(), nil
	})
}
