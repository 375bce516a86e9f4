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

func wantCode(t *testing.T, e accordtest.APIError, status, code int) {
	t.Helper()
	if e.Status != status || e.Code != code {
		t.Fatalf("got status %d code %d (%q), want %d / %d; errors %s", e.Status, e.Code, e.Message, status, code, e.Errors)
	}
}

// nextEvent skips other frames until a dispatch named name.
func nextEvent(t *testing.T, g *client, name string) json.RawMessage {
	t.Helper()
	for {
		if f := g.next(); f.T == name {
			return f.D
		}
	}
}

// interactionCreate is the part of the bot's INTERACTION_CREATE tests read.
type interactionCreate struct {
	ID             chat.ID `json:"id"`
	ApplicationID  chat.ID `json:"application_id"`
	Type           int     `json:"type"`
	Token          string  `json:"token"`
	GuildID        chat.ID `json:"guild_id"`
	ChannelID      chat.ID `json:"channel_id"`
	AppPermissions string  `json:"app_permissions"`
	Locale         string  `json:"locale"`
	Context        *int    `json:"context"`
	Entitlements   []any   `json:"entitlements"`
	Data           struct {
		ID      chat.ID           `json:"id"`
		Name    string            `json:"name"`
		Options []json.RawMessage `json:"options"`
	} `json:"data"`
	Member struct {
		Permissions string `json:"permissions"`
		User        struct {
			ID chat.ID `json:"id"`
		} `json:"user"`
	} `json:"member"`
	AuthorizingIntegrationOwners map[string]chat.ID `json:"authorizing_integration_owners"`
}

type cmdFixture struct {
	s                *accordtest.Server
	owner, bob       *accordtest.Client
	carol            *accordtest.Client
	bot              *accordtest.Client
	appID            chat.ID
	guildID, general chat.ID
	private          chat.ID
	ping, kick       chat.ID
}

// newCmdFixture: alice's guild with bob and carol, a channel carol cannot
// see, and a bot with a guild command "ping" and one "kick" that needs
// KICK_MEMBERS.
func newCmdFixture(t *testing.T, cfg server.Config) *cmdFixture {
	s := accordtest.RunServer(t, cfg)
	f := &cmdFixture{s: s, owner: s.Register(t, "alice"), bob: s.Register(t, "bob"), carol: s.Register(t, "carol")}
	g, general := f.owner.CreateGuild(t, "cmds")
	f.guildID, f.general = g.ID, general
	f.bob.Join(t, f.owner, general)
	f.carol.Join(t, f.owner, general)
	var ch struct {
		ID chat.ID `json:"id"`
	}
	f.owner.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/channels", g.ID), map[string]any{"name": "hidden",
		"permission_overwrites": []any{map[string]any{"id": f.carol.UserID, "type": 1, "allow": "0", "deny": fmt.Sprint(protocol.PermViewChannel)}}}, &ch)
	f.private = ch.ID
	f.bot = bot(t, s, f.owner, g.ID)
	var me struct {
		ID chat.ID `json:"id"`
	}
	f.bot.Must(t, 200, "GET", "/applications/@me", nil, &me)
	f.appID = me.ID
	var cmds []struct {
		ID   chat.ID `json:"id"`
		Name string  `json:"name"`
	}
	f.bot.Must(t, 200, "PUT", fmt.Sprintf("/applications/%d/guilds/%d/commands", f.appID, g.ID), []any{
		map[string]any{"name": "ping", "description": "Ping", "options": []any{map[string]any{"type": 3, "name": "text", "description": "t"}}},
		map[string]any{"name": "kick", "description": "Kick", "default_member_permissions": fmt.Sprint(protocol.PermKickMembers)},
	}, &cmds)
	f.ping, f.kick = cmds[0].ID, cmds[1].ID
	return f
}

func (f *cmdFixture) invoke(c *accordtest.Client, channelID, cmdID chat.ID, nonce string) (int, []byte) {
	var options []any // ping's one option; kick has none
	if cmdID == f.ping {
		options = []any{map[string]any{"type": 3, "name": "text", "value": "hi"}}
	}
	st, b, err := c.Request("POST", "/interactions", map[string]any{"type": 2, "application_id": f.appID, "guild_id": f.guildID,
		"channel_id": channelID, "session_id": "s", "nonce": nonce,
		"data": map[string]any{"id": cmdID, "type": 1, "options": options}})
	if err != nil {
		panic(err)
	}
	return st, b
}

func TestEndToEndInteractionEphemeralAndFollowup(t *testing.T) {
	f := newCmdFixture(t, server.Config{})
	botGW, _ := connect(t, f.s, f.bot, 0)
	bobGW, _ := connect(t, f.s, f.bob, protocol.IntentGuildMessages)
	carolGW, _ := connect(t, f.s, f.carol, protocol.IntentGuildMessages)

	if st, b := f.invoke(f.bob, f.general, f.ping, "n1"); st != 204 {
		t.Fatalf("invoke: %d %s", st, b)
	}
	var it interactionCreate
	raw := nextEvent(t, botGW, "INTERACTION_CREATE")
	if err := json.Unmarshal(raw, &it); err != nil {
		t.Fatal(err)
	}
	if it.Type != 2 || it.Token == "" || it.ApplicationID != f.appID || it.GuildID != f.guildID || it.ChannelID != f.general ||
		it.Data.ID != f.ping || it.Data.Name != "ping" || len(it.Data.Options) != 1 || it.Member.User.ID != f.bob.UserID ||
		it.Member.Permissions == "" || it.AppPermissions == "" || it.Locale == "" || it.Context == nil || it.Entitlements == nil ||
		it.AuthorizingIntegrationOwners["0"] != f.guildID {
		t.Fatalf("INTERACTION_CREATE %s", raw)
	}
	var note struct {
		ID    chat.ID `json:"id"`
		Nonce string  `json:"nonce"`
	}
	_ = json.Unmarshal(nextEvent(t, bobGW, "INTERACTION_CREATE"), &note)
	if note.ID != it.ID || note.Nonce != "n1" {
		t.Fatalf("invoker's INTERACTION_CREATE %+v", note)
	}

	anon := f.s.Anonymous()
	cb := fmt.Sprintf("/interactions/%d/%s/callback", it.ID, it.Token)
	// A token works for its own interaction only.
	wantCode(t, anon.Fail(t, "POST", fmt.Sprintf("/interactions/%d/%s/callback", it.ID+1, it.Token), map[string]any{"type": 4,
		"data": map[string]any{"content": "x"}}), 404, 10062)
	wantCode(t, anon.Fail(t, "POST", fmt.Sprintf("/interactions/%d/%s/callback", it.ID, it.Token+"x"), map[string]any{"type": 4,
		"data": map[string]any{"content": "x"}}), 404, 10062)
	// A bad body does not use up the answer.
	wantCode(t, anon.Fail(t, "POST", cb, map[string]any{"type": 8, "data": map[string]any{"choices": []any{}}}), 400, protocol.CodeInvalidFormBody)
	anon.Must(t, 204, "POST", cb, map[string]any{"type": 4, "data": map[string]any{"content": "secret answer", "flags": 64}}, nil)
	wantCode(t, anon.Fail(t, "POST", cb, map[string]any{"type": 4, "data": map[string]any{"content": "again"}}), 400, 40060)

	_ = json.Unmarshal(nextEvent(t, bobGW, "INTERACTION_SUCCESS"), &note)
	if note.ID != it.ID {
		t.Fatalf("INTERACTION_SUCCESS %+v", note)
	}
	var eph struct {
		ID      chat.ID `json:"id"`
		Content string  `json:"content"`
		Flags   int     `json:"flags"`
		Author  struct {
			ID chat.ID `json:"id"`
		} `json:"author"`
	}
	_ = json.Unmarshal(nextEvent(t, bobGW, "MESSAGE_CREATE"), &eph)
	if eph.Content != "secret answer" || eph.Flags&64 == 0 || eph.Author.ID != f.bot.UserID {
		t.Fatalf("ephemeral %+v", eph)
	}

	// A follow-up through the webhook route, seen by everyone.
	hook := fmt.Sprintf("/webhooks/%d/%s", f.appID, it.Token)
	var fu struct {
		ID      chat.ID `json:"id"`
		Content string  `json:"content"`
	}
	anon.Must(t, 200, "POST", hook, map[string]any{"content": "public follow-up"}, &fu)
	if fu.Content != "public follow-up" {
		t.Fatalf("follow-up %+v", fu)
	}
	// Carol sees the follow-up and nothing ephemeral before it.
	for {
		content, _, _ := nextMessage(t, carolGW)
		if content == "secret answer" {
			t.Fatal("carol got bob's ephemeral message")
		}
		if content == "public follow-up" {
			break
		}
	}
	// @original is the ephemeral message, readable with the token only.
	var orig struct {
		ID      chat.ID `json:"id"`
		Content string  `json:"content"`
	}
	anon.Must(t, 200, "GET", hook+"/messages/@original", nil, &orig)
	if orig.ID != eph.ID || orig.Content != "secret answer" {
		t.Fatalf("@original %+v", orig)
	}
	anon.Must(t, 200, "PATCH", hook+"/messages/@original", map[string]any{"content": "secret edited"}, &orig)
	if orig.Content != "secret edited" {
		t.Fatalf("edited @original %+v", orig)
	}
	var upd struct {
		ID      chat.ID `json:"id"`
		Content string  `json:"content"`
	}
	_ = json.Unmarshal(nextEvent(t, bobGW, "MESSAGE_UPDATE"), &upd)
	if upd.ID != eph.ID || upd.Content != "secret edited" {
		t.Fatalf("MESSAGE_UPDATE %+v", upd)
	}
	// Nobody's history holds the ephemeral message.
	for _, c := range []*accordtest.Client{f.bob, f.carol, f.owner} {
		var msgs []struct {
			Content string `json:"content"`
		}
		c.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages", f.general), nil, &msgs)
		for _, m := range msgs {
			if strings.HasPrefix(m.Content, "secret") {
				t.Fatalf("history holds the ephemeral message: %+v", msgs)
			}
		}
		wantCode(t, c.Fail(t, "GET", fmt.Sprintf("/channels/%d/messages/%d", f.general, eph.ID), nil), 404, protocol.CodeUnknownMessage)
	}
	// The follow-up is the app's to edit and delete; another app's ID with
	// the token is not.
	anon.Must(t, 200, "PATCH", fmt.Sprintf("%s/messages/%d", hook, fu.ID), map[string]any{"content": "edited follow-up"}, &fu)
	if fu.Content != "edited follow-up" {
		t.Fatalf("edited follow-up %+v", fu)
	}
	wantCode(t, anon.Fail(t, "POST", fmt.Sprintf("/webhooks/%d/%s", f.appID+1, it.Token), map[string]any{"content": "x"}), 404, 10015)
	anon.Must(t, 204, "DELETE", fmt.Sprintf("%s/messages/%d", hook, fu.ID), nil, nil)
	anon.Must(t, 204, "DELETE", hook+"/messages/@original", nil, nil)
	wantCode(t, anon.Fail(t, "GET", hook+"/messages/@original", nil), 404, protocol.CodeUnknownMessage)
}

func TestEndToEndInteractionDeferAndEditOriginal(t *testing.T) {
	f := newCmdFixture(t, server.Config{})
	botGW, _ := connect(t, f.s, f.bot, 0)
	if st, b := f.invoke(f.bob, f.general, f.ping, ""); st != 204 {
		t.Fatalf("invoke: %d %s", st, b)
	}
	var it interactionCreate
	_ = json.Unmarshal(nextEvent(t, botGW, "INTERACTION_CREATE"), &it)
	anon := f.s.Anonymous()
	var resp struct {
		Interaction struct {
			ID                     chat.ID `json:"id"`
			Type                   int     `json:"type"`
			ResponseMessageLoading bool    `json:"response_message_loading"`
		} `json:"interaction"`
		Resource struct {
			Type int `json:"type"`
		} `json:"resource"`
	}
	st, b, err := anon.Request("POST", fmt.Sprintf("/interactions/%d/%s/callback?with_response=1", it.ID, it.Token), map[string]any{"type": 5})
	if err != nil || st != 200 {
		t.Fatalf("deferred callback: %d %s %v", st, b, err)
	}
	_ = json.Unmarshal(b, &resp)
	if resp.Interaction.ID != it.ID || resp.Interaction.Type != 2 || !resp.Interaction.ResponseMessageLoading || resp.Resource.Type != 5 {
		t.Fatalf("callback response %s", b)
	}
	hook := fmt.Sprintf("/webhooks/%d/%s", f.appID, it.Token)
	var orig struct {
		ID      chat.ID `json:"id"`
		Content string  `json:"content"`
	}
	anon.Must(t, 200, "PATCH", hook+"/messages/@original", map[string]any{"content": "done thinking"}, &orig)
	var msgs []struct {
		ID      chat.ID `json:"id"`
		Content string  `json:"content"`
	}
	f.carol.Must(t, 200, "GET", fmt.Sprintf("/channels/%d/messages", f.general), nil, &msgs)
	if len(msgs) == 0 || msgs[0].ID != orig.ID || msgs[0].Content != "done thinking" {
		t.Fatalf("history %+v, original %+v", msgs, orig)
	}
	anon.Must(t, 200, "PATCH", hook+"/messages/@original", map[string]any{"content": "done twice"}, &orig)
	if orig.Content != "done twice" {
		t.Fatalf("second edit %+v", orig)
	}
}

// Who may not invoke: a member without the command's
// default_member_permissions, a member who cannot see the channel, a bot,
// a command of another guild or none at all.
func TestEndToEndInteractionMustNot(t *testing.T) {
	f := newCmdFixture(t, server.Config{})
	e := func(c *accordtest.Client, ch, cmd chat.ID) accordtest.APIError {
		st, b := f.invoke(c, ch, cmd, "")
		var out accordtest.APIError
		_ = json.Unmarshal(b, &out)
		out.Status = st
		return out
	}
	wantCode(t, e(f.bob, f.general, f.kick), 403, protocol.CodeMissingPermissions)
	wantCode(t, e(f.carol, f.private, f.ping), 403, protocol.CodeMissingAccess)
	wantCode(t, e(f.bob, f.general, 42), 404, 10063)
	wantCode(t, e(f.bot, f.general, f.ping), 401, 0)
	stranger := f.s.Register(t, "stranger")
	wantCode(t, e(stranger, f.general, f.ping), 403, protocol.CodeMissingAccess)
	// The owner has KICK_MEMBERS; an override can still deny bob's ping.
	wantCode(t, e(f.owner, f.general, f.kick), 204, 0)
	f.owner.Must(t, 200, "PUT", fmt.Sprintf("/applications/%d/guilds/%d/commands/%d/permissions", f.appID, f.guildID, f.ping),
		map[string]any{"permissions": []any{map[string]any{"id": f.bob.UserID, "type": 2, "permission": false}}}, nil)
	wantCode(t, e(f.bob, f.general, f.ping), 403, protocol.CodeMissingPermissions)
	wantCode(t, e(f.carol, f.general, f.ping), 204, 0)
}

// With no answer within 3 s the invoker hears INTERACTION_FAILURE and the
// bot's late answer is refused.
func TestEndToEndInteractionFailureAndShards(t *testing.T) {
	f := newCmdFixture(t, burstyBots)
	// Two shards: only the guild's gets the interaction.
	shard := int(uint64(f.guildID) >> 22 % 2)
	gws := [2]*client{}
	for i := range gws {
		g := dial(t, gatewayURL(t, f.s))
		hello(t, g)
		g.identify(f.bot.Token, protocol.IntentGuilds, map[string]any{"shard": []int{i, 2}})
		gws[i] = g
	}
	bobGW, _ := connect(t, f.s, f.bob, 0)
	if st, b := f.invoke(f.bob, f.general, f.ping, "late"); st != 204 {
		t.Fatalf("invoke: %d %s", st, b)
	}
	var it interactionCreate
	_ = json.Unmarshal(nextEvent(t, gws[shard], "INTERACTION_CREATE"), &it)
	start := time.Now()
	var note struct {
		ID    chat.ID `json:"id"`
		Nonce string  `json:"nonce"`
	}
	_ = json.Unmarshal(nextEvent(t, bobGW, "INTERACTION_FAILURE"), &note)
	if note.ID != it.ID || note.Nonce != "late" {
		t.Fatalf("INTERACTION_FAILURE %+v", note)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Fatalf("failure after %v", d)
	}
	wantCode(t, f.s.Anonymous().Fail(t, "POST", fmt.Sprintf("/interactions/%d/%s/callback", it.ID, it.Token),
		map[string]any{"type": 4, "data": map[string]any{"content": "late"}}), 404, 10062)
	// The other shard got nothing: the GUILD_CREATE of a guild of its own,
	// made after the interaction was sent, reaches it first.
	var other accordtest.Guild
	for i := 0; ; i++ {
		other, _ = f.owner.CreateGuild(t, "other shard")
		if int(uint64(other.ID)>>22%2) != shard {
			break
		}
		if i == 50 {
			t.Fatal("no guild on the other shard")
		}
	}
	f.owner.Must(t, 200, "POST", fmt.Sprintf("/oauth2/authorize?client_id=%d&scope=bot&permissions=0", f.appID),
		map[string]any{"guild_id": other.ID, "authorize": true}, nil)
	for {
		fr := gws[1-shard].next()
		if fr.T == "INTERACTION_CREATE" {
			t.Fatalf("shard %d got the interaction of shard %d's guild", 1-shard, shard)
		}
		if fr.T == "GUILD_CREATE" {
			break
		}
	}
}

// Autocomplete (type 4 -> callback 8) and a modal (callback 9 -> type 5)
// reach the invoker's sessions only; a component interaction on a message
// without that component is refused; a permission change reaches the bot.
func TestEndToEndInteractionAutocompleteModalAndPermissions(t *testing.T) {
	f := newCmdFixture(t, server.Config{})
	botGW, _ := connect(t, f.s, f.bot, 0)
	bobGW, _ := connect(t, f.s, f.bob, 0)
	carolGW, _ := connect(t, f.s, f.carol, protocol.IntentGuildMessages)
	anon := f.s.Anonymous()

	st, b, _ := f.bob.Request("POST", "/interactions", map[string]any{"type": 4, "application_id": f.appID, "guild_id": f.guildID,
		"channel_id": f.general, "nonce": "ac", "data": map[string]any{"id": f.ping, "type": 1,
			"options": []any{map[string]any{"type": 3, "name": "text", "value": "he", "focused": true}}}})
	if st != 204 {
		t.Fatalf("autocomplete: %d %s", st, b)
	}
	var it interactionCreate
	_ = json.Unmarshal(nextEvent(t, botGW, "INTERACTION_CREATE"), &it)
	if it.Type != 4 {
		t.Fatalf("type %d", it.Type)
	}
	cb := fmt.Sprintf("/interactions/%d/%s/callback", it.ID, it.Token)
	// A message answer is not an autocomplete's.
	wantCode(t, anon.Fail(t, "POST", cb, map[string]any{"type": 4, "data": map[string]any{"content": "x"}}), 400, protocol.CodeInvalidFormBody)
	anon.Must(t, 204, "POST", cb, map[string]any{"type": 8, "data": map[string]any{"choices": []any{map[string]any{"name": "hello", "value": "hello"}}}}, nil)
	var ac struct {
		Choices []struct{ Name string } `json:"choices"`
		Nonce   string                  `json:"nonce"`
	}
	_ = json.Unmarshal(nextEvent(t, bobGW, "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE"), &ac)
	if len(ac.Choices) != 1 || ac.Choices[0].Name != "hello" || ac.Nonce != "ac" {
		t.Fatalf("autocomplete response %+v", ac)
	}

	if st, b := f.invoke(f.bob, f.general, f.ping, "modal"); st != 204 {
		t.Fatalf("invoke: %d %s", st, b)
	}
	_ = json.Unmarshal(nextEvent(t, botGW, "INTERACTION_CREATE"), &it)
	modal := map[string]any{"type": 9, "data": map[string]any{"title": "Tell me", "custom_id": "form", "components": []any{
		map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": "answer", "label": "Answer", "style": 1}}}}}}
	anon.Must(t, 204, "POST", fmt.Sprintf("/interactions/%d/%s/callback", it.ID, it.Token), modal, nil)
	var mc struct {
		ID       chat.ID `json:"id"`
		CustomID string  `json:"custom_id"`
		Title    string  `json:"title"`
	}
	_ = json.Unmarshal(nextEvent(t, bobGW, "INTERACTION_MODAL_CREATE"), &mc)
	if mc.ID != it.ID || mc.CustomID != "form" || mc.Title != "Tell me" {
		t.Fatalf("INTERACTION_MODAL_CREATE %+v", mc)
	}
	st, b, _ = f.bob.Request("POST", "/interactions", map[string]any{"type": 5, "application_id": f.appID, "guild_id": f.guildID,
		"channel_id": f.general, "data": map[string]any{"custom_id": "form", "components": []any{}}})
	if st != 204 {
		t.Fatalf("modal submit: %d %s", st, b)
	}
	_ = json.Unmarshal(nextEvent(t, botGW, "INTERACTION_CREATE"), &it)
	if it.Type != 5 {
		t.Fatalf("modal submit type %d", it.Type)
	}

	// A component of a message that has none, or of another author's.
	for _, by := range []*accordtest.Client{f.bot, f.bob} {
		var m struct {
			ID chat.ID `json:"id"`
		}
		_ = json.Unmarshal(post(t, by, f.general, "no buttons"), &m)
		st, b, _ = f.bob.Request("POST", "/interactions", map[string]any{"type": 3, "application_id": f.appID, "guild_id": f.guildID,
			"channel_id": f.general, "message_id": m.ID, "data": map[string]any{"custom_id": "click", "component_type": 2}})
		if st != 400 || !strings.Contains(string(b), "50035") {
			t.Fatalf("component of a message without it: %d %s", st, b)
		}
	}

	// APPLICATION_COMMAND_PERMISSIONS_UPDATE reaches the bot, not members.
	f.owner.Must(t, 200, "PUT", fmt.Sprintf("/applications/%d/guilds/%d/commands/%d/permissions", f.appID, f.guildID, f.ping),
		map[string]any{"permissions": []any{map[string]any{"id": f.carol.UserID, "type": 2, "permission": false}}}, nil)
	var pu struct {
		ID          chat.ID `json:"id"`
		GuildID     chat.ID `json:"guild_id"`
		Permissions []any   `json:"permissions"`
	}
	_ = json.Unmarshal(nextEvent(t, botGW, "APPLICATION_COMMAND_PERMISSIONS_UPDATE"), &pu)
	if pu.ID != f.ping || pu.GuildID != f.guildID || len(pu.Permissions) != 1 {
		t.Fatalf("APPLICATION_COMMAND_PERMISSIONS_UPDATE %+v", pu)
	}
	// Carol saw none of it: a message posted afterwards comes first.
	post(t, f.owner, f.general, "marker")
	for {
		fr := carolGW.next()
		if strings.HasPrefix(fr.T, "INTERACTION") || strings.HasPrefix(fr.T, "APPLICATION_COMMAND") {
			t.Fatalf("carol got %s: %s", fr.T, fr.D)
		}
		if fr.T == "MESSAGE_CREATE" && strings.Contains(string(fr.D), "marker") {
			break
		}
	}
}

// An invocation's options must be the command's: no unknown names, no
// wrong types, nothing required left out.
func TestEndToEndInteractionOptionsChecked(t *testing.T) {
	f := newCmdFixture(t, server.Config{})
	for _, opts := range [][]any{
		{map[string]any{"type": 3, "name": "evil", "value": "x"}},
		{map[string]any{"type": 4, "name": "text", "value": 1}},
	} {
		st, b, _ := f.bob.Request("POST", "/interactions", map[string]any{"type": 2, "application_id": f.appID, "guild_id": f.guildID,
			"channel_id": f.general, "data": map[string]any{"id": f.ping, "type": 1, "options": opts}})
		if st != 400 || !strings.Contains(string(b), "50035") {
			t.Fatalf("options %v: %d %s", opts, st, b)
		}
	}
}
