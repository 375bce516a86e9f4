package guild

import (
	"context"
	"slices"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Thread lists: the active threads of GUILD_CREATE and
// GET /guilds/{id}/threads/active, and the archived lists of a channel.
// Every list holds only threads the user sees (a private thread only for
// its members and those with MANAGE_THREADS).

// visibleThreads returns the threads userID sees that keep pass, newest
// first, with the user's memberships of them.
func (a *actor) visibleThreads(userID chat.ID, keep func(th *chat.Channel) bool) ([]protocol.Channel, []protocol.ThreadMember) {
	var ths []*chat.Channel
	for _, ch := range a.channels {
		if ch.Thread != nil && keep(ch) && a.has(userID, ch, protocol.PermViewChannel) {
			ths = append(ths, ch)
		}
	}
	slices.SortFunc(ths, func(x, y *chat.Channel) int { return compareIDs(y.ID, x.ID) })
	threads := make([]protocol.Channel, 0, len(ths))
	members := make([]protocol.ThreadMember, 0)
	for _, th := range ths {
		threads = append(threads, a.threadObject(th))
		if m := a.threadMemberOf(th.ID, userID); m != nil {
			members = append(members, protocol.ThreadMemberObject(*m))
		}
	}
	return threads, members
}

func compareIDs(x, y chat.ID) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// activeThreads is GUILD_CREATE's threads: the active threads userID
// sees, each with the user's membership when they joined it.
func (a *actor) activeThreads(userID chat.ID) []protocol.Channel {
	threads, members := a.visibleThreads(userID, func(th *chat.Channel) bool { return !th.Thread.Archived })
	for i := range threads {
		for j := range members {
			if members[j].ID == threads[i].ID {
				threads[i].Member = &members[j]
			}
		}
	}
	return threads
}

// ActiveThreads answers GET /guilds/{id}/threads/active.
func (r *Registry) ActiveThreads(ctx context.Context, guildID, userID chat.ID) (protocol.ThreadList, error) {
	return ask(ctx, r, guildID, func(_ context.Context, a *actor) (protocol.ThreadList, error) {
		if err := a.requireMember(userID); err != nil {
			return protocol.ThreadList{}, err
		}
		threads, members := a.visibleThreads(userID, func(th *chat.Channel) bool { return !th.Thread.Archived })
		return protocol.ThreadList{Threads: threads, Members: members}, nil
	})
}

// ArchivedQuery is an archived-threads list query.
type ArchivedQuery struct {
	// Private lists private threads; Joined only those userID joined.
	Private, Joined bool
	// Before: threads archived before this time (Before zero: any); for
	// Joined lists BeforeID: threads with smaller IDs.
	Before   time.Time
	BeforeID chat.ID
	Limit    int // 1-100; 0: 50
}

// ArchivedThreads lists a channel's archived threads, newest archived
// first (Joined: highest ID first). Public lists need
// READ_MESSAGE_HISTORY; private ones also MANAGE_THREADS unless they list
// only the user's own.
func (r *Registry) ArchivedThreads(ctx context.Context, channelID, userID chat.ID, q ArchivedQuery) (protocol.ThreadList, error) {
	return askChannel(ctx, r, channelID, func(_ context.Context, a *actor, parent *chat.Channel) (protocol.ThreadList, error) {
		need := protocol.PermViewChannel | protocol.PermReadMessageHistory
		if q.Private && !q.Joined {
			need |= protocol.PermManageThreads
		}
		if err := a.require(userID, parent, need); err != nil {
			return protocol.ThreadList{}, err
		}
		if parent.Thread != nil {
			return protocol.ThreadList{}, threadOf(&chat.Channel{})
		}
		limit := q.Limit
		if limit <= 0 {
			limit = 50
		}
		var ths []*chat.Channel
		for _, ch := range a.channels {
			t := ch.Thread
			if t == nil || ch.ParentID != parent.ID || !t.Archived || (ch.Type == chat.ChannelPrivateThread) != q.Private {
				continue
			}
			if q.Joined && a.threadMemberOf(ch.ID, userID) == nil {
				continue
			}
			if !q.Before.IsZero() && !t.ArchiveTimestamp.Before(q.Before) || q.BeforeID != 0 && ch.ID >= q.BeforeID {
				continue
			}
			if !a.has(userID, ch, protocol.PermViewChannel) {
				continue
			}
			ths = append(ths, ch)
		}
		slices.SortFunc(ths, func(x, y *chat.Channel) int {
			if !q.Joined && !x.Thread.ArchiveTimestamp.Equal(y.Thread.ArchiveTimestamp) {
				return y.Thread.ArchiveTimestamp.Compare(x.Thread.ArchiveTimestamp)
			}
			return compareIDs(y.ID, x.ID)
		})
		more := len(ths) > limit
		if more {
			ths = ths[:limit]
		}
		out := protocol.ThreadList{Threads: make([]protocol.Channel, 0, len(ths)), Members: []protocol.ThreadMember{}, HasMore: &more}
		for _, th := range ths {
			out.Threads = append(out.Threads, a.threadObject(th))
			if m := a.threadMemberOf(th.ID, userID); m != nil {
				out.Members = append(out.Members, protocol.ThreadMemberObject(*m))
			}
		}
		return out, nil
	})
}

// visibleActive returns the IDs of the active threads userID sees.
func (a *actor) visibleActive(userID chat.ID) map[chat.ID]bool {
	out := make(map[chat.ID]bool)
	for id, ch := range a.channels {
		if ch.Thread != nil && !ch.Thread.Archived && a.has(userID, ch, protocol.PermViewChannel) {
			out[id] = true
		}
	}
	return out
}

// syncThreads sends userID THREAD_LIST_SYNC when a change (of their
// roles) let them see active threads they did not see before (before,
// from visibleActive): for each channel of such a thread, every active
// thread of it they see and their memberships, as Discord does when a
// user gains access to a channel.
func (a *actor) syncThreads(userID chat.ID, before map[chat.ID]bool) {
	parents := make(map[chat.ID]bool)
	for id := range a.visibleActive(userID) {
		if !before[id] {
			parents[a.channels[id].ParentID] = true
		}
	}
	a.sendThreadListSync(userID, parents)
}

// parentRevealed sends THREAD_LIST_SYNC to the live sessions' users
// among blind (those who could not see parent before a change of its
// overwrites) who see it now and see active threads in it.
func (a *actor) parentRevealed(parent *chat.Channel, blind map[chat.ID]bool) {
	for userID := range blind {
		if a.has(userID, parent, protocol.PermViewChannel) {
			a.sendThreadListSync(userID, map[chat.ID]bool{parent.ID: true})
		}
	}
}

// blindTo returns the users of live sessions who cannot see ch, when ch
// has active threads (nil otherwise: no change of its overwrites can
// reveal a thread then).
func (a *actor) blindTo(ch *chat.Channel) map[chat.ID]bool {
	active := false
	for _, c := range a.channels {
		if c.Thread != nil && !c.Thread.Archived && c.ParentID == ch.ID {
			active = true
			break
		}
	}
	if !active {
		return nil
	}
	out := make(map[chat.ID]bool)
	for _, s := range a.subs {
		if !out[s.user] && !a.has(s.user, ch, protocol.PermViewChannel) {
			out[s.user] = true
		}
	}
	return out
}

// sendThreadListSync sends userID THREAD_LIST_SYNC for parents: every
// active thread of them the user sees, and their memberships.
func (a *actor) sendThreadListSync(userID chat.ID, parents map[chat.ID]bool) {
	if len(parents) == 0 {
		return
	}
	threads, members := a.visibleThreads(userID, func(th *chat.Channel) bool { return !th.Thread.Archived && parents[th.ParentID] })
	if len(threads) == 0 {
		return
	}
	ids := make([]chat.ID, 0, len(parents))
	for id := range parents {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	d := a.dispatch(protocol.EventThreadListSync, protocol.ThreadListSyncEvent{GuildID: a.id, ChannelIDs: ids, Threads: threads, Members: members})
	if d == nil {
		return
	}
	ev := &event{kind: evSend, d: d, intent: protocol.IntentGuilds, thread: &threadAudience{only: userID}}
	a.enqueue(func() { a.deliver(ev) })
}
