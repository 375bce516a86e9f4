package protocol_test

import (
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// goldenThreadObjects are the pinned objects of threads, forums and
// announcement follows.
func goldenThreadObjects() []struct {
	name string
	v    any
} {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tag := goldenRoleID + 200
	order := 0
	forum := chat.Channel{ID: goldenChannelID + 10, GuildID: goldenGuildID, Type: chat.ChannelForum, Name: "help",
		Forum: &chat.ForumSettings{AvailableTags: []chat.ForumTag{{ID: tag, Name: "bug", EmojiName: "🐛"}},
			DefaultSortOrder: &order, DefaultReactionEmoji: &chat.DefaultReaction{EmojiName: "👍"}, DefaultThreadRateLimit: 10}}
	thread := chat.Channel{ID: goldenChannelID + 11, GuildID: goldenGuildID, Type: chat.ChannelPrivateThread, Name: "plans",
		ParentID: goldenChannelID, LastMessageID: goldenMessageID, RateLimit: 5,
		Thread: &chat.ThreadMeta{OwnerID: goldenUserID, AutoArchiveDuration: 1440, ArchiveTimestamp: at, CreateTimestamp: at,
			MessageCount: 2, TotalMessageSent: 3, Invitable: true}}
	post := chat.Channel{ID: goldenChannelID + 12, GuildID: goldenGuildID, Type: chat.ChannelPublicThread, Name: "crash on start",
		ParentID: forum.ID, Thread: &chat.ThreadMeta{OwnerID: goldenUserID, AutoArchiveDuration: 4320, ArchiveTimestamp: at,
			CreateTimestamp: at, MessageCount: 1, TotalMessageSent: 1, AppliedTags: []chat.ID{tag}}}
	tm := protocol.ThreadMemberObject(chat.ThreadMember{ThreadID: thread.ID, UserID: goldenUserID, GuildID: goldenGuildID, JoinedAt: at})
	threadObj := protocol.ChannelObject(thread)
	threadObj.MemberCount = &[]int{2}[0]
	hasMore := false
	return []struct {
		name string
		v    any
	}{
		{"channel_forum", protocol.ChannelObject(forum)},
		{"channel_thread_private", threadObj},
		{"channel_forum_post", protocol.ChannelObject(post)},
		{"thread_member", tm},
		{"default_reaction", protocol.DefaultReaction{EmojiName: &[]string{"👍"}[0]}},
		{"event_thread_delete", protocol.ThreadDeleteEvent{ID: thread.ID, GuildID: goldenGuildID, ParentID: goldenChannelID, Type: thread.Type}},
		{"event_thread_members_update", protocol.ThreadMembersUpdateEvent{ID: thread.ID, GuildID: goldenGuildID, MemberCount: 2,
			AddedMembers: []protocol.ThreadMember{tm}, RemovedMemberIDs: []chat.ID{goldenOtherID}}},
		{"event_thread_list_sync", protocol.ThreadListSyncEvent{GuildID: goldenGuildID, ChannelIDs: []chat.ID{goldenChannelID},
			Threads: []protocol.Channel{threadObj}, Members: []protocol.ThreadMember{tm}}},
		{"thread_list_archived", protocol.ThreadList{Threads: []protocol.Channel{threadObj}, Members: []protocol.ThreadMember{tm}, HasMore: &hasMore}},
		{"followed_channel", protocol.FollowedChannel{ChannelID: goldenChannelID, WebhookID: goldenChannelID + 13}},
	}
}
