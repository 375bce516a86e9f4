package cql

import (
	"context"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

// readStateTables hold users' read states: one partition per user,
// clustered by channel, so READY reads them with one query.
var readStateTables = []string{
	`CREATE TABLE IF NOT EXISTS read_states_by_user (
		user_id bigint, channel_id bigint, last_message_id bigint, mention_count int,
		last_pin_timestamp timestamp, version bigint,
		PRIMARY KEY (user_id, channel_id))`,
}

// PutReadState upserts a read state. A missing last pin is left out of
// the statement rather than written as null, which would leave a
// tombstone behind on every acknowledgement.
func (s *Store) PutReadState(ctx context.Context, rs chat.ReadState) error {
	if rs.LastPinTimestamp == nil {
		return s.exec(ctx, "put read state", `INSERT INTO read_states_by_user
			(user_id, channel_id, last_message_id, mention_count, version) VALUES (?, ?, ?, ?, ?)`,
			i64(rs.UserID), i64(rs.ChannelID), i64(rs.LastMessageID), rs.MentionCount, rs.Version)
	}
	return s.exec(ctx, "put read state", `INSERT INTO read_states_by_user
		(user_id, channel_id, last_message_id, mention_count, last_pin_timestamp, version) VALUES (?, ?, ?, ?, ?, ?)`,
		i64(rs.UserID), i64(rs.ChannelID), i64(rs.LastMessageID), rs.MentionCount, rs.LastPinTimestamp.UTC(), rs.Version)
}

// ReadStates reads a user's read states in channel-ID order.
func (s *Store) ReadStates(ctx context.Context, userID chat.ID) ([]chat.ReadState, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	iter := s.query(`SELECT channel_id, last_message_id, mention_count, last_pin_timestamp, version
		FROM read_states_by_user WHERE user_id = ?`, i64(userID)).IterContext(ctx)
	var out []chat.ReadState
	var channel, last, version int64
	var mentions int
	var pin time.Time
	for iter.Scan(&channel, &last, &mentions, &pin, &version) {
		rs := chat.ReadState{UserID: userID, ChannelID: chat.ID(channel), LastMessageID: chat.ID(last),
			MentionCount: mentions, Version: version}
		if !pin.IsZero() {
			p := pin.UTC()
			rs.LastPinTimestamp = &p
		}
		out = append(out, rs)
	}
	return out, wrap("read states", iter.Close())
}

// DeleteReadState removes one read state.
func (s *Store) DeleteReadState(ctx context.Context, userID, channelID chat.ID) error {
	return s.exec(ctx, "delete read state", `DELETE FROM read_states_by_user WHERE user_id = ? AND channel_id = ?`,
		i64(userID), i64(channelID))
}
