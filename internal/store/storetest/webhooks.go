package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

func testWebhooks(t *testing.T, s store.Store) {
	ctx := t.Context()
	guild, chA, chB := NewID(), NewID(), NewID()
	// IDs made in this order: lists return them so within a channel.
	first := chat.Webhook{ID: NewID(), Type: chat.WebhookIncoming, GuildID: guild, ChannelID: chA, UserID: NewID(),
		Name: "first", Avatar: "abc", TokenHash: []byte{0, 1, 2, 0xff}}
	second := chat.Webhook{ID: NewID(), Type: chat.WebhookIncoming, GuildID: guild, ChannelID: chA, UserID: NewID(),
		ApplicationID: NewID(), Name: "second", TokenHash: []byte{9}}
	third := chat.Webhook{ID: NewID(), Type: chat.WebhookIncoming, GuildID: guild, ChannelID: chB, Name: "third", TokenHash: []byte{7}}
	elsewhere := chat.Webhook{ID: NewID(), Type: chat.WebhookIncoming, GuildID: NewID(), ChannelID: NewID(), Name: "x", TokenHash: []byte{1}}
	for _, w := range []chat.Webhook{second, third, elsewhere, first} {
		ok(t, "PutWebhook", s.PutWebhook(ctx, w, 0))
	}
	got, err := s.Webhook(ctx, first.ID)
	ok(t, "Webhook", err)
	check(t, "Webhook", got, first)
	if _, err := s.Webhook(ctx, NewID()); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Webhook of an unknown ID: err %v, want ErrNotFound", err)
	}
	list, err := s.ChannelWebhooks(ctx, guild, chA)
	ok(t, "ChannelWebhooks", err)
	check(t, "ChannelWebhooks", list, []chat.Webhook{first, second})
	// chA was made before chB: the guild's list is by channel, then ID.
	list, err = s.GuildWebhooks(ctx, guild)
	ok(t, "GuildWebhooks", err)
	check(t, "GuildWebhooks", list, []chat.Webhook{first, second, third})

	// Moving a webhook leaves no row in its old channel's list.
	moved := second
	moved.ChannelID, moved.Name = chB, "moved"
	ok(t, "PutWebhook move", s.PutWebhook(ctx, moved, chA))
	list, err = s.ChannelWebhooks(ctx, guild, chA)
	ok(t, "ChannelWebhooks after move", err)
	check(t, "ChannelWebhooks after move", list, []chat.Webhook{first})
	list, err = s.ChannelWebhooks(ctx, guild, chB)
	ok(t, "ChannelWebhooks of the new channel", err)
	check(t, "ChannelWebhooks of the new channel", list, []chat.Webhook{moved, third})
	got, err = s.Webhook(ctx, moved.ID)
	ok(t, "Webhook after move", err)
	check(t, "Webhook after move", got, moved)

	ok(t, "DeleteWebhook", s.DeleteWebhook(ctx, first))
	ok(t, "DeleteWebhook again", s.DeleteWebhook(ctx, first))
	if _, err := s.Webhook(ctx, first.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Webhook after delete: err %v, want ErrNotFound", err)
	}
	list, err = s.GuildWebhooks(ctx, guild)
	ok(t, "GuildWebhooks after delete", err)
	check(t, "GuildWebhooks after delete", list, []chat.Webhook{moved, third})
	list, err = s.GuildWebhooks(ctx, elsewhere.GuildID)
	ok(t, "GuildWebhooks of the other guild", err)
	check(t, "GuildWebhooks of the other guild", list, []chat.Webhook{elsewhere})
	list, err = s.GuildWebhooks(ctx, NewID())
	ok(t, "GuildWebhooks of an empty guild", err)
	check(t, "GuildWebhooks of an empty guild", list, nil)
}

// testComponentsAndWebhookAuthor checks that a message's components and
// its webhook author survive a round trip and an edit that removes them.
func testComponentsAndWebhookAuthor(t *testing.T, s store.Store) {
	ch := NewID()
	at := ms(2024, 9, 2, 12, 0, 0)
	m := MessageAt(ch, at, 1)
	m.Components = []byte(`[{"type":1,"components":[{"type":2,"style":1,"label":"Go","custom_id":"go"}]}]`)
	m.WebhookID = NewID()
	m.AuthorID = m.WebhookID
	m.WebhookName, m.WebhookAvatar = "Captain Hook", "https://example.com/a.png"
	PutMessages(t, s, []chat.Message{m})
	got, err := s.Message(t.Context(), ch, m.ID)
	ok(t, "Message", err)
	check(t, "message with components", got, m)

	edited := m
	when := at.Add(time.Minute)
	edited.EditedAt, edited.Components = &when, nil
	ok(t, "PutMessage edit removing components", s.PutMessage(t.Context(), edited))
	got, err = s.Message(t.Context(), ch, m.ID)
	ok(t, "Message", err)
	check(t, "after removing components", got, edited)
}
