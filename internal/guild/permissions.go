package guild

import (
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Permission checks of an actor's operations. Every operation starts with
// requireMember or require, so that a non-member, a member who cannot see
// the channel and a member who lacks a permission get the same Discord
// error codes everywhere.

func (a *actor) guildView() protocol.GuildView {
	if a.gv != nil {
		return *a.gv
	}
	v := protocol.GuildView{GuildID: a.id, OwnerID: a.guild.OwnerID, Roles: make(map[chat.ID]protocol.Permission, len(a.roles))}
	for id, r := range a.roles {
		v.Roles[id] = r.Permissions
	}
	a.gv = &v
	return v
}

// perms returns userID's permissions in the guild (ch nil) or in ch. A
// non-member has none; a timed-out member keeps only
// protocol.TimedOutPermissions (see timedOut).
func (a *actor) perms(userID chat.ID, ch *chat.Channel) protocol.Permission {
	m := a.members[userID]
	if m == nil {
		return 0
	}
	if ch != nil && ch.Thread != nil {
		// A thread has its parent's permissions (threads.go).
		return threadPerms(a.perms(userID, a.channels[ch.ParentID]), ch.Type, a.threadMemberOf(ch.ID, userID) != nil)
	}
	p := protocol.Compute(a.guildView(), userID, m.Roles, ch)
	if a.timedOut(m) && p != protocol.PermAll {
		// Compute gives the owner and administrators every bit, and
		// Discord exempts exactly them from timeouts.
		p &= protocol.TimedOutPermissions
	}
	return p
}

// has reports whether userID has every permission of need in ch (or in
// the guild when ch is nil).
func (a *actor) has(userID chat.ID, ch *chat.Channel, need protocol.Permission) bool {
	return a.perms(userID, ch)&need == need
}

// requireMember fails with chat.ErrMissingAccess unless userID is a member.
func (a *actor) requireMember(userID chat.ID) error {
	if a.members[userID] == nil {
		return chat.ErrMissingAccess
	}
	return nil
}

// require checks that userID is a member who has need in ch (or in the
// guild when ch is nil). A non-member, or a member who cannot see ch, gets
// chat.ErrMissingAccess; one who sees it but lacks need, ErrMissingPerms.
func (a *actor) require(userID chat.ID, ch *chat.Channel, need protocol.Permission) error {
	if err := a.requireMember(userID); err != nil {
		return err
	}
	p := a.perms(userID, ch)
	if ch != nil && p&protocol.PermViewChannel == 0 {
		return chat.ErrMissingAccess
	}
	if p&need != need {
		return chat.ErrMissingPerms
	}
	return nil
}

// highest is the position of userID's highest role (@everyone is 0); the
// owner outranks everyone.
func (a *actor) highest(userID chat.ID) int {
	if userID == a.guild.OwnerID {
		return 1 << 30
	}
	best := 0
	if m := a.members[userID]; m != nil {
		for _, id := range m.Roles {
			if r := a.roles[id]; r != nil && r.Position > best {
				best = r.Position
			}
		}
	}
	return best
}

// outranks reports whether actor may act on target by role hierarchy.
func (a *actor) outranks(actorID, targetID chat.ID) bool {
	if targetID == a.guild.OwnerID {
		return false
	}
	return a.highest(actorID) > a.highest(targetID)
}

// invalidateView marks the permissions changed; called whenever roles,
// overwrites, channels or membership change. Shards get a new snapshot
// before the next event they are handed.
func (a *actor) invalidateView() {
	a.gv, a.permDirty, a.memberIDs = nil, true, nil
	a.ml.dirty = true // member changes clear it again in listsMember
}

// assignable reports whether userID may give ro to members or take it
// away: ro is not managed by an integration and sits below userID's
// highest role.
func (a *actor) assignable(userID chat.ID, ro *chat.Role) bool {
	return !ro.Managed && ro.Position < a.highest(userID)
}

// mayGrant reports whether userID may set or clear every bit of changed in
// an overwrite or a role, given mine, the permissions userID holds where
// the grant applies (the channel, its category, or the guild). Discord's
// rule: a member may allow or deny only permissions they hold themselves,
// unless they are the owner or an administrator (for whom mine is PermAll).
// Without it, MANAGE_ROLES alone would let a moderator write an overwrite
// granting ADMINISTRATOR or MANAGE_MESSAGES to themselves or @everyone.
func mayGrant(mine, changed protocol.Permission) bool {
	return mine&protocol.PermAll == protocol.PermAll || changed&^mine == 0
}

// overwriteChanges returns the bits an overwrite list change touches: for
// each target, the allow and deny bits that differ between before and
// after (an added or removed overwrite touches all of its bits). Bits an
// owner set that a moderator leaves alone do not count against them.
func overwriteChanges(before, after []chat.Overwrite) protocol.Permission {
	old := make(map[chat.ID]chat.Overwrite, len(before))
	for _, o := range before {
		old[o.ID] = o
	}
	var changed protocol.Permission
	for _, n := range after {
		o := old[n.ID]
		delete(old, n.ID)
		changed |= (n.Allow ^ o.Allow) | (n.Deny ^ o.Deny)
	}
	for _, o := range old {
		changed |= o.Allow | o.Deny
	}
	return changed
}

// grantScope is the permissions userID holds where a new channel's
// overwrites apply: its category if it has one, else the guild.
func (a *actor) grantScope(userID, parentID chat.ID) protocol.Permission {
	if p := a.channels[parentID]; p != nil {
		return a.perms(userID, p)
	}
	return a.perms(userID, nil)
}
