package gateway_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

// answerMsg is the part of an interaction's answer these tests read.
type answerMsg struct {
	ID              chat.ID `json:"id"`
	Type            int     `json:"type"`
	Content         string  `json:"content"`
	Flags           int     `json:"flags"`
	ChannelID       chat.ID `json:"channel_id"`
	ApplicationID   chat.ID `json:"application_id"`
	WebhookID       chat.ID `json:"webhook_id"`
	EditedTimestamp *string `json:"edited_timestamp"`
	Author          struct {
		ID  chat.ID `json:"id"`
		Bot bool    `json:"bot"`
	} `json:"author"`
	MessageReference *struct {
		MessageID chat.ID `json:"message_id"`
	} `json:"message_reference"`
	ReferencedMessage *struct {
		ID chat.ID `json:"id"`
	} `json:"referenced_message"`
	Meta *struct {
		ID   chat.ID `json:"id"`
		Type int     `json:"type"`
		User struct {
			ID       chat.ID `json:"id"`
			Username string  `json:"username"`
		} `json:"user"`
		Owners              map[string]chat.ID `json:"authorizing_integration_owners"`
		Name                string             `json:"name"`
		CommandType         int                `json:"command_type"`
		OriginalResponseID  chat.ID            `json:"original_response_message_id"`
		InteractedMessageID chat.ID            `json:"interacted_message_id"`
		TargetMessageID     chat.ID            `json:"target_message_id"`
		TargetUser          *struct {
			ID chat.ID `json:"id"`
		} `json:"target_user"`
		Triggering *struct {
			ID                  chat.ID `json:"id"`
			Type                int     `json:"type"`
			InteractedMessageID chat.ID `json:"interacted_message_id"`
		} `json:"triggering_interaction_metadata"`
	} `json:"interaction_metadata"`
	Interaction *struct {
		ID   chat.ID `json:"id"`
		Type int     `json:"type"`
		Name string  `json:"name"`
		User struct {
			ID chat.ID `json:"id"`
		} `json:"user"`
	} `json:"interaction"`
}

func decodeAnswer(t *testing.T, b []byte) answerMsg {
	t.Helper()
	var m answerMsg
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return m
}

// checkAnswer checks what every answer to interaction id (of type typ,
// invoked by userID) carries.
func (f *cmdFixture) checkAnswer(t *testing.T, what string, m answerMsg, id chat.ID, typ int, userID chat.ID, raw []byte) {
	t.Helper()
	if m.ApplicationID != f.appID || m.WebhookID != f.appID || m.Author.ID != f.bot.UserID || !m.Author.Bot ||
		m.Meta == nil || m.Meta.ID != id || m.Meta.Type != typ || m.Meta.User.ID != userID || m.Meta.User.Username == "" ||
		len(m.Meta.Owners) != 1 || m.Meta.Owners["0"] != f.guildID {
		t.Fatalf("%s: %s", what, raw)
	}
}

// nextMessageEvent skips frames until a dispatch named name for message id
// (0: any message).
func nextMessageEvent(t *testing.T, g *client, name string, id chat.ID) (answerMsg, json.RawMessage) {
	t.Helper()
	for {
		raw := nextEvent(t, g, name)
		m := decodeAnswer(t, raw)
		if id == 0 || m.ID == id {
			return m, raw
		}
	}
}

func (f *cmdFixture) interactionFor(t *testing.T, botGW *client, body map[string]any, by *accordtest.Client) interactionCreate {
	t.Helper()
	body["application_id"], body["guild_id"] = f.appID, f.guildID
	if _, ok := body["channel_id"]; !ok {
		body["channel_id"] = f.general
	}
	if st, b, err := by.Request("POST", "/interactions", body); err != nil || st != 204 {
		t.Fatalf("invoke %v: %d %s %v", body, st, b, err)
	}
	var it interactionCreate
	_ = json.Unmarshal(nextEvent(t, botGW, "INTERACTION_CREATE"), &it)
	return it
}

func callback(t *testing.T, s *accordtest.Server, it interactionCreate, body map[string]any) []byte {
	t.Helper()
	st, b, err := s.Anonymous().Request("POST", fmt.Sprintf("/interactions/%d/%s/callback?with_response=true", it.ID, it.Token), body)
	if err != nil || st != 200 {
		t.Fatalf("callback %v: %d %s %v", body, st, b, err)
	}
	return b
}

// An answer, its follow-up and an ephemeral follow-up carry Discord's
// interaction fields in the channel's MESSAGE_CREATE, the REST replies,
// GET message and history.
func TestEndToEndInteractionAnswerShape(t *testing.T) {
	f := newCmdFixture(t, server.Config{})
	botGW, _ := connect(t, f.s, f.bot, 0)
	bobGW, _ := connect(t, f.s, f.bob, protocol.IntentGuildMessages)
	carolGW, _ := connect(t, f.s, f.carol, protocol.IntentGuildMessages)
	it := f.interactionFor(t, botGW, map[string]any{"type": 2, "data": map[string]any{"id": f.ping, "type": 1,
		"options": []any{map[string]any{"type": 3, "name": "text", "value": "hi"}}}}, f.bob)
	var resp struct {
		Resource struct {
			Message json.RawMessage `json:"message"`
		} `json:"resource"`
	}
	_ = json.Unmarshal(callback(t, f.s, it, map[string]any{"type": 4, "data": map[string]any{"content": "pong"}}), &resp)
	orig, raw := nextMessageEvent(t, carolGW, "MESSAGE_CREATE", 0)
	f.checkAnswer(t, "carol's MESSAGE_CREATE", orig, it.ID, 2, f.bob.UserID, raw)
	if orig.Type != chat.MessageChatInputCommand || orig.Content != "pong" || orig.Meta.Name != "ping" || orig.Meta.CommandType != 1 ||
		orig.Meta.OriginalResponseID != 0 || orig.Interaction == nil || orig.Interaction.ID != it.ID || orig.Interaction.Type != 2 ||
		orig.Interaction.Name != "ping" || orig.Interaction.User.ID != f.bob.UserID || orig.MessageReference != nil {
		t.Fatalf("original response: %s", raw)
	}
	if got := decodeAnswer(t, resp.Resource.Message); got.ID != orig.ID || got.Meta == nil || got.Meta.ID != it.ID {
		t.Fatalf("with_response message: %s", resp.Resource.Message)
	}

	hook := fmt.Sprintf("/webhooks/%d/%s", f.appID, it.Token)
	var fuRaw json.RawMessage
	f.s.Anonymous().Must(t, 200, "POST", hook, map[string]any{"content": "more"}, &fuRaw)
	fu := decodeAnswer(t, fuRaw)
	f.checkAnswer(t, "follow-up", fu, it.ID, 2, f.bob.UserID, fuRaw)
	if fu.Type != chat.MessageChatInputCommand || fu.Meta.OriginalResponseID != orig.ID || fu.Interaction == nil {
		t.Fatalf("follow-up: %s", fuRaw)
	}
	// An ephemeral follow-up is shaped the same, for bob only.
	f.s.Anonymous().Must(t, 200, "POST", hook, map[string]any{"content": "just you", "flags": 64}, &fuRaw)
	eph := decodeAnswer(t, fuRaw)
	f.checkAnswer(t, "ephemeral follow-up", eph, it.ID, 2, f.bob.UserID, fuRaw)
	if eph.Flags != 64 || eph.Type != chat.MessageChatInputCommand || eph.Meta.OriginalResponseID != orig.ID {
		t.Fatalf("ephemeral follow-up: %s", fuRaw)
	}
	if got, raw := nextMessageEvent(t, bobGW, "MESSAGE_CREATE", eph.ID); got.Meta == nil || got.Flags != 64 {
		t.Fatalf("bob's ephemeral MESSAGE_CREATE: %s", raw)
	}

	for _, id := range []chat.ID{orig.ID, fu.ID} {
		var raw json.RawMessage
		f.carol.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages/%d", f.general, id), nil, &raw)
		got := decodeAnswer(t, raw)
		f.checkAnswer(t, "GET message", got, it.ID, 2, f.bob.UserID, raw)
		if got.Interaction == nil || got.Interaction.Name != "ping" {
			t.Fatalf("GET message: %s", raw)
		}
	}
	var page []json.RawMessage
	f.carol.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages?limit=5", f.general), nil, &page)
	if len(page) != 2 {
		t.Fatalf("history has %d messages (the ephemeral one must not be there)", len(page))
	}
	for _, raw := range page {
		f.checkAnswer(t, "history", decodeAnswer(t, raw), it.ID, 2, f.bob.UserID, raw)
	}
	// A reply to the answer shows it with its metadata, in the reply's
	// response and when read back.
	var reply struct {
		ID                chat.ID   `json:"id"`
		ReferencedMessage answerMsg `json:"referenced_message"`
	}
	f.carol.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/messages", f.general), map[string]any{"content": "nice",
		"message_reference": map[string]any{"message_id": orig.ID}}, &reply)
	if r := reply.ReferencedMessage; r.ID != orig.ID || r.Meta == nil || r.Meta.ID != it.ID || r.Interaction == nil {
		t.Fatalf("reply's referenced_message %+v", r)
	}
	f.carol.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages/%d", f.general, reply.ID), nil, &reply)
	if r := reply.ReferencedMessage; r.ID != orig.ID || r.Meta == nil || r.Meta.ID != it.ID {
		t.Fatalf("read-back reply's referenced_message %+v", r)
	}
}

// A deferral posts the "thinking" message (LOADING, empty) that the
// channel sees; editing @original completes it (MESSAGE_UPDATE, flag
// cleared, not marked edited); on another interaction the first
// follow-up completes it instead, and the next is a new message.
func TestEndToEndInteractionDeferredLoading(t *testing.T) {
	f := newCmdFixture(t, server.Config{})
	botGW, _ := connect(t, f.s, f.bot, 0)
	carolGW, _ := connect(t, f.s, f.carol, protocol.IntentGuildMessages)
	anon := f.s.Anonymous()
	invoke := func() interactionCreate {
		return f.interactionFor(t, botGW, map[string]any{"type": 2, "data": map[string]any{"id": f.kick, "type": 1}}, f.owner)
	}
	it := invoke()
	var resp struct {
		Interaction struct {
			ResponseMessageID      chat.ID `json:"response_message_id"`
			ResponseMessageLoading bool    `json:"response_message_loading"`
		} `json:"interaction"`
	}
	_ = json.Unmarshal(callback(t, f.s, it, map[string]any{"type": 5}), &resp)
	loading, raw := nextMessageEvent(t, carolGW, "MESSAGE_CREATE", 0)
	f.checkAnswer(t, "loading MESSAGE_CREATE", loading, it.ID, 2, f.owner.UserID, raw)
	if loading.Flags != chat.MessageFlagLoading || loading.Content != "" || loading.Type != chat.MessageChatInputCommand ||
		loading.Meta.Name != "kick" || resp.Interaction.ResponseMessageID != loading.ID || !resp.Interaction.ResponseMessageLoading {
		t.Fatalf("loading message %s, callback response %+v", raw, resp)
	}
	var got json.RawMessage
	f.carol.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages/%d", f.general, loading.ID), nil, &got)
	if m := decodeAnswer(t, got); m.Flags != chat.MessageFlagLoading || m.Meta == nil {
		t.Fatalf("GET loading message: %s", got)
	}
	hook := fmt.Sprintf("/webhooks/%d/%s", f.appID, it.Token)
	anon.Must(t, 200, "PATCH", hook+"/messages/@original", map[string]any{"content": "kicked nobody"}, &got)
	if m := decodeAnswer(t, got); m.ID != loading.ID || m.Flags != 0 || m.Content != "kicked nobody" || m.EditedTimestamp != nil {
		t.Fatalf("completed original: %s", got)
	}
	done, raw := nextMessageEvent(t, carolGW, "MESSAGE_UPDATE", loading.ID)
	f.checkAnswer(t, "completing MESSAGE_UPDATE", done, it.ID, 2, f.owner.UserID, raw)
	if done.Flags != 0 || done.Content != "kicked nobody" || done.EditedTimestamp != nil || done.Type != chat.MessageChatInputCommand {
		t.Fatalf("completing MESSAGE_UPDATE: %s", raw)
	}
	f.carol.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages/%d", f.general, loading.ID), nil, &got)
	if m := decodeAnswer(t, got); m.Flags != 0 || m.Content != "kicked nobody" || m.Meta == nil || m.Interaction == nil {
		t.Fatalf("GET completed message: %s", got)
	}
	// A later edit is an edit.
	anon.Must(t, 200, "PATCH", hook+"/messages/@original", map[string]any{"content": "kicked twice"}, &got)
	if m := decodeAnswer(t, got); m.EditedTimestamp == nil || m.Meta == nil {
		t.Fatalf("second edit: %s", got)
	}

	it = invoke()
	callback(t, f.s, it, map[string]any{"type": 5})
	loading, _ = nextMessageEvent(t, carolGW, "MESSAGE_CREATE", 0)
	hook = fmt.Sprintf("/webhooks/%d/%s", f.appID, it.Token)
	anon.Must(t, 200, "POST", hook, map[string]any{"content": "first", "flags": 64}, &got)
	if m := decodeAnswer(t, got); m.ID != loading.ID || m.Flags != 0 || m.Content != "first" || m.Meta.OriginalResponseID != 0 {
		t.Fatalf("first follow-up after a deferral: %s", got)
	}
	if m, raw := nextMessageEvent(t, carolGW, "MESSAGE_UPDATE", loading.ID); m.Flags != 0 || m.Content != "first" {
		t.Fatalf("MESSAGE_UPDATE: %s", raw)
	}
	anon.Must(t, 200, "POST", hook, map[string]any{"content": "second"}, &got)
	if m := decodeAnswer(t, got); m.ID == loading.ID || m.Content != "second" || m.Meta.OriginalResponseID != loading.ID {
		t.Fatalf("second follow-up: %s", got)
	}
}

// An ephemeral deferral is the invoker's only, from "thinking" to answer;
// and the must-nots: another application's ID with the token, a wrong
// token and an expired one are all refused, leaving the message loading.
func TestEndToEndInteractionDeferredEphemeralMustNot(t *testing.T) {
	f := newCmdFixture(t, server.Config{})
	botGW, _ := connect(t, f.s, f.bot, 0)
	bobGW, _ := connect(t, f.s, f.bob, protocol.IntentGuildMessages)
	carolGW, _ := connect(t, f.s, f.carol, protocol.IntentGuildMessages)
	anon := f.s.Anonymous()
	it := f.interactionFor(t, botGW, map[string]any{"type": 2, "data": map[string]any{"id": f.ping, "type": 1}}, f.bob)
	callback(t, f.s, it, map[string]any{"type": 5, "data": map[string]any{"flags": 64}})
	loading, raw := nextMessageEvent(t, bobGW, "MESSAGE_CREATE", 0)
	f.checkAnswer(t, "ephemeral loading", loading, it.ID, 2, f.bob.UserID, raw)
	if loading.Flags != 64|chat.MessageFlagLoading || loading.Content != "" || loading.Type != chat.MessageChatInputCommand {
		t.Fatalf("ephemeral loading: %s", raw)
	}
	hook := fmt.Sprintf("/webhooks/%d/%s", f.appID, it.Token)
	var got json.RawMessage
	anon.Must(t, 200, "PATCH", hook+"/messages/@original", map[string]any{"content": "for bob"}, &got)
	if m, raw := nextMessageEvent(t, bobGW, "MESSAGE_UPDATE", loading.ID); m.Flags != 64 || m.Content != "for bob" || m.Meta == nil ||
		m.EditedTimestamp != nil {
		t.Fatalf("ephemeral completion: %s", raw)
	}
	// Carol saw none of it, in events or history.
	post(t, f.owner, f.general, "marker")
	for {
		content, _, raw := nextMessage(t, carolGW)
		if strings.Contains(string(raw), loading.ID.String()) {
			t.Fatalf("carol got bob's ephemeral answer: %s", raw)
		}
		if content == "marker" {
			break
		}
	}
	var page []answerMsg
	f.carol.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages", f.general), nil, &page)
	for _, m := range page {
		if m.ID == loading.ID || m.Meta != nil {
			t.Fatalf("carol's history has the ephemeral answer: %+v", m)
		}
	}

	// Must-nots on a channel deferral.
	it = f.interactionFor(t, botGW, map[string]any{"type": 2, "data": map[string]any{"id": f.ping, "type": 1}}, f.bob)
	callback(t, f.s, it, map[string]any{"type": 5})
	loading, _ = nextMessageEvent(t, carolGW, "MESSAGE_CREATE", 0)
	other := newApp(t, f.s, f.owner, f.guildID)
	edit := map[string]any{"content": "hijacked"}
	wantCode(t, anon.Fail(t, "PATCH", fmt.Sprintf("/webhooks/%d/%s/messages/@original", other, it.Token), edit), 404, 10015)
	wantCode(t, anon.Fail(t, "POST", fmt.Sprintf("/webhooks/%d/%s", other, it.Token), edit), 404, 10015)
	wantCode(t, anon.Fail(t, "PATCH", fmt.Sprintf("/webhooks/%d/%s/messages/@original", f.appID, it.Token[:len(it.Token)-1]), edit), 404, 10015)
	// Carol cannot complete it through the channel route either.
	wantCode(t, f.carol.Fail(t, "PATCH", fmt.Sprintf("/channels/%d/messages/%d", f.general, loading.ID), edit), 403, protocol.CodeCannotEditOthers)
	f.s.API.InteractionsForTest().ForTest().Age(it.Token, 16*time.Minute)
	wantCode(t, anon.Fail(t, "PATCH", fmt.Sprintf("/webhooks/%d/%s/messages/@original", f.appID, it.Token), edit), 404, 10015)
	wantCode(t, anon.Fail(t, "POST", fmt.Sprintf("/webhooks/%d/%s", f.appID, it.Token), edit), 404, 10015)
	f.carol.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages/%d", f.general, loading.ID), nil, &got)
	if m := decodeAnswer(t, got); m.Flags != chat.MessageFlagLoading || m.Content != "" {
		t.Fatalf("refused edits changed the message: %s", got)
	}
}

// newApp makes another application with a bot in guildID and returns its ID.
func newApp(t *testing.T, s *accordtest.Server, owner *accordtest.Client, guildID chat.ID) chat.ID {
	t.Helper()
	var app struct {
		ID chat.ID `json:"id"`
	}
	owner.Must(t, 201, "POST", "/applications", map[string]string{"name": "other"}, &app)
	owner.Must(t, 200, "POST", fmt.Sprintf("/oauth2/authorize?client_id=%d&scope=bot&permissions=%d", app.ID, protocol.PermSendMessages|protocol.PermViewChannel),
		map[string]any{"guild_id": guildID, "authorize": true}, nil)
	return app.ID
}

// Answers to a component reply to its message; to user and message
// commands are type 23 with their target; to a modal opened from a
// component name the interaction that opened it.
func TestEndToEndInteractionAnswerKinds(t *testing.T) {
	f := newCmdFixture(t, server.Config{})
	botGW, _ := connect(t, f.s, f.bot, 0)
	carolGW, _ := connect(t, f.s, f.carol, protocol.IntentGuildMessages)
	var cmd struct {
		ID chat.ID `json:"id"`
	}
	guildCmds := fmt.Sprintf("/applications/%d/guilds/%d/commands", f.appID, f.guildID)
	f.bot.Must(t, 201, "POST", guildCmds, map[string]any{"name": "Quote", "type": 3}, &cmd)
	quote := cmd.ID
	f.bot.Must(t, 201, "POST", guildCmds, map[string]any{"name": "Wave at", "type": 2}, &cmd)
	wave := cmd.ID

	var button struct {
		ID chat.ID `json:"id"`
	}
	f.bot.Must(t, 200, "POST", fmt.Sprintf("/channels/%d/messages", f.general), map[string]any{"content": "press", "components": []any{
		map[string]any{"type": 1, "components": []any{map[string]any{"type": 2, "style": 1, "label": "Go", "custom_id": "go"}}}}}, &button)
	nextMessageEvent(t, carolGW, "MESSAGE_CREATE", button.ID)

	click := f.interactionFor(t, botGW, map[string]any{"type": 3, "message_id": button.ID,
		"data": map[string]any{"custom_id": "go", "component_type": 2}}, f.bob)
	callback(t, f.s, click, map[string]any{"type": 4, "data": map[string]any{"content": "clicked"}})
	m, raw := nextMessageEvent(t, carolGW, "MESSAGE_CREATE", 0)
	f.checkAnswer(t, "component answer", m, click.ID, 3, f.bob.UserID, raw)
	if m.Type != chat.MessageReply || m.MessageReference == nil || m.MessageReference.MessageID != button.ID ||
		m.ReferencedMessage == nil || m.ReferencedMessage.ID != button.ID || m.Meta.InteractedMessageID != button.ID ||
		m.Interaction != nil || m.Meta.Name != "" {
		t.Fatalf("component answer: %s", raw)
	}
	firstAnswer := m.ID

	// A deferred update (6): @original is the button's message, which the
	// bot then edits (Discord's discord.py edit_original_response after
	// defer()); nothing is posted.
	click = f.interactionFor(t, botGW, map[string]any{"type": 3, "message_id": button.ID,
		"data": map[string]any{"custom_id": "go", "component_type": 2}}, f.bob)
	callback(t, f.s, click, map[string]any{"type": 6})
	hook := fmt.Sprintf("/webhooks/%d/%s/messages/@original", f.appID, click.Token)
	var orig struct {
		ID      chat.ID `json:"id"`
		Content string  `json:"content"`
	}
	anon := f.s.Anonymous()
	anon.Must(t, 200, "GET", hook, nil, &orig)
	if orig.ID != button.ID || orig.Content != "press" {
		t.Fatalf("@original after a deferred update: %+v, want the button message %d", orig, button.ID)
	}
	anon.Must(t, 200, "PATCH", hook, map[string]any{"content": "pressed"}, &orig)
	if m, raw := nextMessageEvent(t, carolGW, "MESSAGE_UPDATE", button.ID); m.Content != "pressed" {
		t.Fatalf("edit of @original after a deferred update: %s", raw)
	}
	// Must not: the click's token reaches no other message of the bot's,
	// not even another interaction's answer.
	wantCode(t, anon.Fail(t, "PATCH", fmt.Sprintf("/webhooks/%d/%s/messages/%d", f.appID, click.Token, firstAnswer), map[string]any{"content": "x"}), 404, 10008)

	// Quote the button message.
	it := f.interactionFor(t, botGW, map[string]any{"type": 2, "data": map[string]any{"id": quote, "type": 3, "target_id": button.ID}}, f.bob)
	callback(t, f.s, it, map[string]any{"type": 4, "data": map[string]any{"content": "> press"}})
	m, raw = nextMessageEvent(t, carolGW, "MESSAGE_CREATE", 0)
	f.checkAnswer(t, "message command answer", m, it.ID, 2, f.bob.UserID, raw)
	if m.Type != chat.MessageContextMenuCommand || m.Meta.TargetMessageID != button.ID || m.Meta.CommandType != 3 ||
		m.MessageReference == nil || m.MessageReference.MessageID != button.ID || m.ReferencedMessage == nil ||
		m.Interaction == nil || m.Interaction.Name != "Quote" {
		t.Fatalf("message command answer: %s", raw)
	}
	var got json.RawMessage
	f.carol.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages/%d", f.general, m.ID), nil, &got)
	if g := decodeAnswer(t, got); g.ReferencedMessage == nil || g.ReferencedMessage.ID != button.ID || g.Meta.TargetMessageID != button.ID {
		t.Fatalf("GET message command answer: %s", got)
	}

	it = f.interactionFor(t, botGW, map[string]any{"type": 2, "data": map[string]any{"id": wave, "type": 2, "target_id": f.carol.UserID}}, f.bob)
	callback(t, f.s, it, map[string]any{"type": 4, "data": map[string]any{"content": "👋"}})
	m, raw = nextMessageEvent(t, carolGW, "MESSAGE_CREATE", 0)
	f.checkAnswer(t, "user command answer", m, it.ID, 2, f.bob.UserID, raw)
	if m.Type != chat.MessageContextMenuCommand || m.Meta.TargetUser == nil || m.Meta.TargetUser.ID != f.carol.UserID ||
		m.Meta.CommandType != 2 || m.Meta.Name != "Wave at" || m.MessageReference != nil {
		t.Fatalf("user command answer: %s", raw)
	}

	// A modal opened from the button, then submitted.
	click = f.interactionFor(t, botGW, map[string]any{"type": 3, "message_id": button.ID,
		"data": map[string]any{"custom_id": "go", "component_type": 2}}, f.bob)
	f.s.Anonymous().Must(t, 204, "POST", fmt.Sprintf("/interactions/%d/%s/callback", click.ID, click.Token), map[string]any{"type": 9,
		"data": map[string]any{"title": "Why", "custom_id": "why", "components": []any{map[string]any{"type": 1, "components": []any{
			map[string]any{"type": 4, "custom_id": "a", "label": "A", "style": 1}}}}}}, nil)
	submit := f.interactionFor(t, botGW, map[string]any{"type": 5, "data": map[string]any{"id": click.ID, "custom_id": "why",
		"components": []any{}}}, f.bob)
	callback(t, f.s, submit, map[string]any{"type": 4, "data": map[string]any{"content": "thanks"}})
	m, raw = nextMessageEvent(t, carolGW, "MESSAGE_CREATE", 0)
	f.checkAnswer(t, "modal submit answer", m, submit.ID, 5, f.bob.UserID, raw)
	if m.Meta.Triggering == nil || m.Meta.Triggering.ID != click.ID || m.Meta.Triggering.Type != 3 ||
		m.Meta.Triggering.InteractedMessageID != button.ID || m.Type != chat.MessageReply || m.MessageReference == nil ||
		m.MessageReference.MessageID != button.ID || m.Interaction != nil {
		t.Fatalf("modal submit answer: %s", raw)
	}
	// Another user's submit naming bob's interaction learns nothing of it.
	submit = f.interactionFor(t, botGW, map[string]any{"type": 5, "data": map[string]any{"id": click.ID, "custom_id": "why",
		"components": []any{}}}, f.carol)
	callback(t, f.s, submit, map[string]any{"type": 4, "data": map[string]any{"content": "hm"}})
	m, raw = nextMessageEvent(t, carolGW, "MESSAGE_CREATE", 0)
	if m.Meta == nil || m.Meta.Triggering != nil || m.Type != chat.MessageDefault || m.MessageReference != nil {
		t.Fatalf("carol's submit naming bob's interaction: %s", raw)
	}
}
