package guild

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// TestWebhookMessagesAndUpdates: a webhook posts, edits and deletes its
// own messages through the actor's message path; a context acting as one
// webhook grants nothing to another ID or on another's message;
// WEBHOOKS_UPDATE reaches only GUILD_WEBHOOKS sessions that see the
// channel.
func TestWebhookMessagesAndUpdates(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	owner, bob, carol := e.user("owner", false), e.user("bob", false), e.user("carol", false)
	g, err := e.r.CreateGuild(ctx, owner, "hooks")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []chat.ID{bob, carol} {
		if _, err := e.r.AddMember(ctx, g.ID, u); err != nil {
			t.Fatal(err)
		}
	}
	hidden, err := e.r.CreateChannel(ctx, g.ID, owner, ChannelCreate{Name: "hidden", Type: chat.ChannelText,
		Overwrites: []chat.Overwrite{{ID: carol, Type: 1, Deny: protocol.PermViewChannel}}})
	if err != nil {
		t.Fatal(err)
	}
	with := e.session(bob, protocol.IntentGuildWebhooks, false)
	without := e.session(bob, protocol.IntentsAll&^protocol.IntentGuildWebhooks, false)
	blind := e.session(carol, protocol.IntentGuildWebhooks, false)
	for _, s := range []*fakeSession{with, without, blind} {
		e.connect(t, g.ID, s, 50)
	}

	hook := e.ids.Next()
	wctx := AsWebhook(ctx, hook)
	body, err := e.r.CreateMessage(wctx, hidden.ID, hook, MessageCreate{Content: "from the hook @everyone",
		Webhook: &WebhookAuthor{ID: hook, Name: "Hook", Avatar: "abc"}})
	if err != nil {
		t.Fatalf("webhook create: %v", err)
	}
	var m protocol.Message
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if m.WebhookID != hook || m.Author.ID != hook || m.Author.Username != "Hook" || !m.Author.Bot || !m.MentionEveryone {
		t.Fatalf("webhook message %+v", m)
	}

	// Must not: the webhook context is no pass for another author, nor
	// for a non-member posting under its own ID.
	if _, err := e.r.CreateMessage(AsWebhook(ctx, hook), hidden.ID, e.ids.Next(), MessageCreate{Content: "x"}); err == nil {
		t.Fatal("a stranger posted under another webhook's context")
	}
	if _, err := e.r.CreateMessage(ctx, hidden.ID, hook, MessageCreate{Content: "x"}); err == nil {
		t.Fatal("a webhook ID posted without the webhook context")
	}
	own, err := e.r.CreateMessage(ctx, hidden.ID, owner, MessageCreate{Content: "owner's"})
	if err != nil {
		t.Fatal(err)
	}
	var ownMsg protocol.Message
	_ = json.Unmarshal(own, &ownMsg)
	text := "hijacked"
	if _, err := e.r.EditMessage(wctx, hidden.ID, ownMsg.ID, hook, MessageEdit{Content: &text}); err == nil {
		t.Fatal("the webhook edited the owner's message")
	}
	if err := e.r.DeleteMessage(wctx, hidden.ID, ownMsg.ID, hook); !errors.Is(err, chat.ErrMissingPerms) {
		t.Fatalf("the webhook deleted the owner's message: %v", err)
	}
	edit := "edited by the hook"
	if _, err := e.r.EditMessage(wctx, hidden.ID, m.ID, hook, MessageEdit{Content: &edit}); err != nil {
		t.Fatalf("webhook edit: %v", err)
	}
	if err := e.r.DeleteMessage(wctx, hidden.ID, m.ID, hook); err != nil {
		t.Fatalf("webhook delete: %v", err)
	}

	if err := e.r.WebhooksUpdated(ctx, g.ID, hidden.ID); err != nil {
		t.Fatal(err)
	}
	e.sync(g.ID)
	if n := len(with.named(EventWebhooksUpdate)); n != 1 {
		t.Fatalf("GUILD_WEBHOOKS session got %d WEBHOOKS_UPDATE", n)
	}
	if n := len(without.named(EventWebhooksUpdate)); n != 0 {
		t.Fatalf("session without GUILD_WEBHOOKS got %d", n)
	}
	if n := len(blind.named(EventWebhooksUpdate)); n != 0 {
		t.Fatalf("session that cannot see the channel got %d", n)
	}
	var up struct {
		GuildID   chat.ID `json:"guild_id"`
		ChannelID chat.ID `json:"channel_id"`
	}
	if err := json.Unmarshal(with.named(EventWebhooksUpdate)[0].Data, &up); err != nil || up.GuildID != g.ID || up.ChannelID != hidden.ID {
		t.Fatalf("WEBHOOKS_UPDATE %s: %v", with.named(EventWebhooksUpdate)[0].Data, err)
	}
}
