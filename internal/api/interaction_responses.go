package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/interaction"
	"github.com/accordchat/accord/internal/protocol"
)

// Responding to interactions: POST /interactions/{id}/{token}/callback,
// and the follow-up and original-response functions that the webhook
// routes (/webhooks/{application_id}/{token}...) call when the token is an
// interaction's (Handler.inter.Owns). Answers are posted as the
// application's bot; an ephemeral one (flag 64) is never stored: it goes
// to the invoker's sessions only and is kept with the interaction for
// the token's lifetime.

// Callback types (Discord's).
const (
	cbPong                 = 1
	cbChannelMessage       = 4
	cbDeferredMessage      = 5
	cbDeferredUpdate       = 6
	cbUpdateMessage        = 7
	cbAutocompleteResult   = 8
	cbModal                = 9
	cbLaunchActivity       = 12
	msgFlagLoadingResponse = 1 << 7
)

// callbackAllowed lists the callback types each interaction type takes.
var callbackAllowed = map[int][]int{
	interaction.TypePing:               {cbPong},
	interaction.TypeApplicationCommand: {cbChannelMessage, cbDeferredMessage, cbModal},
	interaction.TypeMessageComponent:   {cbChannelMessage, cbDeferredMessage, cbDeferredUpdate, cbUpdateMessage, cbModal},
	interaction.TypeAutocomplete:       {cbAutocompleteResult},
	interaction.TypeModalSubmit:        {cbChannelMessage, cbDeferredMessage, cbDeferredUpdate, cbUpdateMessage},
}

func (h *Handler) lookupInteraction(r *http.Request) (*interaction.Interaction, error) {
	id, err := chat.ParseID(r.PathValue("interaction_id"))
	if err != nil {
		return nil, errUnknownInteraction
	}
	it, err := h.inter.Lookup(id, r.PathValue("token"))
	if err != nil {
		return nil, errUnknownInteraction
	}
	return it, nil
}

// callbackBody is an interaction response: a callback's body, or an HTTP
// interactions endpoint's answer.
type callbackBody struct {
	Type int             `json:"type"`
	Data json.RawMessage `json:"data"`
}

func (h *Handler) interactionCallback(w http.ResponseWriter, r *http.Request, _ *chat.User) error {
	it, err := h.lookupInteraction(r)
	if err != nil {
		if fwd, ferr := h.forwardInteraction(w, r, r.PathValue("token")); fwd {
			return ferr // another node's interaction
		}
		return err
	}
	// A message answer may come with files (multipart, as discord.py and
	// discord.js send them); the token authenticates the upload.
	b, up, err := h.webhookPayload(w, r, it.ChannelID, 0)
	if err != nil {
		return err
	}
	var body callbackBody
	if err := decodeJSON(b, &body); err != nil {
		h.dropUpload(r.Context(), it.ChannelID, up)
		return err
	}
	msg, ephemeral, err := h.answerInteraction(r.Context(), it, body, up)
	if err != nil {
		h.dropUpload(r.Context(), it.ChannelID, up)
		return err
	}
	// discord.py sends with_response=1: Discord takes any boolean form.
	if withResponse, _ := strconv.ParseBool(r.URL.Query().Get("with_response")); !withResponse {
		return noContent(w)
	}
	return h.writeCallbackResponse(w, it, body.Type, ephemeral, msg)
}

// answerInteraction applies an interaction response, from the callback
// route (with its files in up, nil: none) or from an HTTP interactions
// endpoint's answer, and returns the message it sent or edited (if any)
// and whether that is ephemeral.
func (h *Handler) answerInteraction(ctx context.Context, it *interaction.Interaction, body callbackBody, up *upload) (msg []byte, ephemeral bool, err error) {
	ok := false
	for _, t := range callbackAllowed[it.Type] {
		ok = ok || t == body.Type
	}
	if !ok {
		return nil, false, protocol.InvalidForm(protocol.FieldError{Path: "type", Code: "INTERACTION_RESPONSE_TYPE_INVALID",
			Message: "Interaction response type is invalid for this interaction"})
	}
	// Everything that can fail on the body fails before the interaction
	// is acknowledged, so that a bad body leaves the bot its one answer.
	var flags struct {
		Flags int `json:"flags"`
	}
	if len(body.Data) > 0 {
		if err := decodeJSON(body.Data, &flags); err != nil {
			return nil, false, err
		}
	}
	ephemeral = flags.Flags&msgFlagEphemeral != 0
	var autocomplete, modal []byte
	switch body.Type {
	case cbChannelMessage:
		if _, err := decodeMessage(body.Data, up); err != nil {
			return nil, false, err
		}
	case cbUpdateMessage:
		if _, err := h.decodeInteractionEdit(body.Data); err != nil {
			return nil, false, err
		}
	case cbAutocompleteResult:
		var d struct {
			Choices []json.RawMessage `json:"choices"`
		}
		if err := decodeJSON(body.Data, &d); err != nil {
			return nil, false, err
		}
		if len(d.Choices) > 25 {
			return nil, false, protocol.InvalidForm(protocol.FieldError{Path: "data.choices", Code: protocol.FieldBaseTypeMaxLength, Message: "Must be 25 or fewer in length."})
		}
		autocomplete, _ = protocol.Marshal(struct {
			Choices []json.RawMessage `json:"choices"`
			Nonce   string            `json:"nonce,omitempty"`
		}{d.Choices, it.Nonce})
	case cbModal:
		var d struct {
			Title      string            `json:"title"`
			CustomID   string            `json:"custom_id"`
			Components []json.RawMessage `json:"components"`
		}
		if err := decodeJSON(body.Data, &d); err != nil {
			return nil, false, err
		}
		if d.Title == "" || len([]rune(d.Title)) > 45 || d.CustomID == "" || len(d.CustomID) > 100 || len(d.Components) == 0 || len(d.Components) > 5 {
			return nil, false, protocol.InvalidForm(protocol.FieldError{Path: "data", Code: protocol.FieldBaseTypeInvalid,
				Message: "A modal needs a title (1-45), a custom_id (1-100) and 1-5 rows of components"})
		}
		modal, _ = protocol.Marshal(struct {
			ID          chat.ID           `json:"id"`
			Nonce       string            `json:"nonce,omitempty"`
			ChannelID   chat.ID           `json:"channel_id"`
			Title       string            `json:"title"`
			CustomID    string            `json:"custom_id"`
			Components  []json.RawMessage `json:"components"`
			Application struct {
				ID chat.ID `json:"id"`
			} `json:"application"`
		}{ID: it.ID, Nonce: it.Nonce, ChannelID: it.ChannelID, Title: d.Title, CustomID: d.CustomID, Components: d.Components,
			Application: struct {
				ID chat.ID `json:"id"`
			}{it.AppID}})
	}
	switch err := h.inter.Ack(it); {
	case errors.Is(err, interaction.ErrAcked):
		return nil, false, errAlreadyAcked
	case err != nil:
		return nil, false, errUnknownInteraction
	}
	h.sendToUser(it.UserID, &protocol.Dispatch{Name: "INTERACTION_SUCCESS", Data: interactionNote(it)})

	switch body.Type {
	case cbChannelMessage:
		msg, err = h.interactionMessage(ctx, it, body.Data, true, up)
	case cbDeferredMessage:
		// Discord posts the "thinking" message at once; editing the
		// original (or the first follow-up) completes it.
		it.SetDeferred(ephemeral)
		if msg, err = h.postAnswer(ctx, it, guild.MessageCreate{}, ephemeral, true, true); err == nil {
			it.SetLoading(true)
		}
	case cbDeferredUpdate:
		h.adoptComponentMessage(it)
	case cbUpdateMessage:
		var edit []byte
		if edit, err = h.editChannelMessage(ctx, it, it.MessageID, body.Data, up, false); err == nil {
			h.adoptComponentMessage(it)
		}
		msg = edit
	case cbAutocompleteResult:
		h.sendToUser(it.UserID, &protocol.Dispatch{Name: "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE", Data: autocomplete})
	case cbModal:
		h.sendToUser(it.UserID, &protocol.Dispatch{Name: "INTERACTION_MODAL_CREATE", Data: modal})
	}
	if err != nil {
		return nil, false, err
	}
	return msg, ephemeral, nil
}

// adoptComponentMessage makes the message a component sits on the
// original response of a type 6 or 7 answer, as Discord does: the bot's
// later PATCH or DELETE of @original edits that message.
func (h *Handler) adoptComponentMessage(it *interaction.Interaction) {
	if it.MessageID == 0 {
		return // a modal submitted from a command has no message
	}
	it.SetOriginal(it.MessageID, false)
	it.AddSent(it.MessageID)
}

// writeCallbackResponse writes Discord's interaction callback response
// object (?with_response=true).
func (h *Handler) writeCallbackResponse(w http.ResponseWriter, it *interaction.Interaction, cbType int, ephemeral bool, msg []byte) error {
	type cbInteraction struct {
		ID                       chat.ID  `json:"id"`
		Type                     int      `json:"type"`
		ActivityInstanceID       *string  `json:"activity_instance_id"`
		ResponseMessageID        *chat.ID `json:"response_message_id,omitempty"`
		ResponseMessageLoading   *bool    `json:"response_message_loading,omitempty"`
		ResponseMessageEphemeral *bool    `json:"response_message_ephemeral,omitempty"`
	}
	type cbResource struct {
		Type    int             `json:"type"`
		Message json.RawMessage `json:"message,omitempty"`
	}
	out := struct {
		Interaction cbInteraction `json:"interaction"`
		Resource    *cbResource   `json:"resource,omitempty"`
	}{Interaction: cbInteraction{ID: it.ID, Type: it.Type}}
	switch cbType {
	case cbChannelMessage, cbUpdateMessage:
		id := messageIDOf(msg)
		loading := false
		out.Interaction.ResponseMessageID, out.Interaction.ResponseMessageLoading = &id, &loading
		out.Interaction.ResponseMessageEphemeral = &ephemeral
		out.Resource = &cbResource{Type: cbType, Message: msg}
	case cbDeferredMessage:
		id, loading := messageIDOf(msg), true
		out.Interaction.ResponseMessageID = &id
		out.Interaction.ResponseMessageLoading, out.Interaction.ResponseMessageEphemeral = &loading, &ephemeral
		out.Resource = &cbResource{Type: cbType, Message: msg}
	default:
		out.Resource = &cbResource{Type: cbType}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func messageIDOf(msg []byte) chat.ID {
	var m struct {
		ID chat.ID `json:"id"`
	}
	_ = json.Unmarshal(msg, &m)
	return m.ID
}

// interactionMessage sends a message, with the files in up (nil: none), in
// answer to it (original: the original response, else a follow-up) and
// returns its JSON.
func (h *Handler) interactionMessage(ctx context.Context, it *interaction.Interaction, data []byte, original bool, up *upload) ([]byte, error) {
	req, err := decodeMessage(data, up)
	if err != nil {
		return nil, err
	}
	var flags struct {
		Flags int `json:"flags"`
	}
	_ = json.Unmarshal(data, &flags)
	ephemeral := flags.Flags&msgFlagEphemeral != 0
	if deferred, defEphemeral := it.Deferred(); original && deferred {
		ephemeral = defEphemeral
	}
	return h.postAnswer(ctx, it, req, ephemeral, original, false)
}

// interactionEdit is an edit of an answer.
type interactionEdit struct {
	Content nullableString `json:"content"`
	Embeds  nullableEmbeds `json:"embeds"`
}

func (h *Handler) decodeInteractionEdit(data []byte) (interactionEdit, error) {
	var e interactionEdit
	if len(data) == 0 {
		return e, nil
	}
	if err := decodeJSON(data, &e); err != nil {
		return e, err
	}
	if e.Embeds.Set {
		if _, errs := e.Embeds.decode(); len(errs) > 0 {
			return e, protocol.InvalidForm(errs...)
		}
	}
	return e, nil
}

// editChannelMessage edits a stored message of the bot's in its channel,
// adding the files in up (nil: none); complete completes a deferred
// answer (see guild.MessageEdit).
func (h *Handler) editChannelMessage(ctx context.Context, it *interaction.Interaction, messageID chat.ID, data []byte, up *upload, complete bool) ([]byte, error) {
	if len(data) == 0 {
		data = []byte("{}")
	}
	bot := chat.User{ID: it.BotID, Bot: true}
	return h.editMessageBodyAs(ctx, it.ChannelID, messageID, &bot, data, up, complete)
}

// editEphemeral applies an edit to an ephemeral message and tells its
// reader.
func (h *Handler) editEphemeral(it *interaction.Interaction, messageID chat.ID, old, data []byte, complete bool) ([]byte, error) {
	e, err := h.decodeInteractionEdit(data)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(old, &m); err != nil {
		return nil, err
	}
	if e.Content.Set {
		m["content"], _ = json.Marshal(e.Content.Value)
	}
	if e.Embeds.Set {
		embeds, _ := e.Embeds.decode()
		ms := protocol.MessageObject(chat.Message{Embeds: embeds}, chat.User{}, nil)
		m["embeds"], _ = json.Marshal(ms.Embeds)
	}
	if complete {
		// The deferred answer gets its first content: no longer
		// loading, and not an edit.
		var flags int
		_ = json.Unmarshal(m["flags"], &flags)
		m["flags"], _ = json.Marshal(flags &^ msgFlagLoadingResponse)
	} else {
		m["edited_timestamp"], _ = json.Marshal(protocol.Timestamp(h.inter.Now()))
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	it.PutEphemeral(messageID, b)
	h.sendToUser(it.UserID, &protocol.Dispatch{Name: protocol.EventMessageUpdate, Data: b})
	return b, nil
}
