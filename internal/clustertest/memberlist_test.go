//go:build cluster

package clustertest

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/poll"
	"github.com/accordchat/accord/internal/protocol"
)

// sendOp sends one payload on the client's current connection.
func (g *gw) sendOp(t *testing.T, op int, d any) {
	t.Helper()
	poll.Until(t, 10*time.Second, 10*time.Millisecond, func() error {
		g.mu.Lock()
		conn := g.conn
		g.mu.Unlock()
		if conn == nil {
			return fmt.Errorf("%s: not connected", g.name)
		}
		return g.send(context.Background(), conn, op, d)
	})
}

// listUpdate matches a GUILD_MEMBER_LIST_UPDATE of guildID for which ok
// is true.
func listUpdate(guildID chat.ID, ok func(protocol.MemberListUpdate) bool) func(event) bool {
	return func(e event) bool {
		if e.name != protocol.EventGuildMemberListUpdate {
			return false
		}
		var u protocol.MemberListUpdate
		return json.Unmarshal(e.d, &u) == nil && u.GuildID == guildID && ok(u)
	}
}

// TestCrossNodeMemberList: op 14 from sessions on every node reaches the
// guild's owner, whichever node that is, and the SYNC and later ops come
// back to each session; a session that cannot see the channel gets none.
func TestCrossNodeMemberList(t *testing.T) {
	c := startCluster(t, 3)
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	owner := n1.api().Register(t, "owner")
	g, general := owner.CreateGuild(t, "lists")
	alice := n2.api().Register(t, "alice")
	as(alice, n3).Join(t, as(owner, n2), general)
	bob := n3.api().Register(t, "bob")
	as(bob, n1).Join(t, as(owner, n3), general)
	var secret struct {
		ID chat.ID `json:"id"`
	}
	as(owner, n2).Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/channels", g.ID), map[string]any{
		"name": "secret", "permission_overwrites": []map[string]any{{"id": g.ID.String(), "type": 0, "deny": "1024"}},
	}, &secret)

	clients := []*gw{c.connect(t, "owner@n1", owner, n1), c.connect(t, "alice@n2", alice, n2), c.connect(t, "bob@n3", bob, n3)}
	waitGuild(t, g.ID, clients...)
	for _, cl := range clients {
		cl.sendOp(t, protocol.OpGuildSubscriptions, map[string]any{"guild_id": g.ID.String(),
			"channels": map[string]any{general.String(): [][2]int{{0, 99}}}})
	}
	// The SYNC lists the three members. How they are grouped depends on
	// whether each one's presence (sent by their own node) reached the
	// guild's owner before the op 14 did, which the test does not order:
	// one online group, or online and offline ones.
	for _, cl := range clients {
		cl.waitEvent(t, "member list SYNC", listUpdate(g.ID, func(u protocol.MemberListUpdate) bool {
			if u.ID != protocol.MemberListEveryone || u.MemberCount != 3 || len(u.Ops) != 1 || u.Ops[0].Op != protocol.ListOpSync {
				return false
			}
			members := 0
			for _, it := range *u.Ops[0].Items {
				if it.Member != nil {
					members++
				}
			}
			return members == 3
		}))
	}
	// Bob asks for #secret with a new range of general: only the owner can
	// see #secret, so only general's SYNC comes (both are handled in one
	// step at the owner, before the join below).
	clients[2].sendOp(t, protocol.OpGuildSubscriptions, map[string]any{"guild_id": g.ID.String(),
		"channels": map[string]any{general.String(): [][2]int{{0, 98}}, secret.ID.String(): [][2]int{{0, 99}}}})
	clients[2].waitEvent(t, "member list SYNC [0,98]", listUpdate(g.ID, func(u protocol.MemberListUpdate) bool {
		return len(u.Ops) == 2 && u.Ops[1].Op == protocol.ListOpSync && *u.Ops[1].Range == [2]int{0, 98}
	}))

	// Carol joins through n2: every session's list gets her INSERT. The
	// three others are online (their IDENTIFY), so she is the first of an
	// offline group: its header comes in the same update.
	carol := n3.api().Register(t, "carol")
	as(carol, n2).Join(t, as(owner, n1), general)
	for _, cl := range clients {
		cl.waitEvent(t, "member list INSERT", listUpdate(g.ID, func(u protocol.MemberListUpdate) bool {
			if u.MemberCount != 4 || u.OnlineCount != 3 {
				return false
			}
			var header, member bool
			for _, op := range u.Ops {
				if op.Op != protocol.ListOpInsert || op.Item == nil {
					return false
				}
				header = header || (op.Item.Group != nil && op.Item.Group.ID == "offline")
				member = member || (op.Item.Member != nil && op.Item.Member.User.ID == carol.UserID)
			}
			return len(u.Ops) == 2 && header && member
		}))
	}
	for _, e := range clients[2].last().events {
		if e.name == protocol.EventGuildMemberListUpdate {
			var u protocol.MemberListUpdate
			if json.Unmarshal(e.d, &u) == nil && u.ID != protocol.MemberListEveryone {
				t.Fatalf("bob got list %q of a channel he cannot see", u.ID)
			}
		}
	}
}
