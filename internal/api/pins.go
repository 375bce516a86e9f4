package api

import (
	"context"
	"net/http"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
)

// errRouteNotFound is the answer of a path no route serves, for handlers
// that serve several paths from one pattern.
var errRouteNotFound = protocol.NewAPIError(http.StatusNotFound, protocol.CodeGeneral, "404: Not Found")

// listPins serves Get Channel Pins: ?before=<ISO8601>&limit=1..50.
func (h *Handler) listPins(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	var before time.Time
	if s := r.URL.Query().Get("before"); s != "" {
		if before, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return protocol.InvalidForm(protocol.FieldError{Path: "before", Code: protocol.FieldDateTypeParse,
				Message: "Could not parse " + s + ". Should be ISO8601."})
		}
	}
	limit, err := queryInt(r, "limit", 50, 1, 50)
	if err != nil {
		return err
	}
	out, err := h.chansFor(r.Context(), channelID).Pins(r.Context(), channelID, u.ID, before, limit)
	if err != nil {
		return err
	}
	for i := range out.Items {
		if err := h.stripIfBlind(r.Context(), u, &out.Items[i].Message); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// listPinnedMessages serves the older Get Pinned Messages: an array of the
// newest 50 pinned messages.
func (h *Handler) listPinnedMessages(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	ms, err := h.chansFor(r.Context(), channelID).PinnedMessages(r.Context(), channelID, u.ID)
	if err != nil {
		return err
	}
	for i := range ms {
		if err := h.stripIfBlind(r.Context(), u, &ms[i]); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, ms)
	return nil
}

func (h *Handler) pinMessage(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return onMessage(w, r, u, h.chans(r).PinMessage)
}

func (h *Handler) unpinMessage(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return onMessage(w, r, u, h.chans(r).UnpinMessage)
}

// stripIfBlind strips m's content for u when u reads without the
// MESSAGE_CONTENT intent (see contentBlind), as message reads do.
func (h *Handler) stripIfBlind(ctx context.Context, u *chat.User, m *protocol.Message) error {
	blind, err := h.contentBlind(ctx, u, m.ChannelID)
	if err != nil || !blind {
		return err
	}
	*m = guild.StripContentFor(*m, u.ID)
	return nil
}
