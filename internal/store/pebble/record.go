package pebble

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

// Messages are the bulk of the data and the hot read path, so they are not
// JSON but a compact record: a version byte, then fields in a fixed order as
// varints and length-prefixed strings. The channel and message IDs are in
// the key and are not repeated here.
const recordVersion = 1

// Record flag bits.
const (
	recTTS = 1 << iota
	recMentionEveryone
	recEdited
	recReference
	recKnownFlags = recTTS | recMentionEveryone | recEdited | recReference
)

var errRecord = errors.New("pebble store: corrupt message record")

// appendMessage appends m's record (without channel and message ID) to b.
func appendMessage(b []byte, m *chat.Message) []byte {
	var bits uint64
	if m.TTS {
		bits |= recTTS
	}
	if m.MentionEveryone {
		bits |= recMentionEveryone
	}
	if m.EditedAt != nil {
		bits |= recEdited
	}
	if m.Reference != nil {
		bits |= recReference
	}
	b = append(b, recordVersion)
	b = binary.AppendUvarint(b, bits)
	b = binary.AppendUvarint(b, uint64(m.GuildID))
	b = binary.AppendUvarint(b, uint64(m.AuthorID))
	b = binary.AppendVarint(b, int64(m.Type))
	b = binary.AppendVarint(b, int64(m.Flags))
	b = appendString(b, m.Content)
	b = appendString(b, m.Nonce)
	if m.EditedAt != nil {
		b = binary.AppendVarint(b, m.EditedAt.UnixNano())
	}
	b = appendIDs(b, m.Mentions)
	b = appendIDs(b, m.MentionRoles)
	if r := m.Reference; r != nil {
		b = binary.AppendUvarint(b, uint64(r.MessageID))
		b = binary.AppendUvarint(b, uint64(r.ChannelID))
		b = binary.AppendUvarint(b, uint64(r.GuildID))
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendIDs(b []byte, ids []chat.ID) []byte {
	b = binary.AppendUvarint(b, uint64(len(ids)))
	for _, id := range ids {
		b = binary.AppendUvarint(b, uint64(id))
	}
	return b
}

// decodeMessage decodes a record into m, leaving ID and ChannelID alone. It
// copies what it keeps, so rec may be reused afterwards (Pebble's iterator
// buffers are). Malformed input returns an error, never a panic.
func decodeMessage(rec []byte, m *chat.Message) error {
	d := decoder{b: rec}
	if v := d.byte(); v != recordVersion {
		return fmt.Errorf("%w: version %d", errRecord, v)
	}
	bits := d.uvarint()
	if bits&^recKnownFlags != 0 {
		return fmt.Errorf("%w: unknown flags %#x", errRecord, bits)
	}
	m.TTS = bits&recTTS != 0
	m.MentionEveryone = bits&recMentionEveryone != 0
	m.GuildID = chat.ID(d.uvarint())
	m.AuthorID = chat.ID(d.uvarint())
	m.Type = d.int()
	m.Flags = d.int()
	m.Content = d.string()
	m.Nonce = d.string()
	m.EditedAt = nil
	if bits&recEdited != 0 {
		t := time.Unix(0, d.varint()).UTC()
		m.EditedAt = &t
	}
	m.Mentions = d.ids()
	m.MentionRoles = d.ids()
	m.Reference = nil
	if bits&recReference != 0 {
		m.Reference = &chat.MessageReference{
			MessageID: chat.ID(d.uvarint()),
			ChannelID: chat.ID(d.uvarint()),
			GuildID:   chat.ID(d.uvarint()),
		}
	}
	if d.err {
		return fmt.Errorf("%w: truncated or overlong field", errRecord)
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", errRecord, len(d.b))
	}
	return nil
}

// decoder reads fields from b; after the first error every read returns
// zero and err stays set, so callers check once at the end.
type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.err = true
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) int() int {
	v := d.varint()
	if int64(int(v)) != v {
		d.err = true
		return 0
	}
	return int(v)
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err, d.b = true, nil
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) ids() []chat.ID {
	n := d.uvarint()
	if n == 0 {
		return nil
	}
	// Each ID takes at least one byte: a bound that stops a corrupt count
	// from allocating gigabytes.
	if n > uint64(len(d.b)) {
		d.err, d.b = true, nil
		return nil
	}
	ids := make([]chat.ID, n)
	for i := range ids {
		ids[i] = chat.ID(d.uvarint())
	}
	return ids
}
