package guild

import (
	"context"
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
