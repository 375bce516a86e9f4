package media_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/accordchat/accord/internal/media"
)

func testImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	return img
}

func encoded(t *testing.T, format string, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	img := testImage(w, h)
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, nil)
	case "gif":
		err = gif.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A tiny lossless WebP (1x1), since Go has no WebP encoder to make one.
var webp1x1 = []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")

func TestProbe(t *testing.T) {
	for _, c := range []struct {
		name   string
		b      []byte
		ct     string
		w, h   int
		format string
	}{
		{"png", encoded(t, "png", 40, 30), "image/png", 40, 30, "png"},
		{"jpeg", encoded(t, "jpeg", 17, 9), "image/jpeg", 17, 9, "jpeg"},
		{"gif", encoded(t, "gif", 5, 6), "image/gif", 5, 6, "gif"},
		{"webp", webp1x1, "image/webp", 1, 1, "webp"},
		{"html named png", []byte("<!DOCTYPE html><script>alert(1)</script>"), "text/html; charset=utf-8", 0, 0, ""},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "text/xml; charset=utf-8", 0, 0, ""},
		{"binary", []byte{0, 1, 2, 3, 0xff}, "application/octet-stream", 0, 0, ""},
		{"text", []byte("hello"), "text/plain; charset=utf-8", 0, 0, ""},
		{"png magic, broken header", []byte("\x89PNG\r\n\x1a\nnope"), "image/png", 0, 0, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := media.Probe(c.b)
			if got.ContentType != c.ct || got.Width != c.w || got.Height != c.h || got.Format != c.format {
				t.Errorf("Probe = %+v, want %s %dx%d %q", got, c.ct, c.w, c.h, c.format)
			}
		})
	}
}

func TestScriptable(t *testing.T) {
	for ct, want := range map[string]bool{
		"text/html; charset=utf-8": true, "image/svg+xml": true, "text/xml; charset=utf-8": true,
		"application/xhtml+xml": true, "application/javascript": true,
		"image/png": false, "video/mp4": false, "audio/mpeg": false, "text/plain; charset=utf-8": false,
		"application/octet-stream": false, "application/pdf": false,
	} {
		if got := media.Scriptable(ct); got != want {
			t.Errorf("Scriptable(%q) = %v, want %v", ct, got, want)
		}
	}
}

func TestConvert(t *testing.T) {
	src := encoded(t, "png", 200, 100)
	for _, format := range []string{"png", "jpeg", "gif", "webp"} {
		var out bytes.Buffer
		ct, err := media.Convert(&out, bytes.NewReader(src), 64, format, 0)
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		info := media.Probe(out.Bytes())
		if info.ContentType != ct || info.Width != 64 || info.Height != 32 {
			t.Errorf("%s: wrote %s, probed %+v; want 64x32", format, ct, info)
		}
	}
	// Never enlarged.
	var out bytes.Buffer
	if _, err := media.Convert(&out, bytes.NewReader(src), 4096, "png", 0); err != nil {
		t.Fatal(err)
	}
	if info := media.Probe(out.Bytes()); info.Width != 200 || info.Height != 100 {
		t.Errorf("size above the image: %dx%d, want 200x100", info.Width, info.Height)
	}
	// A WebP source converts too.
	if _, err := media.Convert(&out, bytes.NewReader(webp1x1), 16, "png", 0); err != nil {
		t.Errorf("webp source: %v", err)
	}
	if _, err := media.Convert(&out, bytes.NewReader([]byte("<html>")), 16, "png", 0); !errors.Is(err, media.ErrNotImage) {
		t.Errorf("not an image: %v", err)
	}
	if _, err := media.Convert(&out, bytes.NewReader(src), 16, "bmp", 0); !errors.Is(err, media.ErrBadFormat) {
		t.Errorf("bmp: %v", err)
	}
	// A header declaring too many pixels is refused before decoding.
	if _, err := media.Convert(&out, bytes.NewReader(src), 16, "png", 100*100); !errors.Is(err, media.ErrTooLarge) {
		t.Errorf("over MaxPixels: %v", err)
	}
}

func TestValidSize(t *testing.T) {
	for _, s := range []int{16, 32, 64, 128, 256, 512, 1024, 2048, 4096} {
		if !media.ValidSize(s) {
			t.Errorf("ValidSize(%d) = false", s)
		}
	}
	for _, s := range []int{0, 8, 15, 17, 100, 8192, -16} {
		if media.ValidSize(s) {
			t.Errorf("ValidSize(%d) = true", s)
		}
	}
}

// BenchmarkConvert measures a CDN resize: a 1024x768 PNG to a 256 px JPEG.
func BenchmarkConvert(b *testing.B) {
	var src bytes.Buffer
	if err := png.Encode(&src, testImage(1024, 768)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(src.Len()))
	for b.Loop() {
		var out bytes.Buffer
		if _, err := media.Convert(&out, bytes.NewReader(src.Bytes()), 256, "jpeg", 0); err != nil {
			b.Fatal(err)
		}
	}
}
