//go:build cluster

package clustertest

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/accordchat/accord/internal/chat"
)

// TestCrossNodeDMs opens a DM between users whose sessions are on two
// different nodes and posts into it through every node: each post runs at
// the channel's owner (forwarded from the others) and reaches both
// recipients' sessions, in order; a user on the third node sees nothing.
func TestCrossNodeDMs(t *testing.T) {
	c := startCluster(t, 3)
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	owner := n1.api().Register(t, "owner")
	g, general := owner.CreateGuild(t, "dms")
	alice := n2.api().Register(t, "alice")
	as(alice, n3).Join(t, as(owner, n2), general)
	carol := n3.api().Register(t, "carol")
	_, alone := carol.CreateGuild(t, "alone")

	og := c.connect(t, "owner@n1", owner, n1)
	ag := c.connect(t, "alice@n2", alice, n2)
	cg := c.connect(t, "carol@n3", carol, n3)
	waitGuild(t, g.ID, og, ag)

	var dm struct {
		ID chat.ID `json:"id"`
	}
	as(owner, n3).Must(t, http.StatusOK, "POST", "/users/@me/channels", map[string]any{"recipient_id": alice.UserID}, &dm)
	for i, nd := range c.nodes {
		again := dm
		as(alice, nd).Must(t, http.StatusOK, "POST", "/users/@me/channels", map[string]any{"recipient_id": owner.UserID}, &again)
		if again.ID != dm.ID {
			t.Fatalf("open %d through %s made DM %d, want %d", i, nd.id, again.ID, dm.ID)
		}
	}
	var sent []chat.ID
	for i := range 6 {
		from := owner
		if i%2 == 1 {
			from = alice
		}
		sent = append(sent, as(from, c.nodes[i%3]).Send(t, dm.ID, fmt.Sprintf("dm %d", i)).ID)
	}
	for _, s := range []*gw{og, ag} {
		for _, id := range sent {
			s.waitEvent(t, fmt.Sprintf("MESSAGE_CREATE %d", id), named("MESSAGE_CREATE", func(d eventData) bool {
				return d.ID == id && d.ChannelID == dm.ID && d.GuildID == 0
			}))
		}
	}
	// Must not see: carol's session, on the third node, got none of it.
	marker := as(carol, n1).Send(t, alone, "marker").ID
	cg.waitEvent(t, "marker", named("MESSAGE_CREATE", func(d eventData) bool { return d.ID == marker }))
	for _, e := range cg.last().events {
		if d := e.data(); d.ChannelID == dm.ID || d.ID == dm.ID {
			t.Fatalf("carol saw %s of the DM", e.name)
		}
	}
	// Nor can she read it through any node.
	for _, nd := range c.nodes {
		if e := as(carol, nd).Fail(t, "GET", fmt.Sprintf("/channels/%d/messages", dm.ID), nil); e.Status != http.StatusForbidden {
			t.Fatalf("carol read the DM through %s: %+v", nd.id, e)
		}
	}
}
