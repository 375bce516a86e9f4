package gateway_test

import (
	"encoding/json"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/protocol"
)

// expectNothingMore checks, with a heartbeat round trip, that the server
// sent nothing before its ACK and kept the connection open.
func expectNothingMore(c *client) {
	c.t.Helper()
	c.send(protocol.OpHeartbeat, nil)
	c.expect(protocol.OpHeartbeatACK, "")
}

// Op 31 used to close the session with 4001 (discord.js
// fetchSoundboardSounds lost its session). It is answered per guild of the
// user; other guilds, even existing ones, get nothing.
func TestRequestSoundboardSounds(t *testing.T) {
	e := newEnv(t, gateway.Config{})
	tok := e.acc.addUser(userID, false, 0, e.gids[0])
	c := dial(t, e.url)
	hello(t, c)
	c.identify(tok, protocol.IntentGuilds, nil)
	c.expect(protocol.OpDispatch, "GUILD_CREATE")
	c.send(protocol.OpRequestSoundboardSounds, map[string]any{"guild_ids": []string{
		e.gids[1].String(), e.gids[0].String(), e.gids[0].String(), "424242"}})
	f := c.expect(protocol.OpDispatch, protocol.EventSoundboardSounds)
	if string(f.D) != `{"guild_id":"`+e.gids[0].String()+`","soundboard_sounds":[]}` {
		t.Fatalf("SOUNDBOARD_SOUNDS %s", f.D)
	}
	expectNothingMore(c) // not for gids[1] (not a member), nor twice for gids[0]
}

// Op 43 used to close the session with 4001. A member gets CHANNEL_INFO
// (no channel has voice data here); a request for a guild the user is not
// in gets nothing, and the session stays.
func TestRequestChannelInfo(t *testing.T) {
	e := newEnv(t, gateway.Config{})
	tok := e.acc.addUser(userID, false, 0, e.gids[0])
	c := dial(t, e.url)
	hello(t, c)
	c.identify(tok, protocol.IntentGuilds, nil)
	c.expect(protocol.OpDispatch, "GUILD_CREATE")
	fields := []string{"status", "voice_start_time"}
	c.send(protocol.OpRequestChannelInfo, map[string]any{"guild_id": e.gids[1].String(), "fields": fields})
	expectNothingMore(c)
	c.send(protocol.OpRequestChannelInfo, map[string]any{"guild_id": e.gids[0].String(), "fields": fields})
	f := c.expect(protocol.OpDispatch, protocol.EventChannelInfo)
	var ci struct {
		GuildID  chat.ID           `json:"guild_id"`
		Channels []json.RawMessage `json:"channels"`
	}
	if err := json.Unmarshal(f.D, &ci); err != nil || ci.GuildID != e.gids[0] || ci.Channels == nil || len(ci.Channels) != 0 {
		t.Fatalf("CHANNEL_INFO %s", f.D)
	}
	expectNothingMore(c)
}

// Ops 31 and 43 need a session and well-formed data, like every other op.
func TestRequestOpsBadInput(t *testing.T) {
	e := newEnv(t, gateway.Config{})
	tok := e.acc.addUser(userID, false, 0, e.gids[0])
	for _, tc := range []struct {
		identify bool
		op       int
		d        any
		code     int
	}{
		{false, protocol.OpRequestSoundboardSounds, map[string]any{"guild_ids": []string{}}, int(protocol.CloseNotAuthenticated)},
		{false, protocol.OpRequestChannelInfo, map[string]any{"guild_id": "1", "fields": []string{}}, int(protocol.CloseNotAuthenticated)},
		{true, protocol.OpRequestSoundboardSounds, map[string]any{"guild_ids": "x"}, int(protocol.CloseDecodeError)},
		{true, protocol.OpRequestChannelInfo, []int{1}, int(protocol.CloseDecodeError)},
		{true, protocol.OpRequestChannelInfo, map[string]any{"guild_id": e.gids[0].String(),
			"fields": []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}}, int(protocol.CloseDecodeError)},
	} {
		c := dial(t, e.url)
		hello(t, c)
		if tc.identify {
			c.identify(tok, protocol.IntentGuilds, nil)
		}
		c.send(tc.op, tc.d)
		c.expectClose(tc.code)
	}
}
