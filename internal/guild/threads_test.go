package guild

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

// threadIDs returns the thread IDs of the sessions' events called name.
func eventIDs(s *fakeSession, name string) []chat.ID {
	var out []chat.ID
	for _, d := range s.named(name) {
		var v struct {
			ID chat.ID `json:"id"`
		}
		_ = json.Unmarshal(d.Data, &v)
		out = append(out, v.ID)
	}
	return out
}

func apiCode(err error) int {
	var ae *protocol.APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return 0
}

// allowThreads lets @everyone create public and private threads in ch.
func allowThreads(t *testing.T, e *env, m modGuild, ch chat.ID, extra protocol.Permission) {
	t.Helper()
	ow := chat.Overwrite{ID: m.g.ID, Type: chat.OverwriteRole,
		Allow: uint64(protocol.PermCreatePublicThreads | protocol.PermCreatePrivateThreads | extra)}
	if err := e.r.PutOverwrite(context.Background(), ch, m.owner, ow); err != nil {
		t.Fatal(err)
	}
}

func TestPrivateThreadReachesOnlyMembersAndManagers(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	m := newModGuild(t, e, protocol.PermManageThreads)
	allowThreads(t, e, m, m.ch, 0)
	carolS, bobS, modS := e.session(m.carol, allIntents, false), e.session(m.bob, allIntents, false), e.session(m.mod, allIntents, false)
	for _, s := range []*fakeSession{carolS, bobS, modS} {
		e.connect(t, m.g.ID, s, 250)
	}
	th, err := e.r.StartThread(ctx, m.ch, m.carol, ThreadCreate{Name: "secret", Type: chat.ChannelPrivateThread})
	if err != nil {
		t.Fatal(err)
	}
	id := th.Thread.ID
	if th.Thread.Type != chat.ChannelPrivateThread || th.Thread.ThreadMetadata == nil || *th.Thread.OwnerID != m.carol {
		t.Fatalf("thread = %+v", th.Thread)
	}
	if _, err := e.r.CreateMessage(ctx, id, m.carol, MessageCreate{Content: "only us"}); err != nil {
		t.Fatal(err)
	}
	if err := e.r.AddThreadMember(ctx, id, m.carol, m.junior); err != nil {
		t.Fatal(err)
	}
	e.sync(m.g.ID)
	if got := eventIDs(carolS, protocol.EventThreadCreate); !slices.Equal(got, []chat.ID{id}) {
		t.Errorf("creator's THREAD_CREATE = %v", got)
	}
	if got := eventIDs(modS, protocol.EventThreadCreate); !slices.Equal(got, []chat.ID{id}) {
		t.Errorf("MANAGE_THREADS's THREAD_CREATE = %v", got)
	}
	if len(modS.named(protocol.EventMessageCreate)) != 1 || len(carolS.named(protocol.EventMessageCreate)) != 1 {
		t.Errorf("members and managers must get the thread's message")
	}
	// Must not see: bob is neither member nor manager.
	for _, name := range []string{protocol.EventThreadCreate, protocol.EventMessageCreate, protocol.EventThreadMembersUpdate,
		protocol.EventThreadMemberUpdate} {
		if n := len(bobS.named(name)); n != 0 {
			t.Errorf("non-member got %d %s", n, name)
		}
	}
	if _, err := e.r.Messages(ctx, id, m.bob, store.Page{Limit: 10}); !errors.Is(err, chat.ErrMissingAccess) {
		t.Errorf("non-member reads history: err = %v", err)
	}
	if _, err := e.r.Channel(ctx, id, m.bob); !errors.Is(err, chat.ErrMissingAccess) {
		t.Errorf("non-member gets the thread: err = %v", err)
	}
	if _, err := e.r.CreateMessage(ctx, id, m.bob, MessageCreate{Content: "let me in"}); !errors.Is(err, chat.ErrMissingAccess) {
		t.Errorf("non-member posts: err = %v", err)
	}
	if err := e.r.JoinThread(ctx, id, m.bob); !errors.Is(err, chat.ErrMissingAccess) {
		t.Errorf("non-member joins a private thread: err = %v", err)
	}
	if _, err := e.r.ThreadMembers(ctx, id, m.bob, ThreadMemberPage{}); !errors.Is(err, chat.ErrMissingAccess) {
		t.Errorf("non-member lists members: err = %v", err)
	}
	if l, err := e.r.ActiveThreads(ctx, m.g.ID, m.bob); err != nil || len(l.Threads) != 0 {
		t.Errorf("non-member's active threads = %+v, %v", l, err)
	}
	if l, err := e.r.ActiveThreads(ctx, m.g.ID, m.mod); err != nil || len(l.Threads) != 1 || len(l.Members) != 0 {
		t.Errorf("manager's active threads = %+v, %v", l, err)
	}
	// GUILD_CREATE's threads follow the same rule.
	gc := func(user chat.ID) []protocol.Channel {
		var out []protocol.Channel
		err := e.r.call(ctx, m.g.ID, func(_ context.Context, a *actor) error {
			out = a.guildCreate(user, allIntents, 250).Threads
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := gc(m.bob); len(got) != 0 {
		t.Errorf("non-member's GUILD_CREATE threads = %+v", got)
	}
	if got := gc(m.junior); len(got) != 1 || got[0].Member == nil || got[0].ID != id {
		t.Errorf("added member's GUILD_CREATE threads = %+v", got)
	}
	for _, c := range gc(m.bob) {
		if c.ID == id {
			t.Error("private thread among the channels")
		}
	}
	// The parent channel's list never holds threads.
	chs, err := e.r.Channels(ctx, m.g.ID, m.carol)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chs {
		if c.ID == id {
			t.Error("thread listed as a guild channel")
		}
	}
	// Removing junior takes the thread away from them.
	if err := e.r.RemoveThreadMember(ctx, id, m.bob, m.junior); !errors.Is(err, chat.ErrMissingAccess) {
		t.Errorf("non-member removes: err = %v", err)
	}
	if err := e.r.RemoveThreadMember(ctx, id, m.carol, m.junior); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.Messages(ctx, id, m.junior, store.Page{Limit: 10}); !errors.Is(err, chat.ErrMissingAccess) {
		t.Errorf("removed member reads history: err = %v", err)
	}
}

func TestThreadPermissions(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	m := newModGuild(t, e, protocol.PermManageThreads)
	// Without CREATE_PUBLIC_THREADS nobody but owner and managers starts one.
	noCreate := chat.Overwrite{ID: m.g.ID, Type: chat.OverwriteRole, Deny: uint64(protocol.PermCreatePublicThreads)}
	if err := e.r.PutOverwrite(ctx, m.ch, m.owner, noCreate); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.StartThread(ctx, m.ch, m.bob, ThreadCreate{Name: "x", Type: chat.ChannelPublicThread}); !errors.Is(err, chat.ErrMissingPerms) {
		t.Errorf("start without CREATE_PUBLIC_THREADS: err = %v", err)
	}
	allowThreads(t, e, m, m.ch, 0)
	th, err := e.r.StartThread(ctx, m.ch, m.bob, ThreadCreate{Name: "talk", Type: chat.ChannelPublicThread})
	if err != nil {
		t.Fatal(err)
	}
	id := th.Thread.ID
	// SEND_MESSAGES_IN_THREADS, not SEND_MESSAGES, lets a member post.
	deny := chat.Overwrite{ID: m.junior, Type: chat.OverwriteMember, Deny: uint64(protocol.PermSendMessagesInThreads)}
	if err := e.r.PutOverwrite(ctx, m.ch, m.owner, deny); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.CreateMessage(ctx, id, m.junior, MessageCreate{Content: "hi"}); !errors.Is(err, chat.ErrMissingPerms) {
		t.Errorf("post without SEND_MESSAGES_IN_THREADS: err = %v", err)
	}
	if _, err := e.r.CreateMessage(ctx, m.ch, m.junior, MessageCreate{Content: "parent is fine"}); err != nil {
		t.Errorf("post in parent: %v", err)
	}
	if _, err := e.r.CreateMessage(ctx, id, m.carol, MessageCreate{Content: "hi"}); err != nil {
		t.Errorf("post with SEND_MESSAGES_IN_THREADS: %v", err)
	}
	// Posting made carol a member; counts follow.
	if _, err := e.r.ThreadMember(ctx, id, m.bob, m.carol, false); err != nil {
		t.Errorf("poster is no member: %v", err)
	}
	c, err := e.r.Channel(ctx, id, m.bob)
	if err != nil {
		t.Fatal(err)
	}
	if *c.MessageCount != 1 || *c.TotalMessageSent != 1 || *c.MemberCount != 2 {
		t.Errorf("counts = %d/%d/%d, want 1/1/2", *c.MessageCount, *c.TotalMessageSent, *c.MemberCount)
	}
	// A deleted message leaves message_count, not total_message_sent.
	extra, err := e.r.CreateMessage(ctx, id, m.carol, MessageCreate{Content: "oops"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.r.DeleteMessage(ctx, id, messageID(t, extra), m.carol); err != nil {
		t.Fatal(err)
	}
	if c, err = e.r.Channel(ctx, id, m.bob); err != nil || *c.MessageCount != 1 || *c.TotalMessageSent != 2 {
		t.Errorf("after a delete: counts = %d/%d, %v; want 1/2", *c.MessageCount, *c.TotalMessageSent, err)
	}
	// A timed-out member can neither start nor join a thread.
	until := time.Now().Add(time.Hour)
	if _, err := e.r.EditMember(ctx, m.g.ID, m.owner, m.junior, MemberEdit{SetTimeout: true, TimeoutUntil: &until}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.StartThread(ctx, m.ch, m.junior, ThreadCreate{Name: "x", Type: chat.ChannelPublicThread}); !errors.Is(err, chat.ErrMissingPerms) {
		t.Errorf("timed-out member starts a thread: err = %v", err)
	}
	if err := e.r.JoinThread(ctx, id, m.junior); !errors.Is(err, chat.ErrMissingPerms) {
		t.Errorf("timed-out member joins: err = %v", err)
	}
	// Only MANAGE_THREADS (or the owner of a private thread) removes others;
	// only MANAGE_THREADS deletes.
	if err := e.r.RemoveThreadMember(ctx, id, m.bob, m.carol); !errors.Is(err, chat.ErrMissingPerms) {
		t.Errorf("public thread's owner removes a member: err = %v", err)
	}
	if _, err := e.r.DeleteChannel(ctx, id, m.bob); !errors.Is(err, chat.ErrMissingPerms) {
		t.Errorf("delete without MANAGE_THREADS: err = %v", err)
	}
	// A thread from a message has the message's ID, and only one.
	b, err := e.r.CreateMessage(ctx, m.ch, m.carol, MessageCreate{Content: "start here"})
	if err != nil {
		t.Fatal(err)
	}
	mid := messageID(t, b)
	ft, err := e.r.StartThread(ctx, m.ch, m.carol, ThreadCreate{Name: "from msg", MessageID: mid})
	if err != nil {
		t.Fatal(err)
	}
	if ft.Thread.ID != mid || ft.Thread.Type != chat.ChannelPublicThread {
		t.Errorf("thread from message = %d type %d", ft.Thread.ID, ft.Thread.Type)
	}
	if _, err := e.r.StartThread(ctx, m.ch, m.carol, ThreadCreate{Name: "again", MessageID: mid}); apiCode(err) != protocol.CodeThreadAlreadyExists {
		t.Errorf("second thread from one message: err = %v", err)
	}
	got, err := e.r.Message(ctx, m.ch, mid, m.bob)
	if err != nil {
		t.Fatal(err)
	}
	if got.Thread == nil || got.Thread.ID != mid || got.Flags&protocol.MessageFlagHasThread == 0 {
		t.Errorf("starter message: thread %+v flags %d", got.Thread, got.Flags)
	}
	if _, err := e.r.DeleteChannel(ctx, id, m.mod); err != nil {
		t.Errorf("MANAGE_THREADS deletes: %v", err)
	}
}

func TestThreadArchiveLockAndAutoArchive(t *testing.T) {
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	e := newEnv(t, Config{Now: clk.Now, ThreadArchiveEvery: 5 * time.Millisecond})
	ctx := context.Background()
	m := newModGuild(t, e, protocol.PermManageThreads)
	allowThreads(t, e, m, m.ch, 0)
	bobS := e.session(m.bob, allIntents, false)
	e.connect(t, m.g.ID, bobS, 250)
	th, err := e.r.StartThread(ctx, m.ch, m.carol, ThreadCreate{Name: "sleepy", Type: chat.ChannelPublicThread, AutoArchiveDuration: 60})
	if err != nil {
		t.Fatal(err)
	}
	id := th.Thread.ID
	archived := func() bool {
		c, err := e.r.Channel(ctx, id, m.bob)
		return err == nil && c.ThreadMetadata.Archived
	}
	clk.advance(59 * time.Minute)
	time.Sleep(30 * time.Millisecond)
	if archived() {
		t.Fatal("archived before its hour")
	}
	clk.advance(2 * time.Minute)
	waitFor(t, "auto-archive", archived)
	e.sync(m.g.ID)
	if len(bobS.named(protocol.EventThreadUpdate)) == 0 {
		t.Error("no THREAD_UPDATE for the auto-archive")
	}
	// Archived: no joining, and editing other fields is refused.
	if err := e.r.JoinThread(ctx, id, m.bob); apiCode(err) != protocol.CodeThreadArchived {
		t.Errorf("join archived: err = %v", err)
	}
	name := "renamed"
	if _, err := e.r.EditChannel(ctx, id, m.carol, ChannelEdit{Name: &name}); apiCode(err) != protocol.CodeThreadArchived {
		t.Errorf("rename archived: err = %v", err)
	}
	// Sending unarchives it.
	if _, err := e.r.CreateMessage(ctx, id, m.bob, MessageCreate{Content: "wake up"}); err != nil {
		t.Fatal(err)
	}
	if archived() {
		t.Error("send did not unarchive")
	}
	// Locked and archived by a manager: a member's send is refused, and
	// only managers unarchive.
	yes := true
	if _, err := e.r.EditChannel(ctx, id, m.bob, ChannelEdit{Thread: &ThreadEdit{Locked: &yes}}); !errors.Is(err, chat.ErrMissingPerms) {
		t.Errorf("member locks: err = %v", err)
	}
	if _, err := e.r.EditChannel(ctx, id, m.mod, ChannelEdit{Thread: &ThreadEdit{Locked: &yes, Archived: &yes}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.CreateMessage(ctx, id, m.bob, MessageCreate{Content: "hello?"}); apiCode(err) != protocol.CodeThreadLocked {
		t.Errorf("send in locked thread: err = %v", err)
	}
	no := false
	if _, err := e.r.EditChannel(ctx, id, m.carol, ChannelEdit{Thread: &ThreadEdit{Archived: &no}}); !errors.Is(err, chat.ErrMissingPerms) {
		t.Errorf("owner unarchives a locked thread: err = %v", err)
	}
	// Archived lists: public for readers, private only with MANAGE_THREADS.
	l, err := e.r.ArchivedThreads(ctx, m.ch, m.bob, ArchivedQuery{})
	if err != nil || len(l.Threads) != 1 || l.Threads[0].ID != id {
		t.Errorf("archived public = %+v, %v", l, err)
	}
	priv, err := e.r.StartThread(ctx, m.ch, m.carol, ThreadCreate{Name: "p", Type: chat.ChannelPrivateThread})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.EditChannel(ctx, priv.Thread.ID, m.carol, ChannelEdit{Thread: &ThreadEdit{Archived: &yes}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.ArchivedThreads(ctx, m.ch, m.bob, ArchivedQuery{Private: true}); !errors.Is(err, chat.ErrMissingPerms) {
		t.Errorf("private archived list without MANAGE_THREADS: err = %v", err)
	}
	if l, err := e.r.ArchivedThreads(ctx, m.ch, m.bob, ArchivedQuery{Private: true, Joined: true}); err != nil || len(l.Threads) != 0 {
		t.Errorf("non-member's joined private archived = %+v, %v", l, err)
	}
	if l, err := e.r.ArchivedThreads(ctx, m.ch, m.carol, ArchivedQuery{Private: true, Joined: true}); err != nil || len(l.Threads) != 1 {
		t.Errorf("member's joined private archived = %+v, %v", l, err)
	}
	if l, err := e.r.ArchivedThreads(ctx, m.ch, m.mod, ArchivedQuery{Private: true}); err != nil || len(l.Threads) != 1 || *l.HasMore {
		t.Errorf("manager's private archived = %+v, %v", l, err)
	}
	if l, err := e.r.ArchivedThreads(ctx, m.ch, m.bob, ArchivedQuery{}); err != nil || len(l.Threads) != 1 {
		t.Errorf("public archived list shows a private thread: %+v, %v", l, err)
	}
}

func TestThreadMembersPageAndSurviveReload(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	m := newModGuild(t, e, protocol.PermManageThreads)
	allowThreads(t, e, m, m.ch, 0)
	th, err := e.r.StartThread(ctx, m.ch, m.owner, ThreadCreate{Name: "crowd", Type: chat.ChannelPublicThread})
	if err != nil {
		t.Fatal(err)
	}
	id := th.Thread.ID
	for _, u := range []chat.ID{m.bob, m.carol, m.junior} {
		if err := e.r.JoinThread(ctx, id, u); err != nil {
			t.Fatal(err)
		}
	}
	all := []chat.ID{m.owner, m.junior, m.bob, m.carol}
	slices.Sort(all)
	page, err := e.r.ThreadMembers(ctx, id, m.bob, ThreadMemberPage{After: all[0], Limit: 2, WithMember: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || page[0].UserID != all[1] || page[1].UserID != all[2] || page[0].Member == nil {
		t.Errorf("page = %+v", page)
	}
	if err := e.r.LeaveThread(ctx, id, m.carol); err != nil {
		t.Fatal(err)
	}
	// A new registry on the same store has the thread and its members.
	r2, err := New(Config{Store: e.st, Data: e.data, IDs: e.ids, Users: e.st, Logger: e.r.log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r2.Close)
	e.r.Close()
	ms, err := r2.ThreadMembers(ctx, id, m.bob, ThreadMemberPage{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 3 {
		t.Errorf("members after reload = %d, want 3", len(ms))
	}
	c, err := r2.Channel(ctx, id, m.bob)
	if err != nil || c.ThreadMetadata == nil || *c.OwnerID != m.owner {
		t.Errorf("thread after reload = %+v, %v", c, err)
	}
}

func TestThreadListSyncWhenARoleShowsThreads(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	m := newModGuild(t, e, protocol.PermManageThreads)
	priv, err := e.r.StartThread(ctx, m.ch, m.owner, ThreadCreate{Name: "staff", Type: chat.ChannelPrivateThread})
	if err != nil {
		t.Fatal(err)
	}
	pub, err := e.r.StartThread(ctx, m.ch, m.owner, ThreadCreate{Name: "open", Type: chat.ChannelPublicThread})
	if err != nil {
		t.Fatal(err)
	}
	bobS, carolS := e.session(m.bob, allIntents, false), e.session(m.carol, allIntents, false)
	e.connect(t, m.g.ID, bobS, 250)
	e.connect(t, m.g.ID, carolS, 250)
	// Given MANAGE_THREADS, bob now sees the private thread: one sync,
	// for its channel, with both active threads.
	if err := e.r.SetMemberRole(ctx, m.g.ID, m.owner, m.bob, m.modRole, true); err != nil {
		t.Fatal(err)
	}
	e.sync(m.g.ID)
	syncs := bobS.named(protocol.EventThreadListSync)
	if len(syncs) != 1 {
		t.Fatalf("THREAD_LIST_SYNC count = %d", len(syncs))
	}
	var ev protocol.ThreadListSyncEvent
	if err := json.Unmarshal(syncs[0].Data, &ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.ChannelIDs) != 1 || ev.ChannelIDs[0] != m.ch || len(ev.Threads) != 2 ||
		!slices.ContainsFunc(ev.Threads, func(c protocol.Channel) bool { return c.ID == priv.Thread.ID }) ||
		!slices.ContainsFunc(ev.Threads, func(c protocol.Channel) bool { return c.ID == pub.Thread.ID }) {
		t.Errorf("sync = %+v", ev)
	}
	// Must not: the others get no sync, and a change that shows nothing new sends none.
	if n := len(carolS.named(protocol.EventThreadListSync)); n != 0 {
		t.Errorf("carol got %d syncs", n)
	}
	nick := "bobby"
	if _, err := e.r.EditMember(ctx, m.g.ID, m.owner, m.bob, MemberEdit{Nick: &nick}); err != nil {
		t.Fatal(err)
	}
	e.sync(m.g.ID)
	if n := len(bobS.named(protocol.EventThreadListSync)); n != 1 {
		t.Errorf("syncs after a nick change = %d, want still 1", n)
	}
}

// TestThreadListSyncWhenAnOverwriteShowsAChannel: bob, denied a channel
// by an overwrite, gets THREAD_LIST_SYNC with its active public thread
// (not the private one he is no member of) once the overwrite goes;
// carol, who saw the channel all along, gets none.
func TestThreadListSyncWhenAnOverwriteShowsAChannel(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	m := newModGuild(t, e, protocol.PermManageThreads)
	pub, err := e.r.StartThread(ctx, m.ch, m.owner, ThreadCreate{Name: "open", Type: chat.ChannelPublicThread})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.StartThread(ctx, m.ch, m.owner, ThreadCreate{Name: "staff", Type: chat.ChannelPrivateThread}); err != nil {
		t.Fatal(err)
	}
	if err := e.r.PutOverwrite(ctx, m.ch, m.owner, chat.Overwrite{ID: m.bob, Type: chat.OverwriteMember, Deny: protocol.PermViewChannel}); err != nil {
		t.Fatal(err)
	}
	bobS, carolS := e.session(m.bob, allIntents, false), e.session(m.carol, allIntents, false)
	e.connect(t, m.g.ID, bobS, 250)
	e.connect(t, m.g.ID, carolS, 250)
	// A change that still hides the channel sends nothing.
	if err := e.r.PutOverwrite(ctx, m.ch, m.owner, chat.Overwrite{ID: m.bob, Type: chat.OverwriteMember,
		Deny: protocol.PermViewChannel | protocol.PermSendMessages}); err != nil {
		t.Fatal(err)
	}
	e.sync(m.g.ID)
	if n := len(bobS.named(protocol.EventThreadListSync)); n != 0 {
		t.Fatalf("bob got %d syncs while still denied", n)
	}
	if err := e.r.DeleteOverwrite(ctx, m.ch, m.owner, m.bob); err != nil {
		t.Fatal(err)
	}
	e.sync(m.g.ID)
	syncs := bobS.named(protocol.EventThreadListSync)
	if len(syncs) != 1 {
		t.Fatalf("THREAD_LIST_SYNC count = %d", len(syncs))
	}
	var ev protocol.ThreadListSyncEvent
	if err := json.Unmarshal(syncs[0].Data, &ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.ChannelIDs) != 1 || ev.ChannelIDs[0] != m.ch || len(ev.Threads) != 1 || ev.Threads[0].ID != pub.Thread.ID {
		t.Errorf("sync = %+v", ev)
	}
	if n := len(carolS.named(protocol.EventThreadListSync)); n != 0 {
		t.Errorf("carol got %d syncs", n)
	}
}
