package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/dm"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

// Private channels (DMs, group DMs) answer the channel and message routes
// the guild registry answers for guild channels: channelOps is what those
// routes need of either, and chans picks the one that owns the route's
// channel. Relationships and opening DMs have routes of their own here.

// channelOps is the part of guild.Registry the message routes use; the
// DM service has the same methods.
type channelOps interface {
	CreateMessage(ctx context.Context, channelID, authorID chat.ID, req guild.MessageCreate) ([]byte, error)
	Messages(ctx context.Context, channelID, userID chat.ID, p store.Page) ([]protocol.Message, error)
	Message(ctx context.Context, channelID, messageID, userID chat.ID) (protocol.Message, error)
	CheckAttach(ctx context.Context, channelID, userID, messageID chat.ID) error
	EditMessage(ctx context.Context, channelID, messageID, userID chat.ID, req guild.MessageEdit) ([]byte, error)
	DeleteMessage(ctx context.Context, channelID, messageID, userID chat.ID) error
	BulkDeleteMessages(ctx context.Context, channelID, userID chat.ID, ids []chat.ID) error
	Typing(ctx context.Context, channelID, userID chat.ID) error
	AddReaction(ctx context.Context, channelID, messageID, userID chat.ID, e chat.Emoji) error
	RemoveReaction(ctx context.Context, channelID, messageID, actorID, targetID chat.ID, e chat.Emoji) error
	ClearReactions(ctx context.Context, channelID, messageID, userID chat.ID, e *chat.Emoji) error
	ReactionUsers(ctx context.Context, channelID, messageID, userID chat.ID, e chat.Emoji, after chat.ID, limit int) ([]chat.User, error)
	PinMessage(ctx context.Context, channelID, messageID, userID chat.ID) error
	UnpinMessage(ctx context.Context, channelID, messageID, userID chat.ID) error
	Pins(ctx context.Context, channelID, userID chat.ID, before time.Time, limit int) (protocol.ChannelPins, error)
	PinnedMessages(ctx context.Context, channelID, userID chat.ID) ([]protocol.Message, error)
}

var (
	_ channelOps = (*guild.Registry)(nil)
	_ channelOps = (*dm.Service)(nil)
)

// chans returns who answers for the channel of r's path.
func (h *Handler) chans(r *http.Request) channelOps {
	id, err := pathID(r, "channel_id")
	if err != nil {
		return h.guilds // which reports the bad path
	}
	return h.chansFor(r.Context(), id)
}

// chansFor returns the DM service for a private channel, else the guild
// registry. A guild channel is found in the registry's cache first, so
// guild traffic costs no extra read.
func (h *Handler) chansFor(ctx context.Context, channelID chat.ID) channelOps {
	if ok, _ := h.private(ctx, channelID); ok {
		return h.dms
	}
	return h.guilds
}

func (h *Handler) private(ctx context.Context, channelID chat.ID) (bool, error) {
	if h.dms == nil {
		return false, nil
	}
	if _, err := h.guilds.GuildOfChannel(ctx, channelID); !errors.Is(err, chat.ErrUnknownChannel) {
		return false, err
	}
	return h.dms.IsPrivate(ctx, channelID)
}

// errNoDMs answers the DM routes of a server built without a DM service.
var errNoDMs = protocol.NewAPIError(http.StatusNotFound, protocol.CodeGeneral, "404: Not Found")

func (h *Handler) needDMs() error {
	if h.dms == nil {
		return errNoDMs
	}
	return nil
}

// createDM is POST /users/@me/channels: {recipient_id} opens (or returns)
// a DM; {recipients} makes a group DM (one recipient: that DM, as
// Discord's client uses it); {access_tokens} is the bots' gdm.join flow,
// which Accord does not have (bots cannot make group DMs).
func (h *Handler) createDM(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	if err := h.needDMs(); err != nil {
		return err
	}
	var body struct {
		RecipientID  *chat.ID        `json:"recipient_id"`
		Recipients   *[]chat.ID      `json:"recipients"`
		AccessTokens json.RawMessage `json:"access_tokens"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	var c dm.Channel
	var err error
	switch {
	case body.RecipientID != nil:
		c, err = h.dms.OpenDM(r.Context(), *u, *body.RecipientID)
	case body.AccessTokens != nil || (body.Recipients != nil && u.Bot):
		return protocol.NewAPIError(http.StatusForbidden, dm.CodeBotsCannot, "Bots cannot use this endpoint")
	case body.Recipients != nil && len(*body.Recipients) == 1:
		c, err = h.dms.OpenDM(r.Context(), *u, (*body.Recipients)[0])
	case body.Recipients != nil:
		c, err = h.dms.CreateGroup(r.Context(), *u, *body.Recipients)
	default:
		return protocol.InvalidForm(protocol.FieldError{Path: "recipient_id", Code: protocol.FieldBaseTypeRequired,
			Message: "This field is required"})
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// listDMs is GET /users/@me/channels.
func (h *Handler) listDMs(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	if err := h.needDMs(); err != nil {
		return err
	}
	cs, err := h.dms.Channels(r.Context(), u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cs)
	return nil
}

// recipientPath reads the channel and user of
// /channels/{channel_id}/recipients/{user_id}.
func recipientPath(r *http.Request) (chat.ID, chat.ID, error) {
	channelID, err := pathID(r, "channel_id")
	if err != nil {
		return 0, 0, err
	}
	userID, err := pathID(r, "user_id")
	return channelID, userID, err
}

func (h *Handler) addRecipient(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return h.onRecipient(w, r, func(ctx context.Context, channelID, userID chat.ID) error {
		return h.dms.AddRecipient(ctx, channelID, *u, userID)
	})
}

func (h *Handler) removeRecipient(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return h.onRecipient(w, r, func(ctx context.Context, channelID, userID chat.ID) error {
		return h.dms.RemoveRecipient(ctx, channelID, *u, userID)
	})
}

// onRecipient runs op on the group DM and user of the route's path and
// answers 204.
func (h *Handler) onRecipient(w http.ResponseWriter, r *http.Request, op func(ctx context.Context, channelID, userID chat.ID) error) error {
	channelID, userID, err := recipientPath(r)
	if err != nil {
		return err
	}
	if err := h.notGuildChannel(r.Context(), channelID); err != nil {
		return err
	}
	if err := op(r.Context(), channelID, userID); err != nil {
		return err
	}
	return noContent(w)
}

// notGuildChannel refuses the group DM routes on a guild channel (50003's
// counterpart: Discord answers such a channel as an unknown DM) and on a
// server without DMs.
func (h *Handler) notGuildChannel(ctx context.Context, channelID chat.ID) error {
	if err := h.needDMs(); err != nil {
		return err
	}
	ok, err := h.private(ctx, channelID)
	if err != nil {
		return err
	}
	if !ok {
		return chat.ErrUnknownChannel
	}
	return nil
}

// editGroupDM is PATCH /channels/{id} on a group DM: name (up to 100
// characters, "" or null clears it) and icon (image data, or null to
// clear it), served by the CDN at /channel-icons/{channel_id}/{hash}.
func (h *Handler) editGroupDM(w http.ResponseWriter, r *http.Request, u *chat.User, channelID chat.ID) error {
	var body struct {
		Name nullableString `json:"name"`
		Icon nullableString `json:"icon"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	var e dm.GroupEdit
	if body.Name.Set {
		name := body.Name.Value
		if utf8.RuneCountInString(name) > 100 {
			return protocol.InvalidForm(lengthError("name", 0, 100))
		}
		e.Name = &name
	}
	icon, img, err := imageField("icon", body.Icon)
	if err != nil {
		return err
	}
	e.Icon = icon
	if img != nil {
		// Only a recipient stores an icon, and the blob is there before
		// any client is given its hash.
		if _, err := h.dms.Channel(r.Context(), channelID, u.ID); err != nil {
			return err
		}
		if err := h.storeImage(r.Context(), "channel-icons", channelID, img); err != nil {
			return err
		}
	}
	c, err := h.dms.EditGroup(r.Context(), channelID, *u, e)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// Relationships (user accounts only; bots get 20001).

func (h *Handler) listRelationships(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	if err := h.needDMs(); err != nil {
		return err
	}
	if u.Bot {
		return protocol.NewAPIError(http.StatusForbidden, dm.CodeBotsCannot, "Bots cannot use this endpoint")
	}
	rs, err := h.dms.Relationships(r.Context(), u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rs)
	return nil
}

func (h *Handler) putRelationship(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	if err := h.needDMs(); err != nil {
		return err
	}
	otherID, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	var body struct {
		Type *int `json:"type"`
	}
	// The body is optional: no body sends a friend request.
	if err := h.decodeOptional(w, r, &body); err != nil {
		return err
	}
	typ := 0
	if body.Type != nil {
		typ = *body.Type
	}
	if err := h.dms.SetRelationship(r.Context(), *u, otherID, typ); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) friendRequestByName(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	if err := h.needDMs(); err != nil {
		return err
	}
	var body struct {
		Username string `json:"username"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	if body.Username == "" {
		return protocol.InvalidForm(protocol.FieldError{Path: "username", Code: protocol.FieldBaseTypeRequired,
			Message: "This field is required"})
	}
	if err := h.dms.FriendRequestByName(r.Context(), *u, body.Username); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) deleteRelationship(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	if err := h.needDMs(); err != nil {
		return err
	}
	otherID, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	if err := h.dms.DeleteRelationship(r.Context(), *u, otherID); err != nil {
		return err
	}
	return noContent(w)
}
