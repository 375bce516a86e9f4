// Package pebble is Accord's embedded storage backend: a store.Store on
// CockroachDB's Pebble LSM engine, in one directory on local disk.
//
// Messages are laid out the way Discord lays them out in ScyllaDB: one
// partition per (channel, 10-day bucket), clustered newest first, plus a
// per-channel index of non-empty buckets so a history read walks only the
// buckets that hold messages (see keys.go). Entities are JSON values with
// their secondary indexes written in the same atomic batch.
//
// Every write is committed with pebble.Sync and so is in the fsynced
// write-ahead log before the method returns. Pebble's commit pipeline
// group-commits concurrent synced batches: while one WAL fsync is in flight
// the next batches queue behind it and share the following fsync, so
// throughput grows with the number of concurrent writers even though each
// write waits for its own durability.
package pebble

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

var _ store.Store = (*Store)(nil)

// Config configures a Store. The zero value of each field but Dir means the
// default.
type Config struct {
	// Dir is the directory holding the database; it is created if missing.
	Dir string
	// FS is the file system; nil means the operating system's. Tests may
	// pass vfs.NewMem().
	FS vfs.FS
	// CacheSize is the block cache size in bytes; 0 means 64 MiB.
	CacheSize int64
	// MemTableSize is the size of one memtable in bytes; 0 means 32 MiB.
	MemTableSize uint64
	// Logger receives Pebble's log lines; nil means slog.Default().
	Logger *slog.Logger
}

// Store is a store.Store on Pebble. It is safe for concurrent use. Values it
// returns are freshly allocated and belong to the caller.
type Store struct {
	db *pebble.DB

	// mu guards closed. Every method holds mu.RLock for its whole run, so
	// Close (mu.Lock) waits for operations in flight and later calls get
	// store.ErrClosed instead of touching a closed DB (Pebble panics).
	mu     sync.RWMutex
	closed bool

	// userMu guards claims. CreateUser and UpdateUser check that a
	// username (and a new user's ID) is free, in the database and among
	// the claims, and claim it, all under userMu; they then commit (the
	// fsync) without it and drop the claim after. So concurrent
	// registrations share Pebble's group commit instead of queueing one
	// fsync each behind userMu, and two of them never both take a name.
	// Lock order: mu, renameMu, userMu.
	userMu sync.Mutex
	claims map[string]struct{} // usernameKey and user idKey strings of commits in flight
	// renameMu serialises UpdateUser calls, across their commit: each
	// reads the user's old name to move its index entry, so two renames
	// of one user in flight at once could both delete the old entry and
	// each add one.
	renameMu sync.Mutex

	// channelLocks keep each channel's bucket index exact. PutMessage holds
	// its channel's stripe shared while it commits message and index entry;
	// DeleteMessage holds it exclusively while it checks whether the bucket
	// became empty and, if so, drops the index entry in the same batch.
	// Shared holders do not exclude each other, so concurrent puts to one
	// channel still group-commit. Lock order: mu, then a stripe.
	channelLocks [256]sync.RWMutex

	// auditSwept is when each guild's audit entries past the retention
	// were last dropped (chat.ID -> time.Time; see PutAuditEntry).
	auditSwept sync.Map

	// onBucketRead, if set (by tests), is called for each message partition
	// a read opens.
	onBucketRead func(channel chat.ID, bucket int64)
}

// New opens (or creates) the store in cfg.Dir.
func New(cfg Config) (*Store, error) {
	if cfg.Dir == "" {
		return nil, errors.New("pebble store: Config.Dir is empty")
	}
	if cfg.CacheSize == 0 {
		cfg.CacheSize = 64 << 20
	}
	if cfg.MemTableSize == 0 {
		cfg.MemTableSize = 32 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cache := pebble.NewCache(cfg.CacheSize)
	defer cache.Unref() // the DB holds its own reference
	opts := &pebble.Options{
		FS:                 cfg.FS,
		Cache:              cache,
		MemTableSize:       cfg.MemTableSize,
		FormatMajorVersion: pebble.FormatNewest,
		Logger:             pebbleLogger{cfg.Logger.WithGroup("pebble")},
	}
	db, err := pebble.Open(cfg.Dir, opts)
	if err != nil {
		return nil, fmt.Errorf("pebble store: open %s: %w", cfg.Dir, err)
	}
	return &Store{db: db, claims: map[string]struct{}{}}, nil
}

// Close flushes the memtables to disk (so the next open has no log to
// replay) and closes the database. Later calls return store.ErrClosed;
// closing twice is a no-op.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	ferr := s.db.Flush()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("pebble store: close: %w", err)
	}
	if ferr != nil {
		return fmt.Errorf("pebble store: flush: %w", ferr)
	}
	return nil
}

// enter starts an operation: it takes mu.RLock unless the store is closed
// or ctx is done. On success the caller must call s.mu.RUnlock.
func (s *Store) enter(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return store.ErrClosed
	}
	return nil
}

func (s *Store) channelLock(channel chat.ID) *sync.RWMutex {
	// Fibonacci hashing: snowflakes' low bits are mostly zero.
	return &s.channelLocks[(uint64(channel)*0x9E3779B97F4A7C15)>>56]
}

// get returns a copy of the value at k, or store.ErrNotFound.
func (s *Store) get(k []byte) ([]byte, error) {
	v, closer, err := s.db.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	out := append([]byte(nil), v...)
	return out, closer.Close()
}

// getJSON decodes the JSON value at k into v.
func (s *Store) getJSON(k []byte, v any) error {
	b, err := s.get(k)
	if err != nil {
		return err
	}
	return jsonUnmarshal(k, b, v)
}

// getID returns the ID stored as the value at k.
func (s *Store) getID(k []byte) (chat.ID, error) {
	b, err := s.get(k)
	if err != nil {
		return 0, err
	}
	if len(b) != 8 {
		return 0, fmt.Errorf("id value at %q has %d bytes", k, len(b))
	}
	return chat.ID(binary.BigEndian.Uint64(b)), nil
}

func idValue(id chat.ID) []byte { return binary.BigEndian.AppendUint64(nil, uint64(id)) }

// has reports whether k exists.
func (s *Store) has(k []byte) (bool, error) {
	_, closer, err := s.db.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, closer.Close()
}

// batch collects writes for one atomic, synced commit.
type batch struct {
	b   *pebble.Batch
	err error
}

func (s *Store) newBatch() *batch { return &batch{b: s.db.NewBatch()} }

func (b *batch) set(k, v []byte) {
	if b.err == nil {
		b.err = b.b.Set(k, v, nil)
	}
}

func (b *batch) setJSON(k []byte, v any) {
	if b.err != nil {
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		b.err = err
		return
	}
	b.err = b.b.Set(k, data, nil)
}

func (b *batch) delete(k []byte) {
	if b.err == nil {
		b.err = b.b.Delete(k, nil)
	}
}

// commit makes the batch durable (see the package doc on group commit) and
// releases it.
func (b *batch) commit() error {
	defer b.b.Close()
	if b.err != nil {
		return b.err
	}
	return b.b.Commit(pebble.Sync)
}

// scan calls fn for each key with prefix p, in key order, starting at start
// (nil = the first), until fn returns false. Key and value are valid only
// during the call.
func (s *Store) scan(p, start []byte, fn func(k, v []byte) (bool, error)) error {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return err
	}
	if start == nil {
		start = p
	}
	for valid := it.SeekGE(start); valid; valid = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return err
		}
		more, err := fn(it.Key(), v)
		if err != nil {
			it.Close()
			return err
		}
		if !more {
			break
		}
	}
	if err := it.Error(); err != nil {
		it.Close()
		return err
	}
	return it.Close()
}

// scanJSON decodes each value under prefix p into a T.
func scanJSON[T any](s *Store, p []byte) ([]T, error) {
	var out []T
	err := s.scan(p, nil, func(k, v []byte) (bool, error) {
		var x T
		if err := jsonUnmarshal(k, v, &x); err != nil {
			return false, err
		}
		out = append(out, x)
		return true, nil
	})
	return out, err
}

// jsonUnmarshal decodes the JSON value v stored at k into x.
func jsonUnmarshal(k, v []byte, x any) error {
	if err := json.Unmarshal(v, x); err != nil {
		return fmt.Errorf("decode %q: %w", k, err)
	}
	return nil
}

// pebbleLogger routes Pebble's printf logging to slog.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug(fmt.Sprintf(format, args...))
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...))
}

// Fatalf reports corruption or a broken invariant. Like Pebble's default
// logger it exits: a panic could be recovered by an HTTP handler and leave
// the server running on a broken store.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	p.l.Error("fatal: " + fmt.Sprintf(format, args...))
	os.Exit(1)
}
