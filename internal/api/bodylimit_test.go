package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/protocol"
)

// TestRouteBodyLimits: routes whose bodies are small by nature (typing,
// bulk delete) refuse a large body with 413 / 40005 long before the
// general 1 MiB cap, and still accept an ordinary one.
func TestRouteBodyLimits(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	_, ch := alice.CreateGuild(t, "body limits")
	typing := fmt.Sprintf("/channels/%d/typing", ch)
	bulk := fmt.Sprintf("/channels/%d/messages/bulk-delete", ch)
	pad := strings.Repeat("a", 32<<10)
	wantCode(t, alice.Fail(t, "POST", typing, `{"pad":"`+pad+`"}`), 413, protocol.CodeEntityTooLarge)
	wantCode(t, alice.Fail(t, "POST", bulk, `{"messages":[],"pad":"`+pad+`"}`), 413, protocol.CodeEntityTooLarge)
	// Ordinary bodies still pass: typing with none, a bulk delete of two
	// messages.
	alice.Must(t, 204, "POST", typing, nil, nil)
	var m1, m2 struct {
		ID string `json:"id"`
	}
	msgs := fmt.Sprintf("/channels/%d/messages", ch)
	alice.Must(t, 200, "POST", msgs, map[string]string{"content": "one"}, &m1)
	alice.Must(t, 200, "POST", msgs, map[string]string{"content": "two"}, &m2)
	alice.Must(t, 204, "POST", bulk, map[string][]string{"messages": {m1.ID, m2.ID}}, nil)
}
