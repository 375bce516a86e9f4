package chat

import (
	"strconv"
	"time"
)

// Emoji names an emoji as reactions use it: a unicode emoji by its
// characters (ID 0), a custom emoji by its ID (Name is its name, kept for
// display).
type Emoji struct {
	ID       ID     `json:"id,omitempty"`
	Name     string `json:"name"`
	Animated bool   `json:"animated,omitempty"`
}

// Key is what identifies the emoji among a message's reactions: the ID of
// a custom emoji (its name may change), the characters of a unicode one.
// The two never collide: a unicode emoji is never all ASCII digits.
func (e Emoji) Key() string {
	if e.ID != 0 {
		return strconv.FormatUint(uint64(e.ID), 10)
	}
	return e.Name
}

// Reaction is one user's reaction with one emoji to one message, as
// Discord stores them: one row per (message, emoji, user). At is when it
// was added (millisecond precision), which orders a message's emoji by
// their first use.
type Reaction struct {
	ChannelID ID        `json:"channel_id"`
	MessageID ID        `json:"message_id"`
	Emoji     Emoji     `json:"emoji"`
	UserID    ID        `json:"user_id"`
	Burst     bool      `json:"burst,omitempty"`
	At        time.Time `json:"at"`
}

// Pin is a pinned message of a channel and when it was pinned
// (millisecond precision).
type Pin struct {
	ChannelID ID        `json:"channel_id"`
	MessageID ID        `json:"message_id"`
	PinnedAt  time.Time `json:"pinned_at"`
}

// Message types of system messages.
const (
	// MessageChannelPinned announces a pin; its reference names the
	// pinned message.
	MessageChannelPinned = 6
)
