package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/component"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// Limits of Create Message (shared/discord-facts.md §3).
const (
	maxContent = 2000
	maxNonce   = 25
)

type allowedMentionsBody struct {
	Parse       []string  `json:"parse"`
	Users       []chat.ID `json:"users"`
	Roles       []chat.ID `json:"roles"`
	RepliedUser bool      `json:"replied_user"`
}

type messageBody struct {
	Content          *string           `json:"content"`
	Nonce            json.RawMessage   `json:"nonce"`
	EnforceNonce     bool              `json:"enforce_nonce"`
	TTS              bool              `json:"tts"`
	Embeds           []json.RawMessage `json:"embeds"`
	StickerIDs       []chat.ID         `json:"sticker_ids"`
	Components       []json.RawMessage `json:"components"`
	Flags            *int              `json:"flags"`
	MessageReference *struct {
		MessageID       chat.ID `json:"message_id"`
		ChannelID       chat.ID `json:"channel_id"`
		GuildID         chat.ID `json:"guild_id"`
		FailIfNotExists *bool   `json:"fail_if_not_exists"`
	} `json:"message_reference"`
	AllowedMentions *allowedMentionsBody `json:"allowed_mentions"`
	Attachments     []attachmentBody     `json:"attachments"`
}

var errEmptyMessage = protocol.NewAPIError(http.StatusBadRequest, protocol.CodeEmptyMessage, "Cannot send an empty message")

// decodeMessageCreate decodes and validates a Create Message body. It is
// pure, so it is what the fuzz target exercises.
func decodeMessageCreate(b []byte) (guild.MessageCreate, error) {
	return decodeMessage(b, nil)
}

// decodeMessage decodes a Create Message body sent with the files in up
// (nil: none).
func decodeMessage(b []byte, up *upload) (guild.MessageCreate, error) {
	var body messageBody
	if err := decodeJSON(b, &body); err != nil {
		return guild.MessageCreate{}, err
	}
	var req guild.MessageCreate
	var fields []protocol.FieldError
	if body.Content != nil {
		req.Content = *body.Content
		if utf8.RuneCountInString(req.Content) > maxContent {
			fields = append(fields, protocol.FieldError{Path: "content", Code: protocol.FieldBaseTypeMaxLength,
				Message: fmt.Sprintf("Must be %d or fewer in length.", maxContent)})
		}
	}
	if len(body.Nonce) > 0 && string(body.Nonce) != "null" {
		nonce, ok := decodeNonce(body.Nonce)
		if !ok {
			fields = append(fields, protocol.FieldError{Path: "nonce", Code: protocol.FieldBaseTypeMaxLength,
				Message: fmt.Sprintf("Must be %d or fewer in length.", maxNonce)})
		}
		req.Nonce = nonce
	}
	req.EnforceNonce = body.EnforceNonce
	req.TTS = body.TTS
	if body.Flags != nil {
		req.Flags = *body.Flags
	}
	if ref := body.MessageReference; ref != nil {
		if ref.MessageID == 0 {
			fields = append(fields, protocol.FieldError{Path: "message_reference.message_id", Code: protocol.FieldBaseTypeRequired,
				Message: "This field is required"})
		}
		req.Reference = &chat.MessageReference{MessageID: ref.MessageID, ChannelID: ref.ChannelID, GuildID: ref.GuildID}
		req.FailIfNotExists = ref.FailIfNotExists == nil || *ref.FailIfNotExists
	}
	if am := body.AllowedMentions; am != nil {
		parse := map[string]bool{}
		for i, p := range am.Parse {
			switch p {
			case "users", "roles", "everyone":
				parse[p] = true
			default:
				fields = append(fields, protocol.FieldError{Path: "allowed_mentions.parse." + strconv.Itoa(i),
					Code: protocol.FieldBaseTypeChoices, Message: "Value must be one of ('roles', 'users', 'everyone')."})
			}
		}
		if parse["users"] && len(am.Users) > 0 {
			fields = append(fields, protocol.FieldError{Path: "allowed_mentions", Code: protocol.FieldMessageAllowedMentionsParseExclusive,
				Message: "parse:[\"users\"] and users: [ids...] are mutually exclusive."})
		}
		if parse["roles"] && len(am.Roles) > 0 {
			fields = append(fields, protocol.FieldError{Path: "allowed_mentions", Code: protocol.FieldMessageAllowedMentionsParseExclusive,
				Message: "parse:[\"roles\"] and roles: [ids...] are mutually exclusive."})
		}
		if len(am.Users) > 100 || len(am.Roles) > 100 {
			fields = append(fields, protocol.FieldError{Path: "allowed_mentions", Code: protocol.FieldBaseTypeMaxLength,
				Message: "Must be 100 or fewer in length."})
		}
		req.AllowedMentions = &guild.AllowedMentions{Parse: am.Parse, Users: am.Users, Roles: am.Roles, RepliedUser: am.RepliedUser}
	}
	if body.Embeds != nil {
		embeds, errs := decodeEmbeds(body.Embeds)
		req.Embeds, fields = embeds, append(fields, errs...)
	}
	if up != nil {
		var errs []protocol.FieldError
		req.Attachments, _, errs = up.describe(body.Attachments)
		fields = append(fields, errs...)
	}
	if body.Components != nil {
		var errs []protocol.FieldError
		req.Components, errs = component.Message(body.Components)
		fields = append(fields, errs...)
	}
	if len(fields) > 0 {
		return guild.MessageCreate{}, protocol.InvalidForm(fields...)
	}
	// Stickers are accepted but not stored, so a message needs content,
	// an embed that shows something, a file or components.
	if messageEmpty(req) {
		return guild.MessageCreate{}, errEmptyMessage
	}
	return req, nil
}

// messageEmpty reports whether req would show nothing.
func messageEmpty(req guild.MessageCreate) bool {
	return strings.TrimSpace(req.Content) == "" && !hasVisibleEmbed(req.Embeds) && len(req.Attachments) == 0 &&
		len(req.Components) == 0
}

// decodeNonce accepts an integer or a string of at most 25 characters.
func decodeNonce(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return s, utf8.RuneCountInString(s) <= maxNonce
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err != nil {
		return "", false
	}
	if _, err := n.Int64(); err != nil {
		return "", false
	}
	return n.String(), len(n.String()) <= maxNonce
}

func (h *Handler) createMessage(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	if isMultipart(r) && h.blobs != nil {
		return h.createMessageWithFiles(w, r, u, channelID)
	}
	b, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	req, err := decodeMessageCreate(b)
	if err != nil {
		return err
	}
	if req, err = onlyAppComponents(req, u.Bot); err != nil {
		return err
	}
	body, err := h.chans(r).CreateMessage(r.Context(), channelID, u.ID, req)
	if err != nil {
		return err
	}
	writeRaw(w, http.StatusOK, body)
	return nil
}

func (h *Handler) listMessages(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 50, 1, store.MaxPage)
	if err != nil {
		return err
	}
	p := store.Page{Limit: limit}
	if p.Around, err = queryID(r, "around"); err != nil {
		return err
	}
	if p.Around == 0 {
		if p.Before, err = queryID(r, "before"); err != nil {
			return err
		}
		if p.Before == 0 {
			if p.After, err = queryID(r, "after"); err != nil {
				return err
			}
			if p.After == 0 && r.URL.Query().Get("after") != "" {
				// after=0 is a cursor (discord.py's oldest_first starts
				// there): the oldest messages, not the newest. store.Page's
				// zero After means "no cursor", so ask for ID > 1, which is
				// the same set: no issued snowflake is that small (its
				// timestamp bits alone put it at 1<<22 or more).
				p.After = 1
			}
		}
	}
	ms, err := h.chans(r).Messages(r.Context(), channelID, u.ID, p)
	if err != nil {
		return err
	}
	blind, err := h.contentBlind(r.Context(), u, channelID)
	if err != nil {
		return err
	}
	if blind {
		for i := range ms {
			ms[i] = guild.StripContentFor(ms[i], u.ID)
		}
	}
	writeJSON(w, http.StatusOK, ms)
	return nil
}

// contentBlind reports whether u reads messages without their content, as
// Discord's REST does for a bot whose application has neither
// MESSAGE_CONTENT flag (the gateway blanks the same messages for a session
// without the intent, which such a bot cannot ask for). Discord's rule
// does not cover DMs: a bot reads a private channel's content in full.
func (h *Handler) contentBlind(ctx context.Context, u *chat.User, channelID chat.ID) (bool, error) {
	if !u.Bot {
		return false, nil
	}
	if private, err := h.private(ctx, channelID); err != nil || private {
		return false, err
	}
	app, err := h.accounts.ApplicationByBot(ctx, u.ID)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil // no application, no intent
	}
	if err != nil {
		return false, err
	}
	return app.Flags&(chat.AppFlagGatewayMessageContent|chat.AppFlagGatewayMessageContentLimited) == 0, nil
}

func (h *Handler) getMessage(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, messageID, err := messagePath(r)
	if err != nil {
		return err
	}
	m, err := h.chans(r).Message(r.Context(), channelID, messageID, u.ID)
	if err != nil {
		return err
	}
	blind, err := h.contentBlind(r.Context(), u, channelID)
	if err != nil {
		return err
	}
	if blind {
		m = guild.StripContentFor(m, u.ID)
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (h *Handler) editMessage(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, messageID, err := messagePath(r)
	if err != nil {
		return err
	}
	var up *upload
	var b []byte
	if isMultipart(r) && h.blobs != nil {
		up, err = h.readUpload(w, r, channelID, messageID, func() error {
			return h.chans(r).CheckAttach(r.Context(), channelID, u.ID, messageID)
		})
		if err != nil {
			return err
		}
		b = up.payload
		if len(b) == 0 {
			b = []byte("{}")
		}
	} else if b, err = h.readBody(w, r); err != nil {
		return err
	}
	out, err := h.editMessageBody(r.Context(), channelID, messageID, u, b, up)
	if err != nil {
		if up != nil {
			h.dropAttachments(context.WithoutCancel(r.Context()), channelID, up.files)
		}
		return err
	}
	writeRaw(w, http.StatusOK, out)
	return nil
}

// editMessageBody applies an edit body b, sent with the files in up (nil:
// none), and returns the message's new JSON.
func (h *Handler) editMessageBody(ctx context.Context, channelID, messageID chat.ID, u *chat.User, b []byte, up *upload) ([]byte, error) {
	return h.editMessageBodyAs(ctx, channelID, messageID, u, b, up, false)
}

// editMessageBodyAs is editMessageBody; complete makes the edit complete
// an interaction's deferred answer (see guild.MessageEdit).
func (h *Handler) editMessageBodyAs(ctx context.Context, channelID, messageID chat.ID, u *chat.User, b []byte, up *upload, complete bool) ([]byte, error) {
	var body struct {
		Content         nullableString       `json:"content"`
		Embeds          nullableEmbeds       `json:"embeds"`
		Flags           *int                 `json:"flags"`
		AllowedMentions *allowedMentionsBody `json:"allowed_mentions"`
		Attachments     *[]attachmentBody    `json:"attachments"`
		Components      json.RawMessage      `json:"components"`
	}
	if err := decodeJSON(b, &body); err != nil {
		return nil, err
	}
	var edit guild.MessageEdit
	if body.Components != nil {
		comps, err := editComponents(body.Components, u.Bot)
		if err != nil {
			return nil, err
		}
		edit.Components = comps
	}
	if body.Attachments != nil || up != nil {
		ae, errs := editAttachments(body.Attachments, up)
		if len(errs) > 0 {
			return nil, protocol.InvalidForm(errs...)
		}
		edit.Attachments = ae
	}
	if body.Embeds.Set {
		embeds, errs := body.Embeds.decode()
		if len(errs) > 0 {
			return nil, protocol.InvalidForm(errs...)
		}
		edit.Embeds = &embeds
	}
	if body.Content.Set {
		c := body.Content.Value
		if utf8.RuneCountInString(c) > maxContent {
			return nil, protocol.InvalidForm(protocol.FieldError{Path: "content", Code: protocol.FieldBaseTypeMaxLength,
				Message: fmt.Sprintf("Must be %d or fewer in length.", maxContent)})
		}
		// Blank content is refused by the guild actor only if the
		// message would be left with neither content nor embeds.
		edit.Content = &c
	}
	edit.Flags = body.Flags
	edit.CompleteLoading = complete
	if am := body.AllowedMentions; am != nil {
		edit.AllowedMentions = &guild.AllowedMentions{Parse: am.Parse, Users: am.Users, Roles: am.Roles, RepliedUser: am.RepliedUser}
	}
	return h.chansFor(ctx, channelID).EditMessage(ctx, channelID, messageID, u.ID, edit)
}

func (h *Handler) deleteMessage(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	return onMessage(w, r, u, h.chans(r).DeleteMessage)
}

// onMessage runs op as u on the message of the route's path and answers
// 204 No Content (delete, pin, unpin).
func onMessage(w http.ResponseWriter, r *http.Request, u *chat.User, op func(ctx context.Context, channelID, messageID, userID chat.ID) error) error {
	channelID, messageID, err := messagePath(r)
	if err != nil {
		return err
	}
	if err := op(r.Context(), channelID, messageID, u.ID); err != nil {
		return err
	}
	return noContent(w)
}

// bulkDeleteAge is how old a message may be and still be bulk-deleted.
const bulkDeleteAge = 14 * 24 * time.Hour

func (h *Handler) bulkDelete(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	var body struct {
		Messages []chat.ID `json:"messages"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	n := len(body.Messages)
	switch {
	case body.Messages == nil:
		return protocol.InvalidForm(protocol.FieldError{Path: "messages", Code: protocol.FieldBaseTypeRequired, Message: "This field is required"})
	case n < 2:
		return protocol.InvalidForm(protocol.FieldError{Path: "messages", Code: protocol.FieldBaseTypeMinLength, Message: "Must be 2 or more in length."})
	case n > 100:
		return protocol.InvalidForm(protocol.FieldError{Path: "messages", Code: protocol.FieldBaseTypeMaxLength, Message: "Must be 100 or fewer in length."})
	}
	seen := make(map[chat.ID]bool, n)
	cutoff := time.Now().Add(-bulkDeleteAge)
	for i, id := range body.Messages {
		if seen[id] {
			return protocol.InvalidForm(protocol.FieldError{Path: "messages." + strconv.Itoa(i), Code: protocol.FieldBaseTypeDuplicate, Message: "Duplicate value."})
		}
		seen[id] = true
		if snowflake.Time(id).Before(cutoff) {
			return protocol.NewAPIError(http.StatusBadRequest, protocol.CodeBulkDeleteTooOld, "You can only bulk delete messages that are under 14 days old.")
		}
	}
	if err := h.chans(r).BulkDeleteMessages(r.Context(), channelID, u.ID, body.Messages); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) typing(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	if err := h.chans(r).Typing(r.Context(), channelID, u.ID); err != nil {
		return err
	}
	return noContent(w)
}
