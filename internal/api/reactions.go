package api

import (
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// errBadEmoji is Discord's answer to an {emoji} path segment that names no
// emoji (developers/resources/message.mdx, Create Reaction).
var errBadEmoji = protocol.NewAPIError(http.StatusBadRequest, protocol.CodeUnknownEmoji, "Unknown Emoji")

// maxEmojiBytes bounds a unicode emoji: the longest in use (ZWJ families,
// flag tag sequences) are under 40 bytes of UTF-8.
const maxEmojiBytes = 64

// parseEmoji reads the {emoji} path segment (already URL-decoded): a
// unicode emoji, or a custom one as name:id (discord.js sends a:name:id
// for an animated one).
func parseEmoji(s string) (chat.Emoji, error) {
	if name, id, ok := strings.Cut(strings.TrimPrefix(s, "a:"), ":"); ok {
		eid, err := chat.ParseID(id)
		if err != nil || eid == 0 || !validEmojiName(name) {
			return chat.Emoji{}, errBadEmoji
		}
		return chat.Emoji{ID: eid, Name: name, Animated: strings.HasPrefix(s, "a:")}, nil
	}
	if !validUnicodeEmoji(s) {
		return chat.Emoji{}, errBadEmoji
	}
	return chat.Emoji{Name: s}, nil
}

// validEmojiName is Discord's rule for custom emoji names: 2 to 32
// letters, digits and underscores.
func validEmojiName(s string) bool {
	if len(s) < 2 || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// validUnicodeEmoji accepts what an emoji sequence is made of: symbols
// (🔥, ❤, regional indicators), modifiers (skin tones), marks (variation
// selectors, the keycap), format characters (ZWJ, tags) and the keycap
// bases 0-9 # *, with at least one symbol or keycap. Letters, spaces,
// controls and ':' are refused, so no text can pose as a reaction, and a
// unicode key is never all digits (see chat.Emoji.Key).
func validUnicodeEmoji(s string) bool {
	if s == "" || len(s) > maxEmojiBytes || !utf8.ValidString(s) {
		return false
	}
	symbol := false
	for _, c := range s {
		switch {
		case unicode.Is(unicode.So, c) || c == '\u20e3':
			symbol = true
		case unicode.In(c, unicode.Sk, unicode.Mn, unicode.Cf):
		case c >= '0' && c <= '9' || c == '#' || c == '*':
		default:
			return false
		}
	}
	return symbol
}

// reactionTarget reads the channel, message and emoji of a reaction route.
func reactionTarget(r *http.Request) (channelID, messageID chat.ID, e chat.Emoji, err error) {
	if channelID, err = pathID(r, "channel_id"); err != nil {
		return
	}
	if messageID, err = pathID(r, "message_id"); err != nil {
		return
	}
	e, err = parseEmoji(r.PathValue("emoji"))
	return
}

func (h *Handler) addReaction(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, messageID, e, err := reactionTarget(r)
	if err != nil {
		return err
	}
	if err := h.chans(r).AddReaction(r.Context(), channelID, messageID, u.ID, e); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) removeOwnReaction(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, messageID, e, err := reactionTarget(r)
	if err != nil {
		return err
	}
	if err := h.chans(r).RemoveReaction(r.Context(), channelID, messageID, u.ID, u.ID, e); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) removeUserReaction(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, messageID, e, err := reactionTarget(r)
	if err != nil {
		return err
	}
	userID, err := pathID(r, "user_id")
	if err != nil {
		return err
	}
	if err := h.chans(r).RemoveReaction(r.Context(), channelID, messageID, u.ID, userID, e); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) listReactionUsers(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, messageID, e, err := reactionTarget(r)
	if err != nil {
		return err
	}
	after, err := queryID(r, "after")
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 25, 1, 100)
	if err != nil {
		return err
	}
	// Type 1 asks for super reactions, which Accord does not have.
	typ, err := queryInt(r, "type", protocol.ReactionTypeNormal, 0, 1)
	if err != nil {
		return err
	}
	users, err := h.chans(r).ReactionUsers(r.Context(), channelID, messageID, u.ID, e, after, limit)
	if err != nil {
		return err
	}
	out := make([]protocol.User, 0, len(users))
	if typ == protocol.ReactionTypeNormal {
		for _, x := range users {
			out = append(out, protocol.UserObject(x))
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) clearEmojiReactions(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, messageID, e, err := reactionTarget(r)
	if err != nil {
		return err
	}
	if err := h.chans(r).ClearReactions(r.Context(), channelID, messageID, u.ID, &e); err != nil {
		return err
	}
	return noContent(w)
}

// messageSubresource serves DELETE /channels/{c}/messages/{a}/{b}: both
// Delete All Reactions (.../messages/{message_id}/reactions) and Unpin
// Message (.../messages/pins/{message_id}). One pattern takes both because
// net/http's mux refuses two patterns that overlap (".../messages/pins/
// reactions" would match either) with neither more specific.
func (h *Handler) messageSubresource(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	a, b := r.PathValue("message_id"), r.PathValue("sub")
	switch {
	case a == "pins":
		r.SetPathValue("message_id", b)
		return h.unpinMessage(w, r, u)
	case b == "reactions":
		channelID, messageID, err := messagePath(r)
		if err != nil {
			return err
		}
		if err := h.chans(r).ClearReactions(r.Context(), channelID, messageID, u.ID, nil); err != nil {
			return err
		}
		return noContent(w)
	}
	return errRouteNotFound
}
