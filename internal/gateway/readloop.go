package gateway

import (
	"bytes"
	"encoding/binary"
	"io"
	"runtime/debug"
	"time"

	"github.com/gobwas/ws"

	"github.com/accordchat/accord/internal/protocol"
)

// start begins reading: through the poller when possible, else with a
// goroutine that blocks on the socket.
func (c *conn) start() {
	_ = c.nc.SetDeadline(time.Time{})
	if n := c.gw.cfg.SocketWriteBuffer; n > 0 {
		if tc, ok := c.nc.(interface{ SetWriteBuffer(int) error }); ok {
			_ = tc.SetWriteBuffer(n)
		}
	}
	c.rd = c.nc
	if c.gw.poll != nil && len(c.pre) == 0 {
		if fd, ok := connFD(c.nc); ok {
			// Registered under c.mu so that a concurrent teardown either
			// sees the registration or prevents it.
			c.mu.Lock()
			closed := c.closed
			if !closed {
				c.fd = fd
				if err := c.gw.poll.add(c); err != nil {
					c.fd = -1
				}
			}
			polled := c.fd >= 0
			c.mu.Unlock()
			if closed || polled {
				return
			}
		}
	}
	if len(c.pre) > 0 {
		c.rd = io.MultiReader(bytes.NewReader(c.pre), c.nc)
		c.pre = nil
	}
	if !c.gw.startGoRoutine(c.readLoop) {
		c.teardown() // shutting down
	}
}

// readLoop reads frames until the connection closes, for a connection the
// poller does not watch.
func (c *conn) readLoop() {
	for c.readOne(false) {
	}
}

// onReadable is run by the poller on its own goroutine when the socket has
// bytes (or was closed by the peer).
func (c *conn) onReadable() {
	if c.readOne(true) {
		c.gw.poll.rearm(c)
	}
}

// readOne reads and handles one frame. It reports whether the connection
// is still open for reading.
func (c *conn) readOne(deadline bool) (open bool) {
	defer func() {
		// A bug in a payload handler must cost one connection, not the
		// process (net/http gives REST handlers the same protection).
		if r := recover(); r != nil {
			c.gw.log.Error("panic handling a payload", "panic", r, "stack", string(debug.Stack()))
			c.close(protocol.CloseUnknownError)
			open = false
		}
	}()
	if deadline {
		// Bytes have arrived; a frame that does not complete in time is a
		// stuck client.
		_ = c.nc.SetReadDeadline(time.Now().Add(c.gw.cfg.ReadTimeout))
	}
	h, err := ws.ReadHeader(c.rd)
	if err != nil {
		c.teardown()
		return false
	}
	if !h.Masked || h.Rsv != 0 {
		c.close(protocol.CloseDecodeError)
		return false
	}
	if h.Length > protocol.MaxClientPayload || int(h.Length)+len(c.frag) > protocol.MaxClientPayload {
		c.close(protocol.CloseDecodeError)
		return false
	}
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	payload := (*bp)[:h.Length]
	if _, err := io.ReadFull(c.rd, payload); err != nil {
		c.teardown()
		return false
	}
	ws.Cipher(payload, h.Mask, 0)
	switch h.OpCode {
	case ws.OpClose:
		code := 1005
		if len(payload) >= 2 {
			code = int(binary.BigEndian.Uint16(payload))
		}
		c.clientClose(code)
		return false
	case ws.OpPing:
		if !c.allow() {
			c.close(protocol.CloseRateLimited)
			return false
		}
		c.enqueue(control{pong: true, b: append([]byte(nil), payload...)})
		return true
	case ws.OpPong:
		return true
	case ws.OpText, ws.OpBinary, ws.OpContinuation:
		if !h.Fin {
			c.frag = append(c.frag, payload...)
			return true
		}
		msg := payload
		if len(c.frag) > 0 {
			msg = append(c.frag, payload...)
			c.frag = nil
		}
		return c.handle(msg)
	default:
		c.close(protocol.CloseDecodeError)
		return false
	}
}

// allow counts one payload against the rate limit: a fixed window per
// connection, two fields and no timer.
func (c *conn) allow() bool {
	if c.gw.cfg.DisableLimits {
		return true
	}
	now := time.Now()
	if now.Sub(c.rateStart) > c.gw.cfg.RateWindow {
		c.rateStart, c.rateCount = now, 0
	}
	c.rateCount++
	return c.rateCount <= c.gw.cfg.RateLimit
}
