package api_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

type pinsPage struct {
	Items []struct {
		PinnedAt string         `json:"pinned_at"`
		Message  reactedMessage `json:"message"`
	} `json:"items"`
	HasMore *bool `json:"has_more"`
}

func TestPinRoutes(t *testing.T) {
	s := run(t)
	r := newReactionGuild(t, s)
	newPins := fmt.Sprintf("/channels/%d/messages/pins", r.ch)
	oldPins := fmt.Sprintf("/channels/%d/pins", r.ch)

	// Must not do: pin without PIN_MESSAGES or MANAGE_MESSAGES, or in a
	// channel one cannot see; pin what does not exist or is not an ID.
	for _, p := range []string{newPins, oldPins} {
		wantCode(t, r.member.Fail(t, "PUT", fmt.Sprintf("%s/%d", p, r.msg), nil), 403, protocol.CodeMissingPermissions)
		wantCode(t, r.hidden.Fail(t, "PUT", fmt.Sprintf("%s/%d", p, r.msg), nil), 403, protocol.CodeMissingAccess)
		wantCode(t, r.outsider.Fail(t, "PUT", fmt.Sprintf("%s/%d", p, r.msg), nil), 403, protocol.CodeMissingAccess)
		wantCode(t, r.owner.Fail(t, "PUT", fmt.Sprintf("%s/%d", p, r.msg+1), nil), 404, protocol.CodeUnknownMessage)
		wantCode(t, r.owner.Fail(t, "PUT", p+"/nope", nil), 400, protocol.CodeInvalidFormBody)
	}
	var page pinsPage
	r.owner.Must(t, 200, "GET", newPins, nil, &page)
	if len(page.Items) != 0 || page.HasMore == nil || *page.HasMore {
		t.Fatalf("pins before pinning %+v", page)
	}

	// A role with PIN_MESSAGES alone may pin.
	var role struct {
		ID chat.ID `json:"id"`
	}
	var ch struct {
		GuildID chat.ID `json:"guild_id"`
	}
	r.owner.Must(t, 200, "GET", fmt.Sprintf("/channels/%d", r.ch), nil, &ch)
	r.owner.Must(t, 200, "POST", fmt.Sprintf("/guilds/%d/roles", ch.GuildID), map[string]any{
		"name": "pinners", "permissions": fmt.Sprint(protocol.PermDefaultEveryone | protocol.PermPinMessages)}, &role)
	r.owner.Must(t, 204, "PUT", fmt.Sprintf("/guilds/%d/members/%d/roles/%d", ch.GuildID, r.member.UserID, role.ID), nil, nil)
	r.member.Must(t, 204, "PUT", fmt.Sprintf("%s/%d", newPins, r.msg), nil, nil)
	second := r.owner.Send(t, r.ch, "second")
	r.owner.Must(t, 204, "PUT", fmt.Sprintf("%s/%d", oldPins, second.ID), nil, nil)

	if m := r.read(t, r.member); !m.Pinned {
		t.Fatal("pinned message reads pinned false")
	}
	// The pin posted the system message, type 6, pointing at the message.
	var history []struct {
		Type             int `json:"type"`
		MessageReference *struct {
			MessageID chat.ID `json:"message_id"`
		} `json:"message_reference"`
	}
	r.owner.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages?limit=5", r.ch), nil, &history)
	if len(history) < 1 || history[0].Type != 6 || history[0].MessageReference == nil || history[0].MessageReference.MessageID != second.ID {
		t.Fatalf("history %+v", history)
	}

	r.member.Must(t, 200, "GET", newPins, nil, &page)
	if len(page.Items) != 2 || page.Items[0].Message.ID != second.ID || page.Items[1].Message.ID != r.msg ||
		!page.Items[0].Message.Pinned || page.HasMore == nil || *page.HasMore {
		t.Fatalf("pins %+v", page)
	}
	r.member.Must(t, 200, "GET", newPins+"?limit=1", nil, &page)
	if len(page.Items) != 1 || !*page.HasMore {
		t.Fatalf("first page %+v", page)
	}
	r.member.Must(t, 200, "GET", newPins+"?limit=1&before="+url.QueryEscape(page.Items[0].PinnedAt), nil, &page)
	if len(page.Items) != 1 || page.Items[0].Message.ID != r.msg || *page.HasMore {
		t.Fatalf("second page %+v", page)
	}
	var old []reactedMessage
	r.member.Must(t, 200, "GET", oldPins, nil, &old)
	if len(old) != 2 || old[0].ID != second.ID {
		t.Fatalf("old pins %+v", old)
	}
	for _, q := range []string{"?limit=0", "?limit=51", "?before=yesterday"} {
		wantCode(t, r.member.Fail(t, "GET", newPins+q, nil), 400, protocol.CodeInvalidFormBody)
	}
	// Must not see: the pins of a hidden channel.
	wantCode(t, r.hidden.Fail(t, "GET", newPins, nil), 403, protocol.CodeMissingAccess)
	wantCode(t, r.hidden.Fail(t, "GET", oldPins, nil), 403, protocol.CodeMissingAccess)
	wantCode(t, r.outsider.Fail(t, "GET", newPins, nil), 403, protocol.CodeMissingAccess)

	// Unpinning: by both routes; a member without the permission may not.
	wantCode(t, r.noAdd.Fail(t, "DELETE", fmt.Sprintf("%s/%d", newPins, r.msg), nil), 403, protocol.CodeMissingPermissions)
	wantCode(t, r.hidden.Fail(t, "DELETE", fmt.Sprintf("%s/%d", oldPins, r.msg), nil), 403, protocol.CodeMissingAccess)
	r.member.Must(t, 204, "DELETE", fmt.Sprintf("%s/%d", newPins, r.msg), nil, nil)
	r.owner.Must(t, 204, "DELETE", fmt.Sprintf("%s/%d", oldPins, second.ID), nil, nil)
	r.owner.Must(t, 200, "GET", newPins, nil, &page)
	if len(page.Items) != 0 {
		t.Fatalf("pins after unpinning %+v", page)
	}
	if m := r.read(t, r.member); m.Pinned {
		t.Fatal("unpinned message reads pinned true")
	}
}
