package gateway

import (
	"compress/zlib"
	"encoding/binary"

	"github.com/klauspost/compress/zstd"

	"github.com/accordchat/accord/internal/protocol"
)

// WebSocket opcodes of the frames the server writes.
const (
	wsText   = 0x1
	wsBinary = 0x2
	wsClose  = 0x8
	wsPong   = 0xA
)

// maxHeader is the longest server frame header (opcode, 127, 8-byte length).
const maxHeader = 10

// appendDispatch appends one dispatch frame. Uncompressed, the frame is
// built in place: header, then prefix + shared Data + suffix, no copies
// beyond the one into buf.
func (c *conn) appendDispatch(buf []byte, e entry) []byte {
	if c.etf {
		return c.appendETFDispatch(buf, e)
	}
	if !c.compress {
		buf = appendHeader(buf, wsText, e.d.FrameLen(e.seq))
		return e.d.AppendFrame(buf, e.seq)
	}
	bp := bufPool.Get().(*[]byte)
	frame := e.d.AppendFrame((*bp)[:0], e.seq)
	buf = c.appendMessage(buf, frame)
	*bp = frame[:0]
	bufPool.Put(bp)
	return buf
}

// appendMessage appends one gateway message as a text frame (binary for
// ETF), or compressed as a binary frame: with zlib-stream its bytes up to
// and including the Z_SYNC_FLUSH marker 00 00 ff ff, with zstd-stream the
// flushed blocks of the connection's one zstd frame.
func (c *conn) appendMessage(buf, msg []byte) []byte {
	if !c.compress {
		op := byte(wsText)
		if c.etf {
			op = wsBinary
		}
		buf = appendHeader(buf, op, len(msg))
		return append(buf, msg...)
	}
	c.zbuf.Reset()
	switch {
	case c.zstd:
		if c.zs == nil {
			// One zstd frame for the connection's lifetime; each message
			// is flushed as blocks of it. Window 2^18 as Discord uses.
			c.zs, _ = zstd.NewWriter(&c.zbuf, zstd.WithEncoderConcurrency(1),
				zstd.WithWindowSize(1<<18), zstd.WithLowerEncoderMem(true))
		}
		_, _ = c.zs.Write(msg)
		_ = c.zs.Flush()
	default:
		if c.zw == nil {
			// One deflate context per connection, as zlib-stream requires.
			c.zw, _ = zlib.NewWriterLevel(&c.zbuf, zlib.BestSpeed)
		}
		_, _ = c.zw.Write(msg)
		_ = c.zw.Flush()
	}
	buf = appendHeader(buf, wsBinary, c.zbuf.Len())
	return append(buf, c.zbuf.Bytes()...)
}

// releaseCompressor frees the zstd encoder's goroutine-free state once the
// writer is done; called from teardown, after which no writer runs again.
func (c *conn) releaseCompressor() {
	c.mu.Lock()
	writing := c.writing
	c.mu.Unlock()
	if !writing && c.zs != nil {
		_ = c.zs.Close()
	}
}

// appendHeader appends an unmasked, final WebSocket frame header.
func appendHeader(b []byte, op byte, n int) []byte {
	b = append(b, 0x80|op)
	switch {
	case n < 126:
		return append(b, byte(n))
	case n <= 0xffff:
		return append(b, 126, byte(n>>8), byte(n))
	default:
		return binary.BigEndian.AppendUint64(append(b, 127), uint64(n))
	}
}

func appendClose(b []byte, code protocol.CloseCode) []byte {
	if code == 1005 { // "no status": an empty close frame
		return appendHeader(b, wsClose, 0)
	}
	reason := ""
	if code >= 4000 {
		reason = code.Error()
	}
	b = appendHeader(b, wsClose, 2+len(reason))
	b = binary.BigEndian.AppendUint16(b, uint16(code))
	return append(b, reason...)
}
