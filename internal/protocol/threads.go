package protocol

import (
	"encoding/json"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

// Thread, forum and announcement-channel parts of the protocol.

// Thread permissions (Discord's bits).
const (
	PermManageThreads         Permission = 1 << 34
	PermCreatePublicThreads   Permission = 1 << 35
	PermCreatePrivateThreads  Permission = 1 << 36
	PermSendMessagesInThreads Permission = 1 << 38
)

// Thread and follow error codes.
const (
	CodeInvalidChannelType  = 50024 // "Cannot execute action on this channel type"
	CodeThreadArchived      = 50083 // "Thread is archived"
	CodeThreadAlreadyExists = 160004
	CodeThreadLocked        = 160005
	CodeAlreadyCrossposted  = 40033 // "This message has already been crossposted"
)

// Message flags of threads and crossposts.
const (
	MessageFlagCrossposted  = 1 << 0
	MessageFlagIsCrosspost  = 1 << 1
	MessageFlagHasThread    = 1 << 5
	MessageTypeThreadCreate = 18
)

// Thread events.
const (
	EventThreadCreate        = "THREAD_CREATE"
	EventThreadUpdate        = "THREAD_UPDATE"
	EventThreadDelete        = "THREAD_DELETE"
	EventThreadListSync      = "THREAD_LIST_SYNC"
	EventThreadMemberUpdate  = "THREAD_MEMBER_UPDATE"
	EventThreadMembersUpdate = "THREAD_MEMBERS_UPDATE"
)

// Audit log actions of threads.
const (
	AuditThreadCreate = 110
	AuditThreadUpdate = 111
	AuditThreadDelete = 112
)

// Auto-archive durations, in minutes, Discord accepts.
var AutoArchiveDurations = []int{60, 1440, 4320, 10080}

// Forum limits.
const (
	MaxForumTags       = 20
	MaxForumTagName    = 20
	MaxAppliedTags     = 5
	MaxThreadNameRunes = 100
)

// ThreadFields are the fields of Discord's channel object that threads,
// forums and media channels have; embedded in Channel, absent for others.
type ThreadFields struct {
	OwnerID                       *chat.ID        `json:"owner_id,omitempty"`
	ThreadMetadata                *ThreadMetadata `json:"thread_metadata,omitempty"`
	MessageCount                  *int            `json:"message_count,omitempty"`
	MemberCount                   *int            `json:"member_count,omitempty"`
	TotalMessageSent              *int            `json:"total_message_sent,omitempty"`
	AppliedTags                   *[]chat.ID      `json:"applied_tags,omitempty"`
	Member                        *ThreadMember   `json:"member,omitempty"`
	NewlyCreated                  bool            `json:"newly_created,omitempty"`
	AvailableTags                 *[]ForumTag     `json:"available_tags,omitempty"`
	DefaultSortOrder              json.RawMessage `json:"default_sort_order,omitempty"`
	DefaultForumLayout            *int            `json:"default_forum_layout,omitempty"`
	DefaultReactionEmoji          json.RawMessage `json:"default_reaction_emoji,omitempty"`
	DefaultThreadRateLimitPerUser *int            `json:"default_thread_rate_limit_per_user,omitempty"`
	DefaultAutoArchiveDuration    *int            `json:"default_auto_archive_duration,omitempty"`
}

// ThreadMetadata is Discord's thread metadata object.
type ThreadMetadata struct {
	Archived            bool   `json:"archived"`
	AutoArchiveDuration int    `json:"auto_archive_duration"`
	ArchiveTimestamp    string `json:"archive_timestamp"`
	Locked              bool   `json:"locked"`
	Invitable           *bool  `json:"invitable,omitempty"` // private threads only
	CreateTimestamp     string `json:"create_timestamp,omitempty"`
}

// ThreadMember is Discord's thread member object.
type ThreadMember struct {
	ID            chat.ID `json:"id"`
	UserID        chat.ID `json:"user_id"`
	JoinTimestamp string  `json:"join_timestamp"`
	Flags         int     `json:"flags"`
	GuildID       chat.ID `json:"guild_id,omitempty"` // in THREAD_MEMBER_UPDATE
	Member        *Member `json:"member,omitempty"`   // with_member=true
}

// ForumTag is Discord's forum tag object.
type ForumTag struct {
	ID        chat.ID  `json:"id"`
	Name      string   `json:"name"`
	Moderated bool     `json:"moderated"`
	EmojiID   *chat.ID `json:"emoji_id"`
	EmojiName *string  `json:"emoji_name"`
}

// DefaultReaction is Discord's default reaction object.
type DefaultReaction struct {
	EmojiID   *chat.ID `json:"emoji_id"`
	EmojiName *string  `json:"emoji_name"`
}

// ThreadDeleteEvent is THREAD_DELETE's body.
type ThreadDeleteEvent struct {
	ID       chat.ID `json:"id"`
	GuildID  chat.ID `json:"guild_id"`
	ParentID chat.ID `json:"parent_id"`
	Type     int     `json:"type"`
}

// ThreadMembersUpdateEvent is THREAD_MEMBERS_UPDATE's body.
type ThreadMembersUpdateEvent struct {
	ID               chat.ID        `json:"id"`
	GuildID          chat.ID        `json:"guild_id"`
	MemberCount      int            `json:"member_count"`
	AddedMembers     []ThreadMember `json:"added_members,omitempty"`
	RemovedMemberIDs []chat.ID      `json:"removed_member_ids,omitempty"`
}

// ThreadListSyncEvent is THREAD_LIST_SYNC's body.
type ThreadListSyncEvent struct {
	GuildID    chat.ID        `json:"guild_id"`
	ChannelIDs []chat.ID      `json:"channel_ids,omitempty"`
	Threads    []Channel      `json:"threads"`
	Members    []ThreadMember `json:"members"`
}

// ThreadList is the body of the active and archived thread lists.
type ThreadList struct {
	Threads []Channel      `json:"threads"`
	Members []ThreadMember `json:"members"`
	HasMore *bool          `json:"has_more,omitempty"` // archived lists only
}

// FollowedChannel is Discord's followed channel object.
type FollowedChannel struct {
	ChannelID chat.ID `json:"channel_id"`
	WebhookID chat.ID `json:"webhook_id"`
}

// hasMessages reports whether channels of typ have messages of their own
// (and so a last_message_id).
func hasMessages(typ int) bool {
	return typ == chat.ChannelText || typ == chat.ChannelAnnouncement || chat.IsThread(typ)
}

// ThreadMemberObject converts a thread membership.
func ThreadMemberObject(m chat.ThreadMember) ThreadMember {
	return ThreadMember{ID: m.ThreadID, UserID: m.UserID, JoinTimestamp: Timestamp(m.JoinedAt), Flags: m.Flags}
}

func ptr[T any](v T) *T { return &v }

// addThreadFields sets what a thread or a channel with thread settings
// shows beyond a plain channel.
func addThreadFields(out *Channel, c chat.Channel) {
	if t := c.Thread; t != nil {
		out.OwnerID = ptr(t.OwnerID)
		md := &ThreadMetadata{Archived: t.Archived, AutoArchiveDuration: t.AutoArchiveDuration,
			ArchiveTimestamp: Timestamp(t.ArchiveTimestamp), Locked: t.Locked, CreateTimestamp: Timestamp(t.CreateTimestamp)}
		if c.Type == chat.ChannelPrivateThread {
			md.Invitable = ptr(t.Invitable)
		}
		out.ThreadMetadata = md
		out.MessageCount = ptr(t.MessageCount)
		out.TotalMessageSent = ptr(t.TotalMessageSent)
		out.MemberCount = ptr(0)
		tags := append([]chat.ID{}, t.AppliedTags...)
		out.AppliedTags = &tags
	}
	f := c.Forum
	if f == nil && !chat.IsThreadOnly(c.Type) {
		return
	}
	if f == nil {
		f = &chat.ForumSettings{}
	}
	if chat.IsThreadOnly(c.Type) {
		tags := make([]ForumTag, 0, len(f.AvailableTags))
		for _, t := range f.AvailableTags {
			tags = append(tags, ForumTag{ID: t.ID, Name: t.Name, Moderated: t.Moderated, EmojiID: optID(t.EmojiID), EmojiName: optString(t.EmojiName)})
		}
		out.AvailableTags = &tags
		out.DefaultSortOrder = json.RawMessage("null")
		if f.DefaultSortOrder != nil {
			out.DefaultSortOrder = mustMarshal(*f.DefaultSortOrder)
		}
		out.DefaultForumLayout = ptr(f.DefaultForumLayout)
		out.DefaultReactionEmoji = json.RawMessage("null")
		if r := f.DefaultReactionEmoji; r != nil {
			out.DefaultReactionEmoji = mustMarshal(DefaultReaction{EmojiID: optID(r.EmojiID), EmojiName: optString(r.EmojiName)})
		}
	}
	out.DefaultThreadRateLimitPerUser = ptr(f.DefaultThreadRateLimit)
	if f.DefaultAutoArchiveDuration != 0 {
		out.DefaultAutoArchiveDuration = ptr(f.DefaultAutoArchiveDuration)
	}
}

func mustMarshal(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // plain values always encode
	}
	return b
}

// ThreadArchiveTime is when a thread that was last active at last
// archives itself after duration minutes.
func ThreadArchiveTime(last time.Time, duration int) time.Time {
	return last.Add(time.Duration(duration) * time.Minute)
}
