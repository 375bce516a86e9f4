package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// The gateway client of the fan-out and passive scenarios. It shares the
// two cores with the server it measures, so it does as little as a client
// can: a hand-written WebSocket handshake, unmasked server frames parsed in
// place in one reusable buffer per connection, and for each dispatch only
// the event name, the sequence number and (for MESSAGE_CREATE) the nonce,
// found in the raw bytes without decoding the JSON. Client frames are
// masked with the all-zero key, which RFC 6455 allows and which leaves the
// payload unchanged. This file holds the sessions and their connections;
// wsevents.go what a session does with each payload, wsframe.go the
// WebSocket wire and wsclient_linux.go the epoll read loops.

// sessionSpec says which sessions a group opens and what they do. It
// travels as JSON to worker processes.
type sessionSpec struct {
	// Gateway is the WebSocket URL, e.g. "ws://127.0.0.1:8080/gateway".
	Gateway string `json:"gateway"`
	// Gateways, when set, has one WebSocket URL per session (the nodes of
	// a cluster, spread round-robin) and overrides Gateway.
	Gateways []string `json:"gateways,omitempty"`
	// Tokens has one token per session.
	Tokens []string `json:"tokens"`
	// Subscribe marks the sessions that send op 14 for GuildID/ChannelID
	// once their GUILD_CREATE arrives (nil: none).
	Subscribe []bool `json:"subscribe,omitempty"`
	GuildID   string `json:"guild_id,omitempty"`
	ChannelID string `json:"channel_id,omitempty"`
	// Intents and LargeThreshold go into IDENTIFY.
	Intents        int `json:"intents"`
	LargeThreshold int `json:"large_threshold"`
	// Dials bounds concurrent handshakes. Default 64.
	Dials int `json:"dials,omitempty"`
	// BeatOnReady sends each session's first heartbeat as soon as its
	// GUILD_CREATE arrives, instead of after interval × jitter (up to
	// 41 s). The server keeps a session's READY and GUILD_CREATE for a
	// RESUME until a heartbeat acknowledges them, so idle memory is
	// measured once every session has been acknowledged (Acked): the
	// state every Discord client reaches within its first interval.
	BeatOnReady bool `json:"beat_on_ready,omitempty"`
	// Probes is how many of the sessions count toward probeMin (flow
	// control of the saturating poster). Only meaningful in process.
	Probes int `json:"-"`
}

// gateway is the WebSocket URL session i dials.
func (s *sessionSpec) gateway(i int) string {
	if s.Gateways != nil {
		return s.Gateways[i]
	}
	return s.Gateway
}

// groupProgress is a group's cheap running state.
type groupProgress struct {
	Opened     int   `json:"opened"`     // handshakes done
	Ready      int   `json:"ready"`      // GUILD_CREATE received (and op 14 sent)
	Acked      int   `json:"acked"`      // ready, and a heartbeat with the GUILD_CREATE's seq acknowledged
	Failed     int   `json:"failed"`     // sessions whose connection failed or closed
	Deliveries int64 `json:"deliveries"` // bench MESSAGE_CREATEs received
	Bytes      int64 `json:"bytes"`      // bytes read from the sockets
	// FirstIdentify and LastIdentify are the Unix ns of the first and the
	// last IDENTIFY sent, LastReady of the last session's GUILD_CREATE
	// (0: none yet).
	FirstIdentify int64  `json:"first_identify,omitempty"`
	LastIdentify  int64  `json:"last_identify,omitempty"`
	LastReady     int64  `json:"last_ready,omitempty"`
	FirstErr      string `json:"first_err,omitempty"`
}

// groupStats is a group's full state, for the final figures.
type groupStats struct {
	groupProgress
	// Missing is the sum over ready sessions of how many of the expected
	// messages each did not receive.
	Missing int64 `json:"missing"`
	// PassiveUpdates counts PASSIVE_UPDATE_V1 dispatches received.
	PassiveUpdates int64 `json:"passive_updates"`
	// LastDelivery is the Unix time (ns) of the last bench delivery.
	LastDelivery int64 `json:"last_delivery"`
	// MaxNs is the largest delivery latency seen.
	MaxNs int64 `json:"max_ns"`
	// Hist is the latency histogram as sparse [bucket, count] pairs.
	Hist [][2]int64 `json:"hist"`
}

// group is a set of gateway sessions in one process.
type group struct {
	spec  sessionSpec
	conns []*gwConn

	opened, ready, failed atomic.Int64
	passiv, maxNs         atomic.Int64
	firstIdentify         atomic.Int64
	lastIdentify          atomic.Int64
	lastReady             atomic.Int64
	hist                  histogram
	firstErr              atomic.Pointer[string]

	// notify is signalled (without blocking) after a probe session
	// received bench messages.
	notify chan struct{}
	// loops read the connections where epoll is available (nil: one
	// goroutine per connection).
	loops   []*epollLoop
	loopsWG sync.WaitGroup
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// openGroup starts opening spec's sessions in the background; watch
// progress until Ready+Failed reaches len(spec.Tokens).
func openGroup(ctx context.Context, spec sessionSpec) *group {
	if spec.Dials <= 0 {
		spec.Dials = 64
	}
	ctx, cancel := context.WithCancel(ctx)
	g := &group{spec: spec, notify: make(chan struct{}, 1), cancel: cancel}
	g.conns = make([]*gwConn, len(spec.Tokens))
	for i := range g.conns {
		g.conns[i] = &gwConn{g: g, i: i, probe: i < spec.Probes}
	}
	g.loops = startLoops(ctx, g)
	sem := make(chan struct{}, spec.Dials)
	g.wg.Add(2)
	go func() {
		defer g.wg.Done()
		for _, c := range g.conns {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				g.fail(c, ctx.Err())
				continue
			}
			g.wg.Add(1)
			go func() {
				defer g.wg.Done()
				c.run(ctx, sem)
			}()
		}
	}()
	go func() {
		defer g.wg.Done()
		g.heartbeats(ctx)
	}()
	return g
}

func (g *group) fail(c *gwConn, err error) {
	if c.failed.Swap(true) {
		return
	}
	g.failed.Add(1)
	s := fmt.Sprintf("session %d: %v", c.i, err)
	g.firstErr.CompareAndSwap(nil, &s)
}

func (g *group) progress() groupProgress {
	p := groupProgress{Opened: int(g.opened.Load()), Ready: int(g.ready.Load()), Failed: int(g.failed.Load()),
		FirstIdentify: g.firstIdentify.Load(), LastIdentify: g.lastIdentify.Load(), LastReady: g.lastReady.Load()}
	for _, c := range g.conns {
		p.Deliveries += c.count.Load()
		p.Bytes += c.bytes.Load()
		if c.isReady.Load() && c.ackedSeq.Load() >= c.readySeq.Load() {
			p.Acked++
		}
	}
	if e := g.firstErr.Load(); e != nil {
		p.FirstErr = *e
	}
	return p
}

// stats returns the full state; expected is how many bench messages each
// session should have received.
func (g *group) stats(expected int64) groupStats {
	st := groupStats{groupProgress: g.progress(), PassiveUpdates: g.passiv.Load(),
		MaxNs: g.maxNs.Load(), Hist: g.hist.sparse()}
	for _, c := range g.conns {
		st.LastDelivery = max(st.LastDelivery, c.last.Load())
		if c.isReady.Load() {
			st.Missing += max(0, expected-c.count.Load())
		}
	}
	return st
}

// probeMin is the fewest bench messages any probe session has received.
func (g *group) probeMin() int64 {
	m := int64(-1)
	for _, c := range g.conns[:min(g.spec.Probes, len(g.conns))] {
		if c.failed.Load() {
			continue
		}
		if n := c.count.Load(); m < 0 || n < m {
			m = n
		}
	}
	return max(m, 0)
}

// close closes every connection and waits for the readers.
func (g *group) close() {
	g.cancel()
	g.loopsWG.Wait() // no loop reads a socket closed below
	for _, c := range g.conns {
		c.closeConn()
	}
	g.wg.Wait()
	for _, l := range g.loops {
		l.close()
	}
}

// heartbeats sends each session's heartbeat (with its last sequence, so
// the server can drop its replay history) when due.
func (g *group) heartbeats(ctx context.Context) {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			for _, c := range g.conns {
				next := c.nextBeat.Load()
				if next == 0 || now.UnixNano() < next || c.failed.Load() {
					continue
				}
				c.nextBeat.Store(next + c.interval)
				seq := c.seq.Load()
				d := "null"
				if seq > 0 {
					d = strconv.FormatInt(seq, 10)
				}
				c.beatSeq.Store(seq)
				if err := c.write([]byte(`{"op":1,"d":` + d + `}`)); err != nil {
					g.fail(c, fmt.Errorf("heartbeat: %w", err))
					c.closeConn()
				}
			}
		}
	}
}

// writeCloser is the part of a connection writes need: a net.Conn, or a
// raw socket read by an epoll loop.
type writeCloser interface {
	Write([]byte) (int, error)
	SetWriteDeadline(time.Time) error
	Close() error
}

// gwConn is one session's connection.
type gwConn struct {
	g     *group
	i     int
	probe bool

	mu sync.Mutex // guards nc and serialises writes
	nc writeCloser

	sem      chan struct{} // handshake slots
	released atomic.Bool
	armed    atomic.Bool // fr handed to an epoll loop
	fr       frameReader // owned by the reading goroutine or epoll loop

	interval int64        // heartbeat interval in ns; written before nextBeat is set
	nextBeat atomic.Int64 // Unix ns of the next heartbeat; 0 before HELLO
	seq      atomic.Int64
	beatSeq  atomic.Int64 // seq of the last heartbeat sent
	ackedSeq atomic.Int64 // beatSeq when the last HEARTBEAT_ACK came
	readySeq atomic.Int64 // seq of the GUILD_CREATE that made it ready
	count    atomic.Int64 // bench MESSAGE_CREATEs received
	last     atomic.Int64 // Unix ns of the last one
	bytes    atomic.Int64 // read from the socket
	isReady  atomic.Bool
	failed   atomic.Bool
}

func (c *gwConn) closeConn() {
	c.mu.Lock()
	if c.nc != nil {
		_ = c.nc.Close()
		c.nc = nil
	}
	c.mu.Unlock()
}

// write sends one masked text frame.
func (c *gwConn) write(payload []byte) error {
	frame := textFrame(payload)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.nc == nil {
		return errors.New("not connected")
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := c.nc.Write(frame)
	return err
}

// run dials and identifies, then reads until the connection ends: from an
// epoll loop of the group where there is one (Linux), else right here. The
// slot of sem is released once the session is ready (or failed), which
// bounds the handshakes and IDENTIFYs in flight.
func (c *gwConn) run(ctx context.Context, sem chan struct{}) {
	c.sem = sem
	nc, rest, err := dialWS(ctx, c.g.spec.gateway(c.i))
	if err != nil {
		c.g.fail(c, err)
		c.release()
		return
	}
	c.fr.buf = make([]byte, 8<<10)
	c.fr.w = copy(c.fr.buf, rest)
	if ctx.Err() != nil {
		_ = nc.Close()
		c.g.fail(c, ctx.Err())
		c.release()
		return
	}
	c.g.opened.Add(1)
	if c.g.loops != nil {
		if err := c.g.loops[c.i%len(c.g.loops)].add(c, nc); err != nil {
			c.g.fail(c, err)
			c.release()
		}
		return
	}
	c.mu.Lock()
	c.nc = nc
	c.mu.Unlock()
	defer c.release()
	c.fr.nc = nc
	for {
		op, payload, err := c.fr.next(&c.bytes)
		if err != nil {
			if ctx.Err() == nil {
				c.g.fail(c, err)
			}
			return
		}
		if !c.process(op, payload, c.fr.now) {
			c.closeConn()
			return
		}
	}
}

// release frees the session's handshake slot (once).
func (c *gwConn) release() {
	if !c.released.Swap(true) {
		<-c.sem
	}
}

// deliver records one bench delivery with latency lat (ns).
func (g *group) deliver(lat int64) {
	g.hist.add(lat)
	for {
		m := g.maxNs.Load()
		if lat <= m || g.maxNs.CompareAndSwap(m, lat) {
			break
		}
	}
}
