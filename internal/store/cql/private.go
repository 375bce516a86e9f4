package cql

import (
	"context"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

// privateTables hold private channels and relationships: a private
// channel is one row (recipients a list), each recipient's partition of
// private_channels_by_user lists their channels, and each user's
// relationships are one partition clustered by the other user.
var privateTables = []string{
	`CREATE TABLE IF NOT EXISTS private_channels (
		id bigint PRIMARY KEY, type int, name text, icon text, owner_id bigint,
		recipients frozen<list<bigint>>, last_message_id bigint, closed frozen<list<bigint>>)`,
	`CREATE TABLE IF NOT EXISTS private_channels_by_user (
		user_id bigint, channel_id bigint, PRIMARY KEY (user_id, channel_id))`,
	`CREATE TABLE IF NOT EXISTS relationships (
		user_id bigint, other_id bigint, type int, since timestamp,
		PRIMARY KEY (user_id, other_id))`,
}

// PutPrivateChannel inserts or replaces c's row.
func (s *Store) PutPrivateChannel(ctx context.Context, c chat.PrivateChannel) error {
	return s.exec(ctx, "put private channel", `INSERT INTO private_channels
		(id, type, name, icon, owner_id, recipients, last_message_id, closed) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		i64(c.ID), c.Type, c.Name, c.Icon, i64(c.OwnerID), ids64(c.Recipients), i64(c.LastMessageID), ids64(c.Closed))
}

// PrivateChannel reads one private channel.
func (s *Store) PrivateChannel(ctx context.Context, id chat.ID) (chat.PrivateChannel, error) {
	c := chat.PrivateChannel{ID: id}
	var owner, last int64
	var rs, closed []int64
	err := s.scan(ctx, "private channel", `SELECT type, name, icon, owner_id, recipients, last_message_id, closed
		FROM private_channels WHERE id = ?`, []any{i64(id)}, &c.Type, &c.Name, &c.Icon, &owner, &rs, &last, &closed)
	if err != nil {
		return chat.PrivateChannel{}, err
	}
	c.OwnerID, c.LastMessageID = chat.ID(owner), chat.ID(last)
	c.Recipients, c.Closed = ids(rs), ids(closed)
	if c.Recipients == nil {
		c.Recipients = []chat.ID{}
	}
	return c, nil
}

// ids converts a list column; an empty one is nil.
func ids(xs []int64) []chat.ID {
	if len(xs) == 0 {
		return nil
	}
	out := make([]chat.ID, len(xs))
	for i, x := range xs {
		out[i] = chat.ID(x)
	}
	return out
}

// AddUserPrivateChannel adds channelID to userID's private channels.
func (s *Store) AddUserPrivateChannel(ctx context.Context, userID, channelID chat.ID) error {
	return s.exec(ctx, "add user private channel", `INSERT INTO private_channels_by_user (user_id, channel_id) VALUES (?, ?)`,
		i64(userID), i64(channelID))
}

// RemoveUserPrivateChannel removes channelID from userID's private channels.
func (s *Store) RemoveUserPrivateChannel(ctx context.Context, userID, channelID chat.ID) error {
	return s.exec(ctx, "remove user private channel", `DELETE FROM private_channels_by_user WHERE user_id = ? AND channel_id = ?`,
		i64(userID), i64(channelID))
}

// UserPrivateChannels lists userID's private channels in ID order.
func (s *Store) UserPrivateChannels(ctx context.Context, userID chat.ID) ([]chat.ID, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	iter := s.query(`SELECT channel_id FROM private_channels_by_user WHERE user_id = ?`, i64(userID)).IterContext(ctx)
	var out []chat.ID
	var id int64
	for iter.Scan(&id) {
		out = append(out, chat.ID(id))
	}
	return out, wrap("user private channels", iter.Close())
}

// PutRelationship inserts or replaces r.UserID's side of a relationship.
func (s *Store) PutRelationship(ctx context.Context, r chat.Relationship) error {
	return s.exec(ctx, "put relationship", `INSERT INTO relationships (user_id, other_id, type, since) VALUES (?, ?, ?, ?)`,
		i64(r.UserID), i64(r.OtherID), r.Type, r.Since)
}

// DeleteRelationship removes userID's side of a relationship.
func (s *Store) DeleteRelationship(ctx context.Context, userID, otherID chat.ID) error {
	return s.exec(ctx, "delete relationship", `DELETE FROM relationships WHERE user_id = ? AND other_id = ?`,
		i64(userID), i64(otherID))
}

// Relationships lists userID's side of its relationships in other-user order.
func (s *Store) Relationships(ctx context.Context, userID chat.ID) ([]chat.Relationship, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	iter := s.query(`SELECT other_id, type, since FROM relationships WHERE user_id = ?`, i64(userID)).IterContext(ctx)
	var out []chat.Relationship
	var other int64
	var typ int
	var since time.Time
	for iter.Scan(&other, &typ, &since) {
		out = append(out, chat.Relationship{UserID: userID, OtherID: chat.ID(other), Type: typ, Since: since.UTC()})
	}
	return out, wrap("relationships", iter.Close())
}
