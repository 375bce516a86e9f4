package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"net"
	"net/url"
	"sort"
	"strconv"
	"strings"
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
// payload unchanged.

// sessionSpec says which sessions a group opens and what they do. It
// travels as JSON to worker processes.
type sessionSpec struct {
	// Gateway is the WebSocket URL, e.g. "ws://127.0.0.1:8080/gateway".
	Gateway string `json:"gateway"`
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
	// Probes is how many of the sessions count toward probeMin (flow
	// control of the saturating poster). Only meaningful in process.
	Probes int `json:"-"`
}

// groupProgress is a group's cheap running state.
type groupProgress struct {
	Opened     int    `json:"opened"`     // handshakes done
	Ready      int    `json:"ready"`      // GUILD_CREATE received (and op 14 sent)
	Failed     int    `json:"failed"`     // sessions whose connection failed or closed
	Deliveries int64  `json:"deliveries"` // bench MESSAGE_CREATEs received
	Bytes      int64  `json:"bytes"`      // bytes read from the sockets
	FirstErr   string `json:"first_err,omitempty"`
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
	p := groupProgress{Opened: int(g.opened.Load()), Ready: int(g.ready.Load()), Failed: int(g.failed.Load())}
	for _, c := range g.conns {
		p.Deliveries += c.count.Load()
		p.Bytes += c.bytes.Load()
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
	frame := make([]byte, 0, len(payload)+14)
	frame = append(frame, 0x81)
	switch n := len(payload); {
	case n < 126:
		frame = append(frame, 0x80|byte(n))
	case n <= 0xffff:
		frame = append(frame, 0x80|126, byte(n>>8), byte(n))
	default:
		frame = append(frame, 0x80|127)
		frame = binary.BigEndian.AppendUint64(frame, uint64(n))
	}
	frame = append(frame, 0, 0, 0, 0) // the zero mask key
	frame = append(frame, payload...)
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
	nc, rest, err := dialWS(ctx, c.g.spec.Gateway)
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
	case "MESSAGE_CREATE":
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
	case "PASSIVE_UPDATE_V1":
		c.g.passiv.Add(1)
	case "GUILD_CREATE":
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
		c.isReady.Store(true)
		c.g.ready.Add(1)
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
	case 10: // HELLO
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
		return c.write([]byte(identify))
	case 1: // the server asks for a heartbeat now
		return c.write([]byte(`{"op":1,"d":` + strconv.FormatInt(c.seq.Load(), 10) + `}`))
	case 7:
		return errors.New("server sent RECONNECT")
	case 9:
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

// frameReader reads server frames from nc into buf, parsing in place.
type frameReader struct {
	nc   net.Conn
	buf  []byte
	r, w int
	now  int64 // Unix ns of the read that completed the current frame
	frag []byte
}

// next returns the next complete message's opcode and payload; the
// payload is valid until the following call.
func (r *frameReader) next(read *atomic.Int64) (byte, []byte, error) {
	for {
		if op, p, ok, err := r.parse(); err != nil || ok {
			return op, p, err
		}
		if r.r > 0 { // keep the partial frame at the start
			r.w = copy(r.buf, r.buf[r.r:r.w])
			r.r = 0
		}
		if r.w == len(r.buf) {
			return 0, nil, errors.New("frame header too large")
		}
		n, err := r.nc.Read(r.buf[r.w:])
		if n > 0 {
			r.w += n
			read.Add(int64(n))
			r.now = time.Now().UnixNano()
		}
		if err != nil {
			return 0, nil, err
		}
	}
}

// parse returns a complete frame from buf if there is one, growing buf
// when the frame is larger than it.
func (r *frameReader) parse() (op byte, payload []byte, ok bool, err error) {
	for {
		b := r.buf[r.r:r.w]
		if len(b) < 2 {
			return 0, nil, false, nil
		}
		if b[1]&0x80 != 0 {
			return 0, nil, false, errors.New("masked server frame")
		}
		hdr, n := 2, int(b[1]&0x7f)
		switch n {
		case 126:
			if len(b) < 4 {
				return 0, nil, false, nil
			}
			hdr, n = 4, int(binary.BigEndian.Uint16(b[2:]))
		case 127:
			if len(b) < 10 {
				return 0, nil, false, nil
			}
			hdr, n = 10, int(binary.BigEndian.Uint64(b[2:]))
			if n < 0 || n > 64<<20 {
				return 0, nil, false, fmt.Errorf("frame of %d bytes", n)
			}
		}
		if len(b) < hdr+n {
			if hdr+n > len(r.buf) {
				nb := make([]byte, hdr+n+4096)
				r.w = copy(nb, b)
				r.r = 0
				r.buf = nb
			}
			return 0, nil, false, nil
		}
		r.r += hdr + n
		fin, opcode, p := b[0]&0x80 != 0, b[0]&0x0f, b[hdr:hdr+n]
		switch {
		case opcode >= 0x8: // control frames are never fragmented
			if opcode == 0x8 {
				return opcode, p, true, nil
			}
			continue // ping/pong: the server does not rely on them
		case opcode == 0 || !fin: // fragmented message: collect
			if opcode != 0 {
				r.frag = append(r.frag[:0], opcode)
			}
			r.frag = append(r.frag, p...)
			if !fin || len(r.frag) == 0 {
				continue
			}
			op, p := r.frag[0], r.frag[1:]
			r.frag = r.frag[:0:0]
			return op, p, true, nil
		}
		return opcode, p, true, nil
	}
}

// nonceMark starts every bench nonce; the Unix time of the send in ns
// follows ("F1764240000123456789", 20 characters of the 25 allowed).
const nonceMark = 'F'

func benchNonce(t time.Time) string { return string(nonceMark) + strconv.FormatInt(t.UnixNano(), 10) }

// dialWS opens a TCP connection to the WebSocket URL u and upgrades it. It
// returns the bytes read past the response headers (the first frames).
func dialWS(ctx context.Context, u string) (net.Conn, []byte, error) {
	pu, err := url.Parse(u)
	if err != nil {
		return nil, nil, fmt.Errorf("gateway url %q: %w", u, err)
	}
	if pu.Scheme != "ws" {
		return nil, nil, fmt.Errorf("gateway url %q: the bench client speaks ws:// only", u)
	}
	host := pu.Host
	if pu.Port() == "" {
		host += ":80"
	}
	path := pu.EscapedPath()
	if path == "" {
		path = "/"
	}
	q := pu.Query()
	q.Set("v", "10")
	q.Set("encoding", "json")
	d := net.Dialer{Timeout: 30 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, nil, fmt.Errorf("dial %s: %w", host, err)
	}
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	req := "GET " + path + "?" + q.Encode() + " HTTP/1.1\r\nHost: " + pu.Host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: YWNjb3JkLWJlbmNoLWtleQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := nc.Write([]byte(req)); err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("upgrade: %w", err)
	}
	br := bufio.NewReaderSize(nc, 1024)
	status, err := br.ReadString('\n')
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("upgrade: %w", err)
	}
	if !strings.HasPrefix(status, "HTTP/1.1 101") {
		nc.Close()
		return nil, nil, fmt.Errorf("upgrade: %s", strings.TrimSpace(status))
	}
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			nc.Close()
			return nil, nil, fmt.Errorf("upgrade: %w", err)
		}
		if line == "\r\n" {
			break
		}
	}
	rest, _ := br.Peek(br.Buffered())
	_ = nc.SetDeadline(time.Time{})
	return nc, append([]byte(nil), rest...), nil
}

// histogram counts latencies (ns) in log-linear buckets with about 0.2 %
// resolution; it is safe for concurrent use and mergeable across processes.
type histogram struct {
	b [histBuckets]atomic.Int64
}

const (
	histSub     = 512 // buckets per power of two above histLinear
	histLinear  = 1024
	histBuckets = histLinear + 40*histSub
)

// histBucket maps a latency in µs to its bucket.
func histBucket(us int64) int {
	if us < histLinear {
		return int(max(us, 0))
	}
	shift := bits.Len64(uint64(us)) - 10 // >= 1
	i := histLinear + (shift-1)*histSub + int(us>>shift) - histSub
	return min(i, histBuckets-1)
}

// histValue is the lower bound (µs) of bucket i.
func histValue(i int) int64 {
	if i < histLinear {
		return int64(i)
	}
	shift := (i-histLinear)/histSub + 1
	return int64((i-histLinear)%histSub+histSub) << shift
}

func (h *histogram) add(ns int64) { h.b[histBucket(ns/1000)].Add(1) }

func (h *histogram) sparse() [][2]int64 {
	var out [][2]int64
	for i := range h.b {
		if n := h.b[i].Load(); n > 0 {
			out = append(out, [2]int64{int64(i), n})
		}
	}
	return out
}

// latencies merges sparse histograms for percentiles.
type latencies map[int]int64

func (l latencies) add(sparse [][2]int64) {
	for _, p := range sparse {
		l[int(p[0])] += p[1]
	}
}

// percentile returns the q-quantile in ms (0 without samples).
func (l latencies) percentile(q float64) float64 {
	var total int64
	idx := make([]int, 0, len(l))
	for i, n := range l {
		total += n
		idx = append(idx, i)
	}
	if total == 0 {
		return 0
	}
	sort.Ints(idx)
	want := int64(q*float64(total-1)) + 1
	var seen int64
	for _, i := range idx {
		seen += l[i]
		if seen >= want {
			// the bucket's midpoint
			lo, hi := histValue(i), histValue(i+1)
			return float64(lo+hi) / 2 / 1000
		}
	}
	return float64(histValue(idx[len(idx)-1])) / 1000
}
