package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
)

// Threads, forum posts, thread members, thread lists, and announcement
// follows and crossposts (guild/threads.go and its siblings do the work).

// threadSettingsBody are the thread and forum settings of a channel
// create or PATCH body.
type threadSettingsBody struct {
	AvailableTags                 *[]forumTagBody `json:"available_tags"`
	DefaultSortOrder              json.RawMessage `json:"default_sort_order"`
	DefaultForumLayout            *int            `json:"default_forum_layout"`
	DefaultReactionEmoji          json.RawMessage `json:"default_reaction_emoji"`
	DefaultThreadRateLimitPerUser *int            `json:"default_thread_rate_limit_per_user"`
	DefaultAutoArchiveDuration    *int            `json:"default_auto_archive_duration"`
}

type forumTagBody struct {
	ID        chat.ID `json:"id"`
	Name      string  `json:"name"`
	Moderated bool    `json:"moderated"`
	EmojiID   chat.ID `json:"emoji_id"`
	EmojiName *string `json:"emoji_name"`
}

type reactionBody struct {
	EmojiID   chat.ID `json:"emoji_id"`
	EmojiName *string `json:"emoji_name"`
}

func isNull(raw json.RawMessage) bool { return strings.TrimSpace(string(raw)) == "null" }

// forumEdit validates the settings; nil when none is given.
func (b threadSettingsBody) forumEdit() (*guild.ForumEdit, error) {
	e := &guild.ForumEdit{DefaultForumLayout: b.DefaultForumLayout, DefaultThreadRateLimit: b.DefaultThreadRateLimitPerUser,
		DefaultAutoArchiveDuration: b.DefaultAutoArchiveDuration}
	set := b.DefaultForumLayout != nil || b.DefaultThreadRateLimitPerUser != nil || b.DefaultAutoArchiveDuration != nil
	if b.AvailableTags != nil {
		set = true
		if len(*b.AvailableTags) > protocol.MaxForumTags {
			return nil, protocol.InvalidForm(protocol.FieldError{Path: "available_tags", Code: protocol.FieldBaseTypeMaxLength,
				Message: "Must be 20 or fewer in length."})
		}
		tags := make([]chat.ForumTag, 0, len(*b.AvailableTags))
		for i, t := range *b.AvailableTags {
			if n := utf8.RuneCountInString(t.Name); n < 1 || n > protocol.MaxForumTagName {
				return nil, protocol.InvalidForm(lengthError("available_tags."+strconv.Itoa(i)+".name", 1, protocol.MaxForumTagName))
			}
			tag := chat.ForumTag{ID: t.ID, Name: t.Name, Moderated: t.Moderated, EmojiID: t.EmojiID}
			if t.EmojiName != nil {
				tag.EmojiName = *t.EmojiName
			}
			tags = append(tags, tag)
		}
		e.AvailableTags = &tags
	}
	if len(b.DefaultSortOrder) > 0 {
		set, e.SetSortOrder = true, true
		if !isNull(b.DefaultSortOrder) {
			var v int
			if json.Unmarshal(b.DefaultSortOrder, &v) != nil || v < 0 || v > 1 {
				return nil, protocol.InvalidForm(protocol.FieldError{Path: "default_sort_order", Code: protocol.FieldBaseTypeChoices, Message: "Value must be one of {0, 1}."})
			}
			e.DefaultSortOrder = &v
		}
	}
	if len(b.DefaultReactionEmoji) > 0 {
		set, e.SetReaction = true, true
		if !isNull(b.DefaultReactionEmoji) {
			var r reactionBody
			if json.Unmarshal(b.DefaultReactionEmoji, &r) != nil || (r.EmojiID == 0 && (r.EmojiName == nil || *r.EmojiName == "")) {
				return nil, protocol.InvalidForm(protocol.FieldError{Path: "default_reaction_emoji", Code: protocol.FieldBaseTypeRequired, Message: "This field is required"})
			}
			dr := &chat.DefaultReaction{EmojiID: r.EmojiID}
			if r.EmojiName != nil {
				dr.EmojiName = *r.EmojiName
			}
			e.DefaultReactionEmoji = dr
		}
	}
	if l := b.DefaultForumLayout; l != nil && (*l < 0 || *l > 2) {
		return nil, protocol.InvalidForm(protocol.FieldError{Path: "default_forum_layout", Code: protocol.FieldBaseTypeChoices, Message: "Value must be one of {0, 1, 2}."})
	}
	if v := b.DefaultThreadRateLimitPerUser; v != nil {
		if err := intRange("default_thread_rate_limit_per_user", *v, 0, protocol.MaxRateLimitPerUser); err != nil {
			return nil, err
		}
	}
	if v := b.DefaultAutoArchiveDuration; v != nil {
		if err := autoArchive("default_auto_archive_duration", *v); err != nil {
			return nil, err
		}
	}
	if !set {
		return nil, nil
	}
	return e, nil
}

func autoArchive(path string, v int) error {
	for _, d := range protocol.AutoArchiveDurations {
		if v == d {
			return nil
		}
	}
	return protocol.InvalidForm(protocol.FieldError{Path: path, Code: protocol.FieldBaseTypeChoices, Message: "Value must be one of {60, 1440, 4320, 10080}."})
}

// threadEditBody is the thread part of a PATCH /channels/{id} body.
type threadEditBody struct {
	Archived            *bool      `json:"archived"`
	Locked              *bool      `json:"locked"`
	Invitable           *bool      `json:"invitable"`
	AutoArchiveDuration *int       `json:"auto_archive_duration"`
	AppliedTags         *[]chat.ID `json:"applied_tags"`
}

func (b threadEditBody) threadEdit() (*guild.ThreadEdit, error) {
	if b.AutoArchiveDuration != nil {
		if err := autoArchive("auto_archive_duration", *b.AutoArchiveDuration); err != nil {
			return nil, err
		}
	}
	if b.AppliedTags != nil && len(*b.AppliedTags) > protocol.MaxAppliedTags {
		return nil, protocol.InvalidForm(protocol.FieldError{Path: "applied_tags", Code: protocol.FieldBaseTypeMaxLength, Message: "Must be 5 or fewer in length."})
	}
	return &guild.ThreadEdit{Archived: b.Archived, Locked: b.Locked, Invitable: b.Invitable,
		AutoArchiveDuration: b.AutoArchiveDuration, AppliedTags: b.AppliedTags}, nil
}

// startThreadBody is the body of both start-thread routes and of forum
// posts.
type startThreadBody struct {
	Name                *string         `json:"name"`
	AutoArchiveDuration *int            `json:"auto_archive_duration"`
	Type                *int            `json:"type"`
	Invitable           *bool           `json:"invitable"`
	RateLimitPerUser    *int            `json:"rate_limit_per_user"`
	AppliedTags         []chat.ID       `json:"applied_tags"`
	Message             json.RawMessage `json:"message"`
}

func (b startThreadBody) request() (guild.ThreadCreate, error) {
	var req guild.ThreadCreate
	if b.Name == nil || strings.TrimSpace(*b.Name) == "" {
		return req, protocol.InvalidForm(protocol.FieldError{Path: "name", Code: protocol.FieldBaseTypeRequired, Message: "This field is required"})
	}
	if n := utf8.RuneCountInString(*b.Name); n > protocol.MaxThreadNameRunes {
		return req, protocol.InvalidForm(lengthError("name", 1, protocol.MaxThreadNameRunes))
	}
	req.Name = *b.Name
	if b.AutoArchiveDuration != nil {
		if err := autoArchive("auto_archive_duration", *b.AutoArchiveDuration); err != nil {
			return req, err
		}
		req.AutoArchiveDuration = *b.AutoArchiveDuration
	}
	if b.Type != nil {
		switch *b.Type {
		case chat.ChannelAnnouncementThread, chat.ChannelPublicThread, chat.ChannelPrivateThread:
			req.Type = *b.Type
		default:
			return req, protocol.InvalidForm(protocol.FieldError{Path: "type", Code: protocol.FieldBaseTypeChoices, Message: "Value must be one of {10, 11, 12}."})
		}
	}
	if b.RateLimitPerUser != nil {
		if err := intRange("rate_limit_per_user", *b.RateLimitPerUser, 0, protocol.MaxRateLimitPerUser); err != nil {
			return req, err
		}
	}
	if len(b.AppliedTags) > protocol.MaxAppliedTags {
		return req, protocol.InvalidForm(protocol.FieldError{Path: "applied_tags", Code: protocol.FieldBaseTypeMaxLength, Message: "Must be 5 or fewer in length."})
	}
	req.Invitable, req.RateLimit, req.AppliedTags = b.Invitable, b.RateLimitPerUser, b.AppliedTags
	if len(b.Message) > 0 && !isNull(b.Message) {
		m, err := decodeMessageCreate(b.Message)
		if err != nil {
			return req, err
		}
		req.Message = &m
	}
	return req, nil
}

// threadWithMessage is a forum post as Discord returns it: the thread
// with its first message.
type threadWithMessage struct {
	protocol.Channel
	Message json.RawMessage `json:"message,omitempty"`
}

func (h *Handler) startThread(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	var body startThreadBody
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	req, err := body.request()
	if err != nil {
		return err
	}
	return h.writeThread(w, r, u, channelID, req)
}

func (h *Handler) startThreadFromMessage(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, messageID, err := messagePath(r)
	if err != nil {
		return err
	}
	var body startThreadBody
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	body.Type, body.Invitable, body.Message = nil, nil, nil
	req, err := body.request()
	if err != nil {
		return err
	}
	req.MessageID = messageID
	return h.writeThread(w, r, u, channelID, req)
}

func (h *Handler) writeThread(w http.ResponseWriter, r *http.Request, u *chat.User, channelID chat.ID, req guild.ThreadCreate) error {
	out, err := h.guilds.StartThread(r.Context(), channelID, u.ID, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, threadWithMessage{Channel: out.Thread, Message: out.Message})
	return nil
}

// --- thread members ---

// channelNoContent is a handler that runs act on the path's channel as
// the user and answers 204 (join and leave a thread).
func channelNoContent(act func(ctx context.Context, channelID, userID chat.ID) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, u *chat.User) error {
		id, err := pathID(r, "channel_id")
		if err != nil {
			return err
		}
		if err := act(r.Context(), id, u.ID); err != nil {
			return err
		}
		return noContent(w)
	}
}

func threadMemberPath(r *http.Request) (threadID, userID chat.ID, err error) {
	if threadID, err = pathID(r, "channel_id"); err != nil {
		return 0, 0, err
	}
	userID, err = pathID(r, "user_id")
	return threadID, userID, err
}

// threadMemberNoContent is a handler that runs act on the path's thread
// and user as the caller and answers 204 (add and remove a member).
func threadMemberNoContent(act func(ctx context.Context, threadID, userID, targetID chat.ID) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, u *chat.User) error {
		id, target, err := threadMemberPath(r)
		if err != nil {
			return err
		}
		if err := act(r.Context(), id, u.ID, target); err != nil {
			return err
		}
		return noContent(w)
	}
}

func (h *Handler) getThreadMember(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, target, err := threadMemberPath(r)
	if err != nil {
		return err
	}
	m, err := h.guilds.ThreadMember(r.Context(), id, u.ID, target, queryBool(r, "with_member"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (h *Handler) listThreadMembers(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	p := guild.ThreadMemberPage{WithMember: queryBool(r, "with_member")}
	if p.After, err = queryID(r, "after"); err != nil {
		return err
	}
	// Discord pages (default 100) only with with_member; without it the
	// whole list comes back, as before paging existed.
	if p.WithMember || r.URL.Query().Has("limit") {
		if p.Limit, err = queryInt(r, "limit", 100, 1, 100); err != nil {
			return err
		}
	}
	ms, err := h.guilds.ThreadMembers(r.Context(), id, u.ID, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ms)
	return nil
}

// --- lists ---

func (h *Handler) activeThreads(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	l, err := h.guilds.ActiveThreads(r.Context(), id, u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

func (h *Handler) archivedThreads(private, joined bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, u *chat.User) error {
		id, err := pathID(r, "channel_id")
		if err != nil {
			return err
		}
		q := guild.ArchivedQuery{Private: private, Joined: joined}
		if q.Limit, err = queryInt(r, "limit", 50, 1, 100); err != nil {
			return err
		}
		if before := r.URL.Query().Get("before"); before != "" {
			if joined {
				if q.BeforeID, err = queryID(r, "before"); err != nil {
					return err
				}
			} else if q.Before, err = time.Parse(time.RFC3339Nano, before); err != nil {
				return protocol.InvalidForm(protocol.FieldError{Path: "before", Code: "DATE_TIME_TYPE_PARSE", Message: "Could not parse " + before + ". Should be ISO8601."})
			}
		}
		l, err := h.guilds.ArchivedThreads(r.Context(), id, u.ID, q)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, l)
		return nil
	}
}

// --- announcement channels ---

func (h *Handler) followChannel(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	var body struct {
		WebhookChannelID chat.ID `json:"webhook_channel_id"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	if body.WebhookChannelID == 0 {
		return protocol.InvalidForm(protocol.FieldError{Path: "webhook_channel_id", Code: protocol.FieldBaseTypeRequired, Message: "This field is required"})
	}
	f, err := h.guilds.FollowChannel(r.Context(), id, u.ID, body.WebhookChannelID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

func (h *Handler) crosspost(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, messageID, err := messagePath(r)
	if err != nil {
		return err
	}
	b, err := h.guilds.Crosspost(r.Context(), channelID, messageID, u.ID)
	if err != nil {
		return err
	}
	writeRaw(w, http.StatusOK, b)
	return nil
}
