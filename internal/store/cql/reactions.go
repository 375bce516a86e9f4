package cql

import (
	"cmp"
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// Reactions live in the message's (channel, bucket) partition, clustered
// by (message, emoji key, user): a page of history reads its reactions
// with one range query per bucket, one emoji's users page by user ID, and
// removing one emoji or all of a message's is one range delete. Pins are
// one partition per channel, clustered by message, so unpinning needs no
// read; the few rows are sorted by pin time on read.
var reactionTables = []string{
	`CREATE TABLE IF NOT EXISTS reactions (
		channel_id bigint, bucket int, message_id bigint, emoji text, user_id bigint,
		emoji_id bigint, emoji_name text, animated boolean, burst boolean, created_at timestamp,
		PRIMARY KEY ((channel_id, bucket), message_id, emoji, user_id)
	)`,
	`CREATE TABLE IF NOT EXISTS pins (
		channel_id bigint, message_id bigint, pinned_at timestamp,
		PRIMARY KEY (channel_id, message_id)
	)`,
}

const reactionCols = `message_id, emoji_id, emoji_name, animated, user_id, burst, created_at`

// PutReaction stores r.
func (s *Store) PutReaction(ctx context.Context, r chat.Reaction) error {
	return s.exec(ctx, "put reaction", `INSERT INTO reactions (channel_id, bucket, emoji, `+reactionCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		i64(r.ChannelID), bucketOf(r.MessageID), r.Emoji.Key(), i64(r.MessageID), i64(r.Emoji.ID), r.Emoji.Name,
		r.Emoji.Animated, i64(r.UserID), r.Burst, r.At.UTC())
}

// DeleteReaction removes one user's reaction.
func (s *Store) DeleteReaction(ctx context.Context, channelID, messageID chat.ID, emoji string, userID chat.ID) error {
	return s.exec(ctx, "delete reaction", `DELETE FROM reactions
		WHERE channel_id = ? AND bucket = ? AND message_id = ? AND emoji = ? AND user_id = ?`,
		i64(channelID), bucketOf(messageID), i64(messageID), emoji, i64(userID))
}

// DeleteReactions removes one emoji's reactions, or all of the message's,
// with one range tombstone.
func (s *Store) DeleteReactions(ctx context.Context, channelID, messageID chat.ID, emoji string) error {
	if emoji == "" {
		return s.exec(ctx, "delete reactions", `DELETE FROM reactions WHERE channel_id = ? AND bucket = ? AND message_id = ?`,
			i64(channelID), bucketOf(messageID), i64(messageID))
	}
	return s.exec(ctx, "delete reactions", `DELETE FROM reactions
		WHERE channel_id = ? AND bucket = ? AND message_id = ? AND emoji = ?`,
		i64(channelID), bucketOf(messageID), i64(messageID), emoji)
}

// Reactions reads the reactions on messageIDs: per bucket, one range over
// the IDs of that bucket, keeping only the rows of the asked messages.
func (s *Store) Reactions(ctx context.Context, channelID chat.ID, messageIDs []chat.ID) ([]chat.Reaction, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	want := make(map[int64]bool, len(messageIDs))
	spans := map[int32][2]int64{}
	for _, id := range messageIDs {
		if id > math.MaxInt64 {
			continue // no stored message has it
		}
		want[i64(id)] = true
		b := bucketOf(id)
		sp, ok := spans[b]
		if !ok {
			sp = [2]int64{i64(id), i64(id)}
		}
		sp[0], sp[1] = min(sp[0], i64(id)), max(sp[1], i64(id))
		spans[b] = sp
	}
	var out []chat.Reaction
	for b, sp := range spans {
		iter := s.query(`SELECT emoji, `+reactionCols+` FROM reactions
			WHERE channel_id = ? AND bucket = ? AND message_id >= ? AND message_id <= ?`,
			i64(channelID), b, sp[0], sp[1]).IterContext(ctx)
		var (
			key, name          string
			msg, emojiID, user int64
			animated, burst    bool
			at                 time.Time
		)
		for iter.Scan(&key, &msg, &emojiID, &name, &animated, &user, &burst, &at) {
			if !want[msg] {
				continue
			}
			out = append(out, chat.Reaction{ChannelID: channelID, MessageID: chat.ID(msg),
				Emoji:  chat.Emoji{ID: chat.ID(emojiID), Name: name, Animated: animated},
				UserID: chat.ID(user), Burst: burst, At: utc(at)})
		}
		if err := iter.Close(); err != nil {
			return nil, wrap("reactions", err)
		}
	}
	slices.SortFunc(out, func(a, b chat.Reaction) int {
		if a.MessageID != b.MessageID {
			return cmp.Compare(a.MessageID, b.MessageID)
		}
		if c := strings.Compare(a.Emoji.Key(), b.Emoji.Key()); c != 0 {
			return c
		}
		return cmp.Compare(a.UserID, b.UserID)
	})
	return out, nil
}

// ReactionUsers pages one emoji's users by ID.
func (s *Store) ReactionUsers(ctx context.Context, channelID, messageID chat.ID, emoji string, after chat.ID, limit int) ([]chat.ID, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if after > math.MaxInt64 {
		return nil, nil
	}
	if limit <= 0 {
		limit = store.MaxPage
	}
	iter := s.query(`SELECT user_id FROM reactions
		WHERE channel_id = ? AND bucket = ? AND message_id = ? AND emoji = ? AND user_id > ? LIMIT ?`,
		i64(channelID), bucketOf(messageID), i64(messageID), emoji, i64(after), limit).IterContext(ctx)
	var out []chat.ID
	var id int64
	for iter.Scan(&id) {
		out = append(out, chat.ID(id))
	}
	return out, wrap("reaction users", iter.Close())
}

// PutPin stores p.
func (s *Store) PutPin(ctx context.Context, p chat.Pin) error {
	return s.exec(ctx, "put pin", `INSERT INTO pins (channel_id, message_id, pinned_at) VALUES (?, ?, ?)`,
		i64(p.ChannelID), i64(p.MessageID), p.PinnedAt.UTC())
}

// DeletePin removes a pin.
func (s *Store) DeletePin(ctx context.Context, channelID, messageID chat.ID) error {
	return s.exec(ctx, "delete pin", `DELETE FROM pins WHERE channel_id = ? AND message_id = ?`,
		i64(channelID), i64(messageID))
}

// Pins reads a channel's pins, newest pin first.
func (s *Store) Pins(ctx context.Context, channelID chat.ID) ([]chat.Pin, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	iter := s.query(`SELECT message_id, pinned_at FROM pins WHERE channel_id = ?`, i64(channelID)).IterContext(ctx)
	var out []chat.Pin
	var id int64
	var at time.Time
	for iter.Scan(&id, &at) {
		out = append(out, chat.Pin{ChannelID: channelID, MessageID: chat.ID(id), PinnedAt: utc(at)})
	}
	if err := iter.Close(); err != nil {
		return nil, wrap("pins", err)
	}
	store.SortPins(out)
	return out, nil
}
