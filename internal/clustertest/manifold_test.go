//go:build cluster

package clustertest

import (
	"fmt"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
)

const (
	envelopesSent = "accord_cluster_envelopes_sent_total"
	envelopeBytes = "accord_cluster_envelope_bytes_sent_total"
	remoteEvents  = "accord_cluster_remote_events_total"
)

// counters reads the envelope counters of every node.
func counters(t *testing.T, c *cluster) map[string][3]float64 {
	t.Helper()
	out := map[string][3]float64{}
	for _, nd := range c.nodes {
		out[nd.id] = [3]float64{nd.metric(t, envelopesSent), nd.metric(t, envelopeBytes), nd.metric(t, remoteEvents)}
	}
	return out
}

// quiet waits until no node's envelope counters move for half a second,
// so what a test measures next is its own events only.
func quiet(t *testing.T, c *cluster) map[string][3]float64 {
	t.Helper()
	prev := counters(t, c)
	for deadline := time.Now().Add(15 * time.Second); ; {
		time.Sleep(500 * time.Millisecond)
		cur := counters(t, c)
		if fmt.Sprint(cur) == fmt.Sprint(prev) {
			return cur
		}
		if time.Now().After(deadline) {
			t.Fatalf("envelope counters still moving after 15s: %v", cur)
		}
		prev = cur
	}
}

// TestManifoldEnvelopes puts 2, 3 and 4 sessions of one guild on three
// nodes and posts messages: with Manifold each event crosses NATS once per
// node with recipients other than the guild's owner (2), with
// --manifold=false once per recipient session on those nodes.
func TestManifoldEnvelopes(t *testing.T) {
	for _, manifold := range []bool{true, false} {
		t.Run(fmt.Sprintf("manifold=%v", manifold), func(t *testing.T) {
			c := startCluster(t, 3, fmt.Sprintf("--manifold=%v", manifold))
			owner := c.nodes[0].api().Register(t, "owner")
			g, general := owner.CreateGuild(t, "manifold")
			var users []*accordtest.Client
			for i := range 4 {
				u := c.nodes[i%3].api().Register(t, fmt.Sprintf("member%d", i))
				as(u, c.nodes[(i+1)%3]).Join(t, as(owner, c.nodes[(i+2)%3]), general)
				users = append(users, u)
			}
			// Node i gets sessions of users 0..i+1: 2, 3 and 4 sessions.
			perNode := map[string]int{}
			var sessions []*gw
			for i, nd := range c.nodes {
				for j := range i + 2 {
					s := c.connect(t, fmt.Sprintf("member%d@%s", j, nd.id), users[j], nd)
					waitGuild(t, g.ID, s)
					sessions = append(sessions, s)
					perNode[nd.id]++
				}
			}

			const events = 20
			before := quiet(t, c)
			var ids []chat.ID
			for i := range events {
				ids = append(ids, as(owner, c.nodes[i%3]).Send(t, general, fmt.Sprintf("counted %d", i)).ID)
			}
			for _, s := range sessions {
				for _, id := range ids {
					s.waitEvent(t, fmt.Sprint("MESSAGE_CREATE ", id), named("MESSAGE_CREATE", func(d eventData) bool { return d.ID == id }))
				}
			}
			after := quiet(t, c)

			var sent, bytes, remote float64
			var ownerID string
			for _, nd := range c.nodes {
				d := [3]float64{}
				for k := range d {
					d[k] = after[nd.id][k] - before[nd.id][k]
				}
				t.Logf("%s (%d sessions): %v envelopes, %v bytes, %v remote events", nd.id, perNode[nd.id], d[0], d[1], d[2])
				sent, bytes, remote = sent+d[0], bytes+d[1], remote+d[2]
				if d[2] > 0 {
					if ownerID != "" {
						t.Errorf("both %s and %s fanned out the guild's events", ownerID, nd.id)
					}
					ownerID = nd.id
				}
			}
			if ownerID == "" {
				t.Fatalf("no node counted a remote event for %d messages", events)
			}
			want := 0 // NATS messages per event
			for id, k := range perNode {
				if id == ownerID {
					continue
				}
				if manifold {
					want++
				} else {
					want += k
				}
			}
			if remote != events || sent != float64(events*want) || bytes <= 0 {
				t.Errorf("%d events from owner %s: %v envelopes (%v per event), %v remote events, %v bytes; want %d envelopes (%d per event), %d remote events",
					events, ownerID, sent, sent/events, remote, bytes, events*want, want, events)
			}
		})
	}
}
