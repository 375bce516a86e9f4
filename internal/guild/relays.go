package guild

import (
	"runtime"
	"slices"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// The actor's side of fan-out (see fanout.go): it subscribes and drops
// sessions, hands shards permission snapshots and events, and moves
// sessions between its inline shard and relays as the guild grows and
// shrinks.

// permSnapshot builds the permission snapshot from the actor's state.
func (a *actor) permSnapshot() *permState {
	p := &permState{gv: a.guildView(), channels: make(map[chat.ID]*chat.Channel, len(a.channels)), members: len(a.members)}
	for id, c := range a.channels {
		cp := *c
		p.channels[id] = &cp
		if c.Type == chat.ChannelPrivateThread {
			if p.threadMembers == nil {
				p.threadMembers = make(map[chat.ID]map[chat.ID]bool)
			}
			set := make(map[chat.ID]bool, len(a.threads.members[id]))
			for u := range a.threads.members[id] {
				set[u] = true
			}
			p.threadMembers[id] = set
		}
	}
	return p
}

// publishPerms hands shards a new permission snapshot if the guild's
// permissions changed since the last one.
func (a *actor) publishPerms() {
	if !a.permDirty {
		return
	}
	a.permDirty = false
	ev := &event{kind: evPerms, perms: a.permSnapshot()}
	a.fan.handle(ev)
	for _, r := range a.relays {
		r.in <- ev
	}
}

// deliver hands ev to every shard.
func (a *actor) deliver(ev *event) {
	a.publishPerms()
	if a.relays == nil {
		a.fan.handle(ev)
		return
	}
	for _, r := range a.relays {
		r.in <- ev
	}
}

// deliverTo hands ev to one shard.
func (a *actor) deliverTo(sh *shard, ev *event) {
	a.publishPerms()
	if sh == a.fan {
		sh.handle(ev)
		return
	}
	sh.in <- ev
}

// addSub places su in a shard (splitting into relays when the guild grows
// past the threshold) and sends it d first.
func (a *actor) addSub(su *sub, d *protocol.Dispatch) {
	id := su.s.ID()
	if old := a.subs[id]; old != nil {
		// The same session subscribing again (a retried Connect) lives
		// on, and its client's member lists with it: its watches stay.
		a.detachSub(id)
		if old.user != su.user {
			a.unwatchSession(id)
		}
	}
	home := a.fan
	if a.relays != nil {
		home = a.relays[0]
		for _, r := range a.relays[1:] {
			if r.n < home.n {
				home = r
			}
		}
		if home.n >= a.r.cfg.RelaySessions {
			home = a.startRelay()
		}
	}
	// Roles may have changed since subscribe queued su (setRoles is not
	// queued); su belongs to no shard yet, so refresh them here.
	if m := a.members[su.user]; m != nil {
		su.roles = m.Roles
	}
	su.home = home
	home.n++
	a.subs[id] = su
	a.deliverTo(home, &event{kind: evAdd, sub: su, d: d})
	if a.relays == nil && !a.r.cfg.DisableRelays && len(a.subs) > a.r.cfg.RelayThreshold {
		a.split()
	}
}

// removeSub drops one session and its member-list watches; the guild goes
// back to inline fan-out when it has shrunk well below the relay threshold.
func (a *actor) removeSub(id string) {
	a.detachSub(id)
	a.unwatchSession(id)
}

// detachSub drops one session from fan-out, keeping its member-list
// watches (see addSub).
func (a *actor) detachSub(id string) {
	su := a.subs[id]
	if su == nil {
		return
	}
	delete(a.subs, id)
	su.home.n--
	a.deliverTo(su.home, &event{kind: evRemove, session: id})
	a.maybeMerge()
}

// forgetSubs drops the actor's records of the subs for which drop is true,
// after the shards have been told (evRemoveUser, evRemoveAll).
func (a *actor) forgetSubs(drop func(*sub) bool) {
	for id, su := range a.subs {
		if drop(su) {
			delete(a.subs, id)
			su.home.n--
			a.unwatchSession(id)
		}
	}
	a.maybeMerge()
}

func (a *actor) startRelay() *shard {
	a.publishPerms()
	r := newShard(a.r, a.id, a.fan.perms)
	r.in = make(chan *event, relayInbox)
	a.relays = append(a.relays, r)
	a.r.wg.Add(1)
	a.r.relays.Add(1)
	go func() {
		defer a.r.wg.Done()
		defer a.r.relays.Add(-1)
		r.run()
	}()
	return r
}

// split hands the inline shard's sessions to relays: at least one per
// core, at most Config.RelaySessions sessions each.
func (a *actor) split() {
	n := len(a.subs)
	k := max(runtime.GOMAXPROCS(0), (n+a.r.cfg.RelaySessions-1)/a.r.cfg.RelaySessions)
	for range k {
		a.startRelay()
	}
	// Relays start from the inline shard's state; the ownership of each
	// sub passes to its relay with the channel send below.
	ids := make([]string, 0, n)
	for id := range a.fan.subs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for i, id := range ids {
		su := a.fan.subs[id]
		r := a.relays[i%k]
		su.home = r
		r.n++
		r.in <- &event{kind: evAdd, sub: su}
	}
	a.fan.subs = make(map[string]*sub)
	a.fan.view = nil
	a.fan.n = 0
	a.r.log.Info("guild fan-out moved to relays", "guild", a.id, "sessions", n, "relays", k)
}

// maybeMerge brings fan-out back into the actor once the guild has fewer
// than half the relay threshold's sessions.
func (a *actor) maybeMerge() {
	if a.relays == nil || 2*len(a.subs) >= a.r.cfg.RelayThreshold {
		return
	}
	for _, su := range a.stopRelays() {
		su.home = a.fan
		a.fan.subs[su.s.ID()] = su
		a.fan.n++
	}
	a.fan.view = nil
}

// stopRelays stops every relay after it has handled what it was sent and
// returns the sessions they owned.
func (a *actor) stopRelays() []*sub {
	var out []*sub
	for _, r := range a.relays {
		reply := make(chan map[string]*sub, 1)
		r.in <- &event{kind: evStop, reply: reply}
		for _, su := range <-reply {
			out = append(out, su)
		}
	}
	a.relays = nil
	return out
}

// barrier waits until every relay has handed out what it was sent so far.
func (a *actor) barrier() {
	dones := make([]chan struct{}, 0, len(a.relays))
	for _, r := range a.relays {
		done := make(chan struct{})
		r.in <- &event{kind: evBarrier, done: done}
		dones = append(dones, done)
	}
	for _, d := range dones {
		<-d
	}
}

// passiveTick sends PASSIVE_UPDATE_V1 for the channels whose last message
// changed since the previous tick, in event order.
func (a *actor) passiveTick() {
	if len(a.lastChanged) == 0 {
		return
	}
	list := make([]protocol.PassiveChannel, 0, len(a.lastChanged))
	for id, last := range a.lastChanged {
		list = append(list, protocol.PassiveChannel{ID: id, LastMessageID: last})
	}
	clear(a.lastChanged)
	slices.SortFunc(list, func(x, y protocol.PassiveChannel) int {
		switch {
		case x.ID < y.ID:
			return -1
		case x.ID > y.ID:
			return 1
		}
		return 0
	})
	a.enqueue(func() { a.deliver(&event{kind: evPassive, passive: list}) })
}
