package gateway_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/poll"
	"github.com/accordchat/accord/internal/protocol"
)

// releaser is a guild layer that keeps its own record of each session's
// guilds, as node.Node does, and so can release them all at once.
type releaser struct {
	*router
	mu        sync.Mutex
	released  []string
	perGuild  int // Disconnect calls
	connected []gateway.Subscriber
}

func (r *releaser) Connect(ctx context.Context, gid chat.ID, s gateway.Subscriber, lt int) error {
	r.mu.Lock()
	r.connected = append(r.connected, s)
	r.mu.Unlock()
	return r.router.Connect(ctx, gid, s, lt)
}

func (r *releaser) Disconnect(gid chat.ID, sid string) {
	r.mu.Lock()
	r.perGuild++
	r.mu.Unlock()
	r.router.Disconnect(gid, sid)
}

func (r *releaser) DisconnectSession(sid string) {
	r.mu.Lock()
	r.released = append(r.released, sid)
	r.mu.Unlock()
	r.router.mu.Lock()
	for _, subs := range r.router.subs {
		delete(subs, sid)
	}
	r.router.mu.Unlock()
}

func (r *releaser) state() (released []string, perGuild int, connected []gateway.Subscriber) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.released), r.perGuild, slices.Clone(r.connected)
}

// A session that ends for good is released with the guild layer's
// DisconnectSession when it has one (the guilds the gateway could name are
// not enough there), once, after it reports Ended.
func TestSessionEndUsesDisconnectSession(t *testing.T) {
	rr := &releaser{router: newRouter()}
	e := newEnv(t, gateway.Config{Guilds: rr})
	gid := e.gids[0]
	tok := e.acc.addUser(userID, false, 0, gid)

	c := dial(t, e.url)
	hello(t, c)
	r := c.identify(tok, protocol.IntentGuilds, nil)
	c.expect(protocol.OpDispatch, "GUILD_CREATE")
	_, _, connected := rr.state()
	if len(connected) != 1 {
		t.Fatalf("%d sessions connected, want 1", len(connected))
	}
	ended, ok := connected[0].(interface{ Ended() bool })
	if !ok {
		t.Fatal("a gateway session does not report Ended")
	}
	if ended.Ended() {
		t.Fatal("a live session reports Ended")
	}

	_ = c.closeWith(1000) // ends the session for good
	c.expectClose(1000)
	poll.Until(t, 2*time.Second, 5*time.Millisecond, func() error {
		if released, _, _ := rr.state(); len(released) == 0 {
			return errNotYet
		}
		return nil
	})
	released, perGuild, _ := rr.state()
	if !slices.Equal(released, []string{r.SessionID}) || perGuild != 0 {
		t.Errorf("released %v with %d per-guild disconnects; want [%s] and none", released, perGuild, r.SessionID)
	}
	if !ended.Ended() {
		t.Error("a released session does not report Ended")
	}
	if rr.subscribed(gid, r.SessionID) {
		t.Error("the ended session is still subscribed")
	}
}
