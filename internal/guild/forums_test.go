package guild

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

func TestForumPosts(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	m := newModGuild(t, e, protocol.PermManageThreads)
	tags := []chat.ForumTag{{Name: "bug"}, {Name: "staff", Moderated: true}}
	limit := 60
	f, err := e.r.CreateChannel(ctx, m.g.ID, m.owner, ChannelCreate{Name: "help", Type: chat.ChannelForum, RateLimit: 30,
		Forum: &ForumEdit{AvailableTags: &tags, DefaultThreadRateLimit: &limit}})
	if err != nil {
		t.Fatal(err)
	}
	if f.AvailableTags == nil || len(*f.AvailableTags) != 2 || (*f.AvailableTags)[0].ID == 0 || string(f.DefaultSortOrder) != "null" {
		t.Fatalf("forum = %+v", f)
	}
	bug, staff := (*f.AvailableTags)[0].ID, (*f.AvailableTags)[1].ID
	bobS := e.session(m.bob, allIntents, false)
	e.connect(t, m.g.ID, bobS, 250)

	// A forum takes posts, not messages.
	if _, err := e.r.CreateMessage(ctx, f.ID, m.carol, MessageCreate{Content: "hi"}); apiCode(err) != protocol.CodeNonTextChannel {
		t.Errorf("message into a forum: err = %v", err)
	}
	if _, err := e.r.StartThread(ctx, f.ID, m.carol, ThreadCreate{Name: "no message"}); apiCode(err) != protocol.CodeInvalidFormBody {
		t.Errorf("post without a message: err = %v", err)
	}
	// Moderated tags need MANAGE_THREADS; unknown tags are refused.
	if _, err := e.r.StartThread(ctx, f.ID, m.carol, ThreadCreate{Name: "x", AppliedTags: []chat.ID{staff},
		Message: &MessageCreate{Content: "x"}}); !errors.Is(err, chat.ErrMissingPerms) {
		t.Errorf("moderated tag by a member: err = %v", err)
	}
	if _, err := e.r.StartThread(ctx, f.ID, m.carol, ThreadCreate{Name: "x", AppliedTags: []chat.ID{e.ids.Next()},
		Message: &MessageCreate{Content: "x"}}); apiCode(err) != protocol.CodeInvalidFormBody {
		t.Errorf("unknown tag: err = %v", err)
	}
	post, err := e.r.StartThread(ctx, f.ID, m.carol, ThreadCreate{Name: "it crashes", AppliedTags: []chat.ID{bug},
		Message: &MessageCreate{Content: "when I click"}})
	if err != nil {
		t.Fatal(err)
	}
	var msg protocol.Message
	if err := json.Unmarshal(post.Message, &msg); err != nil {
		t.Fatal(err)
	}
	if msg.ID != post.Thread.ID || msg.ChannelID != post.Thread.ID || msg.Content != "when I click" {
		t.Errorf("first message = %+v, thread %d", msg, post.Thread.ID)
	}
	if post.Thread.RateLimitPerUser != 60 || (*post.Thread.AppliedTags)[0] != bug || post.Thread.ThreadMetadata.AutoArchiveDuration != 4320 {
		t.Errorf("post = %+v", post.Thread)
	}
	// The forum's rate_limit_per_user paces posts.
	_, err = e.r.StartThread(ctx, f.ID, m.carol, ThreadCreate{Name: "again", Message: &MessageCreate{Content: "x"}})
	var slow *SlowmodeError
	if !errors.As(err, &slow) {
		t.Errorf("second post inside the forum's slowmode: err = %v", err)
	}
	if _, err := e.r.StartThread(ctx, f.ID, m.mod, ThreadCreate{Name: "staff post", AppliedTags: []chat.ID{staff},
		Message: &MessageCreate{Content: "x"}}); err != nil {
		t.Errorf("manager applies a moderated tag: %v", err)
	}
	e.sync(m.g.ID)
	if n := len(bobS.named(protocol.EventThreadCreate)); n != 2 {
		t.Errorf("THREAD_CREATE for posts = %d, want 2", n)
	}
	ms, err := e.r.Messages(ctx, post.Thread.ID, m.bob, store.Page{Limit: 10})
	if err != nil || len(ms) != 1 {
		t.Errorf("post history = %d, %v", len(ms), err)
	}
	// Tag limits on edit: a member may not remove a moderated tag.
	staffPost, _ := e.r.ActiveThreads(ctx, m.g.ID, m.mod)
	for _, th := range staffPost.Threads {
		if th.Name == "staff post" {
			none := []chat.ID{}
			if _, err := e.r.EditChannel(ctx, th.ID, m.carol, ChannelEdit{Thread: &ThreadEdit{AppliedTags: &none}}); !errors.Is(err, chat.ErrMissingPerms) {
				t.Errorf("member edits someone's post tags: err = %v", err)
			}
		}
	}
	// Settings are only for forums.
	if _, err := e.r.EditChannel(ctx, m.ch, m.owner, ChannelEdit{Forum: &ForumEdit{AvailableTags: &tags}}); apiCode(err) != protocol.CodeInvalidChannelType {
		t.Errorf("tags on a text channel: err = %v", err)
	}
}

func TestFollowAndCrosspost(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	m := newModGuild(t, e, protocol.PermManageWebhooks)
	news, err := e.r.CreateChannel(ctx, m.g.ID, m.owner, ChannelCreate{Name: "news", Type: chat.ChannelAnnouncement})
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.r.CreateGuild(ctx, m.owner, "elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.AddMember(ctx, other.ID, m.bob); err != nil {
		t.Fatal(err)
	}
	target := *other.SystemChannelID
	bobS := e.session(m.bob, allIntents, false)
	e.connect(t, other.ID, bobS, 250)

	if _, err := e.r.FollowChannel(ctx, news.ID, m.bob, target); !errors.Is(err, chat.ErrMissingPerms) {
		t.Errorf("follow without MANAGE_WEBHOOKS in the target: err = %v", err)
	}
	if _, err := e.r.FollowChannel(ctx, m.ch, m.owner, target); apiCode(err) != protocol.CodeInvalidChannelType {
		t.Errorf("follow a text channel: err = %v", err)
	}
	fc, err := e.r.FollowChannel(ctx, news.ID, m.owner, target)
	if err != nil || fc.ChannelID != news.ID || fc.WebhookID == 0 {
		t.Fatalf("follow = %+v, %v", fc, err)
	}
	b, err := e.r.CreateMessage(ctx, news.ID, m.carol, MessageCreate{Content: "release 1.0"})
	if err != nil {
		t.Fatal(err)
	}
	id := messageID(t, b)
	if _, err := e.r.Crosspost(ctx, news.ID, id, m.bob); !errors.Is(err, chat.ErrMissingPerms) {
		t.Errorf("crosspost someone else's message without MANAGE_MESSAGES: err = %v", err)
	}
	if _, err := e.r.Crosspost(ctx, news.ID, id, m.carol); err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.Crosspost(ctx, news.ID, id, m.carol); apiCode(err) != protocol.CodeAlreadyCrossposted {
		t.Errorf("second crosspost: err = %v", err)
	}
	orig, err := e.r.Message(ctx, news.ID, id, m.carol)
	if err != nil || orig.Flags&protocol.MessageFlagCrossposted == 0 {
		t.Errorf("original flags = %d, %v", orig.Flags, err)
	}
	ms, err := e.r.Messages(ctx, target, m.bob, store.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var copied *protocol.Message
	for i := range ms {
		if ms[i].Content == "release 1.0" {
			copied = &ms[i]
		}
	}
	if copied == nil || copied.Flags&protocol.MessageFlagIsCrosspost == 0 || copied.MessageReference == nil ||
		copied.MessageReference.MessageID != id {
		t.Fatalf("copy = %+v", copied)
	}
	e.sync(other.ID)
	if len(bobS.named(protocol.EventMessageCreate)) != 1 {
		t.Error("follower channel's reader got no MESSAGE_CREATE")
	}
}
