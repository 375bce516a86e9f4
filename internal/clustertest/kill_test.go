//go:build cluster

package clustertest

import (
	"fmt"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
)

// guildsOwned is the node's accord_cluster_guilds_owned gauge.
func guildsOwned(t *testing.T, nd *node) float64 {
	return nd.metric(t, "accord_cluster_guilds_owned")
}

// spread creates at least min guilds (up to 16) owned by owner, each
// joined by reader, until victim (if not nil) owns one of them, so that
// killing victim moves guilds. Each REST call goes to a different node.
func spread(t *testing.T, c *cluster, victim *node, min int) (owner, reader *accordtest.Client, targets []target) {
	t.Helper()
	owner = c.nodes[0].api().Register(t, "owner")
	reader = c.nodes[1%len(c.nodes)].api().Register(t, "reader")
	for i := 0; i < 16; i++ {
		nd := func(j int) *node { return c.nodes[(i+j)%len(c.nodes)] }
		g, general := as(owner, nd(0)).CreateGuild(t, fmt.Sprintf("load %d", i))
		as(reader, nd(1)).Join(t, as(owner, nd(2)), general)
		targets = append(targets, target{guild: g.ID, channel: general})
		if len(targets) >= min && (victim == nil || guildsOwned(t, victim) > 0) {
			break
		}
	}
	var owned []string
	for _, nd := range c.nodes {
		owned = append(owned, fmt.Sprintf("%s owns %v", nd.id, guildsOwned(t, nd)))
	}
	t.Logf("%d guilds: %v", len(targets), owned)
	if victim != nil && guildsOwned(t, victim) == 0 {
		t.Fatalf("%s owns none of %d guilds", victim.id, len(targets))
	}
	return owner, reader, targets
}

// connectAll opens the named sessions and waits until each has every
// target guild's GUILD_CREATE.
func connectAll(t *testing.T, c *cluster, targets []target, specs ...sessionSpec) []*gw {
	t.Helper()
	var out []*gw
	for _, s := range specs {
		g := c.connect(t, s.name, s.user, s.home)
		for _, tg := range targets {
			waitGuild(t, tg.guild, g)
		}
		out = append(out, g)
	}
	return out
}

type sessionSpec struct {
	name string
	user *accordtest.Client
	home *node
}

// TestKillNodeDuringLoad posts 10,000 messages round-robin over three
// nodes while one of them is SIGKILLed: no acknowledged message is lost or
// stored twice, every surviving session gets every message in order, the
// killed node's session moves to a survivor (RESUME refused, IDENTIFY
// again) and gets everything after, and the node rejoins when restarted.
func TestKillNodeDuringLoad(t *testing.T) {
	const n, workers = 10_000, 6
	c := startCluster(t, 3)
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	owner, reader, targets := spread(t, c, n3, 6)
	survivors := connectAll(t, c, targets,
		sessionSpec{"owner@n1", owner, n1}, sessionSpec{"reader@n1", reader, n1},
		sessionSpec{"owner@n2", owner, n2}, sessionSpec{"reader@n2", reader, n2})
	orphan := connectAll(t, c, targets, sessionSpec{"reader@n3", reader, n3})[0]
	deadURL := n3.gateway()

	l := newLoad(c, owner, targets)
	half := make(chan struct{})
	done := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(done)
		l.run(0, n, workers, func(k int) {
			if k == n/2 {
				close(half)
			}
		})
	}()
	<-half
	n3.kill(t)
	killed := time.Now()
	<-done
	t.Logf("%d posts in %v; n3 killed %v in", n, time.Since(start).Round(time.Millisecond), killed.Sub(start).Round(time.Millisecond))

	acked := l.summary(t, n3.id, 0)
	if acked < n*99/100 {
		t.Errorf("only %d of %d messages acknowledged: the cluster did not keep serving after the kill", acked, n)
	}
	stored := l.checkHistory(t, []*node{n1, n2})
	l.settle(t, stored, append(survivors, orphan)...)
	t.Logf("the killed node's session: %s", orphan.story())
	if orphan.invalidSessions() == 0 || orphan.lives() < 2 || sameHost(orphan.last().url, deadURL) {
		t.Errorf("the session of the killed node: %d INVALID_SESSIONs, %d READYs, now on %s; want a RESUME refused and a new READY on a survivor\n%s",
			orphan.invalidSessions(), orphan.lives(), orphan.last().url, orphan.story())
	}

	// The killed node comes back under its name, the others see it live,
	// and messages posted through every node (some to guilds that move
	// back to it) reach every session, old and new.
	n3.restart(t)
	l.revive(n3)
	c.waitLive(t, c.nodes...)
	fresh := connectAll(t, c, targets, sessionSpec{"owner@n3", owner, n3})
	l.run(n, n+10*len(targets), 3, func(int) {})
	if acked := l.summary(t, "", n); acked != 10*len(targets) {
		t.Errorf("after the restart, %d of %d messages acknowledged", acked, 10*len(targets))
	}
	stored = l.checkHistory(t, c.nodes)
	l.settle(t, stored, append(append(survivors, orphan), fresh...)...)
}

// TestKillNATSServer posts 3,000 messages round-robin over three nodes
// while a NATS server some node uses (server 2 if any does) is SIGKILLed
// and later restarted: no acknowledged
// message is lost or stored twice and every session gets every message in
// order (envelopes lost with the server are sent again).
func TestKillNATSServer(t *testing.T) {
	const n, workers = 3000, 6
	c := startCluster(t, 3)
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	owner, reader, targets := spread(t, c, nil, 6)
	sessions := connectAll(t, c, targets,
		sessionSpec{"owner@n1", owner, n1}, sessionSpec{"reader@n1", reader, n1},
		sessionSpec{"owner@n2", owner, n2}, sessionSpec{"reader@n2", reader, n2},
		sessionSpec{"owner@n3", owner, n3}, sessionSpec{"reader@n3", reader, n3})

	l := newLoad(c, owner, targets)
	third, twoThirds := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.run(0, n, workers, func(k int) {
			switch k {
			case n / 3:
				close(third)
			case 2 * n / 3:
				close(twoThirds)
			}
		})
	}()
	<-third
	// Server 2, unless no node is connected to it (each node picks one of
	// the three at random): killing a server no node uses would test
	// only the routes between servers.
	victim := 0
	for _, i := range []int{2, 1, 3} {
		if victim == 0 && len(c.ours(natsClients(t, i))) > 0 {
			victim = i
		}
	}
	if victim == 0 {
		t.Fatal("no node is connected to any NATS server")
	}
	t.Logf("NATS server %d has nodes %v", victim, c.ours(natsClients(t, victim)))
	natsKill(t, victim)
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			natsStart(t, victim) // the next test needs all three
		}
	})
	<-twoThirds
	natsStart(t, victim)
	restarted = true
	<-done

	if acked := l.summary(t, "", 0); acked < n*99/100 {
		t.Errorf("only %d of %d messages acknowledged while a NATS server was down", acked, n)
	}
	stored := l.checkHistory(t, c.nodes)
	l.settle(t, stored, sessions...)
}

// ours keeps the names that are node ids of c.
func (c *cluster) ours(names []string) []string {
	var out []string
	for _, name := range names {
		for _, nd := range c.nodes {
			if nd.id == name {
				out = append(out, name)
			}
		}
	}
	return out
}
