package api

import (
	"context"
	"net/http"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Read states (account.ReadStates): POST .../messages/{id}/ack records how
// far the user read a channel they can see and tells the user's sessions
// with MESSAGE_ACK.

// ReadStates records acknowledgements; account.ReadStates implements it.
type ReadStates interface {
	Ack(ctx context.Context, userID, channelID, messageID chat.ID, mentions int) (chat.ReadState, error)
}

// UserSender sends a dispatch to every session of one user, on every
// node: the optional ability of Config.Sessions MESSAGE_ACK needs.
type UserSender interface {
	SendToUser(userID chat.ID, d *protocol.Dispatch)
}

// maxAckMentions bounds the mention count a client may ask to keep.
const maxAckMentions = 10_000

func (h *Handler) ackMessage(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	messageID, err := pathID(r, "message_id")
	if err != nil {
		return err
	}
	// Discord's client sends {"token": null, "last_viewed": n}, and
	// {"manual": true, "mention_count": n} when it marks a channel unread;
	// bots usually send nothing.
	var body struct {
		Token        *string `json:"token"`
		Manual       bool    `json:"manual"`
		MentionCount *int    `json:"mention_count"`
	}
	if err := h.decodeOptional(w, r, &body); err != nil {
		return err
	}
	mentions := 0
	if body.MentionCount != nil {
		if *body.MentionCount < 0 || *body.MentionCount > maxAckMentions {
			return protocol.InvalidForm(protocol.FieldError{Path: "mention_count", Code: protocol.FieldNumberTypeMax,
				Message: "int value should be between 0 and 10000."})
		}
		mentions = *body.MentionCount
	}
	// Only a channel the user can see may be acked (10003 if it does not
	// exist, 50001 without VIEW_CHANNEL).
	if private, err := h.private(r.Context(), channelID); err != nil {
		return err
	} else if private {
		if _, err := h.dms.Channel(r.Context(), channelID, u.ID); err != nil {
			return err
		}
	} else if _, err := h.guilds.Channel(r.Context(), channelID, u.ID); err != nil {
		return err
	}
	if h.cfg.ReadStates == nil {
		return chat.ErrUnknownChannel
	}
	rs, err := h.cfg.ReadStates.Ack(r.Context(), u.ID, channelID, messageID, mentions)
	if err != nil {
		return err
	}
	if s, ok := h.cfg.Sessions.(UserSender); ok {
		data, err := protocol.Marshal(protocol.MessageAck{ChannelID: channelID, MessageID: messageID,
			Version: rs.Version, MentionCount: rs.MentionCount, Manual: body.Manual})
		if err != nil {
			return err
		}
		s.SendToUser(u.ID, &protocol.Dispatch{Name: protocol.EventMessageAck, Data: data})
	}
	writeJSON(w, http.StatusOK, protocol.AckToken{})
	return nil
}
