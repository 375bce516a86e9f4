package protocol_test

import (
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// goldenReactionObjects are the pinned objects of reactions and pins.
func goldenReactionObjects() []struct {
	name string
	v    any
} {
	fire := chat.Emoji{Name: "🔥"}
	blob := chat.Emoji{ID: goldenRoleID + 100, Name: "blob", Animated: true}
	rs := []chat.Reaction{
		{ChannelID: goldenChannelID, MessageID: goldenMessageID, Emoji: blob, UserID: goldenOtherID, At: goldenTime.Add(time.Second)},
		{ChannelID: goldenChannelID, MessageID: goldenMessageID, Emoji: fire, UserID: goldenUserID, At: goldenTime},
		{ChannelID: goldenChannelID, MessageID: goldenMessageID, Emoji: fire, UserID: goldenOtherID, At: goldenTime.Add(2 * time.Second)},
	}
	m := protocol.MessageObject(chat.Message{ID: goldenMessageID, ChannelID: goldenChannelID, AuthorID: goldenUserID, Content: "react to me"}, goldenUser, nil)
	m.GuildID = goldenGuildID
	m.Pinned = true
	m.Reactions = protocol.ReactionObjects(rs, goldenUserID)
	pinnedAt := protocol.Timestamp(goldenTime)
	partial := protocol.MemberObject(goldenMember(), &goldenFull)
	return []struct {
		name string
		v    any
	}{
		{"message_with_reactions", m},
		{"channel_pins", protocol.ChannelPins{Items: []protocol.MessagePin{{PinnedAt: pinnedAt, Message: m}}, HasMore: true}},
		{"event_message_reaction_add", protocol.MessageReactionAddEvent{UserID: goldenOtherID, ChannelID: goldenChannelID,
			MessageID: goldenMessageID, GuildID: goldenGuildID, Member: &partial, Emoji: protocol.EmojiObject(fire),
			MessageAuthorID: goldenUserID, Type: protocol.ReactionTypeNormal}},
		{"event_message_reaction_remove", protocol.MessageReactionRemoveEvent{UserID: goldenOtherID, ChannelID: goldenChannelID,
			MessageID: goldenMessageID, GuildID: goldenGuildID, Emoji: protocol.EmojiObject(blob)}},
		{"event_message_reaction_remove_all", protocol.MessageReactionRemoveAllEvent{ChannelID: goldenChannelID,
			MessageID: goldenMessageID, GuildID: goldenGuildID}},
		{"event_message_reaction_remove_emoji", protocol.MessageReactionRemoveEmojiEvent{ChannelID: goldenChannelID,
			GuildID: goldenGuildID, MessageID: goldenMessageID, Emoji: protocol.EmojiObject(fire)}},
		{"event_channel_pins_update", protocol.ChannelPinsUpdateEvent{GuildID: goldenGuildID, ChannelID: goldenChannelID,
			LastPinTimestamp: &pinnedAt}},
		{"event_channel_pins_update_none", protocol.ChannelPinsUpdateEvent{GuildID: goldenGuildID, ChannelID: goldenChannelID}},
	}
}
