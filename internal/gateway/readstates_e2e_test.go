package gateway_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

// nextAck waits for the next MESSAGE_ACK on c, skipping other frames.
func nextAck(t *testing.T, c *client) protocol.MessageAck {
	t.Helper()
	for {
		f := c.next()
		if f.T != protocol.EventMessageAck {
			continue
		}
		var a protocol.MessageAck
		if err := json.Unmarshal(f.D, &a); err != nil {
			t.Fatal(err)
		}
		return a
	}
}

// readyEntry returns channelID's entry of a READY read_state, if any.
func readyEntry(t *testing.T, r readyData, channelID chat.ID) (protocol.ReadStateEntry, bool) {
	t.Helper()
	if r.ReadState == nil {
		t.Fatal("READY without read_state")
	}
	for _, e := range r.ReadState.Entries {
		if e.ID == channelID {
			return e, true
		}
	}
	return protocol.ReadStateEntry{}, false
}

// TestEndToEndReadStates: an ack reaches the user's other sessions as
// MESSAGE_ACK and shows in the next READY's read_state; mentions of the
// user, @everyone and a role the user holds after the ack are counted
// there, other messages are not, and acking clears them. Must not: the
// ack reaches no one else, a channel that became hidden leaves READY,
// and a bot's READY carries no read state.
func TestEndToEndReadStates(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{})
	alice, bob, carol := s.Register(t, "alice"), s.Register(t, "bob"), s.Register(t, "carol")
	g, general := alice.CreateGuild(t, "unread")
	bob.Join(t, alice, general)
	carol.Join(t, alice, general)
	var role struct {
		ID chat.ID `json:"id"`
	}
	alice.Must(t, 200, "POST", fmt.Sprintf("/guilds/%d/roles", g.ID), map[string]any{"name": "team", "mentionable": true}, &role)
	alice.Must(t, 204, "PUT", fmt.Sprintf("/guilds/%d/members/%d/roles/%d", g.ID, bob.UserID, role.ID), nil, nil)

	b1, _ := connect(t, s, bob, protocol.IntentGuilds)
	b2, ready := connect(t, s, bob, protocol.IntentGuilds)
	if _, ok := readyEntry(t, ready, general); ok {
		t.Fatalf("entry for a channel never acked: %+v", ready.ReadState)
	}
	other, _ := connect(t, s, carol, protocol.IntentGuilds|protocol.IntentGuildMessages)

	first := alice.Send(t, general, "before the ack")
	var ack protocol.AckToken
	bob.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/messages/%d/ack", general, first.ID), map[string]any{"token": nil}, &ack)
	if ack.Token != nil {
		t.Fatalf("ack token %v, want null", *ack.Token)
	}
	for _, c := range []*client{b1, b2} {
		a := nextAck(t, c)
		if a.ChannelID != general || a.MessageID != first.ID || a.MentionCount != 0 || a.Version <= 0 {
			t.Fatalf("MESSAGE_ACK %+v", a)
		}
	}
	noneNamed(t, other, protocol.EventMessageAck, 300*time.Millisecond) // carol's session never hears of bob's acks

	alice.Send(t, general, fmt.Sprintf("hey <@%d>", bob.UserID))
	alice.Send(t, general, "@everyone listen")
	alice.Send(t, general, fmt.Sprintf("<@&%d> standup", role.ID))
	alice.Send(t, general, fmt.Sprintf("<@%d> only", carol.UserID))
	last := alice.Send(t, general, "no mention")
	bob.Send(t, general, fmt.Sprintf("talking to myself <@%d>", bob.UserID))

	_, ready = connect(t, s, bob, protocol.IntentGuilds)
	e, ok := readyEntry(t, ready, general)
	if !ok || e.LastMessageID != first.ID || e.MentionCount != 3 || e.LastPinTimestamp == "" {
		t.Fatalf("READY entry %+v (found %v), want last %d and 3 mentions", e, ok, first.ID)
	}
	if ready.ReadState.Version <= 0 || ready.ReadState.Partial {
		t.Fatalf("read_state %+v", ready.ReadState)
	}
	// Carol, who was mentioned once by name and by @everyone, has never
	// acked: no entry, as a channel with no read state reads as read.
	if _, r := connect(t, s, carol, protocol.IntentGuilds); r.ReadState == nil || len(r.ReadState.Entries) != 0 {
		t.Fatalf("carol's read_state %+v", r.ReadState)
	}

	bob.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/messages/%d/ack", general, last.ID), nil, nil)
	if a := nextAck(t, b1); a.MessageID != last.ID || a.MentionCount != 0 {
		t.Fatalf("MESSAGE_ACK %+v", a)
	}
	_, ready = connect(t, s, bob, protocol.IntentGuilds)
	if e, ok := readyEntry(t, ready, general); !ok || e.MentionCount != 0 || e.LastMessageID != last.ID {
		t.Fatalf("READY entry after ack %+v", e)
	}

	// A manual "mark unread" keeps the count the client sends.
	bob.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/messages/%d/ack", general, first.ID),
		map[string]any{"manual": true, "mention_count": 2}, nil)
	if a := nextAck(t, b1); a.MessageID != first.ID || a.MentionCount != 2 || !a.Manual {
		t.Fatalf("manual MESSAGE_ACK %+v", a)
	}

	// Must not see: once bob may no longer view the channel, its entry
	// leaves his READY.
	alice.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/permissions/%d", general, bob.UserID),
		map[string]any{"type": 1, "deny": fmt.Sprint(protocol.PermViewChannel)}, nil)
	_, ready = connect(t, s, bob, protocol.IntentGuilds)
	if _, ok := readyEntry(t, ready, general); ok {
		t.Fatalf("hidden channel in READY read_state: %+v", ready.ReadState)
	}
	// bob's other session heard of both later acks, in order.
	if a, m := nextAck(t, b2), nextAck(t, b2); a.MessageID != last.ID || m.MessageID != first.ID || m.Version <= a.Version {
		t.Fatalf("second session's acks %+v then %+v", a, m)
	}

	// A bot's READY has no read_state at all.
	b := bot(t, s, alice, g.ID)
	b.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/messages/%d/ack", general, last.ID), nil, nil)
	gb := dial(t, gatewayURL(t, s))
	hello(t, gb)
	if r := gb.identify(b.Token, protocol.IntentGuilds, nil); r.ReadState != nil {
		t.Fatalf("bot READY read_state %+v", r.ReadState)
	}
}
