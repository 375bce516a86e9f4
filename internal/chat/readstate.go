package chat

import "time"

// ReadState is how far one user has read one channel: the last message
// they acknowledged, the mentions they were told of at that point (a
// client marking a channel unread sends its own count), the last pin they
// saw, and a version that grows with each acknowledgement.
type ReadState struct {
	UserID           ID         `json:"user_id"`
	ChannelID        ID         `json:"channel_id"`
	LastMessageID    ID         `json:"last_message_id,omitempty"`
	MentionCount     int        `json:"mention_count,omitempty"`
	LastPinTimestamp *time.Time `json:"last_pin_timestamp,omitempty"`
	Version          int64      `json:"version"`
}
