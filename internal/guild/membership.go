package guild

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Members lists members in user-ID order after the cursor; limit 1–1000.
func (r *Registry) Members(ctx context.Context, guildID, userID, after chat.ID, limit int) ([]protocol.Member, error) {
	return ask(ctx, r, guildID, func(_ context.Context, a *actor) ([]protocol.Member, error) {
		if err := a.requireMember(userID); err != nil {
			return nil, err
		}
		ids := a.sortedMemberIDs()
		i := sort.Search(len(ids), func(i int) bool { return ids[i] > after })
		out := []protocol.Member{}
		for ; i < len(ids) && len(out) < limit; i++ {
			out = append(out, a.memberObject(a.members[ids[i]]))
		}
		return out, nil
	})
}

// Member returns one member.
func (r *Registry) Member(ctx context.Context, guildID, userID, targetID chat.ID) (protocol.Member, error) {
	return ask(ctx, r, guildID, func(_ context.Context, a *actor) (protocol.Member, error) {
		if err := a.requireMember(userID); err != nil {
			return protocol.Member{}, err
		}
		m := a.members[targetID]
		if m == nil {
			return protocol.Member{}, chat.ErrUnknownMember
		}
		return a.memberObject(m), nil
	})
}

// SearchMembers returns up to limit members whose username or nickname
// starts with query, case-insensitively, in user-ID order (GET
// /guilds/{id}/members/search).
func (r *Registry) SearchMembers(ctx context.Context, guildID, userID chat.ID, query string, limit int) ([]protocol.Member, error) {
	return ask(ctx, r, guildID, func(_ context.Context, a *actor) ([]protocol.Member, error) {
		if err := a.requireMember(userID); err != nil {
			return nil, err
		}
		q := strings.ToLower(query)
		out := []protocol.Member{}
		for _, id := range a.sortedMemberIDs() {
			if len(out) >= limit {
				break
			}
			if m := a.members[id]; a.memberMatches(m, q) {
				out = append(out, a.memberObject(m))
			}
		}
		return out, nil
	})
}

// memberMatches reports whether m's username or nickname starts with q
// (already lower case), as Discord's member search and op 8 match.
func (a *actor) memberMatches(m *chat.Member, q string) bool {
	if q == "" || strings.HasPrefix(strings.ToLower(m.Nick), q) {
		return true
	}
	return strings.HasPrefix(strings.ToLower(a.userOf(m.UserID).Username), q)
}

// SelfMember returns userID's own member object (GET
// /users/@me/guilds/{id}/member); a non-member gets chat.ErrUnknownGuild,
// as Discord answers 10004.
func (r *Registry) SelfMember(ctx context.Context, guildID, userID chat.ID) (protocol.Member, error) {
	return ask(ctx, r, guildID, func(_ context.Context, a *actor) (protocol.Member, error) {
		m := a.members[userID]
		if m == nil {
			return protocol.Member{}, chat.ErrUnknownGuild
		}
		return a.memberObject(m), nil
	})
}

// MemberEdit is a validated member modification; nil fields are unchanged.
type MemberEdit struct {
	Nick  *string
	Roles *[]chat.ID
	// SetTimeout says communication_disabled_until was given: TimeoutUntil
	// is the timeout's end, nil (JSON null) to lift it.
	SetTimeout   bool
	TimeoutUntil *time.Time
}

// EditMember changes a member's nickname or roles. A user may change their
// own nick with CHANGE_NICKNAME; changing others needs MANAGE_NICKNAMES and
// a higher role; roles need MANAGE_ROLES and roles below the user's highest.
func (r *Registry) EditMember(ctx context.Context, guildID, userID, targetID chat.ID, e MemberEdit) (protocol.Member, error) {
	return ask(ctx, r, guildID, func(ctx context.Context, a *actor) (protocol.Member, error) {
		if err := a.requireMember(userID); err != nil {
			return protocol.Member{}, err
		}
		cur := a.members[targetID]
		if cur == nil {
			return protocol.Member{}, chat.ErrUnknownMember
		}
		m, before := *cur, *cur
		if e.Nick != nil && *e.Nick != cur.Nick {
			if err := a.checkNick(userID, targetID); err != nil {
				return protocol.Member{}, err
			}
			m.Nick = *e.Nick
		}
		if e.Roles != nil {
			roles, err := a.checkRoles(userID, cur.Roles, *e.Roles)
			if err != nil {
				return protocol.Member{}, err
			}
			m.Roles = roles
		}
		if e.SetTimeout {
			if err := a.checkTimeout(userID, targetID, e.TimeoutUntil); err != nil {
				return protocol.Member{}, err
			}
			m.CommunicationDisabledUntil = nil
			if e.TimeoutUntil != nil {
				t := e.TimeoutUntil.UTC()
				m.CommunicationDisabledUntil = &t
			}
		}
		if err := a.saveMember(ctx, m); err != nil {
			return protocol.Member{}, err
		}
		a.auditMemberEdit(ctx, userID, before, m)
		return a.memberObject(&m), nil
	})
}

// checkNick checks that userID may change targetID's nickname.
func (a *actor) checkNick(userID, targetID chat.ID) error {
	perms := a.perms(userID, nil)
	switch {
	case userID == targetID:
		if perms&(protocol.PermChangeNickname|protocol.PermManageNicknames) == 0 {
			return chat.ErrMissingPerms
		}
	case perms&protocol.PermManageNicknames == 0 || !a.outranks(userID, targetID):
		return chat.ErrMissingPerms
	}
	return nil
}

// checkRoles checks that userID may change a member's roles from cur to
// want and returns want without @everyone and duplicates.
func (a *actor) checkRoles(userID chat.ID, cur, want []chat.ID) ([]chat.ID, error) {
	if !a.has(userID, nil, protocol.PermManageRoles) {
		return nil, chat.ErrMissingPerms
	}
	out := []chat.ID{}
	for _, id := range want {
		if id == a.id {
			continue
		}
		if a.roles[id] == nil {
			return nil, chat.ErrUnknownRole
		}
		out = appendUnique(out, id)
	}
	for _, id := range symmetricDiff(cur, out) {
		if ro := a.roles[id]; ro != nil && !a.assignable(userID, ro) {
			return nil, chat.ErrMissingPerms
		}
	}
	return out, nil
}

func (a *actor) saveMember(ctx context.Context, m chat.Member) error {
	if err := a.r.st.PutMember(ctx, m); err != nil {
		return fmt.Errorf("guild %d: save member %d: %w", a.id, m.UserID, err)
	}
	threads := a.visibleActive(m.UserID)
	*a.members[m.UserID] = m
	a.invalidateView()
	a.setRoles(m.UserID, m.Roles)
	a.syncThreads(m.UserID, threads)
	obj := a.memberObject(&m)
	obj.GuildID = a.id
	a.broadcast(protocol.EventGuildMemberUpdate, obj, protocol.IntentGuildMembers, 0)
	a.listsMember(m.UserID)
	return nil
}

// SetMemberRole adds (add=true) or removes a role of a member; it needs
// MANAGE_ROLES and a role below the user's highest.
func (r *Registry) SetMemberRole(ctx context.Context, guildID, userID, targetID, roleID chat.ID, add bool) error {
	return r.call(ctx, guildID, func(ctx context.Context, a *actor) error {
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
		if !a.assignable(userID, ro) {
			return chat.ErrMissingPerms
		}
		if add == hasID(cur.Roles, roleID) {
			return nil
		}
		m := *cur
		if add {
			m.Roles = append(append([]chat.ID{}, cur.Roles...), roleID)
		} else {
			m.Roles = removeID(cur.Roles, roleID)
		}
		before := *cur
		if err := a.saveMember(ctx, m); err != nil {
			return err
		}
		a.auditMemberEdit(ctx, userID, before, m)
		return nil
	})
}

// RemoveMember kicks targetID (KICK_MEMBERS and a higher role needed) or,
// when userID == targetID, makes the user leave. The owner cannot leave.
// Once started it runs to completion even if ctx ends.
func (r *Registry) RemoveMember(ctx context.Context, guildID, userID, targetID chat.ID) error {
	return r.call(ctx, guildID, func(ctx context.Context, a *actor) error {
		if err := a.requireMember(userID); err != nil {
			if userID == targetID {
				return chat.ErrUnknownGuild
			}
			return err
		}
		if userID == targetID {
			if userID == a.guild.OwnerID {
				return protocol.NewAPIError(400, protocol.CodeInvalidGuild, "Invalid Guild")
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
		if err := a.removeMember(ctx, targetID); err != nil {
			return err
		}
		if userID != targetID {
			a.audit(ctx, userID, protocol.AuditMemberKick, targetID, nil, nil)
		}
		return nil
	})
}

func (a *actor) removeMember(ctx context.Context, userID chat.ID) error {
	if err := a.r.st.DeleteMember(ctx, a.id, userID); err != nil {
		return fmt.Errorf("guild %d: remove member %d: %w", a.id, userID, err)
	}
	delete(a.members, userID)
	delete(a.presence, userID)
	delete(a.presSent, userID)
	delete(a.presNodes, userID)
	a.invalidateView()
	a.unsubscribeUser(userID)
	u := protocol.UserObject(a.userOf(userID))
	a.broadcast(protocol.EventGuildMemberRemove, protocol.GuildMemberRemoveEvent{GuildID: a.id, User: u}, protocol.IntentGuildMembers, 0)
	a.listsMember(userID)
	return nil
}

// AddMember makes userID a member (no-op if already one), dispatches
// GUILD_MEMBER_ADD and subscribes the user's live sessions with a
// GUILD_CREATE. It reports whether the user was added.
func (r *Registry) AddMember(ctx context.Context, guildID, userID chat.ID) (bool, error) {
	return ask(ctx, r, guildID, func(ctx context.Context, a *actor) (bool, error) {
		return a.addMember(ctx, userID, nil)
	})
}

func (a *actor) addMember(ctx context.Context, userID chat.ID, roles []chat.ID) (bool, error) {
	if a.members[userID] != nil {
		return false, nil
	}
	if a.bans[userID] != nil {
		return false, errUserBanned
	}
	if _, err := a.r.User(ctx, userID); err != nil {
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
	a.broadcast(protocol.EventGuildMemberAdd, obj, protocol.IntentGuildMembers, 0)
	a.subscribeLive(userID)
	a.listsMember(userID)
	return true, nil
}
