package cluster

import (
	"encoding/binary"
	"fmt"
)

// Heartbeat is what a node announces every Config.Interval. It is plain
// data.
type Heartbeat struct {
	// Node is the node's id (`accord serve --node-id`); see ValidNodeID.
	Node string
	// URL is the node's public URL (`--public-url`), what clients are sent
	// to; it may be empty.
	URL string
	// Incarnation tells the runs of one node apart: by default its start
	// time in Unix nanoseconds, so that a restarted node's is larger.
	Incarnation uint64
	// Seq counts the heartbeats of one incarnation from 1; receivers ignore
	// a heartbeat whose Seq is not above the last one they took.
	Seq uint64
	// Leaving says the node is shutting down: receivers mark it dead at
	// once instead of after DeadAfter of silence.
	Leaving bool
}

// Limits of the heartbeat encoding.
const (
	MaxNodeIDLen = 64
	MaxURLLen    = 512

	heartbeatV1  = 1
	flagLeaving  = 1 << 0
	fixedLen     = 1 + 1 + 8 + 8 // version, flags, incarnation, seq
	maxHeartbeat = fixedLen + 1 + MaxNodeIDLen + 2 + MaxURLLen
)

// Version 1 of the encoding, big-endian:
//
//	version  1 byte   = 1
//	flags    1 byte   bit 0: leaving; other bits must be 0
//	incarn.  8 bytes
//	seq      8 bytes
//	len(id)  1 byte   then the node id
//	len(url) 2 bytes  then the URL
//
// Nothing may follow. Every valid heartbeat has exactly one encoding, so a
// decoded heartbeat re-encodes to the bytes it came from (the fuzz test
// checks it). A new field means a new version: receivers drop heartbeats
// of versions they do not know, so in a rolling upgrade a new node must
// keep sending version 1 until every node reads the new one.

// AppendBinary appends h's encoding to b and returns the extended slice.
// It fails if h's node id or URL is not valid.
func (h Heartbeat) AppendBinary(b []byte) ([]byte, error) {
	if err := ValidNodeID(h.Node); err != nil {
		return b, err
	}
	if err := validURL(h.URL); err != nil {
		return b, err
	}
	var flags byte
	if h.Leaving {
		flags |= flagLeaving
	}
	b = append(b, heartbeatV1, flags)
	b = binary.BigEndian.AppendUint64(b, h.Incarnation)
	b = binary.BigEndian.AppendUint64(b, h.Seq)
	b = append(b, byte(len(h.Node)))
	b = append(b, h.Node...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(h.URL)))
	b = append(b, h.URL...)
	return b, nil
}

// MarshalBinary returns h's encoding in a new slice.
func (h Heartbeat) MarshalBinary() ([]byte, error) {
	return h.AppendBinary(make([]byte, 0, fixedLen+3+len(h.Node)+len(h.URL)))
}

// DecodeHeartbeat decodes one heartbeat. It does not retain b. Errors wrap
// ErrMalformed, ErrVersion, ErrNodeID or ErrURL.
func DecodeHeartbeat(b []byte) (Heartbeat, error) {
	if len(b) == 0 {
		return Heartbeat{}, fmt.Errorf("%w: empty", ErrMalformed)
	}
	if b[0] != heartbeatV1 {
		return Heartbeat{}, fmt.Errorf("%w: %d", ErrVersion, b[0])
	}
	if len(b) > maxHeartbeat {
		return Heartbeat{}, fmt.Errorf("%w: %d bytes, at most %d", ErrMalformed, len(b), maxHeartbeat)
	}
	if len(b) < fixedLen+1 {
		return Heartbeat{}, fmt.Errorf("%w: %d bytes, too short", ErrMalformed, len(b))
	}
	flags := b[1]
	if flags&^flagLeaving != 0 {
		return Heartbeat{}, fmt.Errorf("%w: unknown flags %#x", ErrMalformed, flags)
	}
	h := Heartbeat{
		Incarnation: binary.BigEndian.Uint64(b[2:]),
		Seq:         binary.BigEndian.Uint64(b[10:]),
		Leaving:     flags&flagLeaving != 0,
	}
	rest := b[fixedLen:]
	n := int(rest[0])
	rest = rest[1:]
	if len(rest) < n+2 {
		return Heartbeat{}, fmt.Errorf("%w: node id runs past the end", ErrMalformed)
	}
	node := rest[:n]
	rest = rest[n:]
	n = int(binary.BigEndian.Uint16(rest))
	rest = rest[2:]
	if len(rest) != n {
		return Heartbeat{}, fmt.Errorf("%w: url is %d bytes, %d left", ErrMalformed, n, len(rest))
	}
	// Validate before converting, so that junk costs no allocation.
	if err := validNodeID(node); err != nil {
		return Heartbeat{}, err
	}
	if err := validURL(rest); err != nil {
		return Heartbeat{}, err
	}
	h.Node, h.URL = string(node), string(rest)
	return h, nil
}

// ValidNodeID reports whether id can name a node: 1 to MaxNodeIDLen bytes
// of ASCII letters, digits, '_' and '-'. The rule keeps an id usable as
// one token of a NATS subject (no '.', '*', '>' or spaces), in metric
// labels and in logs. The error wraps ErrNodeID.
func ValidNodeID(id string) error { return validNodeID(id) }

func validNodeID[S string | []byte](id S) error {
	if len(id) == 0 || len(id) > MaxNodeIDLen {
		return fmt.Errorf("%w: %d bytes, want 1 to %d", ErrNodeID, len(id), MaxNodeIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("%w: byte %#x at %d; use letters, digits, '_' and '-'", ErrNodeID, c, i)
		}
	}
	return nil
}

// validURL checks the shape of a public URL only: at most MaxURLLen bytes
// of printable ASCII with no spaces. Whether it is a usable http(s) URL is
// the server configuration's business.
func validURL[S string | []byte](u S) error {
	if len(u) > MaxURLLen {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrURL, len(u), MaxURLLen)
	}
	for i := 0; i < len(u); i++ {
		if c := u[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("%w: byte %#x at %d", ErrURL, c, i)
		}
	}
	return nil
}
