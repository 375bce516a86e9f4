package protocol

import (
	"time"

	"github.com/accordchat/accord/internal/chat"
)

// EventMessageAck tells a user's sessions that the user read a channel up
// to a message (sent to the user alone, never to others).
const EventMessageAck = "MESSAGE_ACK"

// noPin is last_pin_timestamp of a channel whose pins were never acked:
// Discord's client receives the Unix epoch, not null.
var noPin = Timestamp(time.Unix(0, 0))

// ReadStateEntry is one channel of READY's read_state, as Discord's client
// receives it.
type ReadStateEntry struct {
	ID               chat.ID `json:"id"`
	LastMessageID    chat.ID `json:"last_message_id"`
	MentionCount     int     `json:"mention_count"`
	LastPinTimestamp string  `json:"last_pin_timestamp"`
	Flags            int     `json:"flags"`
}

// ReadStateList is READY's read_state: every entry of the user (partial
// false), and the highest version among them.
type ReadStateList struct {
	Entries []ReadStateEntry `json:"entries"`
	Partial bool             `json:"partial"`
	Version int64            `json:"version"`
}

// ReadStateEntryObject renders rs with mentions as its mention count.
func ReadStateEntryObject(rs chat.ReadState, mentions int) ReadStateEntry {
	e := ReadStateEntry{ID: rs.ChannelID, LastMessageID: rs.LastMessageID, MentionCount: mentions, LastPinTimestamp: noPin}
	if rs.LastPinTimestamp != nil {
		e.LastPinTimestamp = Timestamp(*rs.LastPinTimestamp)
	}
	return e
}

// MessageAck is the MESSAGE_ACK dispatch's data.
type MessageAck struct {
	ChannelID    chat.ID `json:"channel_id"`
	MessageID    chat.ID `json:"message_id"`
	Version      int64   `json:"version"`
	MentionCount int     `json:"mention_count"`
	Manual       bool    `json:"manual,omitempty"`
}

// AckToken is the body of an acknowledgement's reply. Discord once
// returned a token the client sent back on its next ack; it is null now.
type AckToken struct {
	Token *string `json:"token"`
}
