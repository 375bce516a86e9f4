package protocol

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/chat"
)

// appendMessage appends m as encoding/json (without HTML escaping) would
// encode it, byte for byte. Every posted message is encoded once for its
// REST answer and MESSAGE_CREATE; encoding/json's reflection, with a
// MarshalJSON call and a validating copy per snowflake, cost ~4.4 µs of
// it, this ~0.6 µs. The fields an ordinary message has are written here;
// the rarer objects (attachments, embeds, reactions, threads,
// interactions) go through encoding/json as before. TestAppendMessage
// checks the bytes against encoding/json over random messages.
func appendMessage(b []byte, m *Message) ([]byte, error) {
	var err error
	b = append(b, `{"id":`...)
	b = appendID(b, m.ID)
	b = append(b, `,"type":`...)
	b = strconv.AppendInt(b, int64(m.Type), 10)
	b = append(b, `,"content":`...)
	b = appendString(b, m.Content)
	b = append(b, `,"channel_id":`...)
	b = appendID(b, m.ChannelID)
	b = append(b, `,"author":`...)
	b = appendUser(b, &m.Author)
	b = append(b, `,"attachments":`...)
	if len(m.Attachments) == 0 {
		b = appendEmptyList(b, m.Attachments == nil)
	} else if b, err = appendJSON(b, m.Attachments); err != nil {
		return nil, err
	}
	b = append(b, `,"embeds":`...)
	if e, ok := m.Embeds.([]Embed); ok && len(e) == 0 {
		b = appendEmptyList(b, e == nil)
	} else if b, err = appendJSON(b, m.Embeds); err != nil {
		return nil, err
	}
	b = append(b, `,"mentions":`...)
	if m.Mentions == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range m.Mentions {
			if i > 0 {
				b = append(b, ',')
			}
			u := &m.Mentions[i]
			b = appendUserFields(append(b, '{'), &u.User)
			if u.Member != nil {
				b = appendMember(append(b, `,"member":`...), u.Member)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"mention_roles":`...)
	b = appendIDs(b, m.MentionRoles)
	b = append(b, `,"pinned":`...)
	b = strconv.AppendBool(b, m.Pinned)
	b = append(b, `,"mention_everyone":`...)
	b = strconv.AppendBool(b, m.MentionEveryone)
	b = append(b, `,"tts":`...)
	b = strconv.AppendBool(b, m.TTS)
	b = append(b, `,"timestamp":`...)
	b = appendString(b, m.Timestamp)
	b = append(b, `,"edited_timestamp":`...)
	b = appendOptString(b, m.EditedTimestamp)
	b = append(b, `,"flags":`...)
	b = strconv.AppendInt(b, int64(m.Flags), 10)
	b = append(b, `,"components":`...)
	if b, err = appendRaw(b, m.Components); err != nil {
		return nil, err
	}
	if m.WebhookID != 0 {
		b = appendID(append(b, `,"webhook_id":`...), m.WebhookID)
	}
	if len(m.Reactions) > 0 {
		if b, err = appendJSON(append(b, `,"reactions":`...), m.Reactions); err != nil {
			return nil, err
		}
	}
	if m.Nonce != "" {
		b = appendString(append(b, `,"nonce":`...), m.Nonce)
	}
	if r := m.MessageReference; r != nil {
		b = append(b, `,"message_reference":{"type":`...)
		b = strconv.AppendInt(b, int64(r.Type), 10)
		if r.MessageID != 0 {
			b = appendID(append(b, `,"message_id":`...), r.MessageID)
		}
		if r.ChannelID != 0 {
			b = appendID(append(b, `,"channel_id":`...), r.ChannelID)
		}
		if r.GuildID != 0 {
			b = appendID(append(b, `,"guild_id":`...), r.GuildID)
		}
		b = append(b, '}')
	}
	if m.ReferencedMessage != nil {
		if b, err = appendMessage(append(b, `,"referenced_message":`...), m.ReferencedMessage); err != nil {
			return nil, err
		}
	}
	if m.GuildID != 0 {
		b = appendID(append(b, `,"guild_id":`...), m.GuildID)
	}
	if m.Member != nil {
		b = appendMember(append(b, `,"member":`...), m.Member)
	}
	if m.Thread != nil {
		if b, err = appendJSON(append(b, `,"thread":`...), m.Thread); err != nil {
			return nil, err
		}
	}
	if m.ApplicationID != 0 {
		b = appendID(append(b, `,"application_id":`...), m.ApplicationID)
	}
	if m.InteractionMetadata != nil {
		if b, err = appendJSON(append(b, `,"interaction_metadata":`...), m.InteractionMetadata); err != nil {
			return nil, err
		}
	}
	if m.Interaction != nil {
		if b, err = appendJSON(append(b, `,"interaction":`...), m.Interaction); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

func appendUser(b []byte, u *User) []byte {
	return append(appendUserFields(append(b, '{'), u), '}')
}

// appendUserFields writes u's fields without the braces (a mention adds
// its member after them).
func appendUserFields(b []byte, u *User) []byte {
	b = append(b, `"id":`...)
	b = appendID(b, u.ID)
	b = append(b, `,"username":`...)
	b = appendString(b, u.Username)
	b = append(b, `,"discriminator":`...)
	b = appendString(b, u.Discriminator)
	b = append(b, `,"global_name":`...)
	b = appendOptString(b, u.GlobalName)
	b = append(b, `,"avatar":`...)
	b = appendOptString(b, u.Avatar)
	if u.Bot {
		b = append(b, `,"bot":true`...)
	}
	b = append(b, `,"public_flags":`...)
	b = strconv.AppendUint(b, u.PublicFlags, 10)
	b = append(b, `,"flags":`...)
	b = strconv.AppendUint(b, u.Flags, 10)
	b = append(b, `,"banner":`...)
	b = appendOptString(b, u.Banner)
	b = append(b, `,"accent_color":`...)
	if u.AccentColor == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(*u.AccentColor), 10)
	}
	return b
}

func appendMember(b []byte, m *Member) []byte {
	b = append(b, '{')
	if m.User != nil {
		b = append(appendUser(append(b, `"user":`...), m.User), ',')
	}
	b = append(b, `"nick":`...)
	b = appendOptString(b, m.Nick)
	b = append(b, `,"avatar":`...)
	b = appendOptString(b, m.Avatar)
	b = append(b, `,"roles":`...)
	b = appendIDs(b, m.Roles)
	b = append(b, `,"joined_at":`...)
	b = appendString(b, m.JoinedAt)
	b = append(b, `,"premium_since":`...)
	b = appendOptString(b, m.PremiumSince)
	b = append(b, `,"deaf":`...)
	b = strconv.AppendBool(b, m.Deaf)
	b = append(b, `,"mute":`...)
	b = strconv.AppendBool(b, m.Mute)
	b = append(b, `,"flags":`...)
	b = strconv.AppendInt(b, int64(m.Flags), 10)
	b = append(b, `,"pending":`...)
	b = strconv.AppendBool(b, m.Pending)
	b = append(b, `,"communication_disabled_until":`...)
	b = appendOptString(b, m.CommunicationDisabledUntil)
	if m.GuildID != 0 {
		b = appendID(append(b, `,"guild_id":`...), m.GuildID)
	}
	return append(b, '}')
}

func appendID(b []byte, id chat.ID) []byte {
	b = append(b, '"')
	b = strconv.AppendUint(b, uint64(id), 10)
	return append(b, '"')
}

func appendIDs(b []byte, ids []chat.ID) []byte {
	if ids == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendID(b, id)
	}
	return append(b, ']')
}

func appendEmptyList(b []byte, isNil bool) []byte {
	if isNil {
		return append(b, "null"...)
	}
	return append(b, "[]"...)
}

func appendOptString(b []byte, s *string) []byte {
	if s == nil {
		return append(b, "null"...)
	}
	return appendString(b, *s)
}

// appendRaw writes stored JSON as encoding/json writes a RawMessage:
// compacted, null when absent.
func appendRaw(b []byte, raw json.RawMessage) ([]byte, error) {
	switch string(raw) {
	case "":
		return append(b, "null"...), nil
	case "[]":
		return append(b, "[]"...), nil
	}
	buf := bytes.NewBuffer(b)
	if err := json.Compact(buf, raw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// appendJSON writes v through encoding/json, without HTML escaping.
func appendJSON(b []byte, v any) ([]byte, error) {
	buf := bytes.NewBuffer(b)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}), nil
}

// appendString writes s as a JSON string exactly as encoding/json does
// without HTML escaping: \b \f \n \r \t and the other control bytes as
// \u00XX escaped, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= ' ' && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
