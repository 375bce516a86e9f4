package protocol_test

import "github.com/accordchat/accord/internal/protocol"

// goldenMemberListObjects are the pinned objects of member lists: a
// GUILD_MEMBER_LIST_UPDATE with every op as Discord's client reads it.
func goldenMemberListObjects() []struct {
	name string
	v    any
} {
	member := &protocol.MemberListMember{Member: protocol.MemberObject(goldenMember(), &goldenFull), Presence: goldenPresence()}
	online := protocol.MemberListGroup{ID: "online", Count: 1}
	items := []protocol.MemberListItem{{Group: &online}, {Member: member}}
	empty := []protocol.MemberListItem{}
	three, one := 3, 1
	return []struct {
		name string
		v    any
	}{
		{"event_guild_member_list_update", protocol.MemberListUpdate{
			GuildID: goldenGuildID, ID: protocol.MemberListEveryone, MemberCount: 2, OnlineCount: 1,
			Groups: []protocol.MemberListGroup{online, {ID: "offline", Count: 1}},
			Ops: []protocol.MemberListOp{
				{Op: protocol.ListOpSync, Range: &[2]int{0, 99}, Items: &items},
				{Op: protocol.ListOpSync, Range: &[2]int{100, 199}, Items: &empty},
				{Op: protocol.ListOpInvalidate, Range: &[2]int{200, 299}},
				{Op: protocol.ListOpInsert, Index: &three, Item: &protocol.MemberListItem{Member: member}},
				{Op: protocol.ListOpUpdate, Index: &one, Item: &protocol.MemberListItem{Member: member}},
				{Op: protocol.ListOpDelete, Index: &three},
			},
		}},
	}
}
