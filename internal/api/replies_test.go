package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// TestReplyCannotLeakHiddenMessage: a reply may only name a message of its
// own channel. One naming a message of a channel its author cannot see is
// answered as a reply to a message that does not exist (no oracle), and
// with fail_if_not_exists false becomes a plain message; the hidden
// content appears in no answer, event body or history.
func TestReplyCannotLeakHiddenMessage(t *testing.T) {
	s := run(t)
	owner := s.Register(t, "owner")
	g, general := owner.CreateGuild(t, "leaky")
	bob := s.Register(t, "bob")
	bob.Join(t, owner, general)
	var secret struct {
		ID chat.ID `json:"id,string"`
	}
	owner.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/channels", g.ID), map[string]any{"name": "secret",
		"permission_overwrites": []map[string]any{{"id": fmt.Sprint(g.ID), "type": 0, "deny": fmt.Sprint(protocol.PermViewChannel)}}}, &secret)
	hidden := owner.Send(t, secret.ID, "the launch codes")
	public := owner.Send(t, general, "hello")

	path := fmt.Sprintf("/channels/%d/messages", general)
	refs := map[string]map[string]any{
		"hidden, with channel":   {"message_id": fmt.Sprint(hidden.ID), "channel_id": fmt.Sprint(secret.ID)},
		"hidden, no channel":     {"message_id": fmt.Sprint(hidden.ID)},
		"hidden, with guild":     {"message_id": fmt.Sprint(hidden.ID), "channel_id": fmt.Sprint(secret.ID), "guild_id": fmt.Sprint(g.ID)},
		"visible, other channel": {"message_id": fmt.Sprint(public.ID), "channel_id": fmt.Sprint(secret.ID)},
		"nonexistent":            {"message_id": "12345"},
	}
	for name, ref := range refs {
		for _, who := range []string{"bob", "owner"} {
			c := bob
			if who == "owner" {
				c = owner
			}
			t.Run(who+"/"+name, func(t *testing.T) {
				e := c.Fail(t, "POST", path, map[string]any{"content": "re", "message_reference": ref})
				if e.Status != 400 || e.Code != protocol.CodeInvalidFormBody || !strings.Contains(string(e.Errors), "MESSAGE_REFERENCE_UNKNOWN_MESSAGE") {
					t.Fatalf("got %d %d %s, want 50035 MESSAGE_REFERENCE_UNKNOWN_MESSAGE", e.Status, e.Code, e.Errors)
				}
				soft := map[string]any{"fail_if_not_exists": false}
				for k, v := range ref {
					soft[k] = v
				}
				st, body, err := c.Request("POST", path, map[string]any{"content": "re", "message_reference": soft})
				if err != nil || st != 200 {
					t.Fatalf("fail_if_not_exists false: %d %s %v", st, body, err)
				}
				if strings.Contains(string(body), "launch codes") || strings.Contains(string(body), `"referenced_message"`) ||
					strings.Contains(string(body), `"message_reference"`) || !strings.Contains(string(body), `"type":0`) {
					t.Fatalf("fail_if_not_exists false: want a plain message, got %s", body)
				}
			})
		}
	}
	// A reply within the channel still works, and history never shows
	// the hidden message.
	var m struct {
		ReferencedMessage *struct {
			ID chat.ID `json:"id,string"`
		} `json:"referenced_message"`
	}
	bob.Must(t, 200, "POST", path, map[string]any{"content": "re", "message_reference": map[string]any{"message_id": fmt.Sprint(public.ID)}}, &m)
	if m.ReferencedMessage == nil || m.ReferencedMessage.ID != public.ID {
		t.Fatalf("same-channel reply: %+v", m)
	}
	st, body, err := bob.Request("GET", path, nil)
	if err != nil || st != 200 || strings.Contains(string(body), "launch codes") {
		t.Fatalf("history: %d %v %s", st, err, body)
	}
}
