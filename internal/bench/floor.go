package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// The floor of fan-out: the cheapest server the fan-out client can be fed
// by, so the syscall limit of delivering to S loopback sockets is measured
// on the same box, with the same client, in the same run as Accord. It
// speaks just enough of the gateway for the bench client (HELLO, then
// READY and GUILD_CREATE after IDENTIFY) and, for each POSTed message,
// frames one MESSAGE_CREATE once and writes those same bytes to every
// socket: one write per socket per message, no JSON encoding, no queues,
// no per-session goroutine (a socket is never read after IDENTIFY; the
// client's heartbeats wait in the kernel, a few bytes every 41 s).

// FloorServer is the floor's server. Serve it with net/http; its zero
// value is ready.
type FloorServer struct {
	mu    sync.Mutex // guards conns; held across a broadcast so frames never interleave
	conns []net.Conn
	seq   int64 // guarded by mu
}

// floorMessage is the MESSAGE_CREATE the floor sends: the shape and size
// of Accord's for the bench's message (a guild message with its author and
// member), with the sequence number and the poster's nonce spliced in.
const floorMessage = `{"op":0,"t":"MESSAGE_CREATE","s":%d,"d":{"type":0,"tts":false,"timestamp":"2026-01-01T00:00:00.000000+00:00",` +
	`"pinned":false,"mentions":[],"mention_roles":[],"mention_everyone":false,"member":{"roles":[],"premium_since":null,"pending":false,` +
	`"nick":null,"mute":false,"joined_at":"2026-01-01T00:00:00.000000+00:00","flags":0,"deaf":false,"communication_disabled_until":null,` +
	`"avatar":null},"id":"1300000000000000001","flags":0,"embeds":[],"edited_timestamp":null,` +
	`"content":"fan-out message: a line of chat long enough to look like one","components":[],"channel_id":"1300000000000000002",` +
	`"author":{"username":"bench-owner","public_flags":0,"id":"1300000000000000003","global_name":null,"discriminator":"0",` +
	`"avatar_decoration_data":null,"avatar":null},"attachments":[],"guild_id":"1300000000000000004","nonce":"%s"}}`

// ServeHTTP answers the bench client's three requests: GET /api/v10/gateway,
// the gateway upgrade and POST /api/v10/channels/{id}/messages.
func (f *FloorServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == "GET" && r.URL.Path == "/api/v10/gateway":
		fmt.Fprintf(w, `{"url":"ws://%s/gateway"}`, r.Host)
	case r.Method == "GET" && r.URL.Path == "/gateway":
		f.upgrade(w, r)
	case r.Method == "POST" && bytes.HasSuffix([]byte(r.URL.Path), []byte("/messages")):
		f.post(w, r)
	default:
		http.NotFound(w, r)
	}
}

// Sessions is how many sockets have identified.
func (f *FloorServer) Sessions() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.conns)
}

// Close closes every socket.
func (f *FloorServer) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.conns {
		_ = c.Close()
	}
	f.conns = nil
}

// upgrade does the WebSocket handshake, sends HELLO, waits for IDENTIFY,
// answers READY and GUILD_CREATE and keeps the socket for the broadcasts.
func (f *FloorServer) upgrade(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Sec-WebSocket-Key")
	hj, ok := w.(http.Hijacker)
	if !ok || key == "" {
		http.Error(w, "not a websocket upgrade", http.StatusBadRequest)
		return
	}
	nc, brw, err := hj.Hijack()
	if err != nil {
		return
	}
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	resp := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n"
	out := append([]byte(resp), serverFrame([]byte(`{"op":10,"d":{"heartbeat_interval":41250}}`))...)
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := nc.Write(out); err != nil {
		_ = nc.Close()
		return
	}
	for { // skip anything before IDENTIFY (an early heartbeat)
		p, err := readClientFrame(brw.Reader)
		if err != nil {
			_ = nc.Close()
			return
		}
		if bytes.Contains(p, []byte(`"op":2`)) {
			break
		}
	}
	ready := serverFrame([]byte(`{"op":0,"t":"READY","s":1,"d":{"v":10,"session_id":"floor","user":{"id":"1","username":"floor","bot":true},"guilds":[{"id":"1300000000000000004","unavailable":true}]}}`))
	ready = append(ready, serverFrame([]byte(`{"op":0,"t":"GUILD_CREATE","s":2,"d":{"id":"1300000000000000004","name":"floor","channels":[],"members":[]}}`))...)
	if _, err := nc.Write(ready); err != nil {
		_ = nc.Close()
		return
	}
	_ = nc.SetDeadline(time.Time{})
	f.mu.Lock()
	f.conns = append(f.conns, nc)
	f.mu.Unlock()
}

// post frames one MESSAGE_CREATE carrying the request's nonce and writes
// it to every socket, split over one goroutine per CPU.
func (f *FloorServer) post(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4096))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	nonce := ""
	if i := bytes.Index(body, keyNonce); i >= 0 {
		rest := body[i+len(keyNonce):]
		if j := bytes.IndexByte(rest, '"'); j >= 0 {
			nonce = string(rest[:j])
		}
	}
	f.mu.Lock()
	f.seq++
	frame := serverFrame(fmt.Appendf(nil, floorMessage, f.seq+2, nonce))
	conns := f.conns
	parts := max(1, min(runtime.GOMAXPROCS(0), len(conns)))
	var wg sync.WaitGroup
	for p := range parts {
		lo, hi := p*len(conns)/parts, (p+1)*len(conns)/parts
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, c := range conns[lo:hi] {
				_, _ = c.Write(frame) // a failed socket shows as missing deliveries
			}
		}()
	}
	wg.Wait()
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"id":"` + strconv.FormatInt(f.seq, 10) + `"}`))
}

// serverFrame frames payload as one unmasked text frame.
func serverFrame(payload []byte) []byte {
	frame := make([]byte, 0, len(payload)+10)
	frame = append(frame, 0x81)
	switch n := len(payload); {
	case n < 126:
		frame = append(frame, byte(n))
	case n <= 0xffff:
		frame = append(frame, 126, byte(n>>8), byte(n))
	default:
		frame = append(frame, 127)
		frame = binary.BigEndian.AppendUint64(frame, uint64(n))
	}
	return append(frame, payload...)
}

// readClientFrame reads one masked client frame and returns its payload
// unmasked.
func readClientFrame(br *bufio.Reader) ([]byte, error) {
	var hdr [14]byte
	if _, err := io.ReadFull(br, hdr[:2]); err != nil {
		return nil, err
	}
	if hdr[1]&0x80 == 0 {
		return nil, errors.New("unmasked client frame")
	}
	n := int(hdr[1] & 0x7f)
	switch n {
	case 126:
		if _, err := io.ReadFull(br, hdr[2:4]); err != nil {
			return nil, err
		}
		n = int(binary.BigEndian.Uint16(hdr[2:4]))
	case 127:
		if _, err := io.ReadFull(br, hdr[2:10]); err != nil {
			return nil, err
		}
		n = int(binary.BigEndian.Uint64(hdr[2:10]))
	}
	if n < 0 || n > 1<<16 {
		return nil, fmt.Errorf("client frame of %d bytes", n)
	}
	var mask [4]byte
	if _, err := io.ReadFull(br, mask[:]); err != nil {
		return nil, err
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(br, p); err != nil {
		return nil, err
	}
	for i := range p {
		p[i] ^= mask[i%4]
	}
	return p, nil
}

// Floor runs the fan-out scenario against a FloorServer at cfg.Target:
// the same sessions, client processes, poster and figures as Fanout, with
// no guild to set up (the floor accepts any token). cfg.ServerPID is the
// floor server's process, for its CPU and RSS.
func Floor(ctx context.Context, cfg FanoutConfig) (FanoutResult, error) {
	if cfg.Target == "" {
		return FanoutResult{}, errors.New("bench: FanoutConfig.Target is required")
	}
	r := newFanoutRun(cfg)
	r.floor = true
	defer r.close()
	for _, step := range []func(context.Context) error{r.setup, r.connect, r.measure, r.report} {
		if err := step(ctx); err != nil {
			return r.res, err
		}
	}
	return r.res, nil
}
