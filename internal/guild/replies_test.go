package guild

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

// TestStoredCrossChannelReplyShowsNothing: a reply stored before replies
// were held to their channel, naming a message of a channel the reader
// cannot see, renders with referenced_message null in history and in GET
// message, as Discord renders a reply whose message was deleted.
func TestStoredCrossChannelReplyShowsNothing(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	owner, bob := e.user("owner", false), e.user("bob", false)
	g, err := e.r.CreateGuild(ctx, owner, "legacy")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.AddMember(ctx, g.ID, bob); err != nil {
		t.Fatal(err)
	}
	general := *g.SystemChannelID
	secret, err := e.r.CreateChannel(ctx, g.ID, owner, ChannelCreate{Name: "secret",
		Overwrites: []chat.Overwrite{{ID: g.ID, Type: chat.OverwriteRole, Deny: protocol.PermViewChannel}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.r.CreateMessage(ctx, secret.ID, owner, MessageCreate{Content: "the launch codes"}); err != nil {
		t.Fatal(err)
	}
	hidden, err := e.r.data.Messages(ctx, secret.ID, store.Page{Limit: 1})
	if err != nil || len(hidden) != 1 {
		t.Fatalf("hidden message: %v %v", hidden, err)
	}
	legacy := chat.Message{ID: e.ids.Next(), ChannelID: general, GuildID: g.ID, AuthorID: bob, Content: "re",
		Type: chat.MessageReply, Reference: &chat.MessageReference{MessageID: hidden[0].ID, ChannelID: secret.ID, GuildID: g.ID}}
	if err := e.r.data.CreateMessage(ctx, legacy); err != nil {
		t.Fatal(err)
	}
	page, err := e.r.Messages(ctx, general, bob, store.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range page {
		if m.ReferencedMessage != nil {
			t.Fatalf("history shows referenced_message %+v", *m.ReferencedMessage)
		}
	}
	m, err := e.r.Message(ctx, general, legacy.ID, bob)
	if err != nil || m.ReferencedMessage != nil {
		t.Fatalf("GET message: %+v %v", m.ReferencedMessage, err)
	}
}

// TestReplyFanOutNeedsHistory: MESSAGE_CREATE of a reply carries the
// replied-to message only to sessions that may read the channel's history
// (GET message needs it too); the others, content-less bot variant
// included, get the reply without it. Inline shard and relays alike.
func TestReplyFanOutNeedsHistory(t *testing.T) {
	for _, relay := range []int{0, 1} {
		t.Run(fmt.Sprint("relay threshold ", relay), func(t *testing.T) {
			e := newEnv(t, Config{RelayThreshold: relay})
			ctx := context.Background()
			owner, reader, blind, bot := e.user("owner", false), e.user("reader", false), e.user("blind", false), e.user("bot", true)
			g, err := e.r.CreateGuild(ctx, owner, "replies")
			if err != nil {
				t.Fatal(err)
			}
			general := *g.SystemChannelID
			for _, u := range []chat.ID{reader, blind, bot} {
				if _, err := e.r.AddMember(ctx, g.ID, u); err != nil {
					t.Fatal(err)
				}
			}
			for _, u := range []chat.ID{blind, bot} {
				if err := e.r.PutOverwrite(ctx, general, owner, chat.Overwrite{ID: u, Type: chat.OverwriteMember, Deny: protocol.PermReadMessageHistory}); err != nil {
					t.Fatal(err)
				}
			}
			sessions := map[chat.ID]*fakeSession{}
			for _, u := range []chat.ID{owner, reader, blind, bot} {
				intents := allIntents
				if u == bot {
					intents &^= protocol.IntentMessageContent
				}
				sessions[u] = e.session(u, intents, u == bot)
				if err := e.r.Connect(ctx, g.ID, sessions[u], 250); err != nil {
					t.Fatal(err)
				}
			}
			first, err := e.r.CreateMessage(ctx, general, owner, MessageCreate{Content: "first words"})
			if err != nil {
				t.Fatal(err)
			}
			var orig struct {
				ID chat.ID `json:"id"`
			}
			if err := json.Unmarshal(first, &orig); err != nil {
				t.Fatal(err)
			}
			if _, err := e.r.CreateMessage(ctx, general, reader, MessageCreate{Content: "re",
				Reference: &chat.MessageReference{MessageID: orig.ID}, FailIfNotExists: true}); err != nil {
				t.Fatal(err)
			}
			e.sync(g.ID)
			for u, want := range map[chat.ID]bool{owner: true, reader: true, blind: false, bot: false} {
				got := sessions[u].named(protocol.EventMessageCreate)
				if len(got) != 2 {
					t.Fatalf("user %d: %d MESSAGE_CREATE", u, len(got))
				}
				var m protocol.Message
				if err := json.Unmarshal(got[1].Data, &m); err != nil {
					t.Fatal(err)
				}
				if m.MessageReference == nil || (m.ReferencedMessage != nil) != want {
					t.Errorf("user %d: referenced_message %v, want shown %v; %s", u, m.ReferencedMessage, want, got[1].Data)
				}
				if u == bot && m.Content != "" {
					t.Errorf("bot without MESSAGE_CONTENT got content %q", m.Content)
				}
			}
		})
	}
}
