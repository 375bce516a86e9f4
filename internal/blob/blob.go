// Package blob stores opaque byte objects (attachment files, avatars,
// icons, resized image variants) by key, behind a small interface with two
// backends: blob/fs (files under the data directory, the embedded default)
// and blob/s3 (any S3-compatible object store). The conformance suite
// blob/blobtest runs against both.
//
// Keys are slash-separated paths of [A-Za-z0-9._-] segments (ValidKey); a
// key names at most one object, and Put replaces it whole. Every Store is
// safe for concurrent use.
package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// Sentinel errors.
var (
	ErrNotFound     = errors.New("blob: not found")
	ErrInvalidKey   = errors.New("blob: invalid key")
	ErrInvalidRange = errors.New("blob: range not satisfiable")
	ErrSize         = errors.New("blob: size does not match the bytes read")
)

// Meta is a blob's metadata: short ASCII key/value pairs stored with it
// (S3 user metadata on s3, a sidecar file on fs). Keys are lower-case
// [a-z0-9-]; values printable ASCII. Stores return a copy the caller owns.
type Meta map[string]string

// Info describes a stored blob.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time
	// ETag is an opaque, quoted-free tag that changes when the bytes do.
	ETag string
	Meta Meta
}

// Range is a byte range of a blob: Length bytes from Offset; Length < 0
// means to the end.
type Range struct {
	Offset, Length int64
}

// Store is a blob store. Methods are safe for concurrent use.
type Store interface {
	// Put stores the bytes read from r under key. size is their length,
	// or -1 when unknown; a known size that r does not match fails with
	// ErrSize. Put returns once the blob is durable; a Put that fails
	// (r errors, ctx ends) leaves any earlier blob under key as it was and
	// no partial one.
	Put(ctx context.Context, key string, r io.Reader, size int64, meta Meta) error
	// Get opens key's bytes, all of them when rng is nil. The caller
	// closes the reader. Info describes the whole blob.
	Get(ctx context.Context, key string, rng *Range) (io.ReadCloser, Info, error)
	// Stat describes key without reading it.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for every blob whose key starts with prefix, in key
	// order, until fn returns an error (which List returns).
	List(ctx context.Context, prefix string, fn func(Info) error) error
}

// ValidKey checks key's shape: non-empty segments of [A-Za-z0-9._-]
// separated by '/', none of them "." or "..", at most 512 bytes. Backends
// refuse other keys, so a key built from a request can never leave its
// store's namespace.
func ValidKey(key string) error {
	if key == "" || len(key) > 512 {
		return fmt.Errorf("%w: %q", ErrInvalidKey, key)
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, ".") {
			return fmt.Errorf("%w: %q", ErrInvalidKey, key)
		}
		for _, c := range []byte(seg) {
			if !keyByte(c) {
				return fmt.Errorf("%w: %q", ErrInvalidKey, key)
			}
		}
	}
	return nil
}

func keyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
}

// ValidPrefix checks a List prefix: empty, or a valid key optionally
// ending in '/'.
func ValidPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	return ValidKey(strings.TrimSuffix(prefix, "/"))
}

// StatRange is the start of a backend's Get: key's Info and the concrete
// offset and length of rng within it.
func StatRange(ctx context.Context, s interface {
	Stat(ctx context.Context, key string) (Info, error)
}, key string, rng *Range) (info Info, off, n int64, err error) {
	if info, err = s.Stat(ctx, key); err != nil {
		return Info{}, 0, 0, err
	}
	if off, n, err = CheckRange(rng, info.Size); err != nil {
		return Info{}, 0, 0, err
	}
	return info, off, n, nil
}

// CheckRange validates rng against a blob of size bytes and returns the
// concrete offset and length to read.
func CheckRange(rng *Range, size int64) (off, n int64, err error) {
	if rng == nil {
		return 0, size, nil
	}
	if rng.Offset < 0 || rng.Offset > size || (rng.Offset == size && size > 0) {
		return 0, 0, ErrInvalidRange
	}
	n = size - rng.Offset
	if rng.Length >= 0 && rng.Length < n {
		n = rng.Length
	}
	return rng.Offset, n, nil
}

// ValidMeta checks meta's keys and values (see Meta).
func ValidMeta(meta Meta) error {
	for k, v := range meta {
		if k == "" || len(k) > 64 || len(v) > 1024 {
			return fmt.Errorf("blob: invalid metadata %q", k)
		}
		for _, c := range []byte(k) {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("blob: invalid metadata key %q", k)
			}
		}
		for _, c := range []byte(v) {
			if c < 0x20 || c > 0x7e {
				return fmt.Errorf("blob: invalid metadata value for %q", k)
			}
		}
	}
	return nil
}
