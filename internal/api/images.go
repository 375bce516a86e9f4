package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/accordchat/accord/internal/blob"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/media"
	"github.com/accordchat/accord/internal/protocol"
)

// Image fields (avatar, icon) take Discord's image data: a data URI
// "data:image/<png|jpeg|gif|webp>;base64,<data>". Accord checks that the
// bytes are the image type the URI names and within MaxImageBytes, and
// keeps a Discord-shaped hash of them (32 hex digits, "a_" for a GIF,
// which may be animated). Anything else, however long, is refused before
// it is decoded, so a client cannot store, or make every user object
// carry, an arbitrary string.

// imageMagic is how each accepted type's bytes begin.
var imageMagic = map[string]func([]byte) bool{
	"png":  func(b []byte) bool { return bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) },
	"jpeg": func(b []byte) bool { return bytes.HasPrefix(b, []byte{0xFF, 0xD8, 0xFF}) },
	"gif": func(b []byte) bool {
		return bytes.HasPrefix(b, []byte("GIF87a")) || bytes.HasPrefix(b, []byte("GIF89a"))
	},
	"webp": func(b []byte) bool {
		return len(b) >= 12 && bytes.Equal(b[:4], []byte("RIFF")) && bytes.Equal(b[8:12], []byte("WEBP"))
	},
}

// imageData is a validated image field's decoded bytes.
type imageData struct {
	hash, typ string
	b         []byte
}

// imageHash validates the image data v of field path and returns the hash
// to store with the bytes.
func imageHash(path, v string) (imageData, error) {
	invalid := protocol.InvalidForm(protocol.FieldError{Path: path, Code: protocol.FieldImageInvalid,
		Message: "Invalid image data"})
	rest, ok := strings.CutPrefix(v, "data:image/")
	if !ok {
		return imageData{}, invalid
	}
	typ, data, ok := strings.Cut(rest, ";base64,")
	is := imageMagic[typ]
	if !ok || is == nil {
		return imageData{}, invalid
	}
	if base64.StdEncoding.DecodedLen(len(data)) > protocol.MaxImageBytes+2 {
		return imageData{}, protocol.InvalidForm(protocol.FieldError{Path: path, Code: protocol.FieldBinaryTypeMaxSize,
			Message: fmt.Sprintf("File cannot be larger than %d kb.", protocol.MaxImageBytes>>10)})
	}
	b, err := base64.StdEncoding.DecodeString(data)
	if err != nil || len(b) == 0 || !is(b) {
		return imageData{}, invalid
	}
	// A header that decodes as another image type than the URI names is
	// refused too (the magic check alone lets a truncated file through:
	// the CDN then serves it as stored and refuses to resize it).
	if info := media.Probe(b); info.IsImage() && info.Format != typ {
		return imageData{}, invalid
	}
	sum := sha256.Sum256(b)
	h := hex.EncodeToString(sum[:16])
	if typ == "gif" {
		h = "a_" + h
	}
	return imageData{hash: h, typ: typ, b: b}, nil
}

// imageField returns the hash to store for a nullable image field (nil if
// absent, "" for null: remove the image) and, for a new image, its bytes.
func imageField(path string, n nullableString) (*string, *imageData, error) {
	p := n.ptr()
	if p == nil || *p == "" {
		return p, nil, nil
	}
	img, err := imageHash(path, *p)
	if err != nil {
		return nil, nil, err
	}
	return &img.hash, &img, nil
}

// storeImage puts an avatar or icon in the blob store under
// kind/{ownerID}/{hash}, where the CDN serves it. The key is the hash of
// the bytes, so storing it again (a request re-run at another node) writes
// the same blob.
func (h *Handler) storeImage(ctx context.Context, kind string, ownerID chat.ID, img *imageData) error {
	if img == nil || h.blobs == nil {
		return nil
	}
	key := kind + "/" + ownerID.String() + "/" + img.hash
	err := h.blobs.Put(ctx, key, bytes.NewReader(img.b), int64(len(img.b)), blob.Meta{"content-type": "image/" + img.typ})
	if err != nil {
		return fmt.Errorf("store %s: %w", key, err)
	}
	return nil
}
