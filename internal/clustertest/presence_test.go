//go:build cluster

package clustertest

import (
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// TestCrossNodePresence: a user with sessions on two nodes stays online to
// a watcher on the third when one of them ends, and goes offline only
// after the last one ends (and its grace passes). Each node used to report
// only its own sessions, so the first node to let go made the user offline.
func TestCrossNodePresence(t *testing.T) {
	c := startCluster(t, 3)
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	owner := n1.api().Register(t, "owner")
	g, general := owner.CreateGuild(t, "presence")
	roamer := n2.api().Register(t, "roamer")
	as(roamer, n3).Join(t, as(owner, n2), general)

	watcher := dialWith(t, protocol.IntentGuildPresences, "owner@n3", owner.Prefix+owner.Token, urlsFrom(n3, c.nodes)...)
	waitGuild(t, g.ID, watcher)
	status := func(d eventData) bool { return d.User.ID == roamer.UserID }
	onA := c.connect(t, "roamer@n1", roamer, n1)
	watcher.waitEvent(t, "roamer online", named("PRESENCE_UPDATE", func(d eventData) bool {
		return status(d) && d.Status == protocol.StatusOnline
	}))
	onB := c.connect(t, "roamer@n2", roamer, n2)
	waitGuild(t, g.ID, onA, onB)

	// The n2 session ends; n1's holds on. Past n2's grace the watcher
	// must not have seen the roamer offline.
	onB.close()
	time.Sleep(7 * time.Second) // the gateway's PresenceGrace is 5 s
	if last := lastPresence(watcher, roamer.UserID); last != protocol.StatusOnline {
		t.Fatalf("with a session left on n1 the watcher sees the roamer %q\n%s", last, watcher.story())
	}
	onA.close()
	watcher.waitEvent(t, "roamer offline", named("PRESENCE_UPDATE", func(d eventData) bool {
		return status(d) && d.Status == protocol.StatusOffline
	}))
}

// lastPresence is the status of the last PRESENCE_UPDATE of user that g's
// current session got ("" if none).
func lastPresence(g *gw, user chat.ID) string {
	last := ""
	for _, e := range g.last().events {
		if d := e.data(); e.name == "PRESENCE_UPDATE" && d.User.ID == user {
			last = d.Status
		}
	}
	return last
}
