package gateway_test

import (
	"encoding/json"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/protocol"
)

// discordgo's RequestGuildMembers sends guild_id as a list (API v6's form,
// which Discord still accepts): each listed guild gets its chunks, and the
// session is not closed with 4002 (it was, issue 17's discordgo suite).
func TestRequestGuildMembersGuildIDList(t *testing.T) {
	e := newEnv(t, gateway.Config{})
	e.rt.members = 2
	tok := e.acc.addUser(botID, true, chat.AppFlagGatewayGuildMembersLimited, e.gids[0], e.gids[1])
	c := dial(t, e.url)
	hello(t, c)
	c.identify(tok, protocol.IntentGuilds|protocol.IntentGuildMembers, nil)
	c.expect(protocol.OpDispatch, "GUILD_CREATE")
	c.expect(protocol.OpDispatch, "GUILD_CREATE")
	c.send(protocol.OpRequestGuildMembers, map[string]any{
		"guild_id": []string{e.gids[0].String(), e.gids[1].String()}, "query": "", "limit": 0, "nonce": "dg"})
	for _, gid := range e.gids[:2] {
		f := c.expect(protocol.OpDispatch, "GUILD_MEMBERS_CHUNK")
		var ch protocol.GuildMembersChunk
		if err := json.Unmarshal(f.D, &ch); err != nil {
			t.Fatal(err)
		}
		if ch.GuildID != gid || ch.Nonce != "dg" || len(ch.Members) != 2 || ch.ChunkCount != 1 {
			t.Fatalf("chunk %s, want guild %d's 2 members", f.D, gid)
		}
	}
	// The connection is still open: a heartbeat is answered.
	c.send(protocol.OpHeartbeat, nil)
	c.expect(protocol.OpHeartbeatACK, "")
}
