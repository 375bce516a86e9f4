package gateway_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

// nextListUpdate returns the next GUILD_MEMBER_LIST_UPDATE, skipping other
// dispatches.
func nextListUpdate(t *testing.T, g *client) protocol.MemberListUpdate {
	t.Helper()
	for {
		f := g.next()
		if f.Op != protocol.OpDispatch || f.T != protocol.EventGuildMemberListUpdate {
			continue
		}
		var u protocol.MemberListUpdate
		if err := json.Unmarshal(f.D, &u); err != nil {
			t.Fatalf("%v: %s", err, f.D)
		}
		return u
	}
}

func watchList(g *client, guildID, channelID chat.ID, ranges ...[2]int) {
	g.send(protocol.OpGuildSubscriptions, map[string]any{
		"guild_id": guildID.String(), "typing": true, "activities": true, "threads": true,
		"channels": map[string]any{channelID.String(): ranges},
	})
}

// TestEndToEndMemberList: op 14 ranges as Discord's client sends them get
// a SYNC, and a join and a presence change arrive as ops; a channel the
// user cannot see gets nothing.
func TestEndToEndMemberList(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{PassiveInterval: time.Hour})
	alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
	gd, general := alice.CreateGuild(t, "listed")
	bob.Join(t, alice, general)
	fill(t, s, gd.ID, 20)
	var secret struct {
		ID chat.ID `json:"id"`
	}
	alice.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/channels", gd.ID), map[string]any{
		"name": "secret", "permission_overwrites": []map[string]any{{"id": gd.ID.String(), "type": 0, "deny": "1024"}},
	}, &secret)

	g, _ := connect(t, s, bob, msgIntents)
	// Bob cannot see #secret: its SYNC would come first, and the first
	// update must be of the everyone list.
	watchList(g, gd.ID, secret.ID, [2]int{0, 99})
	watchList(g, gd.ID, general, [2]int{0, 99})
	u := nextListUpdate(t, g)
	if u.ID != protocol.MemberListEveryone || u.GuildID != gd.ID || u.MemberCount != 22 || len(u.Ops) != 1 ||
		u.Ops[0].Op != protocol.ListOpSync || len(*u.Ops[0].Items) != 24 {
		t.Fatalf("first update: %+v", u)
	}
	// Bob's own IDENTIFY made him online; Alice has no session yet.
	items := *u.Ops[0].Items
	if u.OnlineCount != 1 || items[0].Group == nil || items[0].Group.ID != "online" || items[1].Member == nil ||
		items[1].Member.User.ID != bob.UserID || items[1].Member.Presence.Status != protocol.StatusOnline ||
		items[2].Group == nil || items[2].Group.ID != "offline" || items[3].Member == nil ||
		items[3].Member.User.ID != alice.UserID || items[3].Member.Presence.Status != protocol.StatusOffline {
		b, _ := json.Marshal(items[:4])
		t.Fatalf("items start %s", b)
	}

	// Alice comes online (her IDENTIFY alone): she moves from the offline
	// group to the top of the online one, above bob.
	connect(t, s, alice, msgIntents)
	u = nextListUpdate(t, g)
	if u.OnlineCount != 2 || len(u.Ops) != 2 || u.Ops[0].Op != protocol.ListOpDelete || *u.Ops[0].Index != 3 ||
		u.Ops[1].Op != protocol.ListOpInsert || *u.Ops[1].Index != 1 || u.Ops[1].Item.Member == nil ||
		u.Ops[1].Item.Member.User.ID != alice.UserID || u.Ops[1].Item.Member.Presence.Status != "online" {
		b, _ := json.Marshal(u)
		t.Fatalf("presence update: %s", b)
	}

	// A new member joins: inserted in the offline group.
	carol := s.Register(t, "carol")
	carol.Join(t, alice, general)
	u = nextListUpdate(t, g)
	if u.MemberCount != 23 || len(u.Ops) != 1 || u.Ops[0].Op != protocol.ListOpInsert || u.Ops[0].Item.Member.User.ID != carol.UserID {
		b, _ := json.Marshal(u)
		t.Fatalf("join: %s", b)
	}
}

// TestEndToEndMemberListBadPayloads: a channels object that does not
// decode closes with 4002 as any malformed payload does; values out of
// bounds are cut or dropped and the session stays.
func TestEndToEndMemberListBadPayloads(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{PassiveInterval: time.Hour})
	alice := s.Register(t, "alice")
	gd, general := alice.CreateGuild(t, "listed")

	g, _ := connect(t, s, alice, msgIntents)
	watchList(g, gd.ID, general, [2]int{0, 1000}, [2]int{-5, 3}, [2]int{9, 2})
	u := nextListUpdate(t, g)
	if len(u.Ops) != 1 || *u.Ops[0].Range != [2]int{0, 99} {
		t.Fatalf("clamped: %+v", u.Ops)
	}
	for _, bad := range []any{[]int{1}, map[string]any{"x": [][2]int{{0, 1}}}, map[string]any{general.String(): "0-99"}} {
		g, _ := connect(t, s, alice, msgIntents)
		g.send(protocol.OpGuildSubscriptions, map[string]any{"guild_id": gd.ID.String(), "channels": bad})
		g.expectClose(int(protocol.CloseDecodeError))
	}
}
