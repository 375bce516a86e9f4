package api_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/snowflake"
)

func TestMessageCreateValidation(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	_, ch := alice.CreateGuild(t, "msgs")
	path := fmt.Sprintf("/channels/%d/messages", ch)

	wantCode(t, alice.Fail(t, "POST", path, map[string]any{"content": ""}), 400, protocol.CodeEmptyMessage)
	wantCode(t, alice.Fail(t, "POST", path, map[string]any{}), 400, protocol.CodeEmptyMessage)
	e := alice.Fail(t, "POST", path, map[string]any{"content": strings.Repeat("é", 2001)})
	wantCode(t, e, 400, protocol.CodeInvalidFormBody)
	if !strings.Contains(string(e.Errors), `"content":{"_errors":[{"code":"BASE_TYPE_MAX_LENGTH"`) {
		t.Errorf("field path: %s", e.Errors)
	}
	alice.Send(t, ch, strings.Repeat("é", 2000)) // exactly the limit, in characters
	e = alice.Fail(t, "POST", path, map[string]any{"content": "x", "nonce": strings.Repeat("n", 26)})
	if e.Code != 50035 || !strings.Contains(string(e.Errors), `"nonce"`) {
		t.Errorf("long nonce: %+v", e)
	}
	e = alice.Fail(t, "POST", path, map[string]any{"content": "x", "message_reference": map[string]any{}})
	if e.Code != 50035 || !strings.Contains(string(e.Errors), `"message_reference":{"message_id"`) {
		t.Errorf("reference without id: %+v %s", e, e.Errors)
	}
	e = alice.Fail(t, "POST", path, map[string]any{"content": "x", "allowed_mentions": map[string]any{"parse": []string{"bogus"}}})
	if e.Code != 50035 || !strings.Contains(string(e.Errors), `"allowed_mentions":{"parse":{"0"`) {
		t.Errorf("bad parse: %s", e.Errors)
	}
	wantCode(t, alice.Fail(t, "POST", "/channels/123/messages", map[string]any{"content": "x"}), 404, protocol.CodeUnknownChannel)
}

func TestMessageNonce(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	_, ch := alice.CreateGuild(t, "nonce")
	path := fmt.Sprintf("/channels/%d/messages", ch)

	var a, b accordtest.Message
	alice.Must(t, 200, "POST", path, map[string]any{"content": "once", "nonce": "n-1", "enforce_nonce": true}, &a)
	alice.Must(t, 200, "POST", path, map[string]any{"content": "once", "nonce": "n-1", "enforce_nonce": true}, &b)
	if a.ID != b.ID || a.Nonce != "n-1" {
		t.Fatalf("enforce_nonce created two messages: %d %d", a.ID, b.ID)
	}
	// Concurrent duplicates also collapse into one message.
	var wg sync.WaitGroup
	ids := make([]chat.ID, 8)
	for i := range ids {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			var m accordtest.Message
			alice.Must(t, 200, "POST", path, map[string]any{"content": "race", "nonce": 42, "enforce_nonce": true}, &m)
			ids[i] = m.ID
		}(i)
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("concurrent enforce_nonce: %v", ids)
		}
	}
	// Without enforce_nonce the nonce is echoed but does not dedupe.
	alice.Must(t, 200, "POST", path, map[string]any{"content": "twice", "nonce": "n-2"}, &a)
	alice.Must(t, 200, "POST", path, map[string]any{"content": "twice", "nonce": "n-2"}, &b)
	if a.ID == b.ID {
		t.Fatal("nonce without enforce_nonce deduplicated")
	}
}

func TestMentionsAndReplies(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	g, ch := alice.CreateGuild(t, "mentions")
	bob := s.Register(t, "bob")
	bob.Join(t, alice, ch)
	outsider := s.Register(t, "outsider")
	var role roleObj
	alice.Must(t, 200, "POST", fmt.Sprintf("/guilds/%d/roles", g.ID), map[string]any{"name": "pingable"}, &role)
	path := fmt.Sprintf("/channels/%d/messages", ch)

	var m accordtest.Message
	content := fmt.Sprintf("hi <@%d> <@!%d> <@%d> <@&%d> @everyone", bob.UserID, bob.UserID, outsider.UserID, role.ID)
	alice.Must(t, 200, "POST", path, map[string]any{"content": content}, &m)
	if len(m.Mentions) != 1 || m.Mentions[0].ID != bob.UserID {
		t.Errorf("mentions %+v (only members, once)", m.Mentions)
	}
	if len(m.MentionRoles) != 1 || m.MentionRoles[0] != role.ID || !m.MentionEveryone {
		t.Errorf("roles %v everyone %v", m.MentionRoles, m.MentionEveryone)
	}
	alice.Must(t, 200, "POST", path, map[string]any{"content": content, "allowed_mentions": map[string]any{"parse": []string{}}}, &m)
	if len(m.Mentions) != 0 || len(m.MentionRoles) != 0 || m.MentionEveryone {
		t.Errorf("allowed_mentions parse [] still mentions: %+v", m)
	}
	alice.Must(t, 200, "POST", path, map[string]any{"content": content, "allowed_mentions": map[string]any{"users": []chat.ID{bob.UserID}}}, &m)
	if len(m.Mentions) != 1 || m.MentionEveryone {
		t.Errorf("allowed users: %+v", m)
	}

	// Replies.
	orig := bob.Send(t, ch, "question")
	var reply accordtest.Message
	alice.Must(t, 200, "POST", path, map[string]any{"content": "answer", "message_reference": map[string]any{"message_id": orig.ID}}, &reply)
	if reply.Type != chat.MessageReply || reply.MessageReference == nil || reply.MessageReference.MessageID != orig.ID ||
		reply.ReferencedMessage == nil || reply.ReferencedMessage.ID != orig.ID {
		t.Fatalf("reply %+v", reply)
	}
	if len(reply.Mentions) != 1 || reply.Mentions[0].ID != bob.UserID {
		t.Errorf("reply should mention the replied-to author: %+v", reply.Mentions)
	}
	e := alice.Fail(t, "POST", path, map[string]any{"content": "x", "message_reference": map[string]any{"message_id": 12345}})
	if e.Code != 50035 || !strings.Contains(string(e.Errors), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE") {
		t.Errorf("unknown reference: %+v %s", e, e.Errors)
	}
	alice.Must(t, 200, "POST", path, map[string]any{"content": "x", "message_reference": map[string]any{"message_id": 12345, "fail_if_not_exists": false}}, &m)
	if m.Type != 0 || m.MessageReference != nil {
		t.Errorf("fail_if_not_exists false: %+v", m)
	}
}

func TestMessageHistoryEditDelete(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	_, ch := alice.CreateGuild(t, "history")
	bob := s.Register(t, "bob")
	bob.Join(t, alice, ch)
	path := fmt.Sprintf("/channels/%d/messages", ch)

	var sent []accordtest.Message
	for i := 0; i < 10; i++ {
		sent = append(sent, alice.Send(t, ch, fmt.Sprint("m", i)))
	}
	list := func(q string) []accordtest.Message {
		var ms []accordtest.Message
		bob.Must(t, 200, "GET", path+q, nil, &ms)
		return ms
	}
	ms := list("")
	if len(ms) != 10 || ms[0].ID != sent[9].ID || ms[9].ID != sent[0].ID {
		t.Fatalf("newest first: %d", len(ms))
	}
	ms = list("?limit=3")
	if len(ms) != 3 || ms[0].ID != sent[9].ID {
		t.Fatalf("limit: %+v", ms)
	}
	ms = list(fmt.Sprintf("?before=%d&limit=2", sent[5].ID))
	if len(ms) != 2 || ms[0].ID != sent[4].ID || ms[1].ID != sent[3].ID {
		t.Fatalf("before: %+v", ms)
	}
	ms = list(fmt.Sprintf("?after=%d&limit=2", sent[5].ID))
	if len(ms) != 2 || ms[0].ID != sent[7].ID || ms[1].ID != sent[6].ID {
		t.Fatalf("after: %+v", ms)
	}
	ms = list(fmt.Sprintf("?around=%d&limit=3", sent[5].ID))
	if len(ms) != 3 || ms[1].ID != sent[5].ID {
		t.Fatalf("around: %+v", ms)
	}
	for _, q := range []string{"?limit=0", "?limit=101", "?limit=x", "?before=x"} {
		wantCode(t, bob.Fail(t, "GET", path+q, nil), 400, protocol.CodeInvalidFormBody)
	}

	var one accordtest.Message
	bob.Must(t, 200, "GET", fmt.Sprintf("%s/%d", path, sent[2].ID), nil, &one)
	if one.Content != "m2" || one.Author.ID != alice.UserID || one.GuildID == 0 {
		t.Fatalf("get: %+v", one)
	}
	wantCode(t, bob.Fail(t, "GET", fmt.Sprintf("%s/%d", path, 999), nil), 404, protocol.CodeUnknownMessage)

	// Edit: the author may change content; others get 50005.
	var ed accordtest.Message
	alice.Must(t, 200, "PATCH", fmt.Sprintf("%s/%d", path, sent[2].ID), map[string]any{"content": fmt.Sprintf("edited <@%d>", bob.UserID)}, &ed)
	if ed.Content != fmt.Sprintf("edited <@%d>", bob.UserID) || ed.EditedTimestamp == nil || len(ed.Mentions) != 1 {
		t.Fatalf("edited: %+v", ed)
	}
	wantCode(t, bob.Fail(t, "PATCH", fmt.Sprintf("%s/%d", path, sent[2].ID), map[string]any{"content": "mine now"}), 403, 50005)
	wantCode(t, alice.Fail(t, "PATCH", fmt.Sprintf("%s/%d", path, 999), map[string]any{"content": "x"}), 404, protocol.CodeUnknownMessage)

	// Delete: own message ok, someone else's needs MANAGE_MESSAGES.
	wantCode(t, bob.Fail(t, "DELETE", fmt.Sprintf("%s/%d", path, sent[0].ID), nil), 403, protocol.CodeMissingPermissions)
	alice.Must(t, 204, "DELETE", fmt.Sprintf("%s/%d", path, sent[0].ID), nil, nil)
	wantCode(t, alice.Fail(t, "GET", fmt.Sprintf("%s/%d", path, sent[0].ID), nil), 404, protocol.CodeUnknownMessage)
	wantCode(t, alice.Fail(t, "DELETE", fmt.Sprintf("%s/%d", path, sent[0].ID), nil), 404, protocol.CodeUnknownMessage)

	// Bulk delete: 2–100 unique ids younger than 14 days.
	bulk := path + "/bulk-delete"
	wantCode(t, alice.Fail(t, "POST", bulk, map[string]any{"messages": []chat.ID{sent[1].ID}}), 400, protocol.CodeInvalidFormBody)
	wantCode(t, alice.Fail(t, "POST", bulk, map[string]any{"messages": make([]chat.ID, 101)}), 400, protocol.CodeInvalidFormBody)
	wantCode(t, alice.Fail(t, "POST", bulk, map[string]any{"messages": []chat.ID{sent[1].ID, sent[1].ID}}), 400, protocol.CodeInvalidFormBody)
	old := snowflake.FromTime(snowflake.Time(sent[1].ID).AddDate(0, 0, -15))
	wantCode(t, alice.Fail(t, "POST", bulk, map[string]any{"messages": []chat.ID{sent[1].ID, old}}), 400, protocol.CodeBulkDeleteTooOld)
	wantCode(t, bob.Fail(t, "POST", bulk, map[string]any{"messages": []chat.ID{sent[1].ID, sent[3].ID}}), 403, protocol.CodeMissingPermissions)
	alice.Must(t, 204, "POST", bulk, map[string]any{"messages": []chat.ID{sent[1].ID, sent[3].ID}}, nil)
	if ms := list(""); len(ms) != 7 {
		t.Errorf("after deletes %d messages, want 7", len(ms))
	}
}
