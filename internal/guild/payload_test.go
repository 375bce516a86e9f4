package guild

import (
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// TestTypedPayloadsMatchMapEncoding pins that the typed event payloads the
// guild sends encode to the same bytes as the map[string]any values they
// replaced.
func TestTypedPayloadsMatchMapEncoding(t *testing.T) {
	const guildID, channelID, userID, roleID, messageID = chat.ID(10), chat.ID(20), chat.ID(30), chat.ID(40), chat.ID(50)
	nick := "nick"
	role := protocol.RoleObject(chat.Role{ID: roleID, GuildID: guildID, Name: "mods", Permissions: 8, Position: 2, Color: 7})
	user := protocol.UserObject(chat.User{ID: userID, Username: "ann", GlobalName: "Ann", Avatar: "a1"})
	member := protocol.MemberObject(chat.Member{GuildID: guildID, UserID: userID, Nick: nick, Roles: []chat.ID{roleID},
		JoinedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, &chat.User{ID: userID, Username: "ann"})
	cases := []struct {
		name       string
		old, typed any
	}{
		{protocol.EventGuildDelete, map[string]any{"id": guildID}, protocol.GuildDeleteEvent{ID: guildID}},
		{protocol.EventGuildRoleCreate, map[string]any{"guild_id": guildID, "role": role}, protocol.GuildRoleEvent{GuildID: guildID, Role: role}},
		{protocol.EventGuildRoleDelete, map[string]any{"guild_id": guildID, "role_id": roleID}, protocol.GuildRoleDeleteEvent{GuildID: guildID, RoleID: roleID}},
		{protocol.EventGuildMemberRemove, map[string]any{"guild_id": guildID, "user": user}, protocol.GuildMemberRemoveEvent{GuildID: guildID, User: user}},
		{protocol.EventMessageDelete, map[string]chat.ID{"id": messageID, "channel_id": channelID, "guild_id": guildID},
			protocol.MessageDeleteEvent{ChannelID: channelID, GuildID: guildID, ID: messageID}},
		{protocol.EventTypingStart, map[string]any{
			"channel_id": channelID, "guild_id": guildID, "user_id": userID,
			"timestamp": int64(1767323045), "member": member,
		}, protocol.TypingStartEvent{ChannelID: channelID, GuildID: guildID, UserID: userID, Timestamp: 1767323045, Member: member}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			old, err := protocol.Marshal(c.old)
			if err != nil {
				t.Fatal(err)
			}
			typed, err := protocol.Marshal(c.typed)
			if err != nil {
				t.Fatal(err)
			}
			if string(old) != string(typed) {
				t.Fatalf("typed payload differs\n map %s\ntyped %s", old, typed)
			}
		})
	}
}
