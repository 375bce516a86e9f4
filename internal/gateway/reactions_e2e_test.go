package gateway_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

// nextNamed skips other dispatches and returns the data of the next one
// called name.
func nextNamed(t *testing.T, g *client, name string) json.RawMessage {
	t.Helper()
	for {
		if f := g.next(); f.T == name {
			return f.D
		}
	}
}

// noneBefore reads up to the CHANNEL_CREATE of marker and fails on any of
// names before it (a guild's events are ordered).
func noneBefore(t *testing.T, g *client, who string, marker chat.ID, names ...string) {
	t.Helper()
	for {
		f := g.next()
		for _, n := range names {
			if f.T == n {
				t.Fatalf("%s got %s: %s", who, f.T, f.D)
			}
		}
		var ch struct {
			ID chat.ID `json:"id"`
		}
		if f.T == protocol.EventChannelCreate && json.Unmarshal(f.D, &ch) == nil && ch.ID == marker {
			return
		}
	}
}

// Reaction and pin events over a real socket: they reach sessions that
// see the channel (reactions only with GUILD_MESSAGE_REACTIONS), and never
// a member the channel is hidden from.
func TestEndToEndReactionAndPinEvents(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{})
	alice, bob, dave := s.Register(t, "alice"), s.Register(t, "bob"), s.Register(t, "dave")
	gd, general := alice.CreateGuild(t, "reacts")
	bob.Join(t, alice, general)
	dave.Join(t, alice, general)
	var secret struct {
		ID chat.ID `json:"id"`
	}
	alice.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/channels", gd.ID), map[string]any{"name": "secret"}, &secret)
	alice.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/permissions/%d", secret.ID, dave.UserID),
		map[string]any{"type": 1, "deny": fmt.Sprint(protocol.PermViewChannel)}, nil)

	intents := protocol.IntentGuilds | protocol.IntentGuildMessages | protocol.IntentGuildMessageReactions
	member, _ := connect(t, s, bob, intents)
	hidden, _ := connect(t, s, dave, intents)
	noIntent, _ := connect(t, s, bob, protocol.IntentGuilds|protocol.IntentGuildMessages)

	m := alice.Send(t, secret.ID, "psst")
	raw := nextNamed(t, member, protocol.EventMessageCreate)
	var created map[string]json.RawMessage
	if err := json.Unmarshal(raw, &created); err != nil {
		t.Fatal(err)
	}
	if _, ok := created["reactions"]; ok {
		t.Fatalf("a new message's MESSAGE_CREATE carries reactions: %s", raw)
	}
	fire := url.PathEscape("🔥")
	alice.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/messages/%d/reactions/%s/@me", secret.ID, m.ID, fire), nil, nil)
	var add struct {
		UserID          chat.ID `json:"user_id"`
		MessageID       chat.ID `json:"message_id"`
		MessageAuthorID chat.ID `json:"message_author_id"`
		Member          *struct {
			User struct {
				ID chat.ID `json:"id"`
			} `json:"user"`
		} `json:"member"`
		Emoji struct {
			ID   *chat.ID `json:"id"`
			Name string   `json:"name"`
		} `json:"emoji"`
	}
	if err := json.Unmarshal(nextNamed(t, member, protocol.EventMessageReactionAdd), &add); err != nil {
		t.Fatal(err)
	}
	if add.UserID != alice.UserID || add.MessageID != m.ID || add.MessageAuthorID != alice.UserID ||
		add.Member == nil || add.Member.User.ID != alice.UserID || add.Emoji.ID != nil || add.Emoji.Name != "🔥" {
		t.Fatalf("MESSAGE_REACTION_ADD %+v", add)
	}
	alice.Must(t, 204, "DELETE", fmt.Sprintf("/channels/%d/messages/%d/reactions/%s/@me", secret.ID, m.ID, fire), nil, nil)
	nextNamed(t, member, protocol.EventMessageReactionRemove)
	alice.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/messages/pins/%d", secret.ID, m.ID), nil, nil)
	var pins struct {
		ChannelID        chat.ID `json:"channel_id"`
		LastPinTimestamp *string `json:"last_pin_timestamp"`
	}
	if err := json.Unmarshal(nextNamed(t, member, protocol.EventChannelPinsUpdate), &pins); err != nil {
		t.Fatal(err)
	}
	if pins.ChannelID != secret.ID || pins.LastPinTimestamp == nil {
		t.Fatalf("CHANNEL_PINS_UPDATE %+v", pins)
	}
	alice.Must(t, 204, "DELETE", fmt.Sprintf("/channels/%d/messages/%d/reactions", secret.ID, m.ID), nil, nil)
	nextNamed(t, member, protocol.EventMessageReactionRemoveAll)

	var marker struct {
		ID chat.ID `json:"id"`
	}
	alice.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/channels", gd.ID), map[string]any{"name": "marker"}, &marker)
	all := []string{protocol.EventMessageReactionAdd, protocol.EventMessageReactionRemove, protocol.EventMessageReactionRemoveAll,
		protocol.EventChannelPinsUpdate, protocol.EventMessageCreate, protocol.EventMessageUpdate}
	noneBefore(t, hidden, "a member the channel is hidden from", marker.ID, all...)
	noneBefore(t, noIntent, "a session without GUILD_MESSAGE_REACTIONS", marker.ID, all[:3]...)
}
