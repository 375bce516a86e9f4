package api_test

import (
	"fmt"
	"testing"

	"github.com/accordchat/accord/internal/protocol"
)

// TestAckRoute: a member acks a channel they see and gets {"token": null};
// the body may be empty, {"token": null} or a manual mark-unread. Must
// not do: ack a channel one cannot see (50001), is not in (50001), or that
// does not exist (10003); keep a negative or huge mention count (50035);
// send a body that is not JSON (50109) or an ID that is not one (50035).
func TestAckRoute(t *testing.T) {
	s := run(t)
	r := newReactionGuild(t, s)
	ack := func(ch any) string { return fmt.Sprintf("/channels/%v/messages/%d/ack", ch, r.msg) }

	var out map[string]any
	r.member.Must(t, 200, "POST", ack(r.ch), map[string]any{"token": nil}, &out)
	if v, ok := out["token"]; !ok || v != nil || len(out) != 1 {
		t.Fatalf("ack reply %v, want {\"token\": null}", out)
	}
	r.member.Must(t, 200, "POST", ack(r.ch), nil, nil)
	r.member.Must(t, 200, "POST", ack(r.ch), map[string]any{"manual": true, "mention_count": 3}, nil)

	wantCode(t, r.hidden.Fail(t, "POST", ack(r.ch), nil), 403, protocol.CodeMissingAccess)
	wantCode(t, r.outsider.Fail(t, "POST", ack(r.ch), nil), 403, protocol.CodeMissingAccess)
	wantCode(t, r.member.Fail(t, "POST", ack(r.ch+12345), nil), 404, protocol.CodeUnknownChannel)
	for _, n := range []int{-1, 10_001} {
		wantCode(t, r.member.Fail(t, "POST", ack(r.ch), map[string]any{"manual": true, "mention_count": n}), 400, protocol.CodeInvalidFormBody)
	}
	wantCode(t, r.member.Fail(t, "POST", ack(r.ch), map[string]any{"mention_count": "many"}), 400, protocol.CodeInvalidFormBody)
	wantCode(t, r.member.Fail(t, "POST", fmt.Sprintf("/channels/%d/messages/nope/ack", r.ch), nil), 400, protocol.CodeInvalidFormBody)
	wantCode(t, r.member.Fail(t, "POST", ack(r.ch), "{not json"), 400, protocol.CodeInvalidJSON)
}
