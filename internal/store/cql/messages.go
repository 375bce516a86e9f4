package cql

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

const messageCols = `channel_id, message_id, author_id, guild_id, content, edited_at, tts, mention_everyone,
	mentions, mention_roles, nonce, type, flags, ref_message_id, ref_channel_id, ref_guild_id, embeds, attachments,
	components, webhook_id, webhook_name, webhook_avatar, interaction`

// One prepared insert serves every message: columns a message leaves empty
// are bound as gocql.UnsetValue, which writes nothing (no null, so no
// tombstone), rather than each shape of message needing its own statement.
const insertMessage = `INSERT INTO messages (bucket, ` + messageCols + `)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// opt returns v, or UnsetValue when v is empty and unset is allowed.
func opt[T comparable](v T, unset bool) any {
	var zero T
	if unset && v == zero {
		return gocql.UnsetValue
	}
	return v
}

func optList(v []chat.ID, unset bool) any {
	if unset && len(v) == 0 {
		return gocql.UnsetValue
	}
	return ids64(v)
}

func bucketOf(id chat.ID) int32 { return int32(snowflake.Bucket(id)) }

// messageArgs binds m for insertMessage. A new message (EditedAt nil) leaves
// its empty optional columns unset. An edit may empty a column the stored
// row has set (mentions removed, say), so an edit writes every column,
// empty ones as empty values, which overwrite without tombstones.
// Replacing a message without marking it edited changes only what it sets:
// Accord does that only to change flags, which are always written.
//
// Embeds are stored as their JSON in one text column: they are read and
// written whole, only ever with their message, and their shape may grow
// (Discord adds parts) without a schema change. No embeds is "".
// Attachments are stored the same way, for the same reasons, and
// components are the validated JSON the message came with. An
// application's answer keeps the interaction it answers as the JSON of
// interactionColumn, for the same reasons.
func messageArgs(m chat.Message) ([]any, error) {
	unset := m.EditedAt == nil
	embeds, err := jsonColumn(m.Embeds, len(m.Embeds))
	if err != nil {
		return nil, fmt.Errorf("cql: message %d: encode embeds: %w", m.ID, err)
	}
	attachments, err := jsonColumn(m.Attachments, len(m.Attachments))
	if err != nil {
		return nil, fmt.Errorf("cql: message %d: encode attachments: %w", m.ID, err)
	}
	inter, err := interactionJSON(m)
	if err != nil {
		return nil, fmt.Errorf("cql: message %d: encode interaction: %w", m.ID, err)
	}
	var edited any = gocql.UnsetValue
	if m.EditedAt != nil {
		edited = m.EditedAt.UTC()
	}
	var ref chat.MessageReference
	if m.Reference != nil {
		ref = *m.Reference
	}
	return []any{
		bucketOf(m.ID), i64(m.ChannelID), i64(m.ID), i64(m.AuthorID),
		opt(i64(m.GuildID), unset), m.Content, edited,
		opt(m.TTS, unset), opt(m.MentionEveryone, unset),
		optList(m.Mentions, unset), optList(m.MentionRoles, unset),
		opt(m.Nonce, unset), m.Type, m.Flags,
		opt(i64(ref.MessageID), unset), opt(i64(ref.ChannelID), unset), opt(i64(ref.GuildID), unset),
		opt(embeds, unset), opt(attachments, unset),
		opt(string(m.Components), unset), opt(i64(m.WebhookID), unset),
		opt(m.WebhookName, unset), opt(m.WebhookAvatar, unset), opt(inter, unset),
	}, nil
}

// interactionColumn is what the interaction column holds: the answering
// application and the interaction's metadata.
type interactionColumn struct {
	ApplicationID chat.ID               `json:"application_id"`
	Meta          *chat.InteractionMeta `json:"meta"`
}

// interactionJSON is m's interaction column, "" for a message that
// answers no interaction.
func interactionJSON(m chat.Message) (string, error) {
	if m.Interaction == nil {
		return "", nil
	}
	b, err := json.Marshal(interactionColumn{m.ApplicationID, m.Interaction})
	return string(b), err
}

// jsonColumn is v's JSON, or "" when it holds n == 0 elements.
func jsonColumn(v any, n int) (string, error) {
	if n == 0 {
		return "", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// messageRow scans messageCols; unset columns read as zero values.
type messageRow struct {
	channel, id, author, guild       int64
	content, nonce, embeds           string
	attachments, components          string
	webhookName, webhookAvatar       string
	interaction                      string
	webhook                          int64
	edited                           time.Time
	tts, everyone                    bool
	mentions, roles                  []int64
	typ, flags                       int
	refMessage, refChannel, refGuild int64
}

func (r *messageRow) dest() []any {
	return []any{&r.channel, &r.id, &r.author, &r.guild, &r.content, &r.edited, &r.tts, &r.everyone,
		&r.mentions, &r.roles, &r.nonce, &r.typ, &r.flags, &r.refMessage, &r.refChannel, &r.refGuild, &r.embeds, &r.attachments,
		&r.components, &r.webhook, &r.webhookName, &r.webhookAvatar, &r.interaction}
}

func (r *messageRow) message() (chat.Message, error) {
	m := chat.Message{ID: chat.ID(r.id), ChannelID: chat.ID(r.channel), GuildID: chat.ID(r.guild),
		AuthorID: chat.ID(r.author), Content: r.content, TTS: r.tts, MentionEveryone: r.everyone,
		Mentions: chatIDs(r.mentions), MentionRoles: chatIDs(r.roles), Nonce: r.nonce, Type: r.typ, Flags: r.flags,
		WebhookID: chat.ID(r.webhook), WebhookName: r.webhookName, WebhookAvatar: r.webhookAvatar}
	if r.components != "" {
		m.Components = []byte(r.components)
	}
	if !r.edited.IsZero() {
		t := r.edited.UTC()
		m.EditedAt = &t
	}
	if r.refMessage != 0 || r.refChannel != 0 || r.refGuild != 0 {
		m.Reference = &chat.MessageReference{MessageID: chat.ID(r.refMessage), ChannelID: chat.ID(r.refChannel),
			GuildID: chat.ID(r.refGuild)}
	}
	if r.embeds != "" {
		if err := json.Unmarshal([]byte(r.embeds), &m.Embeds); err != nil {
			return chat.Message{}, fmt.Errorf("cql: message %d: decode embeds: %w", r.id, err)
		}
	}
	if r.attachments != "" {
		if err := json.Unmarshal([]byte(r.attachments), &m.Attachments); err != nil {
			return chat.Message{}, fmt.Errorf("cql: message %d: decode attachments: %w", r.id, err)
		}
	}
	if r.interaction != "" {
		var c interactionColumn
		if err := json.Unmarshal([]byte(r.interaction), &c); err != nil {
			return chat.Message{}, fmt.Errorf("cql: message %d: decode interaction: %w", r.id, err)
		}
		if c.Meta == nil {
			return chat.Message{}, fmt.Errorf("cql: message %d: interaction without metadata", r.id)
		}
		m.ApplicationID, m.Interaction = c.ApplicationID, c.Meta
	}
	return m, nil
}

// PutMessage records the message's bucket as non-empty (once per bucket
// per process), then writes the message. The bucket goes first: a bucket
// row without its message costs a read one empty probe, while a message
// without its bucket row would be invisible to page reads.
func (s *Store) PutMessage(ctx context.Context, m chat.Message) error {
	args, err := messageArgs(m)
	if err != nil {
		return err
	}
	key := bucketKey{channel: i64(m.ChannelID), bucket: bucketOf(m.ID)}
	s.mu.Lock()
	_, known := s.buckets[key]
	s.mu.Unlock()
	if !known {
		err := s.exec(ctx, "put message bucket", `INSERT INTO channel_buckets (channel_id, bucket) VALUES (?, ?)`,
			key.channel, key.bucket)
		if err != nil {
			return err
		}
		s.mu.Lock()
		if len(s.buckets) >= maxKnownBuckets {
			clear(s.buckets)
		}
		s.buckets[key] = struct{}{}
		s.mu.Unlock()
	}
	return s.exec(ctx, "put message", insertMessage, args...)
}

// Message reads one message.
func (s *Store) Message(ctx context.Context, channelID, messageID chat.ID) (chat.Message, error) {
	var r messageRow
	err := s.scan(ctx, "message", `SELECT `+messageCols+` FROM messages WHERE channel_id = ? AND bucket = ? AND message_id = ?`,
		[]any{i64(channelID), bucketOf(messageID), i64(messageID)}, r.dest()...)
	if err != nil {
		return chat.Message{}, err
	}
	return r.message()
}

// DeleteMessage deletes one message. Its bucket stays listed even if it is
// now empty: reads then probe it once, which is cheaper than checking for
// emptiness on every delete.
func (s *Store) DeleteMessage(ctx context.Context, channelID, messageID chat.ID) error {
	return s.exec(ctx, "delete message", `DELETE FROM messages WHERE channel_id = ? AND bucket = ? AND message_id = ?`,
		i64(channelID), bucketOf(messageID), i64(messageID))
}

// Messages reads a page, walking the channel's non-empty buckets from the
// anchor outwards and stopping as soon as the page is full.
func (s *Store) Messages(ctx context.Context, channelID chat.ID, p store.Page) ([]chat.Message, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	limit := p.Limit
	if limit < 1 {
		limit = 50
	}
	limit = min(limit, store.MaxPage)
	ch := i64(channelID)
	switch {
	case p.Before != 0:
		if p.Before > math.MaxInt64 { // every stored ID is below it
			return s.older(ctx, ch, math.MaxInt64, true, limit)
		}
		return s.older(ctx, ch, int64(p.Before), false, limit)
	case p.After != 0:
		if p.After >= math.MaxInt64 {
			return nil, nil
		}
		return s.newer(ctx, ch, int64(p.After)+1, limit)
	case p.Around != 0:
		var newer []chat.Message
		if p.Around <= math.MaxInt64 {
			var err error
			if newer, err = s.newer(ctx, ch, int64(p.Around), limit-limit/2); err != nil {
				return nil, err
			}
		}
		var older []chat.Message
		if limit/2 > 0 {
			var err error
			if p.Around > math.MaxInt64 {
				older, err = s.older(ctx, ch, math.MaxInt64, true, limit/2)
			} else {
				older, err = s.older(ctx, ch, int64(p.Around), false, limit/2)
			}
			if err != nil {
				return nil, err
			}
		}
		return append(newer, older...), nil
	default:
		return s.older(ctx, ch, math.MaxInt64, true, limit)
	}
}

// older returns up to n messages with ID < bound (<= bound if inclusive),
// newest first.
func (s *Store) older(ctx context.Context, ch, bound int64, inclusive bool, n int) ([]chat.Message, error) {
	stmt := `SELECT ` + messageCols + ` FROM messages WHERE channel_id = ? AND bucket = ? AND message_id < ? LIMIT ?`
	if inclusive {
		stmt = `SELECT ` + messageCols + ` FROM messages WHERE channel_id = ? AND bucket = ? AND message_id <= ? LIMIT ?`
	}
	buckets := s.query(`SELECT bucket FROM channel_buckets WHERE channel_id = ? AND bucket <= ?`,
		ch, bucketOf(chat.ID(bound))).PageSize(32).IterContext(ctx)
	return s.walk(ctx, buckets, stmt, ch, bound, n)
}

// newer returns up to n messages with ID >= bound, newest first.
func (s *Store) newer(ctx context.Context, ch, bound int64, n int) ([]chat.Message, error) {
	stmt := `SELECT ` + messageCols + ` FROM messages WHERE channel_id = ? AND bucket = ? AND message_id >= ?
		ORDER BY message_id ASC LIMIT ?`
	buckets := s.query(`SELECT bucket FROM channel_buckets WHERE channel_id = ? AND bucket >= ? ORDER BY bucket ASC`,
		ch, bucketOf(chat.ID(bound))).PageSize(32).IterContext(ctx)
	out, err := s.walk(ctx, buckets, stmt, ch, bound, n)
	slices.Reverse(out) // read oldest first to find the closest; return newest first
	return out, err
}

// walk reads buckets in the iterator's order, querying each with stmt until
// n messages are found.
func (s *Store) walk(ctx context.Context, buckets *gocql.Iter, stmt string, ch, bound int64, n int) ([]chat.Message, error) {
	var out []chat.Message
	var b int32
	for len(out) < n && buckets.Scan(&b) {
		iter := s.query(stmt, ch, b, bound, n-len(out)).IterContext(ctx)
		var r messageRow
		for iter.Scan(r.dest()...) {
			m, err := r.message()
			if err != nil {
				iter.Close()
				buckets.Close()
				return nil, err
			}
			out = append(out, m)
			r = messageRow{}
		}
		if err := iter.Close(); err != nil {
			buckets.Close()
			return nil, wrap("read messages", err)
		}
	}
	if err := buckets.Close(); err != nil {
		return nil, wrap("read channel buckets", err)
	}
	return out, nil
}
