package guild

import (
	"slices"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Forum and media channels take posts only: threads whose first message
// comes with them (StartThread with Message). Their settings
// (chat.ForumSettings) are set on create and PATCH; text and
// announcement channels have the thread defaults too.

// ForumEdit is a validated change of a channel's thread settings; nil
// fields are unchanged. The REST layer checked the limits (20 tags of
// 1-20 characters, durations, rate limits).
type ForumEdit struct {
	// AvailableTags replace the tags; a tag with ID 0 is new.
	AvailableTags *[]chat.ForumTag
	// SetSortOrder sets DefaultSortOrder (nil: none).
	SetSortOrder       bool
	DefaultSortOrder   *int
	DefaultForumLayout *int
	// SetReaction sets DefaultReactionEmoji (nil: none).
	SetReaction                bool
	DefaultReactionEmoji       *chat.DefaultReaction
	DefaultThreadRateLimit     *int
	DefaultAutoArchiveDuration *int
}

// applyForumEdit returns c's settings changed by e; new tags get IDs.
func (a *actor) applyForumEdit(c *chat.Channel, e *ForumEdit) error {
	if e == nil {
		return nil
	}
	forum := chat.IsThreadOnly(c.Type)
	if !forum && (e.AvailableTags != nil || e.SetSortOrder || e.DefaultForumLayout != nil || e.SetReaction) {
		return protocol.NewAPIError(400, protocol.CodeInvalidChannelType, "Cannot execute action on this channel type")
	}
	if !forum && c.Type != chat.ChannelText && c.Type != chat.ChannelAnnouncement &&
		(e.DefaultThreadRateLimit != nil || e.DefaultAutoArchiveDuration != nil) {
		return protocol.NewAPIError(400, protocol.CodeInvalidChannelType, "Cannot execute action on this channel type")
	}
	f := chat.ForumSettings{}
	if c.Forum != nil {
		f = *c.Forum
	}
	if e.AvailableTags != nil {
		tags := make([]chat.ForumTag, 0, len(*e.AvailableTags))
		for _, t := range *e.AvailableTags {
			if t.ID == 0 {
				t.ID = a.r.ids.Next()
			}
			tags = append(tags, t)
		}
		f.AvailableTags = tags
	}
	if e.SetSortOrder {
		f.DefaultSortOrder = e.DefaultSortOrder
	}
	if e.DefaultForumLayout != nil {
		f.DefaultForumLayout = *e.DefaultForumLayout
	}
	if e.SetReaction {
		f.DefaultReactionEmoji = e.DefaultReactionEmoji
	}
	if e.DefaultThreadRateLimit != nil {
		f.DefaultThreadRateLimit = *e.DefaultThreadRateLimit
	}
	if e.DefaultAutoArchiveDuration != nil {
		f.DefaultAutoArchiveDuration = *e.DefaultAutoArchiveDuration
	}
	c.Forum = &f
	return nil
}

// checkAppliedTags checks the tags a post applies: tags of its forum, at
// most protocol.MaxAppliedTags, and moderated ones (added or removed)
// only with MANAGE_THREADS. Threads outside forums have no tags.
func (a *actor) checkAppliedTags(parent *chat.Channel, userID chat.ID, tags, before []chat.ID) ([]chat.ID, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	if parent == nil || !chat.IsThreadOnly(parent.Type) {
		return nil, protocol.NewAPIError(400, protocol.CodeInvalidChannelType, "Cannot execute action on this channel type")
	}
	if len(tags) > protocol.MaxAppliedTags {
		return nil, protocol.InvalidForm(protocol.FieldError{Path: "applied_tags", Code: "BASE_TYPE_MAX_LENGTH", Message: "Must be 5 or fewer in length."})
	}
	var available []chat.ForumTag
	if parent.Forum != nil {
		available = parent.Forum.AvailableTags
	}
	manage := a.has(userID, parent, protocol.PermManageThreads)
	out := make([]chat.ID, 0, len(tags))
	for _, id := range tags {
		i := slices.IndexFunc(available, func(t chat.ForumTag) bool { return t.ID == id })
		if i < 0 {
			return nil, protocol.InvalidForm(protocol.FieldError{Path: "applied_tags", Code: "FORUM_TAG_INVALID", Message: "Unknown tag"})
		}
		if available[i].Moderated && !manage && !slices.Contains(before, id) {
			return nil, chat.ErrMissingPerms
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, id := range before {
		if i := slices.IndexFunc(available, func(t chat.ForumTag) bool { return t.ID == id }); i >= 0 &&
			available[i].Moderated && !manage && !slices.Contains(out, id) {
			return nil, chat.ErrMissingPerms
		}
	}
	return out, nil
}
