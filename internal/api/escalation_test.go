package api_test

import (
	"fmt"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// TestNoEscalationThroughGrants: a moderator with MANAGE_ROLES and
// MANAGE_CHANNELS may not grant (or deny) in an overwrite, a new channel
// or a role any permission they do not hold, whoever the target, and so
// cannot go on to delete the owner's message or rename a channel they may
// not manage.
func TestNoEscalationThroughGrants(t *testing.T) {
	s := run(t)
	owner := s.Register(t, "owner")
	g, ch := owner.CreateGuild(t, "escalate")
	mod := s.Register(t, "mod")
	mod.Join(t, owner, ch)

	var modRole, low roleObj
	owner.Must(t, 200, "POST", fmt.Sprintf("/guilds/%d/roles", g.ID), map[string]any{
		"name": "mod", "permissions": fmt.Sprint(protocol.PermDefaultEveryone | protocol.PermManageRoles | protocol.PermManageChannels)}, &modRole)
	owner.Must(t, 200, "POST", fmt.Sprintf("/guilds/%d/roles", g.ID), map[string]any{"name": "low"}, &low)
	owner.Must(t, 200, "PATCH", fmt.Sprintf("/guilds/%d/roles", g.ID), []map[string]any{
		{"id": fmt.Sprint(low.ID), "position": 1}, {"id": fmt.Sprint(modRole.ID), "position": 2}}, nil)
	owner.Must(t, 204, "PUT", fmt.Sprintf("/guilds/%d/members/%d/roles/%d", g.ID, mod.UserID, modRole.ID), nil, nil)
	owner.Must(t, 204, "PUT", fmt.Sprintf("/guilds/%d/members/%d/roles/%d", g.ID, mod.UserID, low.ID), nil, nil)
	// A second channel the owner has taken MANAGE_CHANNELS away in.
	var locked struct {
		ID chat.ID `json:"id,string"`
	}
	owner.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/channels", g.ID), map[string]any{"name": "locked"}, &locked)
	owner.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/permissions/%d", locked.ID, modRole.ID),
		map[string]any{"type": 0, "deny": fmt.Sprint(protocol.PermManageChannels)}, nil)

	grants := map[string]protocol.Permission{
		"ADMINISTRATOR":   protocol.PermAdministrator,
		"MANAGE_MESSAGES": protocol.PermManageMessages,
		"MANAGE_GUILD":    protocol.PermManageGuild,
	}
	targets := map[string]struct {
		id  chat.ID
		typ int
	}{
		"self": {mod.UserID, 1}, "own role": {low.ID, 0}, "@everyone": {g.ID, 0},
	}
	for gname, bit := range grants {
		for tname, tg := range targets {
			for _, field := range []string{"allow", "deny"} {
				t.Run(fmt.Sprintf("overwrite/%s/%s/%s", tname, field, gname), func(t *testing.T) {
					e := mod.Fail(t, "PUT", fmt.Sprintf("/channels/%d/permissions/%d", ch, tg.id),
						map[string]any{"type": tg.typ, field: fmt.Sprint(bit)})
					wantCode(t, e, 403, protocol.CodeMissingPermissions)
				})
			}
			ows := []map[string]any{{"id": fmt.Sprint(tg.id), "type": tg.typ, "allow": fmt.Sprint(bit)}}
			t.Run(fmt.Sprintf("channel edit/%s/%s", tname, gname), func(t *testing.T) {
				e := mod.Fail(t, "PATCH", fmt.Sprintf("/channels/%d", ch), map[string]any{"permission_overwrites": ows})
				wantCode(t, e, 403, protocol.CodeMissingPermissions)
			})
			t.Run(fmt.Sprintf("channel create/%s/%s", tname, gname), func(t *testing.T) {
				e := mod.Fail(t, "POST", fmt.Sprintf("/guilds/%d/channels", g.ID), map[string]any{"name": "x", "permission_overwrites": ows})
				wantCode(t, e, 403, protocol.CodeMissingPermissions)
			})
		}
		t.Run("role create/"+gname, func(t *testing.T) {
			e := mod.Fail(t, "POST", fmt.Sprintf("/guilds/%d/roles", g.ID), map[string]any{"name": "x", "permissions": fmt.Sprint(bit)})
			wantCode(t, e, 403, protocol.CodeMissingPermissions)
		})
		for _, r := range []chat.ID{low.ID, g.ID} {
			t.Run(fmt.Sprintf("role edit/%d/%s", r, gname), func(t *testing.T) {
				e := mod.Fail(t, "PATCH", fmt.Sprintf("/guilds/%d/roles/%d", g.ID, r),
					map[string]any{"permissions": fmt.Sprint(protocol.PermDefaultEveryone | bit)})
				wantCode(t, e, 403, protocol.CodeMissingPermissions)
			})
		}
	}
	// MANAGE_CHANNELS back in the locked channel through an overwrite.
	e := mod.Fail(t, "PUT", fmt.Sprintf("/channels/%d/permissions/%d", locked.ID, mod.UserID),
		map[string]any{"type": 1, "allow": fmt.Sprint(protocol.PermManageChannels)})
	wantCode(t, e, 403, protocol.CodeMissingPermissions)
	// Nor may the mod lift the owner's deny by deleting the overwrite.
	e = mod.Fail(t, "DELETE", fmt.Sprintf("/channels/%d/permissions/%d", locked.ID, modRole.ID), nil)
	wantCode(t, e, 403, protocol.CodeMissingPermissions)

	// Granting what the mod holds still works, and leaves bits the owner
	// set alone.
	mod.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/permissions/%d", ch, low.ID),
		map[string]any{"type": 0, "allow": fmt.Sprint(protocol.PermManageChannels)}, nil)

	// After all that, still no power over the owner's message or the
	// locked channel.
	m := owner.Send(t, ch, "owner's")
	e = mod.Fail(t, "DELETE", fmt.Sprintf("/channels/%d/messages/%d", ch, m.ID), nil)
	wantCode(t, e, 403, protocol.CodeMissingPermissions)
	e = mod.Fail(t, "PATCH", fmt.Sprintf("/channels/%d", locked.ID), map[string]any{"name": "pwned"})
	wantCode(t, e, 403, protocol.CodeMissingPermissions)
}
