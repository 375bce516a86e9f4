//go:build clients

package discordgosuite

import (
	"context"
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// eventWait is how long an expected gateway event may take.
const eventWait = 15 * time.Second

// expect registers a handler for dg's events of type T and returns a
// channel that gets the first one match accepts; call it before the action
// that causes the event. The handler is removed when the test ends.
func expect[T any](t *testing.T, dg *discordgo.Session, match func(T) bool) <-chan T {
	ch := make(chan T, 1)
	remove := dg.AddHandler(func(_ *discordgo.Session, e T) {
		if match(e) {
			select {
			case ch <- e:
			default:
			}
		}
	})
	t.Cleanup(remove)
	return ch
}

// recv waits for the event expect armed.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(eventWait):
		t.Fatalf("no %s within %v", what, eventWait)
		panic("unreachable")
	}
}

// wantCode asserts that err is discordgo's *RESTError carrying Discord's
// JSON error code and the HTTP status.
func wantCode(t *testing.T, err error, code, status int) {
	t.Helper()
	var re *discordgo.RESTError
	if !errors.As(err, &re) || re.Message == nil {
		t.Fatalf("error %v: want a *discordgo.RESTError with code %d", err, code)
	}
	if re.Message.Code != code || re.Response.StatusCode != status {
		t.Fatalf("error code %d status %d (%s), want %d and %d", re.Message.Code, re.Response.StatusCode, re.ResponseBody, code, status)
	}
}

// eventually polls cond until it holds or eventWait has passed.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(eventWait); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", eventWait, what)
		}
	}
}

// idsOf returns the messages' ids in order.
func idsOf(ms []*discordgo.Message) []string {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

// shardOf is the shard of a guild among two: (guild_id >> 22) % 2.
func shardOf(t *testing.T, guildID string) int {
	t.Helper()
	id, err := strconv.ParseUint(guildID, 10, 64)
	if err != nil {
		t.Fatalf("guild id %q: %v", guildID, err)
	}
	return int(id >> 22 % 2)
}

// cutter dials the gateway through the guard and can cut the connection
// from the client side the way a network does: first the client stops
// hearing (what arrives from then on is never read), then the socket dies.
type cutter struct {
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	mu   sync.Mutex
	last *cutConn
}

func (c *cutter) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	conn, err := c.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	cc := &cutConn{Conn: conn, cut: make(chan struct{})}
	c.mu.Lock()
	c.last = cc
	c.mu.Unlock()
	return cc, nil
}

// conn is the last gateway connection dialled.
func (c *cutter) conn() *cutConn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.last
}

type cutConn struct {
	net.Conn
	deaf atomic.Bool
	cut  chan struct{}
	once sync.Once
}

// Read returns nothing that arrived once the connection went deaf: the
// reader waits for the cut and gets an error instead.
func (c *cutConn) Read(p []byte) (int, error) {
	if !c.deaf.Load() {
		n, err := c.Conn.Read(p)
		if !c.deaf.Load() {
			return n, err
		}
	}
	<-c.cut
	return 0, net.ErrClosed
}

func (c *cutConn) deafen() { c.deaf.Store(true) }

func (c *cutConn) sever() {
	c.once.Do(func() {
		close(c.cut)
		c.Conn.Close()
	})
}
