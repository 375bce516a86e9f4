package guild

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Threads are channels of their guild's actor: chat.Channel with Thread
// set and ParentID naming the text, announcement, forum or media channel
// they live in. They take their parent's permissions (threadPerms), their
// messages go through the usual message routes and fan-out, and a private
// thread is seen only by its members and by those with MANAGE_THREADS.
// Who has joined which thread is kept here, per thread, and in the
// store's ThreadMembers.

// threadState is the actor's thread bookkeeping.
type threadState struct {
	// members maps thread ID to its members by user ID.
	members map[chat.ID]map[chat.ID]*chat.ThreadMember
}

// loadThreads reads the members of the guild's threads.
func (a *actor) loadThreads(ctx context.Context) error {
	a.threads.members = make(map[chat.ID]map[chat.ID]*chat.ThreadMember)
	for id, ch := range a.channels {
		if ch.Thread == nil {
			continue
		}
		ms, err := a.r.st.ThreadMembers(ctx, id, 0, 0)
		if err != nil {
			return fmt.Errorf("guild %d: load members of thread %d: %w", a.id, id, err)
		}
		set := make(map[chat.ID]*chat.ThreadMember, len(ms))
		for i := range ms {
			set[ms[i].UserID] = &ms[i]
		}
		a.threads.members[id] = set
	}
	return nil
}

// threadPerms turns p, a user's permissions in a thread's parent, into
// theirs in the thread: nothing in a private thread they have not joined
// unless they may manage threads, and SEND_MESSAGES_IN_THREADS in place
// of SEND_MESSAGES, which is what posting in a thread needs on Discord.
// Mapping the bit here lets every send check (messages, typing) stay the
// same for threads.
func threadPerms(p protocol.Permission, typ int, member bool) protocol.Permission {
	if p&protocol.PermViewChannel == 0 {
		return 0
	}
	if typ == chat.ChannelPrivateThread && !member && p&protocol.PermManageThreads == 0 {
		return 0
	}
	p &^= protocol.PermSendMessages
	if p&protocol.PermSendMessagesInThreads != 0 {
		p |= protocol.PermSendMessages
	}
	return p
}

// threadMemberOf returns userID's membership of a thread, or nil.
func (a *actor) threadMemberOf(threadID, userID chat.ID) *chat.ThreadMember {
	return a.threads.members[threadID][userID]
}

// threadObject renders a thread (or any channel) with its member count.
func (a *actor) threadObject(ch *chat.Channel) protocol.Channel {
	out := protocol.ChannelObject(*ch)
	if ch.Thread != nil {
		n := len(a.threads.members[ch.ID])
		if n > 50 {
			n = 50 // Discord stops counting at 50
		}
		out.MemberCount = &n
	}
	return out
}

// threadAudience narrows a thread event (evSend with channel = the
// thread's parent) to those who may see the thread.
type threadAudience struct {
	// members, for a private thread, are the users who see it besides
	// those with MANAGE_THREADS in the parent; nil for public threads.
	members map[chat.ID]bool
	// only, when set, is the one user the event is for.
	only chat.ID
	// involved are the users a THREAD_MEMBERS_UPDATE adds or removes:
	// sessions without GUILD_MEMBERS get it only when it is about them.
	involved []chat.ID
	members2 bool // the event is THREAD_MEMBERS_UPDATE
}

// admits reports whether the session s (whose permissions in the parent
// are parent) gets the event.
func (t *threadAudience) admits(s *sub, parent protocol.Permission) bool {
	if t.only != 0 && s.user != t.only {
		return false
	}
	if t.members != nil && !t.members[s.user] && parent&protocol.PermManageThreads == 0 {
		return false
	}
	if t.members2 && s.intents&protocol.IntentGuildMembers == 0 && !hasID(t.involved, s.user) {
		return false
	}
	return true
}

// audience returns the audience of a thread's events.
func (a *actor) audience(th *chat.Channel) *threadAudience {
	aud := &threadAudience{}
	if th.Type == chat.ChannelPrivateThread {
		aud.members = make(map[chat.ID]bool, len(a.threads.members[th.ID]))
		for id := range a.threads.members[th.ID] {
			aud.members[id] = true
		}
	}
	return aud
}

// threadEvent sends a thread event to the sessions that see th.
func (a *actor) threadEvent(name string, body any, th *chat.Channel, aud *threadAudience, intent protocol.Intents) {
	d := a.dispatch(name, body)
	if d == nil {
		return
	}
	ev := &event{kind: evSend, d: d, intent: intent, channel: th.ParentID, thread: aud}
	a.enqueue(func() { a.deliver(ev) })
}

// threadUpdated saves a changed thread and sends THREAD_UPDATE.
func (a *actor) saveThread(ctx context.Context, th chat.Channel) (protocol.Channel, error) {
	if err := a.r.st.PutChannel(ctx, th); err != nil {
		return protocol.Channel{}, fmt.Errorf("guild %d: save thread %d: %w", a.id, th.ID, err)
	}
	*a.channels[th.ID] = th
	a.invalidateView()
	obj := a.threadObject(a.channels[th.ID])
	a.threadEvent(protocol.EventThreadUpdate, obj, &th, a.audience(&th), protocol.IntentGuilds)
	return obj, nil
}

// --- members ---

// addThreadMember records userID as a member of th and tells those who
// see the thread; the user's own sessions get THREAD_MEMBER_UPDATE (when
// they joined themselves) or THREAD_CREATE (when added to a private
// thread, which they could not see before).
func (a *actor) addThreadMember(ctx context.Context, th *chat.Channel, userID chat.ID, self bool) error {
	if a.threadMemberOf(th.ID, userID) != nil {
		return nil
	}
	m := chat.ThreadMember{ThreadID: th.ID, UserID: userID, GuildID: a.id, JoinedAt: a.r.cfg.Now().UTC().Truncate(time.Millisecond)}
	if err := a.r.st.PutThreadMember(ctx, m); err != nil {
		return fmt.Errorf("guild %d: add member to thread %d: %w", a.id, th.ID, err)
	}
	set := a.threads.members[th.ID]
	if set == nil {
		set = make(map[chat.ID]*chat.ThreadMember)
		a.threads.members[th.ID] = set
	}
	set[userID] = &m
	if th.Type == chat.ChannelPrivateThread {
		a.invalidateView()
	}
	obj := protocol.ThreadMemberObject(m)
	if self {
		own := obj
		own.GuildID = a.id
		a.threadEvent(protocol.EventThreadMemberUpdate, own, th, &threadAudience{only: userID}, protocol.IntentGuilds)
	} else if th.Type == chat.ChannelPrivateThread {
		tobj := a.threadObject(th)
		tobj.Member = &obj
		a.threadEvent(protocol.EventThreadCreate, tobj, th, &threadAudience{only: userID}, protocol.IntentGuilds)
	}
	aud := a.audience(th)
	aud.members2, aud.involved = true, []chat.ID{userID}
	a.threadEvent(protocol.EventThreadMembersUpdate, protocol.ThreadMembersUpdateEvent{
		ID: th.ID, GuildID: a.id, MemberCount: len(set), AddedMembers: []protocol.ThreadMember{obj},
	}, th, aud, 0)
	return nil
}

// removeThreadMember drops userID from th. The removed user still gets
// THREAD_MEMBERS_UPDATE (it is about them), even from a private thread
// they no longer see.
func (a *actor) removeThreadMember(ctx context.Context, th *chat.Channel, userID chat.ID) error {
	if a.threadMemberOf(th.ID, userID) == nil {
		return nil
	}
	if err := a.r.st.DeleteThreadMember(ctx, th.ID, userID); err != nil {
		return fmt.Errorf("guild %d: remove member from thread %d: %w", a.id, th.ID, err)
	}
	aud := a.audience(th)
	delete(a.threads.members[th.ID], userID)
	if th.Type == chat.ChannelPrivateThread {
		a.invalidateView()
	}
	aud.members2, aud.involved = true, []chat.ID{userID}
	a.threadEvent(protocol.EventThreadMembersUpdate, protocol.ThreadMembersUpdateEvent{
		ID: th.ID, GuildID: a.id, MemberCount: len(a.threads.members[th.ID]), RemovedMemberIDs: []chat.ID{userID},
	}, th, aud, 0)
	return nil
}

// threadOf returns the thread channelID names, or chat.ErrUnknownChannel
// (for a channel that is no thread, Discord's 50024).
func threadOf(ch *chat.Channel) error {
	if ch.Thread == nil {
		return protocol.NewAPIError(400, protocol.CodeInvalidChannelType, "Cannot execute action on this channel type")
	}
	return nil
}

var errThreadArchived = protocol.NewAPIError(400, protocol.CodeThreadArchived, "Thread is archived")

// requireOpenThread checks that th is a thread userID has need in and that
// it is not archived, as changing its members requires.
func (a *actor) requireOpenThread(th *chat.Channel, userID chat.ID, need protocol.Permission) error {
	if err := threadOf(th); err != nil {
		return err
	}
	if err := a.require(userID, th, need); err != nil {
		return err
	}
	if th.Thread.Archived {
		return errThreadArchived
	}
	return nil
}

// JoinThread adds userID to a thread (PUT thread-members/@me). A member
// who is timed out cannot join, as on Discord.
func (r *Registry) JoinThread(ctx context.Context, threadID, userID chat.ID) error {
	return r.channelCall(ctx, threadID, func(ctx context.Context, a *actor, th *chat.Channel) error {
		if err := a.requireOpenThread(th, userID, protocol.PermViewChannel); err != nil {
			return err
		}
		if m := a.members[userID]; a.timedOut(m) && a.perms(userID, nil) != protocol.PermAll {
			return chat.ErrMissingPerms
		}
		return a.addThreadMember(ctx, th, userID, true)
	})
}

// LeaveThread removes userID from a thread (DELETE thread-members/@me).
func (r *Registry) LeaveThread(ctx context.Context, threadID, userID chat.ID) error {
	return r.channelCall(ctx, threadID, func(ctx context.Context, a *actor, th *chat.Channel) error {
		if err := a.requireOpenThread(th, userID, protocol.PermViewChannel); err != nil {
			return err
		}
		return a.removeThreadMember(ctx, th, userID)
	})
}

// AddThreadMember adds targetID to a thread. The adder must be able to
// send in it; into a private thread only its members may add, and only
// those with MANAGE_THREADS when the thread is not invitable. The target
// must be a member of the guild who sees the parent channel.
func (r *Registry) AddThreadMember(ctx context.Context, threadID, userID, targetID chat.ID) error {
	return r.channelCall(ctx, threadID, func(ctx context.Context, a *actor, th *chat.Channel) error {
		if err := a.requireOpenThread(th, userID, protocol.PermViewChannel|protocol.PermSendMessages); err != nil {
			return err
		}
		manage := a.has(userID, th, protocol.PermManageThreads)
		if th.Type == chat.ChannelPrivateThread && !manage && !th.Thread.Invitable && th.Thread.OwnerID != userID {
			return chat.ErrMissingPerms
		}
		if a.members[targetID] == nil {
			return chat.ErrUnknownMember
		}
		if parent := a.channels[th.ParentID]; parent == nil || !a.has(targetID, parent, protocol.PermViewChannel) {
			return chat.ErrMissingAccess
		}
		return a.addThreadMember(ctx, th, targetID, targetID == userID)
	})
}

// RemoveThreadMember removes targetID from a thread: MANAGE_THREADS, or
// the owner of a private thread.
func (r *Registry) RemoveThreadMember(ctx context.Context, threadID, userID, targetID chat.ID) error {
	return r.channelCall(ctx, threadID, func(ctx context.Context, a *actor, th *chat.Channel) error {
		if err := a.requireOpenThread(th, userID, protocol.PermViewChannel); err != nil {
			return err
		}
		if !a.has(userID, th, protocol.PermManageThreads) &&
			(th.Type != chat.ChannelPrivateThread || th.Thread.OwnerID != userID) {
			return chat.ErrMissingPerms
		}
		if a.threadMemberOf(th.ID, targetID) == nil {
			return chat.ErrUnknownMember
		}
		return a.removeThreadMember(ctx, th, targetID)
	})
}

// ThreadMemberPage is a GET thread-members query.
type ThreadMemberPage struct {
	After      chat.ID
	Limit      int // 1-100; 0: all (Discord without with_member)
	WithMember bool
}

// ThreadMember returns one member of a thread.
func (r *Registry) ThreadMember(ctx context.Context, threadID, userID, targetID chat.ID, withMember bool) (protocol.ThreadMember, error) {
	return askChannel(ctx, r, threadID, func(_ context.Context, a *actor, th *chat.Channel) (protocol.ThreadMember, error) {
		if err := threadOf(th); err != nil {
			return protocol.ThreadMember{}, err
		}
		if err := a.require(userID, th, protocol.PermViewChannel); err != nil {
			return protocol.ThreadMember{}, err
		}
		m := a.threadMemberOf(th.ID, targetID)
		if m == nil {
			return protocol.ThreadMember{}, chat.ErrUnknownMember
		}
		return a.threadMemberObject(m, withMember), nil
	})
}

func (a *actor) threadMemberObject(m *chat.ThreadMember, withMember bool) protocol.ThreadMember {
	out := protocol.ThreadMemberObject(*m)
	if gm := a.members[m.UserID]; withMember && gm != nil {
		mo := a.memberObject(gm)
		out.Member = &mo
	}
	return out
}

// ThreadMembers lists a thread's members in user-ID order.
func (r *Registry) ThreadMembers(ctx context.Context, threadID, userID chat.ID, p ThreadMemberPage) ([]protocol.ThreadMember, error) {
	return askChannel(ctx, r, threadID, func(_ context.Context, a *actor, th *chat.Channel) ([]protocol.ThreadMember, error) {
		if err := threadOf(th); err != nil {
			return nil, err
		}
		if err := a.require(userID, th, protocol.PermViewChannel); err != nil {
			return nil, err
		}
		ids := make([]chat.ID, 0, len(a.threads.members[th.ID]))
		for id := range a.threads.members[th.ID] {
			if id > p.After {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		if p.Limit > 0 && len(ids) > p.Limit {
			ids = ids[:p.Limit]
		}
		out := make([]protocol.ThreadMember, 0, len(ids))
		for _, id := range ids {
			out = append(out, a.threadMemberObject(a.threads.members[th.ID][id], p.WithMember))
		}
		return out, nil
	})
}

// takesMessages reports whether messages may be posted in channels of
// typ: forum and media channels take posts (threads) only.
func takesMessages(typ int) bool {
	return typ == chat.ChannelText || typ == chat.ChannelAnnouncement || chat.IsThread(typ)
}

// setStarter marks m as the message a thread was started from, as
// Discord shows it: the thread object and the HAS_THREAD flag.
func setStarter(m *protocol.Message, th protocol.Channel) {
	m.Thread = &th
	m.Flags |= protocol.MessageFlagHasThread
}

// starterThread sets the thread started from a stored message, if any:
// a thread started from a message has the message's ID.
func (r *Registry) starterThread(ctx context.Context, m *protocol.Message) {
	if _, ok := r.channelGuild.Load(m.ID); !ok {
		return
	}
	th, err := r.st.Channel(ctx, m.ID)
	if err != nil || th.Thread == nil || th.ParentID != m.ChannelID {
		return
	}
	setStarter(m, protocol.ChannelObject(th))
}
