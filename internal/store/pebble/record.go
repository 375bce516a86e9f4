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
//
// Version 2 added embeds (flag recEmbeds, encoded after the reference);
// version 3 attachments (flag recAttachments, encoded after the embeds);
// version 4 components (flag recComponents, their JSON as a string) and
// the webhook author (flag recWebhook: ID, name, avatar), in that order
// after the attachments; version 5 the interaction an application's answer
// answers (flag recInteraction: the application ID, then the metadata, see
// appendInteraction) after the webhook author.
// Older records, which cannot carry the newer flags, still decode. Records
// are always written at the current version.
const recordVersion = 5

// Record flag bits.
const (
	recTTS = 1 << iota
	recMentionEveryone
	recEdited
	recReference
	recEmbeds
	recAttachments
	recComponents
	recWebhook
	recInteraction
	recKnownFlagsV1 = recTTS | recMentionEveryone | recEdited | recReference
	recKnownFlagsV2 = recKnownFlagsV1 | recEmbeds
	recKnownFlagsV3 = recKnownFlagsV2 | recAttachments
	recKnownFlagsV4 = recKnownFlagsV3 | recComponents | recWebhook
	recKnownFlags   = recKnownFlagsV4 | recInteraction
)

// Embed presence bits: which optional parts of an embed follow its four
// strings.
const (
	embTimestamp = 1 << iota
	embColor
	embFooter
	embImage
	embThumbnail
	embAuthor
	embKnown = embTimestamp | embColor | embFooter | embImage | embThumbnail | embAuthor
)

// Embed timestamps are stored as Unix seconds and nanoseconds, limited to
// years 0000-9999 (what RFC 3339 can write), so that a corrupt record
// cannot produce a time that does not survive a round trip.
var (
	minEmbedTime = time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	maxEmbedTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
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
	if len(m.Embeds) > 0 {
		bits |= recEmbeds
	}
	if len(m.Attachments) > 0 {
		bits |= recAttachments
	}
	if len(m.Components) > 0 {
		bits |= recComponents
	}
	if m.WebhookID != 0 {
		bits |= recWebhook
	}
	if m.Interaction != nil {
		bits |= recInteraction
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
	if len(m.Embeds) > 0 {
		b = binary.AppendUvarint(b, uint64(len(m.Embeds)))
		for i := range m.Embeds {
			b = appendEmbed(b, &m.Embeds[i])
		}
	}
	if len(m.Attachments) > 0 {
		b = binary.AppendUvarint(b, uint64(len(m.Attachments)))
		for _, a := range m.Attachments {
			b = binary.AppendUvarint(b, uint64(a.ID))
			b = appendString(b, a.Filename)
			b = appendString(b, a.Description)
			b = appendString(b, a.ContentType)
			b = binary.AppendUvarint(b, uint64(a.Size))
			b = binary.AppendUvarint(b, uint64(a.Width))
			b = binary.AppendUvarint(b, uint64(a.Height))
			b = binary.AppendUvarint(b, uint64(a.Flags))
		}
	}
	if len(m.Components) > 0 {
		b = binary.AppendUvarint(b, uint64(len(m.Components)))
		b = append(b, m.Components...)
	}
	if m.WebhookID != 0 {
		b = binary.AppendUvarint(b, uint64(m.WebhookID))
		b = appendString(b, m.WebhookName)
		b = appendString(b, m.WebhookAvatar)
	}
	if m.Interaction != nil {
		b = binary.AppendUvarint(b, uint64(m.ApplicationID))
		b = appendInteraction(b, m.Interaction, true)
	}
	return b
}

// appendInteraction appends interaction metadata: its IDs, type and
// command type, name, then (when nested is allowed) a byte saying whether
// the triggering interaction's metadata follows, itself without one.
func appendInteraction(b []byte, meta *chat.InteractionMeta, nested bool) []byte {
	for _, id := range []chat.ID{meta.ID, meta.UserID, meta.GuildOwner, meta.UserOwner, meta.OriginalResponseID,
		meta.InteractedMessageID, meta.TargetUserID, meta.TargetMessageID} {
		b = binary.AppendUvarint(b, uint64(id))
	}
	b = binary.AppendVarint(b, int64(meta.Type))
	b = binary.AppendVarint(b, int64(meta.CommandType))
	b = appendString(b, meta.Name)
	if !nested {
		return b
	}
	if meta.Triggering == nil {
		return append(b, 0)
	}
	return appendInteraction(append(b, 1), meta.Triggering, false)
}

// appendEmbed appends one embed: presence bits, title, type, description
// and url, then the optional parts the bits announce, then the fields.
func appendEmbed(b []byte, e *chat.Embed) []byte {
	var bits uint64
	if e.Timestamp != nil {
		bits |= embTimestamp
	}
	if e.Color != nil {
		bits |= embColor
	}
	if e.Footer != nil {
		bits |= embFooter
	}
	if e.Image != nil {
		bits |= embImage
	}
	if e.Thumbnail != nil {
		bits |= embThumbnail
	}
	if e.Author != nil {
		bits |= embAuthor
	}
	b = binary.AppendUvarint(b, bits)
	b = appendString(b, e.Title)
	b = appendString(b, e.Type)
	b = appendString(b, e.Description)
	b = appendString(b, e.URL)
	if t := e.Timestamp; t != nil {
		b = binary.AppendVarint(b, t.Unix())
		b = binary.AppendUvarint(b, uint64(t.Nanosecond()))
	}
	if e.Color != nil {
		b = binary.AppendVarint(b, int64(*e.Color))
	}
	if f := e.Footer; f != nil {
		b = appendString(b, f.Text)
		b = appendString(b, f.IconURL)
	}
	if e.Image != nil {
		b = appendString(b, e.Image.URL)
	}
	if e.Thumbnail != nil {
		b = appendString(b, e.Thumbnail.URL)
	}
	if a := e.Author; a != nil {
		b = appendString(b, a.Name)
		b = appendString(b, a.URL)
		b = appendString(b, a.IconURL)
	}
	b = binary.AppendUvarint(b, uint64(len(e.Fields)))
	for _, f := range e.Fields {
		b = appendString(b, f.Name)
		b = appendString(b, f.Value)
		var inline byte
		if f.Inline {
			inline = 1
		}
		b = append(b, inline)
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
	known := uint64(recKnownFlags)
	switch v := d.byte(); v {
	case recordVersion:
	case 4:
		known = recKnownFlagsV4
	case 3:
		known = recKnownFlagsV3
	case 2:
		known = recKnownFlagsV2
	case 1:
		known = recKnownFlagsV1
	default:
		return fmt.Errorf("%w: version %d", errRecord, v)
	}
	bits := d.uvarint()
	if bits&^known != 0 {
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
	m.Embeds = nil
	if bits&recEmbeds != 0 {
		m.Embeds = d.embeds()
	}
	m.Attachments = nil
	if bits&recAttachments != 0 {
		m.Attachments = d.attachments()
	}
	m.Components = nil
	if bits&recComponents != 0 {
		if c := d.string(); c != "" {
			m.Components = []byte(c)
		} else {
			d.err = true // written only when non-empty
		}
	}
	m.WebhookID, m.WebhookName, m.WebhookAvatar = 0, "", ""
	if bits&recWebhook != 0 {
		m.WebhookID = chat.ID(d.uvarint())
		m.WebhookName = d.string()
		m.WebhookAvatar = d.string()
	}
	m.ApplicationID, m.Interaction = 0, nil
	if bits&recInteraction != 0 {
		m.ApplicationID = chat.ID(d.uvarint())
		m.Interaction = d.interaction(true)
	}
	if d.err {
		return fmt.Errorf("%w: truncated or overlong field", errRecord)
	}
	if len(d.b) != 0 {
		return fmt.Errorf("%w: %d trailing bytes", errRecord, len(d.b))
	}
	return nil
}

// interaction reads what appendInteraction wrote.
func (d *decoder) interaction(nested bool) *chat.InteractionMeta {
	meta := &chat.InteractionMeta{}
	for _, id := range []*chat.ID{&meta.ID, &meta.UserID, &meta.GuildOwner, &meta.UserOwner, &meta.OriginalResponseID,
		&meta.InteractedMessageID, &meta.TargetUserID, &meta.TargetMessageID} {
		*id = chat.ID(d.uvarint())
	}
	meta.Type = d.int()
	meta.CommandType = d.int()
	meta.Name = d.string()
	if !nested {
		return meta
	}
	switch d.byte() {
	case 0:
	case 1:
		meta.Triggering = d.interaction(false)
	default:
		d.err, d.b = true, nil
	}
	return meta
}

// attachments reads a non-empty list of attachments.
func (d *decoder) attachments() []chat.Attachment {
	n := d.uvarint()
	// An attachment takes at least 8 bytes: the bound keeps a corrupt
	// count from allocating without limit.
	if n == 0 || n > uint64(len(d.b)/8) {
		d.err, d.b = true, nil
		return nil
	}
	out := make([]chat.Attachment, n)
	for i := range out {
		a := &out[i]
		a.ID = chat.ID(d.uvarint())
		a.Filename = d.string()
		a.Description = d.string()
		a.ContentType = d.string()
		a.Size = int64(d.uvarint() & (1<<63 - 1))
		a.Width = int(d.uvarint() & (1<<31 - 1))
		a.Height = int(d.uvarint() & (1<<31 - 1))
		a.Flags = int(d.uvarint() & (1<<31 - 1))
	}
	return out
}

// embeds reads a non-empty list of embeds.
func (d *decoder) embeds() []chat.Embed {
	n := d.uvarint()
	// An embed takes at least 6 bytes (bits, four empty strings, no
	// fields): the bound keeps a corrupt count from allocating without
	// limit. An empty list is written as no list at all.
	if n == 0 || n > uint64(len(d.b)/6) {
		d.err, d.b = true, nil
		return nil
	}
	out := make([]chat.Embed, n)
	for i := range out {
		d.embed(&out[i])
	}
	return out
}

func (d *decoder) embed(e *chat.Embed) {
	bits := d.uvarint()
	if bits&^embKnown != 0 {
		d.err, d.b = true, nil
		return
	}
	e.Title = d.string()
	e.Type = d.string()
	e.Description = d.string()
	e.URL = d.string()
	if bits&embTimestamp != 0 {
		sec, nsec := d.varint(), d.uvarint()
		if sec < minEmbedTime || sec > maxEmbedTime || nsec >= 1e9 {
			d.err, d.b = true, nil
			return
		}
		t := time.Unix(sec, int64(nsec)).UTC()
		e.Timestamp = &t
	}
	if bits&embColor != 0 {
		c := d.int()
		e.Color = &c
	}
	if bits&embFooter != 0 {
		e.Footer = &chat.EmbedFooter{Text: d.string(), IconURL: d.string()}
	}
	if bits&embImage != 0 {
		e.Image = &chat.EmbedMedia{URL: d.string()}
	}
	if bits&embThumbnail != 0 {
		e.Thumbnail = &chat.EmbedMedia{URL: d.string()}
	}
	if bits&embAuthor != 0 {
		e.Author = &chat.EmbedAuthor{Name: d.string(), URL: d.string(), IconURL: d.string()}
	}
	n := d.uvarint()
	if n == 0 {
		return
	}
	// A field takes at least 3 bytes (two empty strings and its flag).
	if n > uint64(len(d.b)/3) {
		d.err, d.b = true, nil
		return
	}
	e.Fields = make([]chat.EmbedField, n)
	for i := range e.Fields {
		f := &e.Fields[i]
		f.Name = d.string()
		f.Value = d.string()
		switch d.byte() {
		case 0:
		case 1:
			f.Inline = true
		default:
			d.err, d.b = true, nil
			return
		}
	}
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
