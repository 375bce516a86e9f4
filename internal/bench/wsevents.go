package bench

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/accordchat/accord/internal/protocol"
)

// What a session does with each message the server sends: dispatches
// are recognised by their first bytes, without decoding the JSON.

// process handles one message; false means the connection is done.
func (c *gwConn) process(op byte, payload []byte, now int64) bool {
	switch op {
	case 0x1: // text
		if err := c.handle(payload, now); err != nil {
			c.g.fail(c, err)
			return false
		}
		if c.isReady.Load() {
			c.release()
		}
	case 0x8: // close
		code := 0
		if len(payload) >= 2 {
			code = int(binary.BigEndian.Uint16(payload))
		}
		c.g.fail(c, fmt.Errorf("closed by the server with %d %s", code, payload[min(2, len(payload)):]))
		return false
	}
	return true
}

var (
	prefixDispatch = []byte(`{"op":0,"t":"`)
	keyNonce       = []byte(`"nonce":"`)
)

// handle processes one text payload received at now (Unix ns).
func (c *gwConn) handle(p []byte, now int64) error {
	if !bytes.HasPrefix(p, prefixDispatch) {
		return c.handleControl(p)
	}
	rest := p[len(prefixDispatch):]
	end := bytes.IndexByte(rest, '"')
	if end < 0 {
		return errors.New("malformed dispatch")
	}
	name := rest[:end]
	rest = rest[end:]
	if i := bytes.Index(rest, []byte(`"s":`)); i >= 0 {
		var seq int64
		for _, b := range rest[i+4:] {
			if b < '0' || b > '9' {
				break
			}
			seq = seq*10 + int64(b-'0')
		}
		c.seq.Store(seq)
	}
	switch string(name) {
	case protocol.EventMessageCreate:
		i := bytes.Index(rest, keyNonce)
		if i < 0 || i+len(keyNonce) >= len(rest) || rest[i+len(keyNonce)] != nonceMark {
			return nil // not a bench message
		}
		var ts int64
		for _, b := range rest[i+len(keyNonce)+1:] {
			if b < '0' || b > '9' {
				break
			}
			ts = ts*10 + int64(b-'0')
		}
		c.count.Add(1)
		c.last.Store(now)
		c.g.deliver(now - ts)
		if c.probe {
			select {
			case c.g.notify <- struct{}{}:
			default:
			}
		}
	case protocol.EventPassiveUpdateV1:
		c.g.passiv.Add(1)
	case protocol.EventGuildCreate:
		if c.isReady.Load() {
			return nil
		}
		if c.g.spec.Subscribe != nil && c.g.spec.Subscribe[c.i] {
			op14 := fmt.Sprintf(`{"op":14,"d":{"guild_id":%q,"typing":true,"activities":true,"threads":true,"channels":{%q:[[0,99]]}}}`,
				c.g.spec.GuildID, c.g.spec.ChannelID)
			if err := c.write([]byte(op14)); err != nil {
				return err
			}
		}
		c.readySeq.Store(c.seq.Load())
		c.isReady.Store(true)
		c.g.ready.Add(1)
		storeMax(&c.g.lastReady, now)
		if c.g.spec.BeatOnReady {
			c.nextBeat.Store(now) // the heartbeat loop sends it within 250 ms
		}
	}
	return nil
}

// handleControl handles the non-dispatch payloads: HELLO (answered with
// IDENTIFY), heartbeat requests, INVALID_SESSION and RECONNECT.
func (c *gwConn) handleControl(p []byte) error {
	op := -1
	if i := bytes.Index(p, []byte(`"op":`)); i >= 0 {
		if n, ok := leadingInt(p[i+5:]); ok {
			op = int(n)
		}
	}
	switch op {
	case protocol.OpHello:
		ms := int64(41250)
		if i := bytes.Index(p, []byte(`"heartbeat_interval":`)); i >= 0 {
			if n, ok := leadingInt(p[i+len(`"heartbeat_interval":`):]); ok && n > 0 {
				ms = n
			}
		}
		c.interval = ms * int64(time.Millisecond)
		// The first heartbeat comes after interval × jitter, as Discord asks.
		c.nextBeat.Store(time.Now().UnixNano() + int64(float64(c.interval)*rand.Float64()))
		lt := c.g.spec.LargeThreshold
		if lt == 0 {
			lt = 250
		}
		identify := fmt.Sprintf(`{"op":2,"d":{"token":%q,"intents":%d,"large_threshold":%d,"properties":{"os":"linux","browser":"accord-bench","device":"accord-bench"}}}`,
			c.g.spec.Tokens[c.i], c.g.spec.Intents, lt)
		if err := c.write([]byte(identify)); err != nil {
			return err
		}
		t := time.Now().UnixNano()
		c.g.firstIdentify.CompareAndSwap(0, t)
		storeMax(&c.g.lastIdentify, t)
		return nil
	case protocol.OpHeartbeat: // the server asks for one now
		seq := c.seq.Load()
		c.beatSeq.Store(seq)
		return c.write([]byte(`{"op":1,"d":` + strconv.FormatInt(seq, 10) + `}`))
	case protocol.OpHeartbeatACK:
		c.ackedSeq.Store(c.beatSeq.Load())
	case protocol.OpReconnect:
		return errors.New("server sent RECONNECT")
	case protocol.OpInvalidSession:
		return fmt.Errorf("server sent INVALID_SESSION: %s", p)
	}
	return nil
}

func leadingInt(b []byte) (int64, bool) {
	var n int64
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	return n, i > 0
}

// nonceMark starts every bench nonce; the Unix time of the send in ns
// follows ("F1764240000123456789", 20 characters of the 25 allowed).
const nonceMark = 'F'

func benchNonce(t time.Time) string { return string(nonceMark) + strconv.FormatInt(t.UnixNano(), 10) }

// storeMax raises v to x if x is larger.
func storeMax(v *atomic.Int64, x int64) {
	for {
		m := v.Load()
		if x <= m || v.CompareAndSwap(m, x) {
			return
		}
	}
}
