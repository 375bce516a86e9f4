//go:build clients

package discordgosuite

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/accordchat/accord/examples/discordgoaccord"
)

// The bot's thread permissions: MANAGE_CHANNELS (for the forum),
// MANAGE_THREADS, CREATE_PUBLIC_THREADS, CREATE_PRIVATE_THREADS and
// SEND_MESSAGES_IN_THREADS.
const permThreads = 1<<4 | 1<<34 | 1<<35 | 1<<36 | 1<<38

// waitThread waits for the first event on c that match accepts.
func waitThread[T any](t *testing.T, c chan T, what string, match func(T) bool) T {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e := <-c:
			if match(e) {
				return e
			}
		case <-timeout:
			t.Fatalf("no %s within 10 s", what)
		}
	}
}

// TestThreads: discordgo starts a thread from a message and a private one,
// a second bot gets THREAD_CREATE for the public thread only, joins it
// (THREAD_MEMBERS_UPDATE), posts and leaves; the private thread is 50001
// to it until added; a forum post comes with its first message; archived
// lists hold what was archived.
func TestThreads(t *testing.T) {
	a := server(t)
	s := a.bootstrap(t, "dgthreads")
	var role struct{ ID string }
	a.rest(t, 200, "POST", "/guilds/"+s.guildID+"/roles", s.owner,
		map[string]any{"name": "threads", "permissions": fmt.Sprint(permThreads | permDefaultEveryone)}, &role)
	a.rest(t, 204, "PUT", "/guilds/"+s.guildID+"/members/"+s.botID+"/roles/"+role.ID, s.owner, nil, nil)
	bID, bToken := a.addBot(t, s.owner, s.guildID, "dgthreads-member")
	discordgoaccord.PointAt(a.base)
	g := &guard{allowed: a.host}
	same := func(next http.RoundTripper) http.RoundTripper { return next }
	intents := discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentMessageContent
	dg := session(t, s.botToken, g, same, intents)
	login(t, dg, g, s.guildID)
	bs := session(t, bToken, g, same, intents)
	created := make(chan *discordgo.ThreadCreate, 16)
	membersUpd := make(chan *discordgo.ThreadMembersUpdate, 16)
	bMessages := make(chan *discordgo.MessageCreate, 16)
	bs.AddHandler(func(_ *discordgo.Session, e *discordgo.ThreadCreate) { created <- e })
	bs.AddHandler(func(_ *discordgo.Session, e *discordgo.ThreadMembersUpdate) { membersUpd <- e })
	bs.AddHandler(func(_ *discordgo.Session, e *discordgo.MessageCreate) { bMessages <- e })
	login(t, bs, g, s.guildID)

	m, err := dg.ChannelMessageSend(s.channelID, "thread starts here")
	if err != nil {
		t.Fatal(err)
	}
	th, err := dg.MessageThreadStartComplex(s.channelID, m.ID, &discordgo.ThreadStart{Name: "from a message", AutoArchiveDuration: 60})
	if err != nil {
		t.Fatalf("MessageThreadStartComplex: %v", err)
	}
	if th.ID != m.ID || th.Type != discordgo.ChannelTypeGuildPublicThread || th.ParentID != s.channelID || th.ThreadMetadata == nil {
		t.Fatalf("thread %+v", th)
	}
	e := waitThread(t, created, "THREAD_CREATE", func(e *discordgo.ThreadCreate) bool { return e.ID == th.ID })
	if !e.NewlyCreated {
		t.Error("THREAD_CREATE without newly_created")
	}
	if err := bs.ThreadJoin(th.ID); err != nil {
		t.Fatalf("ThreadJoin: %v", err)
	}
	waitThread(t, membersUpd, "THREAD_MEMBERS_UPDATE for the join", func(e *discordgo.ThreadMembersUpdate) bool {
		return e.ID == th.ID && slices.ContainsFunc(e.AddedMembers, func(m discordgo.AddedThreadMember) bool { return m.UserID == bID })
	})
	if _, err := bs.ChannelMessageSend(th.ID, "in the thread"); err != nil {
		t.Fatal(err)
	}
	members, err := dg.ThreadMembers(th.ID, 10, true, "")
	if err != nil || len(members) != 2 || members[0].Member == nil {
		t.Fatalf("ThreadMembers = %+v, %v", members, err)
	}
	if err := bs.ThreadLeave(th.ID); err != nil {
		t.Fatalf("ThreadLeave: %v", err)
	}
	waitThread(t, membersUpd, "THREAD_MEMBERS_UPDATE for the leave", func(e *discordgo.ThreadMembersUpdate) bool {
		return e.ID == th.ID && slices.Contains(e.RemovedMembers, bID)
	})

	// A private thread: no THREAD_CREATE and 50001 for B until added.
	priv, err := dg.ThreadStartComplex(s.channelID, &discordgo.ThreadStart{Name: "private", Type: discordgo.ChannelTypeGuildPrivateThread})
	if err != nil {
		t.Fatalf("ThreadStartComplex: %v", err)
	}
	if _, err := dg.ChannelMessageSend(priv.ID, "members only"); err != nil {
		t.Fatal(err)
	}
	if _, err := dg.ChannelMessageSend(s.channelID, "marker"); err != nil {
		t.Fatal(err)
	}
	waitThread(t, bMessages, "B's marker", func(e *discordgo.MessageCreate) bool {
		if e.ChannelID == priv.ID {
			t.Error("B got a private thread's message")
		}
		if e.Type == discordgo.MessageTypeThreadCreated {
			t.Errorf("a private thread was announced: %+v", e.Message)
		}
		return e.Content == "marker"
	})
	for len(created) > 0 {
		if e := <-created; e.ID == priv.ID {
			t.Error("B got THREAD_CREATE of a private thread")
		}
	}
	if _, err := bs.ChannelMessages(priv.ID, 10, "", "", ""); restCode(err) != 50001 {
		t.Errorf("B reads the private thread: %v", err)
	}
	if err := dg.ThreadMemberAdd(priv.ID, bID); err != nil {
		t.Fatalf("ThreadMemberAdd: %v", err)
	}
	waitThread(t, created, "THREAD_CREATE when added", func(e *discordgo.ThreadCreate) bool { return e.ID == priv.ID })
	if ms, err := bs.ChannelMessages(priv.ID, 10, "", "", ""); err != nil || len(ms) != 1 {
		t.Errorf("added member's history = %d, %v", len(ms), err)
	}

	// A public thread without a message is announced in the channel.
	pub, err := dg.ThreadStartComplex(s.channelID, &discordgo.ThreadStart{Name: "announced", Type: discordgo.ChannelTypeGuildPublicThread})
	if err != nil {
		t.Fatalf("ThreadStartComplex public: %v", err)
	}
	waitThread(t, bMessages, "B's THREAD_CREATED message", func(e *discordgo.MessageCreate) bool {
		return e.Type == discordgo.MessageTypeThreadCreated && e.ChannelID == s.channelID && e.Content == "announced" &&
			e.MessageReference != nil && e.MessageReference.ChannelID == pub.ID
	})

	// Archived lists.
	yes := true
	if _, err := dg.ChannelEditComplex(th.ID, &discordgo.ChannelEdit{Archived: &yes}); err != nil {
		t.Fatalf("archive: %v", err)
	}
	list, err := bs.ThreadsArchived(s.channelID, nil, 10)
	if err != nil || len(list.Threads) != 1 || list.Threads[0].ID != th.ID {
		t.Errorf("ThreadsArchived = %+v, %v", list, err)
	}
	if _, err := dg.ChannelEditComplex(priv.ID, &discordgo.ChannelEdit{Archived: &yes}); err != nil {
		t.Fatalf("archive private: %v", err)
	}
	if _, err := bs.ThreadsPrivateArchived(s.channelID, nil, 10); restCode(err) != 50013 {
		t.Errorf("B lists private archived threads: %v", err)
	}
	if list, err := bs.ThreadsPrivateJoinedArchived(s.channelID, nil, 10); err != nil || len(list.Threads) != 1 {
		t.Errorf("ThreadsPrivateJoinedArchived = %+v, %v", list, err)
	}

	// A forum post.
	forum, err := dg.GuildChannelCreateComplex(s.guildID, discordgo.GuildChannelCreateData{Name: "help", Type: discordgo.ChannelTypeGuildForum})
	if err != nil {
		t.Fatalf("create forum: %v", err)
	}
	post, err := dg.ForumThreadStart(forum.ID, "it crashes", 1440, "on start")
	if err != nil {
		t.Fatalf("ForumThreadStart: %v", err)
	}
	first, err := bs.ChannelMessage(post.ID, post.ID)
	if err != nil || first.Content != "on start" {
		t.Errorf("post's first message = %+v, %v", first, err)
	}
	if _, err := dg.ChannelMessageSend(forum.ID, "not here"); restCode(err) != 50008 {
		t.Errorf("message into a forum: %v", err)
	}
}
