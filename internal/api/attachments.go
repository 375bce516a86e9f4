package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/signedurl"
)

// maxDescription is Discord's limit on an attachment's alt text.
const maxDescription = 1024

// attachmentBody is an entry of a message body's attachments: on create
// its id is the n of files[n]; on edit an existing attachment's ID keeps
// that attachment, and n describes a new file.
type attachmentBody struct {
	ID          json.RawMessage `json:"id"`
	Filename    *string         `json:"filename"`
	Description *string         `json:"description"`
}

// id parses the entry's id, a number or a string of digits.
func (a attachmentBody) id() (uint64, bool) {
	s := string(bytes.Trim(bytes.TrimSpace(a.ID), `"`))
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

// describe returns the uploaded files with the filenames and descriptions
// the body's attachments give them (by files[n] index), and the IDs of
// the entries that name no uploaded file (on edit: attachments to keep).
func (u *upload) describe(entries []attachmentBody) (files []chat.Attachment, others []chat.ID, errs []protocol.FieldError) {
	files = append([]chat.Attachment(nil), u.files...)
	for i, e := range entries {
		path := "attachments." + strconv.Itoa(i)
		id, ok := e.id()
		if !ok {
			errs = append(errs, protocol.FieldError{Path: path + ".id", Code: protocol.FieldBaseTypeRequired, Message: "This field is required"})
			continue
		}
		j, isFile := u.byIndex(int(min(id, 1<<20)))
		if !isFile || id >= 1<<20 {
			others = append(others, chat.ID(id))
			continue
		}
		if e.Filename != nil && *e.Filename != "" {
			files[j].Filename, files[j].Flags = cleanFilename(*e.Filename)
		}
		if e.Description != nil {
			if utf8.RuneCountInString(*e.Description) > maxDescription {
				errs = append(errs, protocol.FieldError{Path: path + ".description", Code: protocol.FieldBaseTypeMaxLength,
					Message: fmt.Sprintf("Must be %d or fewer in length.", maxDescription)})
				continue
			}
			files[j].Description = *e.Description
		}
	}
	return files, others, errs
}

// editAttachments turns an edit's attachments array and files into the
// guild's edit: without an array, every existing attachment stays.
func editAttachments(entries *[]attachmentBody, up *upload) (*guild.AttachmentEdit, []protocol.FieldError) {
	if up == nil {
		up = &upload{}
	}
	var list []attachmentBody
	if entries != nil {
		list = *entries
	}
	files, keep, errs := up.describe(list)
	return &guild.AttachmentEdit{Keep: keep, KeepAll: entries == nil, New: files}, errs
}

// createMessageWithFiles is Create Message with a multipart body.
func (h *Handler) createMessageWithFiles(w http.ResponseWriter, r *http.Request, u *chat.User, channelID chat.ID) error {
	ctx := r.Context()
	up, err := h.readUpload(w, r, channelID, 0, func() error { return h.chans(r).CheckAttach(ctx, channelID, u.ID, 0) })
	if err != nil {
		return err
	}
	b := up.payload
	if len(bytes.TrimSpace(b)) == 0 {
		b = []byte("{}") // a file-only message may come without payload_json
	}
	req, err := decodeMessage(b, up)
	if err == nil {
		req, err = onlyAppComponents(req, u.Bot)
	}
	var body []byte
	if err == nil {
		body, err = h.chans(r).CreateMessage(ctx, channelID, u.ID, req)
	}
	// A message created before with the same enforced nonce answers with
	// that message: these files were not used.
	if err != nil || len(up.files) > 0 && !bytes.Contains(body, []byte(`"id":"`+up.files[0].ID.String()+`"`)) {
		h.dropAttachments(context.WithoutCancel(ctx), channelID, up.files)
	}
	if err != nil {
		return err
	}
	writeRaw(w, http.StatusOK, body)
	return nil
}

// maxRefreshURLs bounds one refresh-urls request (Discord's is 50).
const maxRefreshURLs = 50

// refreshURLs is POST /attachments/refresh-urls: it re-signs attachment
// URLs whose signature, expired or not, this server made. A URL it never
// signed (another path, a forged hm) is left out, so the route cannot
// mint access to a file the caller was never given.
func (h *Handler) refreshURLs(w http.ResponseWriter, r *http.Request, _ *chat.User) error {
	if h.blobs == nil {
		return protocol.NewAPIError(http.StatusNotFound, protocol.CodeGeneral, "404: Not Found")
	}
	var body struct {
		URLs []string `json:"attachment_urls"`
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	if body.URLs == nil {
		return protocol.InvalidForm(protocol.FieldError{Path: "attachment_urls", Code: protocol.FieldBaseTypeRequired, Message: "This field is required"})
	}
	if len(body.URLs) > maxRefreshURLs {
		return protocol.InvalidForm(protocol.FieldError{Path: "attachment_urls", Code: protocol.FieldBaseTypeMaxLength,
			Message: fmt.Sprintf("Must be %d or fewer in length.", maxRefreshURLs)})
	}
	type refreshed struct {
		Original  string `json:"original"`
		Refreshed string `json:"refreshed"`
	}
	out := struct {
		URLs []refreshed `json:"refreshed_urls"`
	}{URLs: []refreshed{}}
	for _, raw := range body.URLs {
		path, q, ok := signedurl.Parse(raw)
		if !ok || !attachmentPath(path) || h.cfg.Signer.Authentic(path, q) != nil {
			continue
		}
		out.URLs = append(out.URLs, refreshed{Original: raw, Refreshed: h.cfg.Signer.Sign(path)})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
