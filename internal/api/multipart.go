package api

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/accordchat/accord/internal/blob"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/media"
	"github.com/accordchat/accord/internal/protocol"
)

// Uploads: multipart/form-data with files[n] parts and a payload_json part,
// as every Discord library sends them. Each file streams into the blob
// store as it arrives (never whole in memory; in a cluster the request
// body is buffered once, for forwarding), after the guild's owner has
// checked that the user may post files there. Anything that fails after
// some files were stored deletes them again: a refused, truncated or
// re-routed request leaves no blob behind.

// Limits of uploads (Discord's: 10 files, 25 MiB without Nitro).
const (
	maxFiles              = 10
	DefaultMaxUploadBytes = 25 << 20
	maxFilename           = 100
)

var (
	errBadUpload = protocol.NewAPIError(http.StatusBadRequest, protocol.CodeInvalidFormBody,
		"The upload could not be read: a truncated or malformed multipart/form-data body")
	errTooManyFiles = protocol.InvalidForm(protocol.FieldError{Path: "files", Code: protocol.FieldBaseTypeMaxLength,
		Message: fmt.Sprintf("Must be %d or fewer in length.", maxFiles)})
	errFileTooLarge = protocol.NewAPIError(http.StatusRequestEntityTooLarge, protocol.CodeEntityTooLarge, "Request entity too large")
)

func isMultipart(r *http.Request) bool {
	return mediaType(r) == "multipart/form-data"
}

// takesFiles reports whether r is an upload to a route that stores files
// (message create and edit): only those get uploadCap.
func (h *Handler) takesFiles(r *http.Request) bool {
	return h.blobs != nil && isMultipart(r) &&
		(strings.HasSuffix(r.Pattern, "/messages") || strings.HasSuffix(r.Pattern, "/messages/{message_id}") ||
			strings.HasSuffix(r.Pattern, "/{webhook_token}"))
}

// uploadCap bounds a whole multipart request: the files plus room for the
// payload and the part headers.
func (h *Handler) uploadCap() int64 { return h.cfg.MaxUploadBytes + h.cfg.MaxBodyBytes }

// upload is what readUpload stored.
type upload struct {
	payload []byte
	// files by their index n of files[n], in arrival order.
	files   []chat.Attachment
	indexes []int
}

func (u *upload) byIndex(n int) (int, bool) {
	for i, idx := range u.indexes {
		if idx == n {
			return i, true
		}
	}
	return 0, false
}

// attachmentKey is where an attachment's bytes live in the blob store.
func attachmentKey(channelID, attachmentID chat.ID) string {
	return "attachments/" + channelID.String() + "/" + attachmentID.String()
}

// readUpload reads a multipart request, storing its files in channelID
// for messageID (0: a message yet to be created). check runs once, before
// the first file is stored. On error nothing stays stored.
func (h *Handler) readUpload(w http.ResponseWriter, r *http.Request, channelID, messageID chat.ID, check func() error) (*upload, error) {
	r.Body = http.MaxBytesReader(w, r.Body, h.uploadCap())
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errBadUpload
	}
	up := &upload{}
	done := false
	defer func() {
		if !done {
			h.dropAttachments(context.WithoutCancel(r.Context()), channelID, up.files)
		}
	}()
	checked := false
	var total int64
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, uploadErr(err)
		}
		name := p.FormName()
		idx, isFile := fileIndex(name)
		switch {
		case name == "payload_json":
			b, err := io.ReadAll(io.LimitReader(p, h.cfg.MaxBodyBytes+1))
			if err != nil {
				return nil, uploadErr(err)
			}
			if int64(len(b)) > h.cfg.MaxBodyBytes {
				return nil, errTooLarge
			}
			up.payload = b
		case isFile:
			if len(up.files) >= maxFiles {
				return nil, errTooManyFiles
			}
			if _, dup := up.byIndex(idx); dup {
				return nil, protocol.InvalidForm(protocol.FieldError{Path: name, Code: protocol.FieldBaseTypeDuplicate, Message: "Duplicate value."})
			}
			if !checked {
				if err := check(); err != nil {
					return nil, err
				}
				checked = true
			}
			a, err := h.storeFile(r.Context(), channelID, messageID, p, min(h.cfg.MaxFileBytes, h.cfg.MaxUploadBytes-total))
			if err != nil {
				return nil, err
			}
			total += a.Size
			up.files = append(up.files, a)
			up.indexes = append(up.indexes, idx)
		default:
			// Other fields are not Discord's; drain them.
			if _, err := io.Copy(io.Discard, p); err != nil {
				return nil, uploadErr(err)
			}
		}
	}
	done = true
	return up, nil
}

// fileIndex parses a file part's name: files[n] (every library), or the
// older file / fileN.
func fileIndex(name string) (int, bool) {
	var digits string
	switch {
	case strings.HasPrefix(name, "files[") && strings.HasSuffix(name, "]"):
		digits = name[len("files[") : len(name)-1]
	case name == "file":
		return 0, true
	case strings.HasPrefix(name, "file"):
		digits = name[len("file"):]
	default:
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 || n > 1000 || strconv.Itoa(n) != digits {
		return 0, false
	}
	return n, true
}

func uploadErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge
	}
	return errBadUpload
}

// storeFile streams one file part into the blob store and describes it.
// Its content type is sniffed from its bytes, whatever the part claims.
// The blob's metadata names its channel and, for files added by an edit,
// its message, for the collector (collector.go).
func (h *Handler) storeFile(ctx context.Context, channelID, messageID chat.ID, p io.Reader, maxBytes int64) (chat.Attachment, error) {
	br := bufio.NewReaderSize(p, media.ProbeLen)
	head, err := br.Peek(media.ProbeLen)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return chat.Attachment{}, uploadErr(err)
	}
	info := media.Probe(head)
	a := chat.Attachment{ID: h.ids.Next(), ContentType: info.ContentType, Width: info.Width, Height: info.Height}
	if part, ok := p.(interface{ FileName() string }); ok {
		a.Filename = part.FileName()
	}
	a.Filename, a.Flags = cleanFilename(a.Filename)
	src := &cappedReader{r: br, left: maxBytes}
	meta := blob.Meta{"content-type": info.ContentType, "channel": channelID.String()}
	if messageID != 0 {
		meta["message"] = messageID.String()
	}
	err = h.blobs.Put(ctx, attachmentKey(channelID, a.ID), src, -1, meta)
	switch {
	case src.over:
		return chat.Attachment{}, errFileTooLarge
	case src.err != nil:
		return chat.Attachment{}, uploadErr(src.err)
	case err != nil:
		return chat.Attachment{}, fmt.Errorf("store attachment: %w", err)
	}
	a.Size = src.n
	return a, nil
}

// cappedReader fails once more than left bytes are read, and remembers
// why it failed (the part's own error, or the cap).
type cappedReader struct {
	r    io.Reader
	left int64
	n    int64
	over bool
	err  error
}

var errOverCap = errors.New("api: file over the size limit")

func (c *cappedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n > c.left {
		c.over = true
		return 0, errOverCap
	}
	if err != nil && !errors.Is(err, io.EOF) {
		c.err = err
	}
	return n, err
}

// cleanFilename makes a client's filename safe for a URL path and a blob
// key, as Discord does (spaces and other characters become '_'), and
// reports the spoiler flag a SPOILER_ prefix sets.
func cleanFilename(name string) (string, int) {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= maxFilename {
			break
		}
	}
	out := strings.TrimLeft(b.String(), ".")
	if out == "" {
		out = "unknown"
	}
	flags := 0
	if strings.HasPrefix(out, "SPOILER_") {
		flags |= chat.AttachmentIsSpoiler
	}
	return out, flags
}

// dropUpload deletes the stored files of up (nil: none), whose request
// failed.
func (h *Handler) dropUpload(ctx context.Context, channelID chat.ID, up *upload) {
	if up != nil {
		h.dropAttachments(context.WithoutCancel(ctx), channelID, up.files)
	}
}

// dropAttachments deletes stored files of a request that failed.
func (h *Handler) dropAttachments(ctx context.Context, channelID chat.ID, as []chat.Attachment) {
	h.DeleteAttachments(ctx, channelID, as)
}

// DeleteAttachments deletes the blobs of attachments no message holds any
// more, with their cached variants. Failures are logged: the collector
// removes what this leaves.
func (h *Handler) DeleteAttachments(ctx context.Context, channelID chat.ID, as []chat.Attachment) {
	if h.blobs == nil {
		return
	}
	for _, a := range as {
		if err := h.deleteBlob(ctx, attachmentKey(channelID, a.ID)); err != nil {
			h.log.Warn("delete attachment", "channel", channelID, "attachment", a.ID, "err", err)
		}
	}
}

// deleteBlob deletes key and its variants.
func (h *Handler) deleteBlob(ctx context.Context, key string) error {
	if err := h.blobs.Delete(ctx, key); err != nil {
		return err
	}
	return h.blobs.List(ctx, "variants/"+key+"/", func(info blob.Info) error {
		return h.blobs.Delete(ctx, info.Key)
	})
}
