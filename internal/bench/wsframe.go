package bench

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// The WebSocket wire of the bench client (RFC 6455): the handshake,
// server frames parsed in place and client text frames.

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

// textFrame frames payload as one masked text frame, masked with the
// all-zero key (which leaves the payload as it is).
func textFrame(payload []byte) []byte {
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
	return append(frame, payload...)
}
