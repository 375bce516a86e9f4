package guild

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// The life of a thread: start (from a message, without one, or as a
// forum post), edit (archive, lock, rename, tags), auto-archive, delete.

// ThreadCreate is a validated start-thread request.
type ThreadCreate struct {
	Name string
	// Type is the thread type asked for; 0 means Discord's default (a
	// private thread without a message in a text channel before API v10;
	// v10 asks for it, so the REST layer passes 11 or 12).
	Type                int
	AutoArchiveDuration int // 0: the parent's default, else 4320 for posts, 1440 otherwise
	Invitable           *bool
	RateLimit           *int
	AppliedTags         []chat.ID
	// MessageID starts the thread from a message of the parent channel.
	MessageID chat.ID
	// Message is a forum or media post's first message.
	Message *MessageCreate
}

// ThreadCreated is a started thread and, for a forum post, its first
// message's JSON.
type ThreadCreated struct {
	Thread  protocol.Channel
	Message []byte
}

// StartThread starts a thread in channelID (see ThreadCreate). Threads
// need CREATE_PUBLIC_THREADS or CREATE_PRIVATE_THREADS in a text or
// announcement channel, and SEND_MESSAGES in a forum or media channel;
// a timed-out member has neither.
func (r *Registry) StartThread(ctx context.Context, channelID, userID chat.ID, req ThreadCreate) (ThreadCreated, error) {
	guildID, err := r.guildOf(ctx, channelID)
	if err != nil {
		return ThreadCreated{}, err
	}
	v, err := await(ctx, r, guildID, func(a *actor, reply func(ThreadCreated, error)) {
		parent := a.channels[channelID]
		if a.gone || parent == nil {
			reply(ThreadCreated{}, chat.ErrUnknownChannel)
			return
		}
		wctx, cancel := r.workContext(ctx)
		th, err := a.startThread(wctx, parent, userID, req)
		if err != nil {
			cancel()
			reply(ThreadCreated{}, err)
			return
		}
		if req.Message == nil {
			if req.MessageID == 0 && th.Type != chat.ChannelPrivateThread {
				a.announceThread(wctx, parent, th, userID)
			}
			cancel()
			reply(ThreadCreated{Thread: a.threadObject(th)}, nil)
			return
		}
		// A post's first message has the thread's ID, as on Discord.
		msg := *req.Message
		msg.id = th.ID
		a.createMessage(wctx, th, userID, msg, func(b []byte, err error) {
			defer cancel()
			if err != nil {
				// No post without its message: take the thread back.
				a.dropThread(wctx, th)
				reply(ThreadCreated{}, err)
				return
			}
			reply(ThreadCreated{Thread: a.threadObject(a.channels[th.ID]), Message: b}, nil)
		})
	})
	if errors.Is(err, chat.ErrUnknownGuild) {
		return v, chat.ErrUnknownChannel
	}
	return v, err
}

func (a *actor) startThread(ctx context.Context, parent *chat.Channel, userID chat.ID, req ThreadCreate) (*chat.Channel, error) {
	if err := a.require(userID, parent, protocol.PermViewChannel); err != nil {
		return nil, err
	}
	perms := a.perms(userID, parent)
	forum := chat.IsThreadOnly(parent.Type)
	typ := req.Type
	switch {
	case forum:
		if req.Message == nil {
			return nil, protocol.InvalidForm(protocol.FieldError{Path: "message", Code: protocol.FieldBaseTypeRequired, Message: "This field is required"})
		}
		typ = chat.ChannelPublicThread
		if perms&protocol.PermSendMessages == 0 {
			return nil, chat.ErrMissingPerms
		}
	case parent.Type == chat.ChannelText || parent.Type == chat.ChannelAnnouncement:
		if req.Message != nil {
			return nil, protocol.NewAPIError(400, protocol.CodeInvalidChannelType, "Cannot execute action on this channel type")
		}
		if req.MessageID != 0 || typ == 0 {
			typ = chat.ChannelPublicThread
		}
		if parent.Type == chat.ChannelAnnouncement {
			if typ == chat.ChannelPrivateThread {
				return nil, protocol.InvalidForm(protocol.FieldError{Path: "type", Code: "THREAD_TYPE_INVALID", Message: "Announcement channels have no private threads"})
			}
			typ = chat.ChannelAnnouncementThread
		} else if typ == chat.ChannelAnnouncementThread {
			typ = chat.ChannelPublicThread
		}
		need := protocol.PermCreatePublicThreads
		if typ == chat.ChannelPrivateThread {
			need = protocol.PermCreatePrivateThreads
		}
		if perms&need == 0 {
			return nil, chat.ErrMissingPerms
		}
	default:
		return nil, protocol.NewAPIError(400, protocol.CodeInvalidChannelType, "Cannot execute action on this channel type")
	}
	tags, err := a.checkAppliedTags(parent, userID, req.AppliedTags, nil)
	if err != nil {
		return nil, err
	}
	id := a.r.ids.Next()
	if req.MessageID != 0 {
		if perms&protocol.PermReadMessageHistory == 0 {
			return nil, chat.ErrMissingPerms
		}
		if _, err := a.r.data.Message(ctx, parent.ID, req.MessageID); err != nil {
			return nil, err
		}
		if a.channels[req.MessageID] != nil {
			return nil, protocol.NewAPIError(400, protocol.CodeThreadAlreadyExists, "A thread has already been created for this message")
		}
		id = req.MessageID
	}
	// A forum's post slowmode is the forum's rate_limit_per_user; taken
	// last, as for messages, so that a refused post starts no window.
	if forum {
		if err := a.takeSlowmode(parent, userID, perms); err != nil {
			return nil, err
		}
	}
	now := a.r.cfg.Now().UTC().Truncate(time.Millisecond)
	dur := req.AutoArchiveDuration
	if dur == 0 && parent.Forum != nil {
		dur = parent.Forum.DefaultAutoArchiveDuration
	}
	if dur == 0 {
		dur = 1440
		if forum {
			dur = 4320
		}
	}
	rate := 0
	if parent.Forum != nil {
		rate = parent.Forum.DefaultThreadRateLimit
	}
	if req.RateLimit != nil {
		rate = *req.RateLimit
	}
	meta := &chat.ThreadMeta{OwnerID: userID, AutoArchiveDuration: dur, ArchiveTimestamp: now, CreateTimestamp: now,
		LastActive: now, AppliedTags: tags, Invitable: typ == chat.ChannelPrivateThread && (req.Invitable == nil || *req.Invitable)}
	th := chat.Channel{ID: id, GuildID: a.id, Type: typ, Name: req.Name, ParentID: parent.ID, RateLimit: rate,
		Overwrites: []chat.Overwrite{}, Thread: meta}
	if err := a.r.st.PutChannel(ctx, th); err != nil {
		return nil, fmt.Errorf("guild %d: start thread: %w", a.id, err)
	}
	a.channels[th.ID] = &th
	a.r.channelGuild.Store(th.ID, a.id)
	a.threads.members[th.ID] = make(map[chat.ID]*chat.ThreadMember)
	a.invalidateView()
	// The creator is the first member; THREAD_CREATE (newly_created)
	// goes to everyone who sees the thread, the creator's with their
	// membership.
	m := chat.ThreadMember{ThreadID: th.ID, UserID: userID, GuildID: a.id, JoinedAt: now}
	if err := a.r.st.PutThreadMember(ctx, m); err != nil {
		return nil, fmt.Errorf("guild %d: start thread: add creator: %w", a.id, err)
	}
	a.threads.members[th.ID][userID] = &m
	obj := a.threadObject(&th)
	obj.NewlyCreated = true
	a.threadEvent(protocol.EventThreadCreate, obj, &th, a.audience(&th), protocol.IntentGuilds)
	mobj := protocol.ThreadMemberObject(m)
	mobj.GuildID = a.id
	a.threadEvent(protocol.EventThreadMemberUpdate, mobj, &th, &threadAudience{only: userID}, protocol.IntentGuilds)
	a.auditThread(ctx, userID, protocol.AuditThreadCreate, nil, &th)
	return a.channels[th.ID], nil
}

// announceThread posts the THREAD_CREATED system message (type 18) in
// the parent of a public thread started without a message, as Discord
// does: its content is the thread's name and its reference the thread.
// The thread exists already, so a failure is logged, not returned.
func (a *actor) announceThread(ctx context.Context, parent, th *chat.Channel, userID chat.ID) {
	sys := chat.Message{ID: a.r.ids.Next(), ChannelID: parent.ID, GuildID: a.id, AuthorID: userID,
		Type: chat.MessageThreadCreated, Content: th.Name, Reference: &chat.MessageReference{ChannelID: th.ID, GuildID: a.id}}
	if err := a.r.data.CreateMessage(ctx, sys); err != nil {
		a.r.log.Warn("thread created message", "guild", a.id, "thread", th.ID, "err", err)
		return
	}
	a.noteMessage(sys)
	body := a.renderMessage(sys, nil)
	ev := messageEvent(&protocol.Dispatch{Name: protocol.EventMessageCreate, Data: mustJSON(body)}, body, sys)
	a.enqueue(func() { a.deliver(ev) })
}

// dropThread removes a thread that never got its first message.
func (a *actor) dropThread(ctx context.Context, th *chat.Channel) {
	if err := a.deleteThread(ctx, th); err != nil {
		a.r.log.Error("drop thread without its message", "guild", a.id, "thread", th.ID, "err", err)
	}
}

// deleteThread removes a thread, its members and its messages' index
// entry, and sends THREAD_DELETE to those who saw it.
func (a *actor) deleteThread(ctx context.Context, th *chat.Channel) error {
	if err := a.r.st.DeleteChannel(ctx, a.id, th.ID); err != nil {
		return fmt.Errorf("guild %d: delete thread: %w", a.id, err)
	}
	if err := a.r.st.DeleteThreadMembers(ctx, th.ID); err != nil {
		return fmt.Errorf("guild %d: delete thread members: %w", a.id, err)
	}
	aud := a.audience(th)
	delete(a.channels, th.ID)
	delete(a.threads.members, th.ID)
	a.r.channelGuild.Delete(th.ID)
	a.invalidateView()
	a.threadEvent(protocol.EventThreadDelete, protocol.ThreadDeleteEvent{ID: th.ID, GuildID: a.id, ParentID: th.ParentID, Type: th.Type},
		th, aud, protocol.IntentGuilds)
	return nil
}

// deleteThreadsOf deletes the threads of a channel being deleted.
func (a *actor) deleteThreadsOf(ctx context.Context, parentID chat.ID) error {
	for _, ch := range a.channels {
		if ch.Thread != nil && ch.ParentID == parentID {
			if err := a.deleteThread(ctx, ch); err != nil {
				return err
			}
		}
	}
	return nil
}

// ThreadEdit is the thread part of PATCH /channels/{id}.
type ThreadEdit struct {
	Archived            *bool
	Locked              *bool
	Invitable           *bool
	AutoArchiveDuration *int
	AppliedTags         *[]chat.ID
}

// editThread applies a PATCH to a thread. MANAGE_THREADS may change
// anything; the thread's owner its name, archive state, duration and
// tags; anyone who may send in it may unarchive it while it is not
// locked. An archived thread takes only changes that unarchive it.
func (a *actor) editThread(ctx context.Context, th *chat.Channel, userID chat.ID, e ChannelEdit) (protocol.Channel, error) {
	if err := a.require(userID, th, protocol.PermViewChannel); err != nil {
		return protocol.Channel{}, err
	}
	t := e.Thread
	if t == nil {
		t = &ThreadEdit{}
	}
	manage := a.has(userID, th, protocol.PermManageThreads)
	owner := th.Thread.OwnerID == userID
	c := *th
	meta := *th.Thread
	c.Thread = &meta
	onlyUnarchive := t.Archived != nil && !*t.Archived && t.Locked == nil && t.Invitable == nil && t.AutoArchiveDuration == nil &&
		t.AppliedTags == nil && e.Name == nil && e.RateLimit == nil
	switch {
	case manage:
	case onlyUnarchive && !th.Thread.Locked && a.has(userID, th, protocol.PermSendMessages):
	case owner && t.Locked == nil && t.Invitable == nil && e.RateLimit == nil && (!th.Thread.Locked || t.Archived == nil):
	default:
		return protocol.Channel{}, chat.ErrMissingPerms
	}
	if th.Thread.Archived && (t.Archived == nil || *t.Archived) {
		return protocol.Channel{}, errThreadArchived
	}
	if e.Name != nil {
		c.Name = *e.Name
	}
	if e.RateLimit != nil {
		c.RateLimit = *e.RateLimit
	}
	now := a.r.cfg.Now().UTC().Truncate(time.Millisecond)
	if t.Archived != nil && *t.Archived != meta.Archived {
		meta.Archived = *t.Archived
		meta.ArchiveTimestamp = now
		if !meta.Archived {
			meta.LastActive = now
		}
	}
	if t.Locked != nil {
		meta.Locked = *t.Locked
	}
	if t.Invitable != nil && c.Type == chat.ChannelPrivateThread {
		meta.Invitable = *t.Invitable
	}
	if t.AutoArchiveDuration != nil {
		meta.AutoArchiveDuration = *t.AutoArchiveDuration
	}
	if t.AppliedTags != nil {
		tags, err := a.checkAppliedTags(a.channels[th.ParentID], userID, *t.AppliedTags, th.Thread.AppliedTags)
		if err != nil {
			return protocol.Channel{}, err
		}
		meta.AppliedTags = tags
	}
	before := *th
	obj, err := a.saveThread(ctx, c)
	if err != nil {
		return obj, err
	}
	a.auditThread(ctx, userID, protocol.AuditThreadUpdate, &before, &c)
	return obj, nil
}

// unarchiveForSend unarchives an archived thread someone sends in, as
// Discord does; a locked thread refuses those without MANAGE_THREADS.
func (a *actor) unarchiveForSend(ctx context.Context, th *chat.Channel, perms protocol.Permission) error {
	if th.Thread == nil || !th.Thread.Archived && !th.Thread.Locked {
		return nil
	}
	if th.Thread.Locked && perms&protocol.PermManageThreads == 0 {
		return protocol.NewAPIError(403, protocol.CodeThreadLocked, "Thread is locked")
	}
	if !th.Thread.Archived {
		return nil
	}
	c := *th
	meta := *th.Thread
	now := a.r.cfg.Now().UTC().Truncate(time.Millisecond)
	meta.Archived, meta.ArchiveTimestamp, meta.LastActive = false, now, now
	c.Thread = &meta
	_, err := a.saveThread(ctx, c)
	return err
}

// threadMessageSent counts a new message of a thread, keeps the thread
// awake, and makes its author a member, as posting does on Discord.
func (a *actor) threadMessageSent(ctx context.Context, m chat.Message) {
	th := a.channels[m.ChannelID]
	if th == nil || th.Thread == nil {
		return
	}
	c := *th
	meta := *th.Thread
	if m.ID != th.ID { // a post's first message is not counted, as on Discord
		meta.MessageCount++
		meta.TotalMessageSent++
	}
	meta.LastActive = a.r.cfg.Now().UTC().Truncate(time.Millisecond)
	c.Thread = &meta
	if err := a.r.st.PutChannel(ctx, c); err != nil {
		a.r.log.Error("count thread message", "guild", a.id, "thread", th.ID, "err", err)
	} else {
		*th = c
	}
	if err := a.addThreadMember(ctx, th, m.AuthorID, true); err != nil {
		a.r.log.Error("add thread author", "guild", a.id, "thread", th.ID, "err", err)
	}
}

// archiveDue archives every thread whose auto-archive time has come;
// run from the actor's archive ticker (Config.ThreadArchiveEvery).
func (a *actor) archiveDue() {
	if a.gone || !a.loaded {
		return
	}
	now := a.r.cfg.Now()
	ctx, cancel := a.r.workContext(context.Background())
	defer cancel()
	for _, ch := range a.channels {
		t := ch.Thread
		if t == nil || t.Archived || now.Before(protocol.ThreadArchiveTime(t.LastActive, t.AutoArchiveDuration)) {
			continue
		}
		c := *ch
		meta := *t
		meta.Archived = true
		meta.ArchiveTimestamp = now.UTC().Truncate(time.Millisecond)
		c.Thread = &meta
		if _, err := a.saveThread(ctx, c); err != nil {
			a.r.log.Error("auto-archive thread", "guild", a.id, "thread", ch.ID, "err", err)
		}
	}
}

// deleteThreadAs deletes a thread for DELETE /channels/{id}: it needs
// MANAGE_THREADS.
func (a *actor) deleteThreadAs(ctx context.Context, th *chat.Channel, userID chat.ID) (protocol.Channel, error) {
	if err := a.require(userID, th, protocol.PermManageThreads); err != nil {
		return protocol.Channel{}, err
	}
	out := a.threadObject(th)
	gone := *th
	if err := a.deleteThread(ctx, th); err != nil {
		return protocol.Channel{}, err
	}
	a.auditThread(ctx, userID, protocol.AuditThreadDelete, &gone, nil)
	return out, nil
}

// countChannels counts the guild's channels without its threads (which
// Discord's 500-channel limit does not count).
func (a *actor) countChannels() int {
	n := 0
	for _, ch := range a.channels {
		if ch.Thread == nil {
			n++
		}
	}
	return n
}

// threadMessagesGone uncounts deleted messages of a thread: message_count
// counts the messages there are (total_message_sent keeps counting).
func (a *actor) threadMessagesGone(ctx context.Context, channelID chat.ID, ids []chat.ID) {
	th := a.channels[channelID]
	if th == nil || th.Thread == nil {
		return
	}
	n := 0
	for _, id := range ids {
		if id != th.ID { // a post's first message was never counted
			n++
		}
	}
	if n == 0 {
		return
	}
	c := *th
	meta := *th.Thread
	meta.MessageCount = max(0, meta.MessageCount-n)
	c.Thread = &meta
	if err := a.r.st.PutChannel(ctx, c); err != nil {
		a.r.log.Error("uncount thread messages", "guild", a.id, "thread", th.ID, "err", err)
		return
	}
	*th = c
}
