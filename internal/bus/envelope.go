package bus

import (
	"encoding/binary"
	"fmt"

	"github.com/accordchat/accord/internal/chat"
)

// Envelope is what a guild's owner sends one node for one event: the event,
// encoded once, and the sessions on that node that get it (Manifold: one
// message per destination node, not one per session). An event whose
// recipients get different bodies (a message without content for bots
// lacking the MESSAGE_CONTENT intent) is several Parts of one Envelope, so it
// still crosses the network once per node.
//
// An Envelope is a plain value; whoever holds it owns it. Decoded Envelopes
// alias the decoded buffer (see DecodeEnvelope).
type Envelope struct {
	Guild chat.ID // the guild the event belongs to; 0 for none
	Parts []Part
}

// Part is one event body and the sessions that get it.
type Part struct {
	Event    string   // dispatch name, e.g. "MESSAGE_CREATE"
	Data     []byte   // JSON of the dispatch's "d"
	Sessions []string // session_ids on the destination node
}

// envelopeV1 is the first byte of every encoded Envelope. A node that reads
// another version refuses the message rather than misreading it, so a
// rolling upgrade that changes the format must bump it.
const envelopeV1 = 1

// Append appends e's encoding to b and returns the result. The format is
// compact and binary:
//
//	version(1) guild(uvarint) nparts(uvarint)
//	per part: len(uvarint) event, len(uvarint) data, nsessions(uvarint),
//	          per session: len(uvarint) id
func (e *Envelope) Append(b []byte) []byte {
	b = append(b, envelopeV1)
	b = binary.AppendUvarint(b, uint64(e.Guild))
	b = binary.AppendUvarint(b, uint64(len(e.Parts)))
	for i := range e.Parts {
		p := &e.Parts[i]
		b = appendBytes(b, p.Event)
		b = appendBytes(b, p.Data)
		b = binary.AppendUvarint(b, uint64(len(p.Sessions)))
		for _, s := range p.Sessions {
			b = appendBytes(b, s)
		}
	}
	return b
}

// Size is len(e.Append(nil)), computed without encoding, so a sender can
// split an Envelope that would exceed MaxPayload.
func (e *Envelope) Size() int {
	n := 1 + uvarintLen(uint64(e.Guild)) + uvarintLen(uint64(len(e.Parts)))
	for i := range e.Parts {
		p := &e.Parts[i]
		n += uvarintLen(uint64(len(p.Event))) + len(p.Event)
		n += uvarintLen(uint64(len(p.Data))) + len(p.Data)
		n += uvarintLen(uint64(len(p.Sessions)))
		for _, s := range p.Sessions {
			n += uvarintLen(uint64(len(s))) + len(s)
		}
	}
	return n
}

// DecodeEnvelope decodes what Append encoded. Every Part's Data aliases b,
// so b must not be modified while the Envelope is in use; strings are
// copied. Any truncation, trailing byte, unknown version or count larger
// than the input could hold fails with ErrMalformed, so a hostile or
// corrupt message cannot make the decoder allocate more than the message's
// own size.
func DecodeEnvelope(b []byte) (Envelope, error) {
	d := decoder{b: b}
	var e Envelope
	if v := d.byte(); v != envelopeV1 {
		return Envelope{}, fmt.Errorf("%w: version %d", ErrMalformed, v)
	}
	e.Guild = chat.ID(d.uvarint())
	// A part takes at least 3 bytes, a session id at least 1: a count that
	// the rest of the input cannot hold is refused before allocating.
	nparts := d.count(3)
	if nparts > 0 {
		e.Parts = make([]Part, nparts)
	}
	for i := range e.Parts {
		p := &e.Parts[i]
		p.Event = string(d.bytes())
		p.Data = d.bytes()
		if len(p.Data) == 0 {
			p.Data = nil
		}
		if n := d.count(1); n > 0 {
			p.Sessions = make([]string, n)
		}
		for j := range p.Sessions {
			p.Sessions[j] = string(d.bytes())
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d trailing bytes", len(d.b))
	}
	if d.err != nil {
		return Envelope{}, d.err
	}
	return e, nil
}

func appendBytes[T string | []byte](b []byte, s T) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// decoder reads an Envelope; the first error sticks and later reads return
// zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.fail("truncated")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads an element count whose elements take at least min bytes each.
func (d *decoder) count(min int) int {
	n := d.uvarint()
	if n > uint64(len(d.b)/min) {
		d.fail("count %d exceeds input", n)
		return 0
	}
	return int(n)
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail("length %d exceeds input", n)
		return nil
	}
	s := d.b[:n:n]
	d.b = d.b[n:]
	return s
}
