// Package fs is a blob.Store on the local filesystem: each blob is a file
// under a root directory (Accord's --data/blobs), its metadata and ETag in
// a hidden sidecar file beside it.
//
// Put writes to a temporary file in the blob's directory, fsyncs it,
// renames it into place and fsyncs the directory, so a blob that Put
// acknowledged survives a crash and a failed Put leaves no partial blob.
// Two Puts of one key at once may pair one's bytes with the other's
// metadata; Accord never writes a key twice at once (keys carry fresh IDs
// or content hashes).
package fs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/accordchat/accord/internal/blob"
)

// Store is a filesystem blob store. It is safe for concurrent use.
type Store struct {
	root string
}

var _ blob.Store = (*Store)(nil)

// New returns a Store rooted at dir, creating it if needed.
func New(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("blob/fs: %w", err)
	}
	return &Store{root: dir}, nil
}

// sidecar is what the hidden ".<name>.meta" file holds.
type sidecar struct {
	ETag string    `json:"etag"`
	Meta blob.Meta `json:"meta,omitempty"`
}

func (s *Store) paths(key string) (data, meta string) {
	data = filepath.Join(s.root, filepath.FromSlash(key))
	dir, name := filepath.Split(data)
	return data, filepath.Join(dir, "."+name+".meta")
}

// Put implements blob.Store.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, meta blob.Meta) error {
	if err := blob.ValidKey(key); err != nil {
		return err
	}
	if err := blob.ValidMeta(meta); err != nil {
		return err
	}
	data, metaPath := s.paths(key)
	dir := filepath.Dir(data)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("blob/fs: put %s: %w", key, err)
	}
	h := sha256.New()
	tmp, err := writeTemp(dir, io.TeeReader(&ctxReader{ctx: ctx, r: r}, h), size)
	if err != nil {
		return fmt.Errorf("blob/fs: put %s: %w", key, err)
	}
	defer os.Remove(tmp) // no-op once renamed
	sc, err := json.Marshal(sidecar{ETag: hex.EncodeToString(h.Sum(nil)[:16]), Meta: meta})
	if err != nil {
		return err
	}
	tmpMeta, err := writeTemp(dir, strings.NewReader(string(sc)), int64(len(sc)))
	if err != nil {
		return fmt.Errorf("blob/fs: put %s: %w", key, err)
	}
	defer os.Remove(tmpMeta)
	// The sidecar goes first: a data file is a blob only once its
	// metadata is in place.
	if err := os.Rename(tmpMeta, metaPath); err != nil {
		return fmt.Errorf("blob/fs: put %s: %w", key, err)
	}
	if err := os.Rename(tmp, data); err != nil {
		return fmt.Errorf("blob/fs: put %s: %w", key, err)
	}
	return syncDir(dir)
}

// writeTemp copies r into a new fsynced temporary file in dir and returns
// its path. A known size that r does not match is blob.ErrSize.
func writeTemp(dir string, r io.Reader, size int64) (string, error) {
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	fail := func(err error) (string, error) {
		f.Close()
		os.Remove(name)
		return "", err
	}
	src := r
	if size >= 0 {
		src = io.LimitReader(r, size+1)
	}
	n, err := io.Copy(f, src)
	if err != nil {
		return fail(err)
	}
	if size >= 0 && n != size {
		return fail(blob.ErrSize)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("blob/fs: sync %s: %w", dir, err)
	}
	return nil
}

// ctxReader stops a copy when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Get implements blob.Store.
func (s *Store) Get(ctx context.Context, key string, rng *blob.Range) (io.ReadCloser, blob.Info, error) {
	info, off, n, err := blob.StatRange(ctx, s, key, rng)
	if err != nil {
		return nil, blob.Info{}, err
	}
	data, _ := s.paths(key)
	f, err := os.Open(data)
	if errors.Is(err, iofs.ErrNotExist) {
		return nil, blob.Info{}, blob.ErrNotFound
	}
	if err != nil {
		return nil, blob.Info{}, fmt.Errorf("blob/fs: get %s: %w", key, err)
	}
	return &section{SectionReader: io.NewSectionReader(f, off, n), f: f}, info, nil
}

type section struct {
	*io.SectionReader
	f *os.File
}

func (s *section) Close() error { return s.f.Close() }

// Stat implements blob.Store.
func (s *Store) Stat(_ context.Context, key string) (blob.Info, error) {
	if err := blob.ValidKey(key); err != nil {
		return blob.Info{}, err
	}
	data, metaPath := s.paths(key)
	return s.stat(key, data, metaPath)
}

func (s *Store) stat(key, data, metaPath string) (blob.Info, error) {
	fi, err := os.Stat(data)
	if errors.Is(err, iofs.ErrNotExist) || err == nil && !fi.Mode().IsRegular() {
		return blob.Info{}, blob.ErrNotFound
	}
	if err != nil {
		return blob.Info{}, fmt.Errorf("blob/fs: stat %s: %w", key, err)
	}
	b, err := os.ReadFile(metaPath)
	if err != nil {
		return blob.Info{}, fmt.Errorf("blob/fs: stat %s: metadata: %w", key, err)
	}
	var sc sidecar
	if err := json.Unmarshal(b, &sc); err != nil {
		return blob.Info{}, fmt.Errorf("blob/fs: stat %s: metadata: %w", key, err)
	}
	if sc.Meta == nil {
		sc.Meta = blob.Meta{}
	}
	return blob.Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime(), ETag: sc.ETag, Meta: sc.Meta}, nil
}

// Delete implements blob.Store. The data file goes first, so that a blob
// is never seen without its metadata.
func (s *Store) Delete(_ context.Context, key string) error {
	if err := blob.ValidKey(key); err != nil {
		return err
	}
	data, metaPath := s.paths(key)
	for _, p := range []string{data, metaPath} {
		if err := os.Remove(p); err != nil && !errors.Is(err, iofs.ErrNotExist) {
			return fmt.Errorf("blob/fs: delete %s: %w", key, err)
		}
	}
	// Empty directories are left: removing them would race a Put that
	// has just created one.
	return nil
}

// List implements blob.Store.
func (s *Store) List(ctx context.Context, prefix string, fn func(blob.Info) error) error {
	if err := blob.ValidPrefix(prefix); err != nil {
		return err
	}
	// Walk from the deepest directory the prefix names whole.
	start := s.root
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = filepath.Join(s.root, filepath.FromSlash(prefix[:i]))
	}
	var keys []string
	err := filepath.WalkDir(start, func(p string, d iofs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, iofs.ErrNotExist) {
				return nil
			}
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != start {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil {
			return err
		}
		if key := filepath.ToSlash(rel); strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("blob/fs: list %s: %w", prefix, err)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		info, err := s.Stat(ctx, key)
		if errors.Is(err, blob.ErrNotFound) {
			continue // deleted meanwhile
		}
		if err != nil {
			return err
		}
		if err := fn(info); err != nil {
			return err
		}
	}
	return nil
}
