package api_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

type threadObj struct {
	ID             chat.ID   `json:"id"`
	Type           int       `json:"type"`
	ParentID       chat.ID   `json:"parent_id"`
	OwnerID        chat.ID   `json:"owner_id"`
	MemberCount    int       `json:"member_count"`
	MessageCount   int       `json:"message_count"`
	AppliedTags    []chat.ID `json:"applied_tags"`
	ThreadMetadata *struct {
		Archived            bool `json:"archived"`
		Locked              bool `json:"locked"`
		AutoArchiveDuration int  `json:"auto_archive_duration"`
	} `json:"thread_metadata"`
	Message *struct {
		ID      chat.ID `json:"id"`
		Content string  `json:"content"`
	} `json:"message"`
	AvailableTags []struct {
		ID   chat.ID `json:"id"`
		Name string  `json:"name"`
	} `json:"available_tags"`
}

type threadListObj struct {
	Threads []threadObj `json:"threads"`
	Members []struct {
		ID     chat.ID `json:"id"`
		UserID chat.ID `json:"user_id"`
	} `json:"members"`
	HasMore *bool `json:"has_more"`
}

func TestPrivateThreadREST(t *testing.T) {
	s := run(t)
	owner, carol, bob := s.Register(t, "owner"), s.Register(t, "carol"), s.Register(t, "bob")
	g, general := owner.CreateGuild(t, "threads")
	carol.Join(t, owner, general)
	bob.Join(t, owner, general)
	var th threadObj
	owner.Must(t, 201, "POST", fmt.Sprintf("/channels/%d/threads", general), map[string]any{"name": "plans", "type": 12}, &th)
	if th.Type != 12 || th.ParentID != general || th.OwnerID != owner.UserID || th.ThreadMetadata == nil {
		t.Fatalf("thread = %+v", th)
	}
	owner.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/thread-members/%d", th.ID, carol.UserID), nil, nil)
	carol.Send(t, th.ID, "psst")

	// Must not see: bob is no member and lacks MANAGE_THREADS.
	wantCode(t, bob.Fail(t, "GET", fmt.Sprintf("/channels/%d", th.ID), nil), 403, protocol.CodeMissingAccess)
	wantCode(t, bob.Fail(t, "GET", fmt.Sprintf("/channels/%d/messages", th.ID), nil), 403, protocol.CodeMissingAccess)
	wantCode(t, bob.Fail(t, "POST", fmt.Sprintf("/channels/%d/messages", th.ID), map[string]any{"content": "hi"}), 403, protocol.CodeMissingAccess)
	wantCode(t, bob.Fail(t, "PUT", fmt.Sprintf("/channels/%d/thread-members/@me", th.ID), nil), 403, protocol.CodeMissingAccess)
	wantCode(t, bob.Fail(t, "GET", fmt.Sprintf("/channels/%d/thread-members", th.ID), nil), 403, protocol.CodeMissingAccess)
	var l threadListObj
	bob.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/threads/active", g.ID), nil, &l)
	if len(l.Threads) != 0 {
		t.Errorf("non-member's active threads = %+v", l.Threads)
	}
	carol.Must(t, 200, "GET", fmt.Sprintf("/guilds/%d/threads/active", g.ID), nil, &l)
	if len(l.Threads) != 1 || l.Threads[0].ID != th.ID || len(l.Members) != 1 || l.Members[0].UserID != carol.UserID {
		t.Errorf("member's active threads = %+v", l)
	}
	// Members list pages with with_member.
	var ms []struct {
		UserID chat.ID          `json:"user_id"`
		Member *json.RawMessage `json:"member"`
	}
	carol.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/thread-members?with_member=true&limit=1", th.ID), nil, &ms)
	if len(ms) != 1 || ms[0].Member == nil {
		t.Errorf("page = %+v", ms)
	}
	after := ms[0].UserID
	carol.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/thread-members?after=%d", th.ID, after), nil, &ms)
	if len(ms) != 1 || ms[0].UserID <= after {
		t.Errorf("second page = %+v", ms)
	}
	wantCode(t, carol.Fail(t, "GET", fmt.Sprintf("/channels/%d/thread-members?with_member=true&limit=101", th.ID), nil), 400, protocol.CodeInvalidFormBody)
	// Archived private list: MANAGE_THREADS only; the joined list for members.
	owner.Must(t, 200, "PATCH", fmt.Sprintf("/channels/%d", th.ID), map[string]any{"archived": true}, &th)
	wantCode(t, carol.Fail(t, "GET", fmt.Sprintf("/channels/%d/threads/archived/private", general), nil), 403, protocol.CodeMissingPermissions)
	carol.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/users/@me/threads/archived/private", general), nil, &l)
	if len(l.Threads) != 1 || l.HasMore == nil || *l.HasMore {
		t.Errorf("joined private archived = %+v", l)
	}
	bob.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/users/@me/threads/archived/private", general), nil, &l)
	if len(l.Threads) != 0 {
		t.Errorf("non-member's joined private archived = %+v", l)
	}
	wantCode(t, bob.Fail(t, "GET", fmt.Sprintf("/channels/%d/threads/archived/public?before=yesterday", general), nil), 400, protocol.CodeInvalidFormBody)
}

func TestPublicThreadREST(t *testing.T) {
	s := run(t)
	owner, bob, carol := s.Register(t, "owner"), s.Register(t, "bob"), s.Register(t, "carol")
	g, general := owner.CreateGuild(t, "threads")
	bob.Join(t, owner, general)
	carol.Join(t, owner, general)
	m := bob.Send(t, general, "let's discuss")
	var th threadObj
	// Bad bodies.
	wantCode(t, owner.Fail(t, "POST", fmt.Sprintf("/channels/%d/messages/%d/threads", general, m.ID), map[string]any{}), 400, protocol.CodeInvalidFormBody)
	wantCode(t, owner.Fail(t, "POST", fmt.Sprintf("/channels/%d/messages/%d/threads", general, m.ID),
		map[string]any{"name": strings.Repeat("x", 101)}), 400, protocol.CodeInvalidFormBody)
	wantCode(t, owner.Fail(t, "POST", fmt.Sprintf("/channels/%d/messages/%d/threads", general, m.ID),
		map[string]any{"name": "x", "auto_archive_duration": 30}), 400, protocol.CodeInvalidFormBody)
	wantCode(t, owner.Fail(t, "POST", fmt.Sprintf("/channels/%d/threads", general), map[string]any{"name": "x", "type": 0}), 400, protocol.CodeInvalidFormBody)
	owner.Must(t, 201, "POST", fmt.Sprintf("/channels/%d/messages/%d/threads", general, m.ID), map[string]any{"name": "discussion"}, &th)
	if th.ID != m.ID || th.Type != 11 {
		t.Fatalf("thread = %+v", th)
	}
	var starter struct {
		Flags  int        `json:"flags"`
		Thread *threadObj `json:"thread"`
	}
	bob.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages/%d", general, m.ID), nil, &starter)
	if starter.Thread == nil || starter.Thread.ID != th.ID || starter.Flags&protocol.MessageFlagHasThread == 0 {
		t.Errorf("starter = %+v", starter)
	}
	// SEND_MESSAGES_IN_THREADS denied: bob may post in the channel, not the thread.
	owner.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/permissions/%d", general, bob.UserID),
		map[string]any{"type": 1, "deny": fmt.Sprint(protocol.PermSendMessagesInThreads)}, nil)
	wantCode(t, bob.Fail(t, "POST", fmt.Sprintf("/channels/%d/messages", th.ID), map[string]any{"content": "hi"}), 403, protocol.CodeMissingPermissions)
	bob.Send(t, general, "still fine here")
	// A timed-out member cannot join.
	until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	owner.Must(t, 200, "PATCH", fmt.Sprintf("/guilds/%d/members/%d", g.ID, carol.UserID), map[string]any{"communication_disabled_until": until}, nil)
	wantCode(t, carol.Fail(t, "PUT", fmt.Sprintf("/channels/%d/thread-members/@me", th.ID), nil), 403, protocol.CodeMissingPermissions)
	wantCode(t, carol.Fail(t, "POST", fmt.Sprintf("/channels/%d/threads", general), map[string]any{"name": "x", "type": 11}), 403, protocol.CodeMissingPermissions)
	// Lock and archive (owner), then a plain member cannot post.
	owner.Must(t, 200, "PATCH", fmt.Sprintf("/channels/%d", th.ID), map[string]any{"locked": true, "archived": true}, &th)
	if !th.ThreadMetadata.Locked || !th.ThreadMetadata.Archived {
		t.Errorf("after PATCH: %+v", th.ThreadMetadata)
	}
	owner.Must(t, 204, "DELETE", fmt.Sprintf("/channels/%d/permissions/%d", general, bob.UserID), nil, nil)
	wantCode(t, bob.Fail(t, "POST", fmt.Sprintf("/channels/%d/messages", th.ID), map[string]any{"content": "hi"}), 403, protocol.CodeThreadLocked)
	wantCode(t, bob.Fail(t, "PATCH", fmt.Sprintf("/channels/%d", th.ID), map[string]any{"archived": false}), 403, protocol.CodeMissingPermissions)
	var l threadListObj
	bob.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/threads/archived/public", general), nil, &l)
	if len(l.Threads) != 1 || l.Threads[0].ID != th.ID {
		t.Errorf("archived public = %+v", l)
	}
	// Deleting needs MANAGE_THREADS.
	wantCode(t, bob.Fail(t, "DELETE", fmt.Sprintf("/channels/%d", th.ID), nil), 403, protocol.CodeMissingPermissions)
	owner.Must(t, 200, "DELETE", fmt.Sprintf("/channels/%d", th.ID), nil, nil)
	wantCode(t, bob.Fail(t, "GET", fmt.Sprintf("/channels/%d", th.ID), nil), 404, protocol.CodeUnknownChannel)
}

func TestForumREST(t *testing.T) {
	s := run(t)
	owner, bob := s.Register(t, "owner"), s.Register(t, "bob")
	g, general := owner.CreateGuild(t, "forums")
	bob.Join(t, owner, general)
	chans := fmt.Sprintf("/guilds/%d/channels", g.ID)
	tags := make([]map[string]any, 21)
	for i := range tags {
		tags[i] = map[string]any{"name": fmt.Sprint("t", i)}
	}
	wantCode(t, owner.Fail(t, "POST", chans, map[string]any{"name": "help", "type": 15, "available_tags": tags}), 400, protocol.CodeInvalidFormBody)
	wantCode(t, owner.Fail(t, "POST", chans, map[string]any{"name": "help", "type": 15,
		"available_tags": []map[string]any{{"name": strings.Repeat("n", 21)}}}), 400, protocol.CodeInvalidFormBody)
	wantCode(t, owner.Fail(t, "POST", chans, map[string]any{"name": "help", "type": 15, "default_sort_order": 7}), 400, protocol.CodeInvalidFormBody)
	var forum threadObj
	owner.Must(t, 201, "POST", chans, map[string]any{"name": "help", "type": 15, "available_tags": tags[:2],
		"default_reaction_emoji": map[string]any{"emoji_name": "👍"}, "default_forum_layout": 1}, &forum)
	if len(forum.AvailableTags) != 2 || forum.AvailableTags[0].ID == 0 {
		t.Fatalf("forum = %+v", forum)
	}
	wantCode(t, bob.Fail(t, "POST", fmt.Sprintf("/channels/%d/messages", forum.ID), map[string]any{"content": "hi"}), 400, protocol.CodeNonTextChannel)
	post := fmt.Sprintf("/channels/%d/threads", forum.ID)
	wantCode(t, bob.Fail(t, "POST", post, map[string]any{"name": "q"}), 400, protocol.CodeInvalidFormBody)
	wantCode(t, bob.Fail(t, "POST", post, map[string]any{"name": "q", "message": map[string]any{}}), 400, protocol.CodeEmptyMessage)
	six := []chat.ID{1, 2, 3, 4, 5, 6}
	wantCode(t, bob.Fail(t, "POST", post, map[string]any{"name": "q", "applied_tags": six, "message": map[string]any{"content": "x"}}), 400, protocol.CodeInvalidFormBody)
	var p threadObj
	bob.Must(t, 201, "POST", post, map[string]any{"name": "how do I", "applied_tags": []chat.ID{forum.AvailableTags[1].ID},
		"message": map[string]any{"content": "help me"}}, &p)
	if p.Message == nil || p.Message.ID != p.ID || p.Message.Content != "help me" || len(p.AppliedTags) != 1 || p.ParentID != forum.ID {
		t.Fatalf("post = %+v", p)
	}
	var msgs []struct {
		Content string `json:"content"`
	}
	owner.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages", p.ID), nil, &msgs)
	if len(msgs) != 1 || msgs[0].Content != "help me" {
		t.Errorf("post history = %+v", msgs)
	}
	// Announcement channels: follow (MANAGE_WEBHOOKS in the target) and crosspost.
	var news threadObj
	owner.Must(t, 201, "POST", chans, map[string]any{"name": "news", "type": 5}, &news)
	_, target := owner.CreateGuild(t, "mirror")
	wantCode(t, bob.Fail(t, "POST", fmt.Sprintf("/channels/%d/followers", news.ID), map[string]any{"webhook_channel_id": general}), 403, protocol.CodeMissingPermissions)
	wantCode(t, owner.Fail(t, "POST", fmt.Sprintf("/channels/%d/followers", news.ID), map[string]any{}), 400, protocol.CodeInvalidFormBody)
	var fc struct {
		ChannelID chat.ID `json:"channel_id"`
		WebhookID chat.ID `json:"webhook_id"`
	}
	owner.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/followers", news.ID), map[string]any{"webhook_channel_id": target}, &fc)
	if fc.ChannelID != news.ID || fc.WebhookID == 0 {
		t.Errorf("followed = %+v", fc)
	}
	ann := owner.Send(t, news.ID, "v2 is out")
	wantCode(t, bob.Fail(t, "POST", fmt.Sprintf("/channels/%d/messages/%d/crosspost", news.ID, ann.ID), nil), 403, protocol.CodeMissingPermissions)
	var cp struct {
		Flags int `json:"flags"`
	}
	owner.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/messages/%d/crosspost", news.ID, ann.ID), nil, &cp)
	if cp.Flags&protocol.MessageFlagCrossposted == 0 {
		t.Errorf("crossposted flags = %d", cp.Flags)
	}
	var copies []struct {
		Content          string `json:"content"`
		Flags            int    `json:"flags"`
		MessageReference *struct {
			ChannelID chat.ID `json:"channel_id"`
		} `json:"message_reference"`
	}
	owner.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages?limit=5", target), nil, &copies)
	found := false
	for _, c := range copies {
		if c.Content == "v2 is out" && c.Flags&protocol.MessageFlagIsCrosspost != 0 && c.MessageReference != nil && c.MessageReference.ChannelID == news.ID {
			found = true
		}
	}
	if !found {
		t.Errorf("no crosspost copy in the follower: %+v", copies)
	}
}

// TestThreadCreatedMessage: a public thread started without a message is
// announced in its parent by a THREAD_CREATED (18) message naming it and
// referring to it; a private thread and a thread from a message are not.
func TestThreadCreatedMessage(t *testing.T) {
	s := run(t)
	owner := s.Register(t, "owner")
	_, general := owner.CreateGuild(t, "announced")
	type sysMsg struct {
		ID               chat.ID         `json:"id"`
		Type             int             `json:"type"`
		Content          string          `json:"content"`
		MessageReference json.RawMessage `json:"message_reference"`
		Author           struct {
			ID chat.ID `json:"id"`
		} `json:"author"`
	}
	newest := func() sysMsg {
		var ms []sysMsg
		owner.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages?limit=1", general), nil, &ms)
		if len(ms) != 1 {
			t.Fatalf("history %+v", ms)
		}
		return ms[0]
	}
	var th threadObj
	owner.Must(t, 201, "POST", fmt.Sprintf("/channels/%d/threads", general), map[string]any{"name": "ideas", "type": 11}, &th)
	m := newest()
	var ref map[string]any
	if err := json.Unmarshal(m.MessageReference, &ref); err != nil {
		t.Fatal(err)
	}
	if m.Type != 18 || m.Content != "ideas" || m.Author.ID != owner.UserID || ref["channel_id"] != fmt.Sprint(th.ID) || ref["message_id"] != nil {
		t.Fatalf("THREAD_CREATED message %+v, reference %s", m, m.MessageReference)
	}

	owner.Must(t, 201, "POST", fmt.Sprintf("/channels/%d/threads", general), map[string]any{"name": "secret", "type": 12}, nil)
	if again := newest(); again.ID != m.ID {
		t.Fatalf("a private thread was announced: %+v", again)
	}
	starter := owner.Send(t, general, "start here")
	owner.Must(t, 201, "POST", fmt.Sprintf("/channels/%d/messages/%d/threads", general, starter.ID), map[string]any{"name": "from a message"}, nil)
	if again := newest(); again.ID != starter.ID {
		t.Fatalf("a thread from a message was announced: %+v", again)
	}
}
