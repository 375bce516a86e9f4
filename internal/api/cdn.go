package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/accordchat/accord/internal/blob"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/media"
	"github.com/accordchat/accord/internal/protocol"
)

// The CDN serves stored files with Discord's path layout, so that a
// library's CDN base override is the only change a client needs:
//
//	/attachments/{channel_id}/{attachment_id}/{filename}?ex=&is=&hm=
//	/avatars/{user_id}/{hash}.{png|jpg|jpeg|webp|gif}
//	/icons/{guild_id}/{hash}.{png|jpg|jpeg|webp|gif}
//	/banners/{user_id}/{hash}.{png|jpg|jpeg|webp|gif}
//	/channel-icons/{channel_id}/{hash}.{png|jpg|jpeg|webp|gif} (group DMs)
//	/emojis/{emoji_id}.{png|jpg|jpeg|webp|gif}      (emojis.go)
//
// Attachment URLs are signed and expire (package signedurl): a link is
// good for its one path until its ex, so a leaked link to a private
// channel's file stops working. Avatars and icons are public, as on
// Discord, and addressed by the hash of their bytes.
//
// Images take ?size= (a power of two, 16-4096) and ?format= (or, for
// avatars and icons, the extension); resized and converted variants are
// cached in the blob store under variants/. Every answer carries the
// sniffed Content-Type with nosniff; anything a browser could run script
// in (HTML, SVG, XML) is served as a download, in a sandbox.

var errCDNNotFound = protocol.NewAPIError(http.StatusNotFound, protocol.CodeGeneral, "This content is no longer available.")

// CDN returns the handler of the CDN routes; the server mounts it on the
// main listener. Nil when Config.Blobs is nil.
func (h *Handler) CDN() http.Handler {
	if h.blobs == nil {
		return nil
	}
	mux := http.NewServeMux()
	for _, m := range []string{"GET", "HEAD"} {
		mux.HandleFunc(m+" /attachments/{channel_id}/{attachment_id}/{filename}", h.cdnErrors(h.serveAttachment))
		mux.HandleFunc(m+" /avatars/{user_id}/{file}", h.cdnErrors(h.serveImage("avatars", "user_id")))
		mux.HandleFunc(m+" /icons/{guild_id}/{file}", h.cdnErrors(h.serveImage("icons", "guild_id")))
		mux.HandleFunc(m+" /banners/{user_id}/{file}", h.cdnErrors(h.serveImage("banners", "user_id")))
		mux.HandleFunc(m+" /channel-icons/{channel_id}/{file}", h.cdnErrors(h.serveImage("channel-icons", "channel_id")))
		mux.HandleFunc(m+" /emojis/{file}", h.cdnErrors(h.serveEmoji))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { h.writeError(w, r, errCDNNotFound) })
	return mux
}

func (h *Handler) cdnErrors(fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			w.Header().Del("Content-Disposition")
			w.Header().Del("ETag")
			w.Header().Set("Cache-Control", "no-store")
			h.writeError(w, r, err)
		}
	}
}

// attachmentPath reports whether p has the shape of an attachment URL's
// path.
func attachmentPath(p string) bool {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(parts) != 4 || parts[0] != "attachments" || parts[3] == "" {
		return false
	}
	_, err1 := chat.ParseID(parts[1])
	_, err2 := chat.ParseID(parts[2])
	return err1 == nil && err2 == nil
}

func (h *Handler) serveAttachment(w http.ResponseWriter, r *http.Request) error {
	channelID, err1 := chat.ParseID(r.PathValue("channel_id"))
	attID, err2 := chat.ParseID(r.PathValue("attachment_id"))
	if err1 != nil || err2 != nil {
		return errCDNNotFound
	}
	// The signature covers the exact path: another channel's, another
	// file's or another name's URL is refused, as is an expired one.
	if err := h.cfg.Signer.Verify(r.URL.Path, r.URL.Query()); err != nil {
		return errCDNNotFound
	}
	key := attachmentKey(channelID, attID)
	return h.serveBlob(w, r, key, "variants/"+key, "", "private, max-age=3600")
}

// serveImage serves an avatar or icon: kind/{owner}/{hash}, stored once
// in the format it was uploaded in.
func (h *Handler) serveImage(kind, owner string) func(w http.ResponseWriter, r *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := chat.ParseID(r.PathValue(owner))
		if err != nil {
			return errCDNNotFound
		}
		hash, ext, ok := strings.Cut(r.PathValue("file"), ".")
		if !ok || !validHash(hash) {
			return errCDNNotFound
		}
		if _, ok := media.Encoders[ext]; !ok {
			return errCDNNotFound
		}
		key := kind + "/" + id.String() + "/" + hash
		return h.serveBlob(w, r, key, "variants/"+key, ext, "public, max-age=86400")
	}
}

// validHash is Discord's image hash shape: 32 hex digits, "a_" first for
// an animated GIF.
func validHash(s string) bool {
	s = strings.TrimPrefix(s, "a_")
	if len(s) != 32 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// serveBlob serves key, or a resized or converted variant of it (cached
// under variantPrefix) when ?size=, ?format= or wantExt asks for one.
func (h *Handler) serveBlob(w http.ResponseWriter, r *http.Request, key, variantPrefix, wantExt, cacheControl string) error {
	ctx := r.Context()
	info, err := h.blobs.Stat(ctx, key)
	if errors.Is(err, blob.ErrNotFound) {
		return errCDNNotFound
	}
	if err != nil {
		return err
	}
	ct := info.Meta["content-type"]
	size, format, err := variantOf(r, ct, wantExt)
	if err != nil {
		return err
	}
	if size != 0 || format != "" {
		if format == "" {
			format = strings.TrimPrefix(ct, "image/")
		}
		vkey := fmt.Sprintf("%s/%d.%s", variantPrefix, size, format)
		info, err = h.variant(ctx, key, vkey, size, format)
		if err != nil {
			return err
		}
		key, ct = vkey, info.Meta["content-type"]
	}
	return h.sendBlob(w, r, key, info, ct, cacheControl)
}

// variantOf reads the size and format a request asks of a file of
// content type ct: zero values for the file as stored.
func variantOf(r *http.Request, ct, wantExt string) (size int, format string, err error) {
	q := r.URL.Query()
	isImage := strings.HasPrefix(ct, "image/") && !media.Scriptable(ct)
	if s := q.Get("size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || !media.ValidSize(n) {
			return 0, "", protocol.NewAPIError(http.StatusBadRequest, protocol.CodeInvalidFormBody, "size must be a power of two from 16 to 4096")
		}
		if isImage {
			size = n
		}
	}
	format = q.Get("format")
	if format == "" {
		format = wantExt
	}
	if format != "" {
		if _, ok := media.Encoders[format]; !ok {
			return 0, "", protocol.NewAPIError(http.StatusBadRequest, protocol.CodeInvalidFormBody, "format must be one of png, jpg, jpeg, webp, gif")
		}
		stored := strings.TrimPrefix(ct, "image/")
		if !isImage || format == stored || format == "jpg" && stored == "jpeg" {
			format = "" // as stored
		}
	}
	return size, format, nil
}

// variant returns the cached variant vkey of key, making it first if
// needed.
func (h *Handler) variant(ctx context.Context, key, vkey string, size int, format string) (blob.Info, error) {
	info, err := h.blobs.Stat(ctx, vkey)
	if err == nil {
		return info, nil
	}
	if !errors.Is(err, blob.ErrNotFound) {
		return blob.Info{}, err
	}
	rc, _, err := h.blobs.Get(ctx, key, nil)
	if errors.Is(err, blob.ErrNotFound) {
		return blob.Info{}, errCDNNotFound
	}
	if err != nil {
		return blob.Info{}, err
	}
	defer rc.Close()
	var buf bytes.Buffer
	ct, err := media.Convert(&buf, rc, size, format, h.cfg.MaxPixels)
	if errors.Is(err, media.ErrNotImage) || errors.Is(err, media.ErrTooLarge) {
		return blob.Info{}, protocol.NewAPIError(http.StatusUnsupportedMediaType, protocol.CodeGeneral, "This file cannot be resized or converted")
	}
	if err != nil {
		return blob.Info{}, err
	}
	if err := h.blobs.Put(ctx, vkey, bytes.NewReader(buf.Bytes()), int64(buf.Len()), blob.Meta{"content-type": ct}); err != nil {
		return blob.Info{}, err
	}
	return h.blobs.Stat(ctx, vkey)
}

// sendBlob writes key's bytes (or the requested range) with the CDN's
// headers.
func (h *Handler) sendBlob(w http.ResponseWriter, r *http.Request, key string, info blob.Info, ct, cacheControl string) error {
	if ct == "" {
		ct = "application/octet-stream"
	}
	hd := w.Header()
	hd.Set("Content-Type", ct)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", cacheControl)
	hd.Set("Accept-Ranges", "bytes")
	etag := `"` + info.ETag + `"`
	hd.Set("ETag", etag)
	if media.Scriptable(ct) {
		// A browser must never render it as a page of this origin.
		name := r.PathValue("filename")
		if name == "" {
			name = "file"
		}
		hd.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
		hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && (inm == etag || inm == "*") {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	rng, ok := parseRange(r.Header.Get("Range"), info.Size)
	if !ok {
		hd.Set("Content-Range", "bytes */"+strconv.FormatInt(info.Size, 10))
		return protocol.NewAPIError(http.StatusRequestedRangeNotSatisfiable, protocol.CodeGeneral, "Range Not Satisfiable")
	}
	status, n := http.StatusOK, info.Size
	if rng != nil {
		status, n = http.StatusPartialContent, rng.Length
		hd.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", rng.Offset, rng.Offset+rng.Length-1, info.Size))
	}
	hd.Set("Content-Length", strconv.FormatInt(n, 10))
	if r.Method == http.MethodHead {
		w.WriteHeader(status)
		return nil
	}
	rc, _, err := h.blobs.Get(r.Context(), key, rng)
	if errors.Is(err, blob.ErrNotFound) {
		return errCDNNotFound
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	w.WriteHeader(status)
	if _, err := io.Copy(w, rc); err != nil {
		h.log.Debug("cdn: send", "key", key, "err", err)
	}
	return nil
}

// parseRange reads a single-range Range header ("bytes=a-b", "bytes=a-",
// "bytes=-n") against a blob of size bytes. nil, true means the whole
// blob (no header, or several ranges, which RFC 9110 lets a server answer
// whole); false means unsatisfiable.
func parseRange(h string, size int64) (*blob.Range, bool) {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if h == "" || !ok || strings.Contains(spec, ",") {
		return nil, true
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil, true
	}
	if first == "" { // suffix: the last n bytes
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n <= 0 || size == 0 {
			return nil, false
		}
		n = min(n, size)
		return &blob.Range{Offset: size - n, Length: n}, true
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || start < 0 || start >= size {
		return nil, false
	}
	end := size - 1
	if last != "" {
		e, err := strconv.ParseInt(last, 10, 64)
		if err != nil || e < start {
			return nil, false
		}
		end = min(e, size-1)
	}
	return &blob.Range{Offset: start, Length: end - start + 1}, true
}
