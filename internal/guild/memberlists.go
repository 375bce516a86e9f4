package guild

import (
	"context"
	"hash/fnv"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/memberlist"
	"github.com/accordchat/accord/internal/protocol"
)

// Member lists (op 14 channels, GUILD_MEMBER_LIST_UPDATE). Members who can
// see the same channels share one list: channels whose VIEW_CHANNEL
// overwrites are the same have the same viewers, so a list is named by
// those overwrites ("everyone" when there are none and @everyone can
// view). The actor builds a list when a session first watches one of its
// channels, keeps it in step with joins, leaves, role, nickname and
// presence changes, and sends each change to the watching sessions whose
// ranges it touches. A list nobody watches is dropped at the next change.
//
// A session watches at most protocol.MaxMemberListChannels channels of a
// guild and only channels it can see; a list's members are exactly the
// members who can see its channels. Changes past the end of a session's
// last range do not reach it (they move nothing it holds) except for the
// counts they change, which reach it gathered (Config.MemberListCountsEvery)
// in an update with no ops; a delete inside
// its range leaves the item after its range unsent until it scrolls (asks
// again), as Discord's client expects of a lazy list.

// memberLists is an actor's member-list state; owned by the actor.
type memberLists struct {
	lists   map[string]*mlist
	watches map[string]map[chat.ID]*watch // session -> channel -> watch
	seq     int                           // subscription order, to evict the oldest channel
	// dirty says roles, channels or overwrites changed: lists are rebuilt
	// and watchers re-synced after the op (settleMemberLists).
	dirty  bool
	remote batch
	// countsArmed says a refresh of stale watchers' counts is scheduled
	// (refreshListCounts); atomic, as a timer that gives up clears it.
	countsArmed atomic.Bool
}

// mlist is one built list.
type mlist struct {
	id       string
	channel  chat.ID // a channel of the list, for the visibility rule
	l        *memberlist.List
	online   int
	watchers map[*watch]struct{}
	// stale are watchers that missed a change of the counts (it was
	// outside their ranges); refreshListCounts sends them the new ones.
	stale map[*watch]struct{}
}

// watch is one session watching one channel's list.
type watch struct {
	session string
	user    chat.ID
	channel chat.ID
	list    *mlist
	ranges  []protocol.ListRange
	end     int // the last item index of the ranges
	seq     int
}

func newWatch(session string, user, channel chat.ID, ranges []protocol.ListRange, seq int) *watch {
	w := &watch{session: session, user: user, channel: channel, ranges: ranges, seq: seq, end: -1}
	for _, r := range ranges {
		w.end = max(w.end, r[1])
	}
	return w
}

// covers reports whether a change at item index reaches w: anything at or
// before its last range's end moves what it holds.
func (w *watch) covers(index int) bool { return index <= w.end }

// SubscribeMemberList sets the member-list ranges a session watches in a
// guild (op 14 channels): each named channel's ranges replace the previous
// ones (none: stop watching it), and the session gets a SYNC of each new
// range. Channels the session's user cannot see are ignored. Like
// Subscribe, it never starts an actor and does nothing for a session not
// subscribed to the guild.
func (r *Registry) SubscribeMemberList(ctx context.Context, guildID chat.ID, sessionID string, channels map[chat.ID][]protocol.ListRange) error {
	return r.ifRunning(ctx, guildID, func(a *actor) {
		if su := a.subs[sessionID]; su != nil && !a.gone {
			a.watchLists(su, channels)
		}
	})
}

// watchLists applies one op 14 channels object of su.
func (a *actor) watchLists(su *sub, channels map[chat.ID][]protocol.ListRange) {
	ml := &a.ml
	if ml.watches == nil {
		ml.lists = make(map[string]*mlist)
		ml.watches = make(map[string]map[chat.ID]*watch)
		ml.remote = batch{to: a.r.cfg.Remote}
	}
	id := su.s.ID()
	mine := ml.watches[id]
	if mine == nil {
		mine = make(map[chat.ID]*watch)
		ml.watches[id] = mine
	}
	ids := make([]chat.ID, 0, len(channels))
	for chID := range channels {
		ids = append(ids, chID)
	}
	slices.Sort(ids)
	for _, chID := range ids {
		ranges := channels[chID]
		old := mine[chID]
		ch := a.channels[chID]
		if len(ranges) == 0 || ch == nil || !a.has(su.user, ch, protocol.PermViewChannel) {
			if old != nil {
				a.unwatch(old)
			}
			continue
		}
		if old == nil && len(mine) >= protocol.MaxMemberListChannels {
			a.unwatch(oldestWatch(mine))
		}
		ml.seq++
		w := newWatch(id, su.user, chID, ranges, ml.seq)
		w.list = a.listFor(ch)
		w.list.watchers[w] = struct{}{}
		mine[chID] = w
		if old != nil {
			a.unwatch(old) // after w joined: a list kept watched is not rebuilt
		}
		var gone []protocol.ListRange
		if old != nil && old.list.id == w.list.id {
			for _, r := range old.ranges {
				if !slices.Contains(ranges, r) {
					gone = append(gone, r)
				}
			}
		}
		d := a.dispatch(protocol.EventGuildMemberListUpdate, a.listSync(w.list, ranges, gone))
		a.enqueue(func() { a.sendList(su, d) })
	}
	a.flushLists()
}

func oldestWatch(ws map[chat.ID]*watch) *watch {
	var o *watch
	for _, w := range ws {
		if o == nil || w.seq < o.seq {
			o = w
		}
	}
	return o
}

// unwatch drops w, and its list once nobody watches it.
func (a *actor) unwatch(w *watch) {
	ml := &a.ml
	delete(w.list.watchers, w)
	delete(w.list.stale, w) // else held until the next counts refresh
	if len(w.list.watchers) == 0 && ml.lists[w.list.id] == w.list {
		delete(ml.lists, w.list.id)
	}
	if mine := ml.watches[w.session]; mine[w.channel] == w {
		delete(mine, w.channel)
		if len(mine) == 0 {
			delete(ml.watches, w.session)
		}
	}
}

// unwatchSession drops every watch of a session whose subscription ended.
// Waiting for an op to land in a dead watch's ranges (publishList) or for
// the lists to be rebuilt (settleMemberLists) is not enough: in a large,
// quiet guild neither may come, and the watches of churned sessions would
// pile up in the lists.
func (a *actor) unwatchSession(id string) {
	for _, w := range a.ml.watches[id] {
		a.unwatch(w)
	}
}

// listID names the list of ch's viewers.
func (a *actor) listID(ch *chat.Channel) string {
	everyone := a.guildView().Roles[a.id]&(protocol.PermViewChannel|protocol.PermAdministrator) != 0
	var parts []string
	for _, o := range ch.Overwrites {
		if (o.Allow|o.Deny)&protocol.PermViewChannel == 0 {
			continue
		}
		parts = append(parts, strconv.FormatUint(uint64(o.ID), 10)+":"+
			strconv.FormatBool(o.Allow&protocol.PermViewChannel != 0)+":"+
			strconv.FormatBool(o.Deny&protocol.PermViewChannel != 0))
	}
	if everyone && len(parts) == 0 {
		return protocol.MemberListEveryone
	}
	slices.Sort(parts)
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatBool(everyone)))
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	return strconv.FormatUint(h.Sum64(), 10)
}

// listFor returns ch's list, building it if nobody watches it yet.
func (a *actor) listFor(ch *chat.Channel) *mlist {
	id := a.listID(ch)
	if l := a.ml.lists[id]; l != nil {
		return l
	}
	l := &mlist{id: id, channel: ch.ID, l: memberlist.New(), watchers: make(map[*watch]struct{})}
	for uid, m := range a.members {
		if a.has(uid, ch, protocol.PermViewChannel) {
			k := a.listKey(m)
			l.l.Set(k)
			if k.Group.Tier != memberlist.TierOffline {
				l.online++
			}
		}
	}
	a.ml.lists[id] = l
	return l
}

// listKey places m in a list: online members under their highest hoisted
// role or "online", everyone else "offline"; by display name.
func (a *actor) listKey(m *chat.Member) memberlist.Key {
	g := memberlist.Offline
	if _, online := a.presenceOf(m.UserID); online {
		g = memberlist.Online
		for _, id := range m.Roles {
			ro := a.roles[id]
			if ro == nil || !ro.Hoist {
				continue
			}
			rg := memberlist.Group{Tier: memberlist.TierRole, Position: ro.Position, Role: ro.ID}
			if g.Tier != memberlist.TierRole || rg.Compare(g) < 0 {
				g = rg
			}
		}
	}
	name := m.Nick
	if name == "" {
		u := a.userOf(m.UserID)
		name = u.GlobalName
		if name == "" {
			name = u.Username
		}
	}
	return memberlist.Key{Group: g, Name: memberlist.Fold(name), ID: m.UserID}
}

// listSync is a list's SYNC of ranges, after an INVALIDATE of gone.
func (a *actor) listSync(l *mlist, ranges, gone []protocol.ListRange) protocol.MemberListUpdate {
	u := a.listHead(l)
	for _, r := range gone {
		u.Ops = append(u.Ops, protocol.MemberListOp{Op: protocol.ListOpInvalidate, Range: &r})
	}
	var buf []memberlist.Item
	for _, r := range ranges {
		buf = l.l.Range(buf[:0], r[0], r[1])
		items := make([]protocol.MemberListItem, 0, len(buf))
		for _, it := range buf {
			items = append(items, a.listItem(it))
		}
		u.Ops = append(u.Ops, protocol.MemberListOp{Op: protocol.ListOpSync, Range: &r, Items: &items})
	}
	return u
}

// listHead is an update with the list's counts and no ops.
func (a *actor) listHead(l *mlist) protocol.MemberListUpdate {
	u := protocol.MemberListUpdate{GuildID: a.id, ID: l.id, MemberCount: l.l.Len(), OnlineCount: l.online,
		Groups: make([]protocol.MemberListGroup, 0, len(l.l.Groups())), Ops: []protocol.MemberListOp{}}
	for _, g := range l.l.Groups() {
		u.Groups = append(u.Groups, protocol.MemberListGroup{ID: g.Group.ID(), Count: g.Count})
	}
	return u
}

func (a *actor) listItem(it memberlist.Item) protocol.MemberListItem {
	if it.Header {
		return protocol.MemberListItem{Group: &protocol.MemberListGroup{ID: it.Group.ID(), Count: it.Count}}
	}
	m := a.members[it.Key.ID]
	if m == nil { // cannot happen: lists follow members in the same goroutine
		return protocol.MemberListItem{}
	}
	lm := &protocol.MemberListMember{Member: a.memberObject(m)}
	if p, ok := a.presenceOf(m.UserID); ok {
		lm.Presence = p
	} else {
		lm.Presence = protocol.PresenceObject(a.id, m.UserID, protocol.StatusOffline, nil)
	}
	return protocol.MemberListItem{Member: lm}
}

// sendList hands d to su: at once on this node, batched for another.
func (a *actor) sendList(su *sub, d *protocol.Dispatch) {
	if su.node != "" {
		a.ml.remote.add(su.node, su.s.ID(), d)
		return
	}
	su.s.Send(d)
}

func (a *actor) flushLists() {
	if len(a.ml.remote.nodes) > 0 {
		a.enqueue(func() { a.ml.remote.flush(a.id) })
	}
}

// listsMember moves userID in every list after a join, leave, role,
// nickname or presence change, and tells the watchers the ranges touch.
// A member who can no longer see a list's channel leaves that list; a
// session of theirs watching it stops.
func (a *actor) listsMember(userID chat.ID) {
	ml := &a.ml
	ml.dirty = false // the change was one member's: handled here
	if len(ml.lists) == 0 {
		return
	}
	m := a.members[userID]
	for _, l := range ml.lists {
		ch := a.channels[l.channel]
		var ops []memberlist.Op
		prev, was := l.l.Key(userID)
		if m != nil && ch != nil && a.has(userID, ch, protocol.PermViewChannel) {
			k := a.listKey(m)
			ops = l.l.Set(k)
			if k.Group.Tier != memberlist.TierOffline {
				l.online++
			}
		} else {
			ops = l.l.Remove(userID)
			for w := range l.watchers {
				if w.user == userID {
					a.unwatch(w)
				}
			}
		}
		if was && prev.Group.Tier != memberlist.TierOffline {
			l.online--
		}
		a.publishList(l, ops)
	}
	a.flushLists()
}

// publishList sends ops to the watchers of l they reach. Watchers whose
// ranges take the same ops share one encoded update.
func (a *actor) publishList(l *mlist, ops []memberlist.Op) {
	if len(ops) == 0 || len(l.watchers) == 0 {
		return
	}
	// An insert or delete changes the counts (a move is a delete and an
	// insert); an update in place does not.
	counts := false
	for _, op := range ops {
		counts = counts || op.Kind != memberlist.OpUpdate
	}
	var variants map[uint64]*protocol.Dispatch
	var items []protocol.MemberListItem // ops' items, encoded once
	for w := range l.watchers {
		var mask uint64
		for i, op := range ops {
			if i < 64 && w.covers(op.Index) {
				mask |= 1 << i
			}
		}
		if mask == 0 {
			// Most watchers, in a large list: checked before any lookup.
			// Their counts are refreshed soon, gathered.
			if counts {
				a.staleCounts(l, w)
			}
			continue
		}
		delete(l.stale, w) // this update carries the counts
		su := a.subs[w.session]
		if su == nil {
			a.unwatch(w)
			continue
		}
		d := variants[mask]
		if d == nil {
			if items == nil {
				items = make([]protocol.MemberListItem, len(ops))
				for i, op := range ops {
					if op.Kind != memberlist.OpDelete {
						items[i] = a.listItem(op.Item)
					}
				}
			}
			u := a.listHead(l)
			for i, op := range ops {
				if mask&(1<<i) == 0 {
					continue
				}
				idx := op.Index
				o := protocol.MemberListOp{Index: &idx}
				switch op.Kind {
				case memberlist.OpInsert:
					o.Op, o.Item = protocol.ListOpInsert, &items[i]
				case memberlist.OpUpdate:
					o.Op, o.Item = protocol.ListOpUpdate, &items[i]
				default:
					o.Op = protocol.ListOpDelete
				}
				u.Ops = append(u.Ops, o)
			}
			d = a.dispatch(protocol.EventGuildMemberListUpdate, u)
			if variants == nil {
				variants = make(map[uint64]*protocol.Dispatch)
			}
			variants[mask] = d
		}
		a.enqueue(func() { a.sendList(su, d) })
	}
}

// settleMemberLists rebuilds every watched list after roles, channels or
// overwrites changed (which can change who is in a list, its groups and
// its id) and sends each watcher a fresh SYNC of its ranges. Watchers who
// can no longer see their channel are dropped without a word.
func (a *actor) settleMemberLists() {
	ml := &a.ml
	if !ml.dirty {
		return
	}
	ml.dirty = false
	if len(ml.watches) == 0 {
		return
	}
	old := ml.watches
	ml.lists = make(map[string]*mlist)
	ml.watches = make(map[string]map[chat.ID]*watch)
	if a.gone {
		return
	}
	for sid, ws := range old {
		su := a.subs[sid]
		if su == nil {
			continue
		}
		for _, w := range ws {
			ch := a.channels[w.channel]
			if ch == nil || !a.has(w.user, ch, protocol.PermViewChannel) {
				continue
			}
			nw := newWatch(sid, w.user, w.channel, w.ranges, w.seq)
			nw.list = a.listFor(ch)
			nw.list.watchers[nw] = struct{}{}
			if ml.watches[sid] == nil {
				ml.watches[sid] = make(map[chat.ID]*watch)
			}
			ml.watches[sid][w.channel] = nw
			d := a.dispatch(protocol.EventGuildMemberListUpdate, a.listSync(nw.list, nw.ranges, nil))
			a.enqueue(func() { a.sendList(su, d) })
		}
	}
	a.flushLists()
}

// staleCounts notes that w missed a change of l's counts and makes sure a
// refresh is scheduled.
func (a *actor) staleCounts(l *mlist, w *watch) {
	if l.stale == nil {
		l.stale = make(map[*watch]struct{})
	}
	l.stale[w] = struct{}{}
	if !a.ml.countsArmed.CompareAndSwap(false, true) {
		return
	}
	every, tries := a.r.cfg.MemberListCountsEvery, 0
	var fire func()
	fire = func() {
		// A full inbox is tried again a few times; an actor that stays
		// that busy has bigger news for its sessions than counts.
		if a.offer((*actor).refreshListCounts) == nil {
			return
		}
		if tries++; tries < 10 {
			time.AfterFunc(every, fire)
		} else {
			a.ml.countsArmed.Store(false) // the next change tries again
		}
	}
	time.AfterFunc(every, fire)
}

// refreshListCounts sends each stale watcher its list's counts (an update
// with no ops), encoded once per list.
func (a *actor) refreshListCounts() {
	a.ml.countsArmed.Store(false)
	for _, l := range a.ml.lists {
		if len(l.stale) == 0 {
			continue
		}
		d := a.dispatch(protocol.EventGuildMemberListUpdate, a.listHead(l))
		for w := range l.stale {
			if _, ok := l.watchers[w]; !ok {
				continue
			}
			if su := a.subs[w.session]; su != nil {
				a.enqueue(func() { a.sendList(su, d) })
			}
		}
		clear(l.stale)
	}
	a.flushLists()
}
