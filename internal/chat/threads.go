package chat

import "time"

// Channel types of threads, forums and announcements (Discord's numbering).
const (
	ChannelAnnouncement       = 5
	ChannelAnnouncementThread = 10
	ChannelPublicThread       = 11
	ChannelPrivateThread      = 12
	ChannelForum              = 15
	ChannelMedia              = 16
)

// IsThread reports whether a channel type is a thread type.
func IsThread(typ int) bool {
	return typ == ChannelAnnouncementThread || typ == ChannelPublicThread || typ == ChannelPrivateThread
}

// IsThreadOnly reports whether a channel takes no messages of its own,
// only posts (threads): forum and media channels.
func IsThreadOnly(typ int) bool { return typ == ChannelForum || typ == ChannelMedia }

// ThreadMeta is what a thread has beyond a channel. A thread is a channel
// of its guild with ParentID naming the channel it lives in and Thread
// set; its permissions are its parent's.
type ThreadMeta struct {
	OwnerID             ID        `json:"owner_id"`
	Archived            bool      `json:"archived,omitempty"`
	Locked              bool      `json:"locked,omitempty"`
	Invitable           bool      `json:"invitable,omitempty"`
	AutoArchiveDuration int       `json:"auto_archive_duration"` // minutes
	ArchiveTimestamp    time.Time `json:"archive_timestamp"`     // last archive state change
	CreateTimestamp     time.Time `json:"create_timestamp"`
	MessageCount        int       `json:"message_count,omitempty"`
	TotalMessageSent    int       `json:"total_message_sent,omitempty"`
	AppliedTags         []ID      `json:"applied_tags,omitempty"`
	// LastActive is when the thread last saw a message or was created or
	// unarchived; auto-archive counts from it.
	LastActive time.Time `json:"last_active"`
}

// ForumTag is a tag of a forum or media channel that posts can apply.
type ForumTag struct {
	ID        ID     `json:"id"`
	Name      string `json:"name"`
	Moderated bool   `json:"moderated,omitempty"`
	EmojiID   ID     `json:"emoji_id,omitempty"`
	EmojiName string `json:"emoji_name,omitempty"`
}

// DefaultReaction is the emoji a forum shows on its posts.
type DefaultReaction struct {
	EmojiID   ID     `json:"emoji_id,omitempty"`
	EmojiName string `json:"emoji_name,omitempty"`
}

// ForumSettings are the settings of forum and media channels (and the
// thread defaults text and announcement channels have too).
type ForumSettings struct {
	AvailableTags              []ForumTag       `json:"available_tags,omitempty"`
	DefaultSortOrder           *int             `json:"default_sort_order,omitempty"`
	DefaultForumLayout         int              `json:"default_forum_layout,omitempty"`
	DefaultReactionEmoji       *DefaultReaction `json:"default_reaction_emoji,omitempty"`
	DefaultThreadRateLimit     int              `json:"default_thread_rate_limit_per_user,omitempty"`
	DefaultAutoArchiveDuration int              `json:"default_auto_archive_duration,omitempty"`
}

// ThreadMember is a user's membership of a thread.
type ThreadMember struct {
	ThreadID ID        `json:"thread_id"`
	UserID   ID        `json:"user_id"`
	GuildID  ID        `json:"guild_id"`
	JoinedAt time.Time `json:"join_timestamp"`
	Flags    int       `json:"flags,omitempty"`
}
