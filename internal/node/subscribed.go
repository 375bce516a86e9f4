package node

import (
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/cluster"
)

// subscribedGuilds is one session's subscriptions: guild -> the owner (id
// and incarnation) it is subscribed at. Almost every session has a few, so
// they are a short slice; a map (about 400 bytes for one entry, of every
// idle session in a cluster) takes over beyond smallGuilds, for a bot's
// shard with thousands.
type subscribedGuilds struct {
	small []subscribedGuild
	big   map[chat.ID]cluster.Member
}

type subscribedGuild struct {
	id    chat.ID
	owner cluster.Member
}

const smallGuilds = 8

func (g *subscribedGuilds) get(id chat.ID) (cluster.Member, bool) {
	if g.big != nil {
		m, ok := g.big[id]
		return m, ok
	}
	for _, s := range g.small {
		if s.id == id {
			return s.owner, true
		}
	}
	return cluster.Member{}, false
}

func (g *subscribedGuilds) set(id chat.ID, owner cluster.Member) {
	if g.big != nil {
		g.big[id] = owner
		return
	}
	for i := range g.small {
		if g.small[i].id == id {
			g.small[i].owner = owner
			return
		}
	}
	if len(g.small) < smallGuilds {
		g.small = append(g.small, subscribedGuild{id, owner})
		return
	}
	g.big = make(map[chat.ID]cluster.Member, 2*smallGuilds)
	for _, s := range g.small {
		g.big[s.id] = s.owner
	}
	g.big[id] = owner
	g.small = nil
}

// remove deletes id and returns where it was subscribed.
func (g *subscribedGuilds) remove(id chat.ID) (cluster.Member, bool) {
	if g.big != nil {
		m, ok := g.big[id]
		delete(g.big, id)
		return m, ok
	}
	for i, s := range g.small {
		if s.id == id {
			last := len(g.small) - 1
			g.small[i] = g.small[last]
			g.small[last] = subscribedGuild{}
			g.small = g.small[:last]
			return s.owner, true
		}
	}
	return cluster.Member{}, false
}

func (g *subscribedGuilds) len() int {
	if g.big != nil {
		return len(g.big)
	}
	return len(g.small)
}

// each calls f for every subscription.
func (g *subscribedGuilds) each(f func(id chat.ID, owner cluster.Member)) {
	if g.big != nil {
		for id, m := range g.big {
			f(id, m)
		}
		return
	}
	for _, s := range g.small {
		f(s.id, s.owner)
	}
}
