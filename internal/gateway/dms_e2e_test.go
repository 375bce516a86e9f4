package gateway_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

type dmChannel struct {
	ID         chat.ID `json:"id"`
	Type       int     `json:"type"`
	Recipients []struct {
		ID chat.ID `json:"id"`
	} `json:"recipients"`
}

func openDM(t *testing.T, c *accordtest.Client, to chat.ID) dmChannel {
	t.Helper()
	var ch dmChannel
	c.Must(t, 200, "POST", "/users/@me/channels", map[string]any{"recipient_id": to}, &ch)
	return ch
}

// until reads g's dispatches up to and including the first named name and
// returns those before it; it fails on any named in forbidden.
func until(t *testing.T, g *client, name string, forbidden ...string) []frame {
	t.Helper()
	var seen []frame
	for {
		f := g.next()
		for _, n := range forbidden {
			if f.T == n {
				t.Fatalf("got %s while waiting for %s: %s", f.T, name, f.D)
			}
		}
		if f.T == name {
			return append(seen, f)
		}
		seen = append(seen, f)
	}
}

const dmIntents = protocol.IntentGuilds | protocol.IntentDirectMessages | protocol.IntentDirectMessageTyping |
	protocol.IntentDirectMessageReactions

func TestEndToEndDMs(t *testing.T) {
	s := accordtest.RunServer(t, burstyBots)
	alice, bob, carol := s.Register(t, "alice"), s.Register(t, "bob"), s.Register(t, "carol")
	gd, general := alice.CreateGuild(t, "dms")
	bob.Join(t, alice, general)

	ag, _ := connect(t, s, alice, dmIntents)
	bg, _ := connect(t, s, bob, dmIntents)
	cg, _ := connect(t, s, carol, dmIntents|protocol.IntentGuildMessages)

	dm := openDM(t, alice, bob.UserID)
	if dm.Type != chat.ChannelDM || len(dm.Recipients) != 1 || dm.Recipients[0].ID != bob.UserID {
		t.Fatalf("DM %+v", dm)
	}
	until(t, ag, "CHANNEL_CREATE")
	if again := openDM(t, alice, bob.UserID); again.ID != dm.ID {
		t.Fatalf("second open made DM %d, want %d", again.ID, dm.ID)
	}
	if back := openDM(t, bob, alice.UserID); back.ID != dm.ID {
		t.Fatalf("bob's open made DM %d, want %d", back.ID, dm.ID)
	}

	// The first message brings bob the channel, then the message, with
	// content and no guild_id.
	sent := post(t, alice, dm.ID, "hi bob")
	until(t, bg, "CHANNEL_CREATE", "MESSAGE_CREATE")
	content, ch, raw := nextMessage(t, bg)
	if content != "hi bob" || ch != dm.ID || json.Valid(raw) && string(raw) != string(sent) {
		t.Fatalf("bob got %s, REST answered %s", raw, sent)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m["guild_id"] != nil || m["member"] != nil {
		t.Fatalf("DM message has guild fields: %s", raw)
	}
	if c, _, _ := nextMessage(t, ag); c != "hi bob" {
		t.Fatalf("alice got %q", c)
	}
	bob.Must(t, 204, "POST", fmt.Sprintf("/channels/%d/typing", dm.ID), nil, nil)
	until(t, ag, "TYPING_START")
	var msg struct {
		ID chat.ID `json:"id"`
	}
	_ = json.Unmarshal(sent, &msg)
	bob.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/messages/%d/reactions/%%F0%%9F%%91%%8D/@me", dm.ID, msg.ID), nil, nil)
	until(t, ag, "MESSAGE_REACTION_ADD")
	alice.Must(t, 200, "PATCH", fmt.Sprintf("/channels/%d/messages/%d", dm.ID, msg.ID), map[string]string{"content": "hi bob!"}, nil)
	until(t, bg, "MESSAGE_UPDATE")
	alice.Must(t, 204, "DELETE", fmt.Sprintf("/channels/%d/messages/%d", dm.ID, msg.ID), nil, nil)
	until(t, bg, "MESSAGE_DELETE")

	// Must not see: carol shares no guild with them. She cannot open a
	// DM, read, post, type or react in theirs, and gets none of its events.
	e := carol.Fail(t, "POST", "/users/@me/channels", map[string]any{"recipient_id": alice.UserID})
	if e.Status != 403 || e.Code != 50007 {
		t.Fatalf("carol opened a DM with a stranger: %+v", e)
	}
	for _, r := range []struct{ method, path string }{
		{"GET", fmt.Sprintf("/channels/%d", dm.ID)},
		{"GET", fmt.Sprintf("/channels/%d/messages", dm.ID)},
		{"POST", fmt.Sprintf("/channels/%d/messages", dm.ID)},
		{"POST", fmt.Sprintf("/channels/%d/typing", dm.ID)},
		{"DELETE", fmt.Sprintf("/channels/%d", dm.ID)},
	} {
		if e := carol.Fail(t, r.method, r.path, map[string]string{"content": "let me in"}); e.Status != 403 || e.Code != protocol.CodeMissingAccess {
			t.Fatalf("carol %s %s: %+v", r.method, r.path, e)
		}
	}
	post(t, alice, dm.ID, "still private")
	carol.CreateGuild(t, "marker")
	until(t, cg, "GUILD_CREATE", "MESSAGE_CREATE", "CHANNEL_CREATE", "TYPING_START", "MESSAGE_REACTION_ADD",
		"MESSAGE_UPDATE", "MESSAGE_DELETE")

	// READY of a new session lists the DM, with the other recipient.
	g2 := dial(t, gatewayURL(t, s))
	hello(t, g2)
	g2.send(protocol.OpIdentify, map[string]any{"token": bob.Token, "intents": int(dmIntents),
		"properties": map[string]string{"os": "linux", "browser": "test", "device": "test"}})
	f := g2.expect(protocol.OpDispatch, "READY")
	var ready struct {
		PrivateChannels []dmChannel `json:"private_channels"`
	}
	if err := json.Unmarshal(f.D, &ready); err != nil || len(ready.PrivateChannels) != 1 ||
		ready.PrivateChannels[0].ID != dm.ID || ready.PrivateChannels[0].Recipients[0].ID != alice.UserID {
		t.Fatalf("READY private_channels %.400s", f.D)
	}

	// A block stops messages both ways with 50007.
	bob.Must(t, 204, "PUT", fmt.Sprintf("/users/@me/relationships/%d", alice.UserID), map[string]int{"type": 2}, nil)
	for _, c := range []*accordtest.Client{alice, bob} {
		e := c.Fail(t, "POST", fmt.Sprintf("/channels/%d/messages", dm.ID), map[string]string{"content": "blocked"})
		if e.Status != 403 || e.Code != 50007 {
			t.Fatalf("message across a block: %+v", e)
		}
	}
	_ = gd
}

func TestEndToEndBotDMs(t *testing.T) {
	s := accordtest.RunServer(t, burstyBots)
	alice, stranger := s.Register(t, "alice"), s.Register(t, "stranger")
	gd, general := alice.CreateGuild(t, "bots")
	b := bot(t, s, alice, gd.ID)

	// Without DIRECT_MESSAGES a bot gets no DM messages; with it, it gets
	// their content even without MESSAGE_CONTENT.
	noDMs, _ := connect(t, s, b, protocol.IntentGuilds|protocol.IntentGuildMessages|protocol.IntentMessageContent)
	withDMs, _ := connect(t, s, b, protocol.IntentGuilds|protocol.IntentDirectMessages)

	dm := openDM(t, alice, b.UserID)
	post(t, alice, dm.ID, "hello bot")
	if c, ch, raw := nextMessage(t, withDMs); c != "hello bot" || ch != dm.ID {
		t.Fatalf("bot with DIRECT_MESSAGES got %s", raw)
	}
	// The bot answers through its own DM with alice: the same channel.
	if back := openDM(t, b, alice.UserID); back.ID != dm.ID {
		t.Fatalf("bot opened DM %d, want %d", back.ID, dm.ID)
	}
	post(t, b, dm.ID, "hello human")
	post(t, alice, general, "marker")
	if c, _, raw := nextMessage(t, noDMs); c != "marker" {
		t.Fatalf("bot without DIRECT_MESSAGES got %s", raw)
	}

	// A bot may not DM a user it shares no guild with, nor make a group DM.
	if e := b.Fail(t, "POST", "/users/@me/channels", map[string]any{"recipient_id": stranger.UserID}); e.Status != 403 || e.Code != 50007 {
		t.Fatalf("bot DMed a stranger: %+v", e)
	}
	if e := b.Fail(t, "POST", "/users/@me/channels", map[string]any{"recipients": []chat.ID{alice.UserID, stranger.UserID}}); e.Status != 403 || e.Code != 20001 {
		t.Fatalf("bot made a group DM: %+v", e)
	}
	if e := b.Fail(t, "GET", "/users/@me/relationships", nil); e.Status != 403 || e.Code != 20001 {
		t.Fatalf("bot read relationships: %+v", e)
	}
}

func TestEndToEndRelationshipEvents(t *testing.T) {
	s := accordtest.RunServer(t, burstyBots)
	alice, bob, carol := s.Register(t, "alice"), s.Register(t, "bob"), s.Register(t, "carol")
	ag, _ := connect(t, s, alice, protocol.IntentGuilds)
	bg, _ := connect(t, s, bob, protocol.IntentGuilds)
	cg, _ := connect(t, s, carol, protocol.IntentGuilds)

	type rel struct {
		ID   chat.ID `json:"id"`
		Type int     `json:"type"`
		User *struct {
			ID chat.ID `json:"id"`
		} `json:"user"`
	}
	want := func(g *client, name string, id chat.ID, typ int) {
		t.Helper()
		f := until(t, g, name)
		var r rel
		if err := json.Unmarshal(f[len(f)-1].D, &r); err != nil || r.ID != id || r.Type != typ {
			t.Fatalf("%s %s, want id %d type %d", name, f[len(f)-1].D, id, typ)
		}
	}
	alice.Must(t, 204, "PUT", fmt.Sprintf("/users/@me/relationships/%d", bob.UserID), map[string]any{}, nil)
	want(ag, "RELATIONSHIP_ADD", bob.UserID, chat.RelationshipOutgoing)
	want(bg, "RELATIONSHIP_ADD", alice.UserID, chat.RelationshipIncoming)
	bob.Must(t, 204, "POST", "/users/@me/relationships", map[string]string{"username": alice.Username}, nil)
	want(bg, "RELATIONSHIP_ADD", alice.UserID, chat.RelationshipFriend)
	want(ag, "RELATIONSHIP_ADD", bob.UserID, chat.RelationshipFriend)

	// Friends may DM without a shared guild.
	dm := openDM(t, alice, bob.UserID)
	post(t, bob, dm.ID, "friends")

	alice.Must(t, 204, "DELETE", fmt.Sprintf("/users/@me/relationships/%d", bob.UserID), nil, nil)
	want(ag, "RELATIONSHIP_REMOVE", bob.UserID, chat.RelationshipFriend)
	want(bg, "RELATIONSHIP_REMOVE", alice.UserID, chat.RelationshipFriend)

	// READY carries relationships.
	alice.Must(t, 204, "PUT", fmt.Sprintf("/users/@me/relationships/%d", carol.UserID), nil, nil)
	g2 := dial(t, gatewayURL(t, s))
	hello(t, g2)
	g2.send(protocol.OpIdentify, map[string]any{"token": carol.Token, "intents": int(protocol.IntentGuilds),
		"properties": map[string]string{"os": "linux", "browser": "test", "device": "test"}})
	var ready struct {
		Relationships []rel `json:"relationships"`
	}
	f := g2.expect(protocol.OpDispatch, "READY")
	if err := json.Unmarshal(f.D, &ready); err != nil || len(ready.Relationships) != 1 ||
		ready.Relationships[0].ID != alice.UserID || ready.Relationships[0].Type != chat.RelationshipIncoming ||
		ready.Relationships[0].User == nil || ready.Relationships[0].User.ID != alice.UserID {
		t.Fatalf("READY relationships %.400s", f.D)
	}

	// Must not see: carol got no event of alice and bob's friendship
	// before her own request.
	want(cg, "RELATIONSHIP_ADD", alice.UserID, chat.RelationshipIncoming)
	_ = cg
}

func TestEndToEndGroupDMEvents(t *testing.T) {
	s := accordtest.RunServer(t, burstyBots)
	owner, amy, ben, zed := s.Register(t, "owner"), s.Register(t, "amy"), s.Register(t, "ben"), s.Register(t, "zed")
	for _, f := range []*accordtest.Client{amy, ben} {
		owner.Must(t, 204, "PUT", fmt.Sprintf("/users/@me/relationships/%d", f.UserID), nil, nil)
		f.Must(t, 204, "PUT", fmt.Sprintf("/users/@me/relationships/%d", owner.UserID), nil, nil)
	}
	og, _ := connect(t, s, owner, dmIntents)
	ag, _ := connect(t, s, amy, dmIntents)
	bg, _ := connect(t, s, ben, dmIntents)
	zg, _ := connect(t, s, zed, dmIntents)

	var g dmChannel
	owner.Must(t, 200, "POST", "/users/@me/channels", map[string]any{"recipients": []chat.ID{amy.UserID}}, &g)
	if g.Type != chat.ChannelDM {
		// One recipient is a DM, as Discord's client uses the route.
		t.Fatalf("one recipient made %+v", g)
	}
	owner.Must(t, 200, "POST", "/users/@me/channels", map[string]any{"recipients": []chat.ID{amy.UserID, ben.UserID}}, &g)
	if g.Type != chat.ChannelGroupDM || len(g.Recipients) != 2 {
		t.Fatalf("group %+v", g)
	}
	for _, c := range []*client{ag, bg} {
		f := until(t, c, "CHANNEL_CREATE")
		var ch dmChannel
		if err := json.Unmarshal(f[len(f)-1].D, &ch); err != nil || ch.ID != g.ID || ch.Type != chat.ChannelGroupDM || len(ch.Recipients) != 2 {
			t.Fatalf("CHANNEL_CREATE %s", f[len(f)-1].D)
		}
	}
	owner.Must(t, 204, "DELETE", fmt.Sprintf("/channels/%d/recipients/%d", g.ID, ben.UserID), nil, nil)
	until(t, ag, "CHANNEL_RECIPIENT_REMOVE")
	until(t, bg, "CHANNEL_DELETE")
	owner.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/recipients/%d", g.ID, ben.UserID), nil, nil)
	f := until(t, ag, "CHANNEL_RECIPIENT_ADD")
	var add struct {
		ChannelID chat.ID `json:"channel_id"`
		User      struct {
			ID chat.ID `json:"id"`
		} `json:"user"`
	}
	if err := json.Unmarshal(f[len(f)-1].D, &add); err != nil || add.ChannelID != g.ID || add.User.ID != ben.UserID {
		t.Fatalf("CHANNEL_RECIPIENT_ADD %s", f[len(f)-1].D)
	}
	until(t, bg, "CHANNEL_CREATE")
	amy.Must(t, 200, "PATCH", fmt.Sprintf("/channels/%d", g.ID), map[string]string{"name": "crew"}, nil)
	until(t, og, "CHANNEL_UPDATE")
	post(t, ben, g.ID, "hello crew")
	if c, _, _ := nextMessage(t, ag); c != "hello crew" {
		t.Fatalf("amy got %q", c)
	}

	// Must not see: zed, in no group, gets none of it.
	zed.CreateGuild(t, "marker")
	until(t, zg, "GUILD_CREATE", "CHANNEL_CREATE", "CHANNEL_UPDATE", "CHANNEL_DELETE", "CHANNEL_RECIPIENT_ADD",
		"CHANNEL_RECIPIENT_REMOVE", "MESSAGE_CREATE")
}
