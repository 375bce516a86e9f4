package protocol_test

import (
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// goldenEmojiObjects are the pinned objects of custom emoji.
func goldenEmojiObjects() []struct {
	name string
	v    any
} {
	blob := chat.GuildEmoji{ID: goldenRoleID + 100, GuildID: goldenGuildID, Name: "blob", UserID: goldenOtherID, Format: "png"}
	party := chat.GuildEmoji{ID: goldenRoleID + 101, GuildID: goldenGuildID, Name: "party_blob", Roles: []chat.ID{goldenRoleID},
		UserID: goldenOtherID, Animated: true, Format: "gif"}
	return []struct {
		name string
		v    any
	}{
		{"emoji", protocol.GuildEmojiObject(party, nil)},
		{"emoji_with_user", protocol.GuildEmojiObject(blob, &goldenFull)},
		{"event_guild_emojis_update", protocol.GuildEmojisUpdateEvent{GuildID: goldenGuildID,
			Emojis: []protocol.Emoji{protocol.GuildEmojiObject(blob, nil), protocol.GuildEmojiObject(party, nil)}}},
	}
}
