package api

import (
	"net/http"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/interaction"
	"github.com/accordchat/accord/internal/protocol"
)

// The interaction side of the webhook routes. The webhook handlers own
// /webhooks/{webhook_id}/{webhook_token}[/messages/{message_id}]; when
// h.inter.Owns(id, token) they call these instead of treating the pair
// as a channel webhook:
//
//	POST   /webhooks/{app}/{token}                        interactionFollowup
//	GET    /webhooks/{app}/{token}/messages/{message_id}  interactionMessageGet
//	PATCH  /webhooks/{app}/{token}/messages/{message_id}  interactionMessageEdit
//	DELETE /webhooks/{app}/{token}/messages/{message_id}  interactionMessageDelete
//
// message_id may be "@original". All answer 10015 Unknown Webhook for a
// token that is not (or no longer) the application's interaction's.

func (h *Handler) interactionByToken(appID chat.ID, token string) (*interaction.Interaction, error) {
	it, err := h.inter.ByToken(appID, token)
	if err != nil {
		return nil, errUnknownWebhook
	}
	return it, nil
}

// interactionFollowup sends a follow-up message (the first after a
// deferred response completes that response instead). ?wait is implied:
// the message is always returned, as discord.py and discord.js expect.
func (h *Handler) interactionFollowup(w http.ResponseWriter, r *http.Request, appID chat.ID, token string) error {
	it, err := h.interactionByToken(appID, token)
	if err != nil {
		return err
	}
	b, up, err := h.webhookPayload(w, r, it.ChannelID, 0)
	if err != nil {
		return err
	}
	// The first follow-up after a deferral completes the "thinking"
	// message instead (Discord's backwards-compatible behaviour; the
	// deferral's ephemeral state stays).
	if id, eph := it.Original(); id != 0 && it.Loading() {
		msg, err := h.editAnswer(r, it, id, h.ephemeralOf(it, id, eph), b, up)
		if err != nil {
			h.dropUpload(r.Context(), it.ChannelID, up)
			return err
		}
		writeRaw(w, http.StatusOK, msg)
		return nil
	}
	original := false
	if deferred, _ := it.Deferred(); deferred {
		id, _ := it.Original()
		original = id == 0
	}
	msg, err := h.interactionMessage(r.Context(), it, b, original, up)
	if err != nil {
		h.dropUpload(r.Context(), it.ChannelID, up)
		return err
	}
	writeRaw(w, http.StatusOK, msg)
	return nil
}

// answerMessage resolves a message_id of the token: "@original" or one of
// the interaction's answers. It returns the ID, the ephemeral message's
// JSON if it is one, and whether the original does not exist yet.
func (h *Handler) answerMessage(it *interaction.Interaction, messageID string) (chat.ID, []byte, error) {
	var id chat.ID
	if messageID == "@original" {
		id, _ = it.Original()
		if id == 0 {
			return 0, nil, chat.ErrUnknownMessage
		}
	} else {
		var err error
		if id, err = chat.ParseID(messageID); err != nil {
			return 0, nil, chat.ErrUnknownMessage
		}
	}
	if b := it.Ephemeral(id); b != nil {
		return id, b, nil
	}
	if !it.Sent(id) {
		return 0, nil, chat.ErrUnknownMessage
	}
	return id, nil, nil
}

// tokenAnswer resolves messageID of the interaction whose token this is
// (see answerMessage): the read and delete routes start with it.
func (h *Handler) tokenAnswer(appID chat.ID, token, messageID string) (*interaction.Interaction, chat.ID, []byte, error) {
	it, err := h.interactionByToken(appID, token)
	if err != nil {
		return nil, 0, nil, err
	}
	id, eph, err := h.answerMessage(it, messageID)
	return it, id, eph, err
}

func (h *Handler) interactionMessageGet(w http.ResponseWriter, r *http.Request, appID chat.ID, token, messageID string) error {
	it, id, eph, err := h.tokenAnswer(appID, token, messageID)
	if err != nil {
		return err
	}
	if eph != nil {
		writeRaw(w, http.StatusOK, eph)
		return nil
	}
	m, err := h.guilds.Message(r.Context(), it.ChannelID, id, it.BotID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

// interactionMessageEdit edits an answer; editing "@original" after a
// deferred response sends the response.
func (h *Handler) interactionMessageEdit(w http.ResponseWriter, r *http.Request, appID chat.ID, token, messageID string) error {
	it, err := h.interactionByToken(appID, token)
	if err != nil {
		return err
	}
	b, up, err := h.webhookPayload(w, r, it.ChannelID, 0)
	if err != nil {
		return err
	}
	if messageID == "@original" {
		if id, _ := it.Original(); id == 0 {
			if deferred, _ := it.Deferred(); deferred {
				msg, err := h.interactionMessage(r.Context(), it, b, true, up)
				if err != nil {
					h.dropUpload(r.Context(), it.ChannelID, up)
					return err
				}
				writeRaw(w, http.StatusOK, msg)
				return nil
			}
		}
	}
	id, eph, err := h.answerMessage(it, messageID)
	if err == nil {
		var out []byte
		if out, err = h.editAnswer(r, it, id, eph, b, up); err == nil {
			writeRaw(w, http.StatusOK, out)
			return nil
		}
	}
	h.dropUpload(r.Context(), it.ChannelID, up)
	return err
}

// editAnswer edits answer id of it (eph: its JSON if it is ephemeral),
// adding the files in up to a stored one; the first edit of a deferred
// original completes it.
func (h *Handler) editAnswer(r *http.Request, it *interaction.Interaction, id chat.ID, eph, b []byte, up *upload) ([]byte, error) {
	complete := completes(it, id)
	var out []byte
	var err error
	if eph != nil {
		if up != nil && len(up.files) > 0 {
			// An ephemeral answer lives in the invoker's client only: there
			// is no stored message to attach new files to.
			return nil, protocol.InvalidForm(protocol.FieldError{Path: "attachments", Code: protocol.FieldBaseTypeInvalid,
				Message: "Files cannot be added to an ephemeral message"})
		}
		out, err = h.editEphemeral(it, id, eph, b, complete)
	} else {
		out, err = h.editChannelMessage(r.Context(), it, id, b, up, complete)
	}
	if err == nil && complete {
		it.SetLoading(false)
	}
	return out, err
}

// ephemeralOf is answer id's JSON if ephemeral says it is ephemeral.
func (h *Handler) ephemeralOf(it *interaction.Interaction, id chat.ID, ephemeral bool) []byte {
	if !ephemeral {
		return nil
	}
	return it.Ephemeral(id)
}

func (h *Handler) interactionMessageDelete(w http.ResponseWriter, r *http.Request, appID chat.ID, token, messageID string) error {
	it, id, eph, err := h.tokenAnswer(appID, token, messageID)
	if err != nil {
		return err
	}
	if eph != nil {
		it.PutEphemeral(id, nil)
		b, _ := protocol.Marshal(struct {
			ID        chat.ID `json:"id"`
			ChannelID chat.ID `json:"channel_id"`
			GuildID   chat.ID `json:"guild_id,omitempty"`
		}{id, it.ChannelID, it.GuildID})
		h.sendToUser(it.UserID, &protocol.Dispatch{Name: protocol.EventMessageDelete, Data: b})
		return noContent(w)
	}
	if err := h.guilds.DeleteMessage(r.Context(), it.ChannelID, id, it.BotID); err != nil {
		return err
	}
	return noContent(w)
}

// interactionWebhook answers a request on /webhooks/{id}/{token} or
// /webhooks/{id}/{token}/messages/{message_id} whose (id, token) is an
// interaction's (the webhook routes hand it over, see
// SetInteractionWebhooks): POST makes a follow-up, the message routes read,
// edit and delete @original or a follow-up. An interaction token names no
// webhook, so the webhook object routes answer 10015 as Discord does.
func (h *Handler) interactionWebhook(w http.ResponseWriter, r *http.Request, appID chat.ID, token, messageID string) error {
	if messageID == "" {
		if r.Method == http.MethodPost {
			return h.interactionFollowup(w, r, appID, token)
		}
		return errUnknownWebhook
	}
	switch r.Method {
	case http.MethodGet:
		return h.interactionMessageGet(w, r, appID, token, messageID)
	case http.MethodPatch:
		return h.interactionMessageEdit(w, r, appID, token, messageID)
	case http.MethodDelete:
		return h.interactionMessageDelete(w, r, appID, token, messageID)
	}
	return errUnknownWebhook
}
