package gateway_test

import (
	"testing"
	"time"

	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/protocol"
)

// TestIdentifyBotScheme: a user's token sent with the "Bot " prefix is
// refused with 4004, as Discord refuses it; a bot's token is accepted
// with and without the prefix.
func TestIdentifyBotScheme(t *testing.T) {
	// The bot identifies twice back to back: a tiny identify window keeps
	// the concurrency limit (one IDENTIFY per 5 s) out of this test.
	e := newEnv(t, gateway.Config{IdentifyWindow: time.Nanosecond})
	userTok := e.acc.addUser(7001, false, 0, e.gids...)
	botTok := e.acc.addUser(7002, true, 0, e.gids...)

	c := dial(t, e.url+"?v=10&encoding=json")
	hello(t, c)
	c.send(protocol.OpIdentify, map[string]any{"token": "Bot " + userTok, "intents": 1})
	c.expectClose(int(protocol.CloseAuthenticationFailed))

	for _, tok := range []string{userTok, "Bot " + botTok, botTok} {
		c := dial(t, e.url+"?v=10&encoding=json")
		hello(t, c)
		if r := c.identify(tok, 1, nil); r.SessionID == "" {
			t.Fatalf("identify %q: READY %+v", tok[:4], r)
		}
	}
}
