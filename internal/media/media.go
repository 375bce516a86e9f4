// Package media inspects and converts uploaded files: it sniffs a file's
// content type from its bytes (never from what the client claims), reads
// an image's width and height, and resizes or converts images with real
// decoders (the standard library's PNG, JPEG and GIF, golang.org/x/image's
// WebP) and golang.org/x/image/draw's Catmull-Rom scaler.
//
// Decoding is bounded: an image whose header declares more than the
// caller's pixel limit (DefaultMaxPixels) is refused before its pixels
// are decoded, so a small
// file cannot make the server allocate gigabytes. Functions are safe for
// concurrent use.
package media

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strings"

	xdraw "golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers the WebP decoder
)

// Sentinel errors.
var (
	ErrNotImage  = errors.New("media: not a supported image")
	ErrTooLarge  = errors.New("media: image too large")
	ErrBadFormat = errors.New("media: unsupported output format")
)

// SniffLen is how many leading bytes Probe needs at most for the content
// type; image dimensions may need more (JPEG puts its frame header after
// any EXIF block), so callers pass what they have, up to ProbeLen.
const (
	SniffLen = 512
	ProbeLen = 1 << 20
)

// DefaultMaxPixels bounds a decoded image (width*height).
const DefaultMaxPixels = 64 << 20

// Info is what Probe learned about a file.
type Info struct {
	// ContentType is sniffed from the bytes: an image type when the
	// bytes decode as one, else net/http's sniffing result.
	ContentType string
	// Width and Height are set for images whose header decodes.
	Width, Height int
	// Format is the image decoder's name ("png", "jpeg", "gif", "webp"),
	// "" for anything else.
	Format string
}

// IsImage reports whether the file is a supported image.
func (i Info) IsImage() bool { return i.Format != "" }

// Probe sniffs head, the first bytes of a file (up to ProbeLen).
func Probe(head []byte) Info {
	info := Info{ContentType: http.DetectContentType(head)}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(head))
	if err == nil && cfg.Width > 0 && cfg.Height > 0 {
		info.Width, info.Height, info.Format = cfg.Width, cfg.Height, format
		info.ContentType = "image/" + format
	}
	return info
}

// Scriptable reports whether a browser might run script in a file of
// contentType if it rendered it inline (HTML, SVG, XML and the like):
// such files are served only as downloads.
func Scriptable(contentType string) bool {
	ct, _, _ := strings.Cut(strings.ToLower(contentType), ";")
	ct = strings.TrimSpace(ct)
	switch {
	case strings.HasPrefix(ct, "image/"), strings.HasPrefix(ct, "audio/"), strings.HasPrefix(ct, "video/"):
		return strings.Contains(ct, "svg") || strings.Contains(ct, "xml")
	case ct == "text/plain", ct == "application/octet-stream", ct == "application/pdf",
		ct == "application/zip", ct == "application/x-gzip", ct == "application/json":
		return false
	}
	return true
}

// Decode decodes an image from r, refusing one whose header declares more
// than maxPixels (DefaultMaxPixels when 0). Animated GIFs give their first
// frame.
func Decode(r io.Reader, maxPixels int) (image.Image, string, error) {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	var buf bytes.Buffer
	cfg, format, err := image.DecodeConfig(io.TeeReader(r, &buf))
	if err != nil {
		return nil, "", ErrNotImage
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxPixels/cfg.Height {
		return nil, "", ErrTooLarge
	}
	img, _, err := image.Decode(io.MultiReader(&buf, r))
	if err != nil {
		return nil, "", fmt.Errorf("%w: %v", ErrNotImage, err)
	}
	return img, format, nil
}

// Fit scales img down so that neither side exceeds size, keeping its
// aspect ratio; an image that already fits is returned as is.
func Fit(img image.Image, size int) image.Image {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if size <= 0 || (w <= size && h <= size) {
		return img
	}
	nw, nh := size, size
	if w > h {
		nh = max(1, h*size/w)
	} else {
		nw = max(1, w*size/h)
	}
	dst := image.NewRGBA(image.Rect(0, 0, nw, nh))
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), img, b, xdraw.Over, nil)
	return dst
}

// Encoders lists the output formats Encode writes and their content types.
// WebP has no encoder among the Go image libraries; a WebP request is
// answered in PNG (lossless), labelled as such.
var Encoders = map[string]string{"png": "image/png", "jpeg": "image/jpeg", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/png"}

// Encode writes img in format (a key of Encoders) and returns the content
// type it wrote.
func Encode(w io.Writer, img image.Image, format string) (string, error) {
	ct, ok := Encoders[format]
	if !ok {
		return "", ErrBadFormat
	}
	switch format {
	case "jpeg", "jpg":
		return ct, jpeg.Encode(w, img, &jpeg.Options{Quality: 90})
	case "gif":
		if p, ok := img.(*image.Paletted); ok {
			return ct, gif.Encode(w, p, nil)
		}
		p := image.NewPaletted(img.Bounds(), palette.Plan9)
		draw.FloydSteinberg.Draw(p, p.Bounds(), img, img.Bounds().Min)
		return ct, gif.Encode(w, p, nil)
	default:
		return ct, (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(w, img)
	}
}

// Convert decodes the image read from r, fits it into size (0: keep) and
// encodes it in format.
func Convert(w io.Writer, r io.Reader, size int, format string, maxPixels int) (string, error) {
	if _, ok := Encoders[format]; !ok {
		return "", ErrBadFormat
	}
	img, _, err := Decode(r, maxPixels)
	if err != nil {
		return "", err
	}
	return Encode(w, Fit(img, size), format)
}

// ValidSize reports whether size is one Discord's CDN accepts: a power of
// two from 16 to 4096.
func ValidSize(size int) bool {
	return size >= 16 && size <= 4096 && size&(size-1) == 0
}
