package cql

import (
	"context"
	"encoding/json"
	"math"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

// threadTables hold thread members: one partition per thread, clustered
// by user ID so that ThreadMembers pages with "user_id > after". Threads
// are channels; their metadata rides in the channel's extra column.
var threadTables = []string{
	`CREATE TABLE IF NOT EXISTS thread_members (
		thread_id bigint, user_id bigint, guild_id bigint, joined_at timestamp, flags int,
		PRIMARY KEY (thread_id, user_id))`,
}

// channelExtra is the JSON of a channel's extra column: what threads,
// forums and announcement channels have beyond a plain channel. Kept as
// one text column so that new thread and forum settings need no schema
// change.
type channelExtra struct {
	Thread    *chat.ThreadMeta    `json:"thread,omitempty"`
	Forum     *chat.ForumSettings `json:"forum,omitempty"`
	Followers []chat.ID           `json:"followers,omitempty"`
}

func channelExtraJSON(c chat.Channel) string {
	if c.Thread == nil && c.Forum == nil && len(c.Followers) == 0 {
		return ""
	}
	b, err := json.Marshal(channelExtra{Thread: c.Thread, Forum: c.Forum, Followers: c.Followers})
	if err != nil {
		// Plain structs of IDs, strings and times always encode.
		panic(err)
	}
	return string(b)
}

// setChannelExtra fills c from an extra column; an unreadable one (never
// written by this code) leaves c a plain channel.
func setChannelExtra(c *chat.Channel, extra string) {
	if extra == "" {
		return
	}
	var e channelExtra
	if json.Unmarshal([]byte(extra), &e) != nil {
		return
	}
	c.Thread, c.Forum, c.Followers = e.Thread, e.Forum, e.Followers
}

// PutThreadMember records a membership.
func (s *Store) PutThreadMember(ctx context.Context, m chat.ThreadMember) error {
	return s.exec(ctx, "put thread member",
		`INSERT INTO thread_members (thread_id, user_id, guild_id, joined_at, flags) VALUES (?, ?, ?, ?, ?)`,
		i64(m.ThreadID), i64(m.UserID), i64(m.GuildID), m.JoinedAt, m.Flags)
}

// ThreadMembers lists a thread's members in user-ID order after the cursor.
func (s *Store) ThreadMembers(ctx context.Context, threadID, after chat.ID, limit int) ([]chat.ThreadMember, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > math.MaxInt32 {
		limit = math.MaxInt32
	}
	iter := s.query(`SELECT user_id, guild_id, joined_at, flags FROM thread_members WHERE thread_id = ? AND user_id > ? LIMIT ?`,
		i64(threadID), i64(after), limit).IterContext(ctx)
	var out []chat.ThreadMember
	var user, guild int64
	var joined time.Time
	var flags int
	for iter.Scan(&user, &guild, &joined, &flags) {
		out = append(out, chat.ThreadMember{ThreadID: threadID, UserID: chat.ID(user), GuildID: chat.ID(guild),
			JoinedAt: joined.UTC(), Flags: flags})
	}
	return out, wrap("thread members", iter.Close())
}

// DeleteThreadMember removes a membership.
func (s *Store) DeleteThreadMember(ctx context.Context, threadID, userID chat.ID) error {
	return s.exec(ctx, "delete thread member", `DELETE FROM thread_members WHERE thread_id = ? AND user_id = ?`,
		i64(threadID), i64(userID))
}

// DeleteThreadMembers removes a thread's partition.
func (s *Store) DeleteThreadMembers(ctx context.Context, threadID chat.ID) error {
	return s.exec(ctx, "delete thread members", `DELETE FROM thread_members WHERE thread_id = ?`, i64(threadID))
}
