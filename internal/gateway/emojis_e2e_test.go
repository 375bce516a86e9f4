package gateway_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

// GUILD_EMOJIS_UPDATE over a real socket: with GUILD_EXPRESSIONS a
// session gets the whole list after each change, without it nothing; a
// member without the permission is refused (50013) and no event fires.
// GUILD_CREATE carries the emoji.
func TestEndToEndGuildEmojisUpdate(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{})
	alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
	gd, general := alice.CreateGuild(t, "emoji events")
	bob.Join(t, alice, general)
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 16, 16))); err != nil {
		t.Fatal(err)
	}
	uri := "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
	path := fmt.Sprintf("/guilds/%d/emojis", gd.ID)

	with, _ := connect(t, s, bob, protocol.IntentGuilds|protocol.IntentGuildExpressions)
	without, _ := connect(t, s, bob, protocol.IntentGuilds)

	// Must not do: bob may not create; nothing fires.
	if st, b, _ := bob.Request("POST", path, map[string]any{"name": "bobs", "image": uri}); st != 403 ||
		!bytes.Contains(b, []byte(fmt.Sprint(protocol.CodeMissingPermissions))) {
		t.Fatalf("bob's create: %d %s", st, b)
	}
	var e struct {
		ID chat.ID `json:"id"`
	}
	alice.Must(t, 201, "POST", path, map[string]any{"name": "blob", "image": uri}, &e)
	var up struct {
		GuildID chat.ID `json:"guild_id"`
		Emojis  []struct {
			ID   chat.ID         `json:"id"`
			Name string          `json:"name"`
			User json.RawMessage `json:"user"`
		} `json:"emojis"`
	}
	// The first update on the socket is alice's create: bob's refused
	// one fired nothing before it.
	if err := json.Unmarshal(nextNamed(t, with, protocol.EventGuildEmojisUpdate), &up); err != nil {
		t.Fatal(err)
	}
	if up.GuildID != gd.ID || len(up.Emojis) != 1 || up.Emojis[0].ID != e.ID || up.Emojis[0].Name != "blob" || up.Emojis[0].User != nil {
		t.Fatalf("GUILD_EMOJIS_UPDATE %+v", up)
	}
	alice.Must(t, 200, "PATCH", fmt.Sprintf("%s/%d", path, e.ID), map[string]any{"name": "blob2"}, nil)
	if err := json.Unmarshal(nextNamed(t, with, protocol.EventGuildEmojisUpdate), &up); err != nil || len(up.Emojis) != 1 || up.Emojis[0].Name != "blob2" {
		t.Fatalf("after rename %+v %v", up, err)
	}
	if st, _, _ := bob.Request("DELETE", fmt.Sprintf("%s/%d", path, e.ID), nil); st != 403 {
		t.Fatalf("bob's delete: %d", st)
	}

	// A new session's GUILD_CREATE lists the emoji (without creators).
	g := dial(t, gatewayURL(t, s))
	hello(t, g)
	g.identify(bob.Token, protocol.IntentGuilds, nil)
	var gc struct {
		Emojis []struct {
			ID   chat.ID         `json:"id"`
			User json.RawMessage `json:"user"`
		} `json:"emojis"`
	}
	if err := json.Unmarshal(g.expect(protocol.OpDispatch, protocol.EventGuildCreate).D, &gc); err != nil ||
		len(gc.Emojis) != 1 || gc.Emojis[0].ID != e.ID || gc.Emojis[0].User != nil {
		t.Fatalf("GUILD_CREATE emojis %+v %v", gc.Emojis, err)
	}

	alice.Must(t, 204, "DELETE", fmt.Sprintf("%s/%d", path, e.ID), nil, nil)
	if err := json.Unmarshal(nextNamed(t, with, protocol.EventGuildEmojisUpdate), &up); err != nil || up.Emojis == nil || len(up.Emojis) != 0 {
		t.Fatalf("after delete %+v %v", up, err)
	}
	var marker struct {
		ID chat.ID `json:"id"`
	}
	alice.Must(t, 201, "POST", fmt.Sprintf("/guilds/%d/channels", gd.ID), map[string]any{"name": "marker"}, &marker)
	noneBefore(t, without, "a session without GUILD_EXPRESSIONS", marker.ID, protocol.EventGuildEmojisUpdate)
	// The refused delete fired nothing either: the next event after the
	// delete's update is the marker.
	for {
		f := with.next()
		if f.T == protocol.EventGuildEmojisUpdate {
			t.Fatalf("an extra GUILD_EMOJIS_UPDATE: %s", f.D)
		}
		if f.T == protocol.EventChannelCreate {
			break
		}
	}
}
