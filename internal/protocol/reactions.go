package protocol

import (
	"cmp"
	"slices"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

// Events of reactions and pins.
const (
	EventMessageReactionAdd         = "MESSAGE_REACTION_ADD"
	EventMessageReactionRemove      = "MESSAGE_REACTION_REMOVE"
	EventMessageReactionRemoveAll   = "MESSAGE_REACTION_REMOVE_ALL"
	EventMessageReactionRemoveEmoji = "MESSAGE_REACTION_REMOVE_EMOJI"
	EventChannelPinsUpdate          = "CHANNEL_PINS_UPDATE"
)

// JSON error codes of reactions and pins.
const (
	CodeUnknownEmoji = 10014
	CodeMaxPins      = 30003
	CodeMaxReactions = 30010
)

// Limits of reactions and pins (Discord's values).
const (
	MaxReactionEmoji = 20  // distinct emoji on one message
	MaxPins          = 250 // pinned messages in one channel
)

// ReactionTypeNormal is the reaction type of every reaction Accord
// stores (Discord's 0; super reactions, type 1, are a paid feature).
const ReactionTypeNormal = 0

// PartialEmoji is Discord's partial emoji object as reactions carry it:
// id null for a unicode emoji.
type PartialEmoji struct {
	ID       *chat.ID `json:"id"`
	Name     string   `json:"name"`
	Animated bool     `json:"animated,omitempty"`
}

// EmojiObject converts an emoji.
func EmojiObject(e chat.Emoji) PartialEmoji {
	out := PartialEmoji{Name: e.Name, Animated: e.Animated}
	if e.ID != 0 {
		id := e.ID
		out.ID = &id
	}
	return out
}

// ReactionCountDetails splits a reaction's count into super (burst) and
// normal reactions.
type ReactionCountDetails struct {
	Burst  int `json:"burst"`
	Normal int `json:"normal"`
}

// Reaction is Discord's reaction object: one emoji's reactions on a
// message. Me and MeBurst are about the user reading the message.
type Reaction struct {
	Count        int                  `json:"count"`
	CountDetails ReactionCountDetails `json:"count_details"`
	Me           bool                 `json:"me"`
	MeBurst      bool                 `json:"me_burst"`
	Emoji        PartialEmoji         `json:"emoji"`
	BurstColors  []string             `json:"burst_colors"`
}

// ReactionObjects summarises rs, the reactions of one message, for viewer
// (0: nobody, as on the gateway): one entry per emoji, in the order each
// emoji was first used. The result is nil when rs is empty, so that the
// message object leaves reactions out as Discord does.
func ReactionObjects(rs []chat.Reaction, viewer chat.ID) []Reaction {
	type entry struct {
		first int64 // Unix ms of the emoji's first use
		r     Reaction
	}
	var es []entry
	index := map[string]int{}
	for _, r := range rs {
		k := r.Emoji.Key()
		i, ok := index[k]
		if !ok {
			i = len(es)
			index[k] = i
			es = append(es, entry{first: r.At.UnixMilli(), r: Reaction{Emoji: EmojiObject(r.Emoji), BurstColors: []string{}}})
		}
		e := &es[i]
		e.first = min(e.first, r.At.UnixMilli())
		e.r.Count++
		if r.Burst {
			e.r.CountDetails.Burst++
		} else {
			e.r.CountDetails.Normal++
		}
		if viewer != 0 && r.UserID == viewer {
			e.r.MeBurst = e.r.MeBurst || r.Burst
			e.r.Me = e.r.Me || !r.Burst
		}
	}
	slices.SortStableFunc(es, func(a, b entry) int { return cmp.Compare(a.first, b.first) })
	var out []Reaction
	for _, e := range es {
		out = append(out, e.r)
	}
	return out
}

// MessageReactionAddEvent is MESSAGE_REACTION_ADD's data.
type MessageReactionAddEvent struct {
	UserID          chat.ID      `json:"user_id"`
	ChannelID       chat.ID      `json:"channel_id"`
	MessageID       chat.ID      `json:"message_id"`
	GuildID         chat.ID      `json:"guild_id,omitempty"`
	Member          *Member      `json:"member,omitempty"`
	Emoji           PartialEmoji `json:"emoji"`
	MessageAuthorID chat.ID      `json:"message_author_id,omitempty"`
	Burst           bool         `json:"burst"`
	BurstColors     []string     `json:"burst_colors,omitempty"`
	Type            int          `json:"type"`
}

// MessageReactionRemoveEvent is MESSAGE_REACTION_REMOVE's data.
type MessageReactionRemoveEvent struct {
	UserID    chat.ID      `json:"user_id"`
	ChannelID chat.ID      `json:"channel_id"`
	MessageID chat.ID      `json:"message_id"`
	GuildID   chat.ID      `json:"guild_id,omitempty"`
	Emoji     PartialEmoji `json:"emoji"`
	Burst     bool         `json:"burst"`
	Type      int          `json:"type"`
}

// MessageReactionRemoveAllEvent is MESSAGE_REACTION_REMOVE_ALL's data.
type MessageReactionRemoveAllEvent struct {
	ChannelID chat.ID `json:"channel_id"`
	MessageID chat.ID `json:"message_id"`
	GuildID   chat.ID `json:"guild_id,omitempty"`
}

// MessageReactionRemoveEmojiEvent is MESSAGE_REACTION_REMOVE_EMOJI's data.
type MessageReactionRemoveEmojiEvent struct {
	ChannelID chat.ID      `json:"channel_id"`
	GuildID   chat.ID      `json:"guild_id,omitempty"`
	MessageID chat.ID      `json:"message_id"`
	Emoji     PartialEmoji `json:"emoji"`
}

// ChannelPinsUpdate is CHANNEL_PINS_UPDATE's data for a channel whose
// newest pin is last (nil: it has none; guildID 0: a private channel).
func ChannelPinsUpdate(guildID, channelID chat.ID, last *time.Time) ChannelPinsUpdateEvent {
	e := ChannelPinsUpdateEvent{GuildID: guildID, ChannelID: channelID}
	if last != nil {
		ts := Timestamp(*last)
		e.LastPinTimestamp = &ts
	}
	return e
}

// ChannelPinsUpdateEvent is CHANNEL_PINS_UPDATE's data; LastPinTimestamp
// is null once the channel has no pins.
type ChannelPinsUpdateEvent struct {
	GuildID          chat.ID `json:"guild_id,omitempty"`
	ChannelID        chat.ID `json:"channel_id"`
	LastPinTimestamp *string `json:"last_pin_timestamp"`
}

// MessagePin is Discord's message pin object.
type MessagePin struct {
	PinnedAt string  `json:"pinned_at"`
	Message  Message `json:"message"`
}

// ChannelPins is the answer of GET /channels/{id}/messages/pins.
type ChannelPins struct {
	Items   []MessagePin `json:"items"`
	HasMore bool         `json:"has_more"`
}
