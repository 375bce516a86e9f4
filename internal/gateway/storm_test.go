package gateway_test

import (
	"errors"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/protocol"
)

// TestIdentifyWaitsOutBusyGuild: in an IDENTIFY storm a guild actor's
// inbox fills (guild.ErrBusy); the session retries its Connect instead of
// going without that guild's GUILD_CREATE. Found by `accord bench storm`:
// 221-437 of 10,000 sessions never became ready.
func TestIdentifyWaitsOutBusyGuild(t *testing.T) {
	e := newEnv(t, gateway.Config{})
	e.rt.busy = 7
	tok := e.acc.addUser(botID, true, 0, e.gids...)
	c := dial(t, e.url+"?v=10&encoding=json")
	hello(t, c)
	c.identify("Bot "+tok, protocol.IntentGuilds, nil)
	for range e.gids {
		c.expect(protocol.OpDispatch, "GUILD_CREATE")
	}
	e.rt.mu.Lock()
	defer e.rt.mu.Unlock()
	if e.rt.busy != 0 {
		t.Fatalf("%d busy answers left: the session gave up", e.rt.busy)
	}
}

// TestIdentifyDoesNotRetryOtherErrors: only a full inbox is waited out; a
// guild that refuses the session (here: any other error) is asked once,
// and the session still gets its other guilds.
func TestIdentifyDoesNotRetryOtherErrors(t *testing.T) {
	e := newEnv(t, gateway.Config{})
	e.rt.fail = map[chat.ID]error{e.gids[1]: errors.New("not a member")}
	tok := e.acc.addUser(botID, true, 0, e.gids...)
	c := dial(t, e.url+"?v=10&encoding=json")
	hello(t, c)
	c.identify("Bot "+tok, protocol.IntentGuilds, nil)
	for range len(e.gids) - 1 {
		c.expect(protocol.OpDispatch, "GUILD_CREATE")
	}
	time.Sleep(50 * time.Millisecond)
	e.rt.mu.Lock()
	defer e.rt.mu.Unlock()
	if n := e.rt.connects[e.gids[1]]; n != 1 {
		t.Fatalf("the refusing guild was asked %d times, want 1", n)
	}
}
