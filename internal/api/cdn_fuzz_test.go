package api

import (
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/blob"
)

// FuzzParseRange: any Range header either selects bytes inside the blob
// or is refused; it never panics or reads outside.
func FuzzParseRange(f *testing.F) {
	for _, h := range []string{"", "bytes=0-9", "bytes=-5", "bytes=5-", "bytes=9-2", "bytes=1-2,4-5", "bytes=x-y", "bytes=-0", "items=1-2"} {
		f.Add(h, int64(10))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			size = -size
		}
		rng, ok := parseRange(h, size)
		if !ok || rng == nil {
			return
		}
		if _, _, err := blob.CheckRange(rng, size); err != nil || rng.Length <= 0 || rng.Offset+rng.Length > size {
			t.Fatalf("parseRange(%q, %d) = %+v outside the blob (%v)", h, size, rng, err)
		}
	})
}

// FuzzCleanFilename: whatever a client names a file, the name kept is a
// valid blob key segment and URL path segment.
func FuzzCleanFilename(f *testing.F) {
	for _, n := range []string{"cat.png", "../../etc/passwd", "SPOILER_x", "a b/c\\d", "", "...", "ünï.txt", strings.Repeat("x", 300)} {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got, flags := cleanFilename(name)
		if err := blob.ValidKey("attachments/1/2/" + got); err != nil || len(got) > maxFilename {
			t.Fatalf("cleanFilename(%q) = %q: %v", name, got, err)
		}
		if flags != 0 && !strings.HasPrefix(got, "SPOILER_") {
			t.Fatalf("cleanFilename(%q) flags %d without the prefix", name, flags)
		}
	})
}
