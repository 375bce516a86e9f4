package guild

import (
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Timeouts: while a member's communication_disabled_until is in the
// future they keep only protocol.TimedOutPermissions in every channel
// (perms applies it), so every check that needs SEND_MESSAGES,
// ADD_REACTIONS and the like refuses them with 50013. The timeout ends by
// itself: perms compares with the clock, and, as in Discord, no event
// marks the end (the field keeps its past value).

// timedOut reports whether m is timed out now.
func (a *actor) timedOut(m *chat.Member) bool {
	t := m.CommunicationDisabledUntil
	return t != nil && a.r.cfg.Now().Before(*t)
}

// checkTimeout checks that userID may set targetID's timeout to until
// (nil lifts it): MODERATE_MEMBERS, a target below userID's highest role
// that is neither the owner nor an administrator, and an end at most 28
// days ahead.
func (a *actor) checkTimeout(userID, targetID chat.ID, until *time.Time) error {
	if !a.has(userID, nil, protocol.PermModerateMembers) {
		return chat.ErrMissingPerms
	}
	if target := a.members[targetID]; target == nil ||
		protocol.Compute(a.guildView(), targetID, target.Roles, nil) == protocol.PermAll || !a.outranks(userID, targetID) {
		return chat.ErrMissingPerms
	}
	if until != nil && until.After(a.r.cfg.Now().Add(protocol.MaxTimeoutSeconds*time.Second)) {
		return protocol.InvalidForm(protocol.FieldError{Path: "communication_disabled_until", Code: protocol.FieldBaseTypeInvalid,
			Message: "Timeouts can only be up to 28 days in the future."})
	}
	return nil
}
