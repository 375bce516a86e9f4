package api_test

import (
	"fmt"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

type channelObj struct {
	ID                   chat.ID  `json:"id"`
	GuildID              chat.ID  `json:"guild_id"`
	Type                 int      `json:"type"`
	Name                 string   `json:"name"`
	Topic                *string  `json:"topic"`
	Position             int      `json:"position"`
	ParentID             *chat.ID `json:"parent_id"`
	PermissionOverwrites []struct {
		ID    chat.ID `json:"id"`
		Type  int     `json:"type"`
		Allow string  `json:"allow"`
		Deny  string  `json:"deny"`
	} `json:"permission_overwrites"`
}

type roleObj struct {
	ID          chat.ID `json:"id"`
	Name        string  `json:"name"`
	Permissions string  `json:"permissions"`
	Position    int     `json:"position"`
	Color       int     `json:"color"`
}

type memberObj struct {
	User struct {
		ID chat.ID `json:"id"`
	} `json:"user"`
	Nick  *string   `json:"nick"`
	Roles []chat.ID `json:"roles"`
}

func TestGuildLifecycle(t *testing.T) {
	s := run(t)
	owner := s.Register(t, "owner")
	g, general := owner.CreateGuild(t, "My Guild")
	if g.OwnerID != owner.UserID || general == 0 {
		t.Fatalf("guild %+v", g)
	}

	var full map[string]any
	owner.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d?with_counts=true", g.ID), nil, &full)
	roles := full["roles"].([]any)
	everyone := roles[0].(map[string]any)
	if everyone["id"] != g.ID.String() || everyone["name"] != "@everyone" || full["approximate_member_count"] != 1.0 {
		t.Errorf("guild object %v", full)
	}
	var plain map[string]any
	owner.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d", g.ID), nil, &plain)
	if _, ok := plain["approximate_member_count"]; ok {
		t.Error("counts without with_counts")
	}

	var chans []channelObj
	owner.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/channels", g.ID), nil, &chans)
	if len(chans) != 1 || chans[0].Name != "general" || chans[0].GuildID != g.ID || chans[0].Type != 0 {
		t.Fatalf("channels %+v", chans)
	}

	var edited map[string]any
	owner.Must(t, 200, "PATCH", fmt.Sprintf("/guilds/%d", g.ID), map[string]any{"name": "Renamed", "description": "about"}, &edited)
	if edited["name"] != "Renamed" || edited["description"] != "about" {
		t.Errorf("edited %v", edited)
	}

	// Members join and show in the member list, in user-ID order.
	bob := s.Register(t, "bob")
	bob.Join(t, owner, general)
	carol := s.Register(t, "carol")
	carol.Join(t, owner, general)
	var ms []memberObj
	owner.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/members?limit=10", g.ID), nil, &ms)
	if len(ms) != 3 || ms[0].User.ID != owner.UserID || ms[2].User.ID != carol.UserID {
		t.Fatalf("members %+v", ms)
	}
	owner.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/members?limit=1&after=%d", g.ID, owner.UserID), nil, &ms)
	if len(ms) != 1 || ms[0].User.ID != bob.UserID {
		t.Fatalf("members after %+v", ms)
	}
	owner.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/members", g.ID), nil, &ms)
	if len(ms) != 1 {
		t.Fatalf("default limit is 1, got %d", len(ms))
	}
	wantCode(t, owner.Fail(t, "GET", fmt.Sprintf("/guilds/%d/members?limit=1001", g.ID), nil), 400, protocol.CodeInvalidFormBody)
	wantCode(t, owner.Fail(t, "GET", fmt.Sprintf("/guilds/%d/members/12345", g.ID), nil), 404, protocol.CodeUnknownMember)

	// /users/@me/guilds and leaving.
	var mine []struct {
		ID          chat.ID `json:"id"`
		Owner       bool    `json:"owner"`
		Permissions string  `json:"permissions"`
	}
	bob.Must(t, 200, "GET", "/users/@me/guilds", nil, &mine)
	if len(mine) != 1 || mine[0].ID != g.ID || mine[0].Owner {
		t.Fatalf("bob guilds %+v", mine)
	}
	owner.Must(t, 200, "GET", "/users/@me/guilds", nil, &mine)
	if !mine[0].Owner || mine[0].Permissions != fmt.Sprint(protocol.PermAll) {
		t.Errorf("owner guilds %+v", mine)
	}
	bob.Must(t, 204, "DELETE", fmt.Sprintf("/users/@me/guilds/%d", g.ID), nil, nil)
	bob.Must(t, 200, "GET", "/users/@me/guilds", nil, &mine)
	if len(mine) != 0 {
		t.Errorf("after leaving: %+v", mine)
	}
	wantCode(t, bob.Fail(t, "GET", fmt.Sprintf("/guilds/%d", g.ID), nil), 403, protocol.CodeMissingAccess)
	wantCode(t, owner.Fail(t, "DELETE", fmt.Sprintf("/users/@me/guilds/%d", g.ID), nil), 400, 50055)

	// Only the owner deletes; afterwards the guild is unknown.
	wantCode(t, carol.Fail(t, "DELETE", fmt.Sprintf("/guilds/%d", g.ID), nil), 403, protocol.CodeMissingPermissions)
	owner.Must(t, 204, "DELETE", fmt.Sprintf("/guilds/%d", g.ID), nil, nil)
	wantCode(t, owner.Fail(t, "GET", fmt.Sprintf("/guilds/%d", g.ID), nil), 404, protocol.CodeUnknownGuild)
	wantCode(t, owner.Fail(t, "GET", fmt.Sprintf("/channels/%d", general), nil), 404, protocol.CodeUnknownChannel)
	wantCode(t, owner.Fail(t, "GET", "/guilds/999999", nil), 404, protocol.CodeUnknownGuild)
}

func TestChannelsRolesMembers(t *testing.T) {
	s := run(t)
	owner := s.Register(t, "owner")
	g, general := owner.CreateGuild(t, "Chan Guild")
	bob := s.Register(t, "bob")
	bob.Join(t, owner, general)

	// Channels: create, get, modify, positions, delete.
	var cat, ch channelObj
	owner.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/channels", g.ID), map[string]any{"name": "Stuff", "type": 4}, &cat)
	owner.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/channels", g.ID), map[string]any{"name": "Off Topic", "parent_id": cat.ID, "topic": "chat"}, &ch)
	if ch.Name != "off-topic" || ch.ParentID == nil || *ch.ParentID != cat.ID || ch.Topic == nil || *ch.Topic != "chat" {
		t.Fatalf("channel %+v", ch)
	}
	wantCode(t, bob.Fail(t, "POST", fmt.Sprintf("/guilds/%d/channels", g.ID), map[string]any{"name": "nope"}), 403, protocol.CodeMissingPermissions)
	wantCode(t, owner.Fail(t, "POST", fmt.Sprintf("/guilds/%d/channels", g.ID), map[string]any{"name": ""}), 400, protocol.CodeInvalidFormBody)
	var got channelObj
	bob.Must(t, 200, "GET", fmt.Sprintf("/channels/%d", ch.ID), nil, &got)
	if got.GuildID != g.ID {
		t.Errorf("channel from GET lacks guild_id: %+v", got)
	}
	owner.Must(t, 200, "PATCH", fmt.Sprintf("/channels/%d", ch.ID), map[string]any{"name": "renamed", "topic": nil, "parent_id": nil}, &got)
	if got.Name != "renamed" || got.Topic != nil || got.ParentID != nil {
		t.Errorf("patched %+v", got)
	}
	wantCode(t, bob.Fail(t, "PATCH", fmt.Sprintf("/channels/%d", ch.ID), map[string]any{"name": "x"}), 403, protocol.CodeMissingPermissions)
	owner.Must(t, 204, "PATCH", fmt.Sprintf("/guilds/%d/channels", g.ID), []map[string]any{{"id": ch.ID, "position": 7}}, nil)
	owner.Must(t, 200, "GET", fmt.Sprintf("/channels/%d", ch.ID), nil, &got)
	if got.Position != 7 {
		t.Errorf("position %d", got.Position)
	}
	bob.Must(t, 204, "POST", fmt.Sprintf("/channels/%d/typing", ch.ID), nil, nil)
	owner.Must(t, 200, "DELETE", fmt.Sprintf("/channels/%d", cat.ID), nil, &got)
	if got.ID != cat.ID {
		t.Errorf("deleted %+v", got)
	}
	wantCode(t, owner.Fail(t, "GET", fmt.Sprintf("/channels/%d", cat.ID), nil), 404, protocol.CodeUnknownChannel)

	// Roles: create, get, modify, list, delete.
	var mod roleObj
	owner.Must(t, 200, "POST", fmt.Sprintf("/guilds/%d/roles", g.ID), map[string]any{
		"name": "mod", "permissions": fmt.Sprint(protocol.PermKickMembers | protocol.PermManageNicknames), "color": 0xff0000}, &mod)
	if mod.Name != "mod" || mod.Color != 0xff0000 || mod.Permissions != fmt.Sprint(protocol.PermKickMembers|protocol.PermManageNicknames) {
		t.Fatalf("role %+v", mod)
	}
	owner.Must(t, 200, "PATCH", fmt.Sprintf("/guilds/%d/roles/%d", g.ID, mod.ID), map[string]any{"name": "moderator"}, &mod)
	owner.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/roles/%d", g.ID, mod.ID), nil, &mod)
	if mod.Name != "moderator" {
		t.Errorf("role %+v", mod)
	}
	var roles []roleObj
	owner.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/roles", g.ID), nil, &roles)
	if len(roles) != 2 || roles[0].ID != g.ID {
		t.Fatalf("roles %+v", roles)
	}
	wantCode(t, bob.Fail(t, "POST", fmt.Sprintf("/guilds/%d/roles", g.ID), map[string]any{"name": "x"}), 403, protocol.CodeMissingPermissions)
	wantCode(t, owner.Fail(t, "GET", fmt.Sprintf("/guilds/%d/roles/1", g.ID), nil), 404, protocol.CodeUnknownRole)

	// Member roles and nick.
	owner.Must(t, 204, "PUT", fmt.Sprintf("/guilds/%d/members/%d/roles/%d", g.ID, bob.UserID, mod.ID), nil, nil)
	var m memberObj
	owner.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/members/%d", g.ID, bob.UserID), nil, &m)
	if len(m.Roles) != 1 || m.Roles[0] != mod.ID {
		t.Fatalf("member %+v", m)
	}
	bob.Must(t, 200, "PATCH", fmt.Sprintf("/guilds/%d/members/@me", g.ID), map[string]any{"nick": "bobby"}, &m)
	if m.Nick == nil || *m.Nick != "bobby" {
		t.Errorf("nick %+v", m)
	}
	owner.Must(t, 200, "PATCH", fmt.Sprintf("/guilds/%d/members/%d", g.ID, bob.UserID), map[string]any{"nick": nil, "roles": []chat.ID{}}, &m)
	if m.Nick != nil || len(m.Roles) != 0 {
		t.Errorf("cleared %+v", m)
	}
	owner.Must(t, 204, "PUT", fmt.Sprintf("/guilds/%d/members/%d/roles/%d", g.ID, bob.UserID, mod.ID), nil, nil)
	owner.Must(t, 204, "DELETE", fmt.Sprintf("/guilds/%d/members/%d/roles/%d", g.ID, bob.UserID, mod.ID), nil, nil)
	owner.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/members/%d", g.ID, bob.UserID), nil, &m)
	if len(m.Roles) != 0 {
		t.Errorf("role not removed: %+v", m)
	}
	wantCode(t, bob.Fail(t, "PUT", fmt.Sprintf("/guilds/%d/members/%d/roles/%d", g.ID, bob.UserID, mod.ID), nil), 403, protocol.CodeMissingPermissions)

	// Kick needs KICK_MEMBERS and a higher role.
	carol := s.Register(t, "carol")
	carol.Join(t, owner, general)
	wantCode(t, bob.Fail(t, "DELETE", fmt.Sprintf("/guilds/%d/members/%d", g.ID, carol.UserID), nil), 403, protocol.CodeMissingPermissions)
	owner.Must(t, 204, "PUT", fmt.Sprintf("/guilds/%d/members/%d/roles/%d", g.ID, bob.UserID, mod.ID), nil, nil)
	bob.Must(t, 204, "DELETE", fmt.Sprintf("/guilds/%d/members/%d", g.ID, carol.UserID), nil, nil)
	wantCode(t, bob.Fail(t, "DELETE", fmt.Sprintf("/guilds/%d/members/%d", g.ID, owner.UserID), nil), 403, protocol.CodeMissingPermissions)
	wantCode(t, carol.Fail(t, "GET", fmt.Sprintf("/channels/%d", general), nil), 403, protocol.CodeMissingAccess)

	owner.Must(t, 204, "DELETE", fmt.Sprintf("/guilds/%d/roles/%d", g.ID, mod.ID), nil, nil)
	owner.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/members/%d", g.ID, bob.UserID), nil, &m)
	if len(m.Roles) != 0 {
		t.Errorf("deleted role still on member: %+v", m)
	}
	wantCode(t, owner.Fail(t, "DELETE", fmt.Sprintf("/guilds/%d/roles/%d", g.ID, g.ID), nil), 403, protocol.CodeMissingPermissions)
}

func TestOverwrites(t *testing.T) {
	s := run(t)
	owner := s.Register(t, "owner")
	g, general := owner.CreateGuild(t, "OW Guild")
	bob := s.Register(t, "bob")
	bob.Join(t, owner, general)

	path := fmt.Sprintf("/channels/%d/permissions/%d", general, bob.UserID)
	owner.Must(t, 204, "PUT", path, map[string]any{"type": 1, "deny": fmt.Sprint(protocol.PermSendMessages)}, nil)
	var ch channelObj
	owner.Must(t, 200, "GET", fmt.Sprintf("/channels/%d", general), nil, &ch)
	if len(ch.PermissionOverwrites) != 1 || ch.PermissionOverwrites[0].Deny != fmt.Sprint(protocol.PermSendMessages) || ch.PermissionOverwrites[0].Allow != "0" {
		t.Fatalf("overwrites %+v", ch.PermissionOverwrites)
	}
	wantCode(t, bob.Fail(t, "POST", fmt.Sprintf("/channels/%d/messages", general), map[string]string{"content": "x"}), 403, protocol.CodeMissingPermissions)
	wantCode(t, bob.Fail(t, "PUT", path, map[string]any{"type": 1}), 403, protocol.CodeMissingPermissions)
	wantCode(t, owner.Fail(t, "PUT", fmt.Sprintf("/channels/%d/permissions/%d", general, g.ID), map[string]any{"type": 7}), 400, protocol.CodeInvalidFormBody)
	wantCode(t, owner.Fail(t, "PUT", fmt.Sprintf("/channels/%d/permissions/1234", general), map[string]any{"type": 0}), 404, protocol.CodeUnknownRole)
	owner.Must(t, 204, "DELETE", path, nil, nil)
	bob.Send(t, general, "now I can")

	// The @everyone overwrite hides the channel: 50001, not 50013.
	owner.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/permissions/%d", general, g.ID), map[string]any{"type": 0, "deny": fmt.Sprint(protocol.PermViewChannel)}, nil)
	wantCode(t, bob.Fail(t, "GET", fmt.Sprintf("/channels/%d/messages", general), nil), 403, protocol.CodeMissingAccess)
}

func TestInviteListsAndRolePositions(t *testing.T) {
	s := run(t)
	owner := s.Register(t, "owner")
	g, ch := owner.CreateGuild(t, "lists")
	bob := s.Register(t, "bob")
	bob.Join(t, owner, ch)

	var inv struct {
		Code string `json:"code"`
	}
	owner.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/invites", ch), map[string]any{}, &inv)
	var list []struct {
		Code string `json:"code"`
	}
	owner.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/invites", ch), nil, &list)
	if len(list) != 2 { // bob's join invite and this one
		t.Fatalf("channel invites %+v", list)
	}
	owner.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/invites", g.ID), nil, &list)
	if len(list) != 2 {
		t.Fatalf("guild invites %+v", list)
	}
	wantCode(t, bob.Fail(t, "GET", fmt.Sprintf("/guilds/%d/invites", g.ID), nil), 403, protocol.CodeMissingPermissions)
	wantCode(t, bob.Fail(t, "DELETE", "/invites/"+inv.Code, nil), 403, protocol.CodeMissingPermissions)
	owner.Must(t, 200, "DELETE", "/invites/"+inv.Code, nil, nil)
	wantCode(t, bob.Fail(t, "GET", "/invites/"+inv.Code, nil), 404, protocol.CodeUnknownInvite)

	var a, b roleObj
	owner.Must(t, 200, "POST", fmt.Sprintf("/guilds/%d/roles", g.ID), map[string]any{"name": "a"}, &a)
	owner.Must(t, 200, "POST", fmt.Sprintf("/guilds/%d/roles", g.ID), map[string]any{"name": "b"}, &b)
	// b was created last, so it sits just above @everyone, below a.
	var roles []roleObj
	owner.Must(t, 200, "PATCH", fmt.Sprintf("/guilds/%d/roles", g.ID), []map[string]any{{"id": b.ID, "position": 5}}, &roles)
	if roles[len(roles)-1].ID != b.ID {
		t.Fatalf("roles after move %+v", roles)
	}
	wantCode(t, bob.Fail(t, "PATCH", fmt.Sprintf("/guilds/%d/roles", g.ID), []map[string]any{{"id": a.ID, "position": 1}}), 403, protocol.CodeMissingPermissions)
	wantCode(t, owner.Fail(t, "PATCH", fmt.Sprintf("/guilds/%d/roles", g.ID), []map[string]any{{"id": g.ID, "position": 3}}), 400, protocol.CodeInvalidFormBody)
}
