package gateway_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

// inviteEvent is the part of INVITE_CREATE / INVITE_DELETE tests read.
type inviteEvent struct {
	t         string
	ChannelID chat.ID `json:"channel_id"`
	GuildID   chat.ID `json:"guild_id"`
	Code      string  `json:"code"`
	CreatedAt string  `json:"created_at"`
	MaxAge    *int    `json:"max_age"`
	MaxUses   *int    `json:"max_uses"`
	Uses      *int    `json:"uses"`
	Temporary *bool   `json:"temporary"`
	ExpiresAt *string `json:"expires_at"`
	Inviter   *struct {
		ID chat.ID `json:"id"`
	} `json:"inviter"`
}

// nextInvite skips other dispatches and returns the next invite event.
func nextInvite(t *testing.T, g *client) inviteEvent {
	t.Helper()
	for {
		f := g.next()
		if f.T != protocol.EventInviteCreate && f.T != protocol.EventInviteDelete {
			continue
		}
		ev := inviteEvent{t: f.T}
		if err := json.Unmarshal(f.D, &ev); err != nil {
			t.Fatal(err)
		}
		return ev
	}
}

// noInviteBefore reads up to the CHANNEL_CREATE of marker and fails on any
// invite event before it (a guild's events are ordered).
func noInviteBefore(t *testing.T, g *client, who string, marker chat.ID) {
	t.Helper()
	for {
		f := g.next()
		if f.T == protocol.EventInviteCreate || f.T == protocol.EventInviteDelete {
			t.Fatalf("%s got %s: %s", who, f.T, f.D)
		}
		var ch struct {
			ID chat.ID `json:"id"`
		}
		if f.T == protocol.EventChannelCreate && json.Unmarshal(f.D, &ch) == nil && ch.ID == marker {
			return
		}
	}
}

// INVITE_CREATE and INVITE_DELETE were never sent. They go to sessions with
// GUILD_INVITES that may manage the channel (the owner, a role with
// MANAGE_CHANNELS), and to nobody else: a plain member or a session
// without the intent must not learn invite codes.
func TestEndToEndInviteEvents(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{})
	alice, bob, dave := s.Register(t, "alice"), s.Register(t, "bob"), s.Register(t, "dave")
	gd, general := alice.CreateGuild(t, "invites")
	bob.Join(t, alice, general)
	dave.Join(t, alice, general)
	var role struct {
		ID chat.ID `json:"id"`
	}
	alice.Must(t, 200, "POST", fmt.Sprintf("/guilds/%d/roles", gd.ID),
		map[string]any{"name": "mods", "permissions": fmt.Sprint(protocol.PermManageChannels)}, &role)
	alice.Must(t, 204, "PUT", fmt.Sprintf("/guilds/%d/members/%d/roles/%d", gd.ID, dave.UserID, role.ID), nil, nil)

	intents := protocol.IntentGuilds | protocol.IntentGuildInvites
	owner, _ := connect(t, s, alice, intents)
	mod, _ := connect(t, s, dave, intents)
	noIntent, _ := connect(t, s, alice, protocol.IntentGuilds)
	plain, _ := connect(t, s, bob, intents)

	var inv struct {
		Code string `json:"code"`
	}
	alice.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/invites", general), map[string]any{"max_age": 600, "max_uses": 1}, &inv)
	for _, g := range []*client{owner, mod} {
		ev := nextInvite(t, g)
		if ev.t != protocol.EventInviteCreate || ev.Code != inv.Code || ev.ChannelID != general || ev.GuildID != gd.ID ||
			ev.CreatedAt == "" || ev.MaxAge == nil || *ev.MaxAge != 600 || ev.MaxUses == nil || *ev.MaxUses != 1 ||
			ev.Uses == nil || *ev.Uses != 0 || ev.Temporary == nil || ev.ExpiresAt == nil ||
			ev.Inviter == nil || ev.Inviter.ID != alice.UserID {
			t.Fatalf("INVITE_CREATE %+v", ev)
		}
	}
	// Its one use deletes it, as does revoking an invite.
	s.Register(t, "carol").Must(t, 200, "POST", "/invites/"+inv.Code, nil, nil)
	var second struct {
		Code string `json:"code"`
	}
	bob.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/invites", general), map[string]any{}, &second)
	alice.Must(t, 200, "DELETE", "/invites/"+second.Code, nil, nil)
	for _, g := range []*client{owner, mod} {
		if ev := nextInvite(t, g); ev.t != protocol.EventInviteDelete || ev.Code != inv.Code || ev.ChannelID != general || ev.GuildID != gd.ID {
			t.Fatalf("want INVITE_DELETE of the used-up invite, got %+v", ev)
		}
		if ev := nextInvite(t, g); ev.t != protocol.EventInviteCreate || ev.Code != second.Code || ev.Inviter == nil || ev.Inviter.ID != bob.UserID {
			t.Fatalf("want INVITE_CREATE of bob's invite, got %+v", ev)
		}
		if ev := nextInvite(t, g); ev.t != protocol.EventInviteDelete || ev.Code != second.Code {
			t.Fatalf("want INVITE_DELETE of bob's invite, got %+v", ev)
		}
	}
	var marker struct {
		ID chat.ID `json:"id"`
	}
	alice.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/channels", gd.ID), map[string]any{"name": "marker"}, &marker)
	noInviteBefore(t, plain, "a member without MANAGE_CHANNELS (even the invite's creator)", marker.ID)
	noInviteBefore(t, noIntent, "a session without GUILD_INVITES", marker.ID)
}
