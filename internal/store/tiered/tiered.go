// Package tiered is the "super-disk" store: a fast local store (Pebble on
// local disk) in front of a durable shared one (CQL), composed at the
// application level after the design Discord used below ScyllaDB.
//
// Writes go to the durable tier first and are acknowledged only once it
// has acknowledged them; then they are applied to the local tier. Reads are
// served by the local tier when it can prove its answer is complete, and
// otherwise by the durable tier, whose answer is then copied into the local
// tier. The local tier holds nothing the durable tier lacks, so losing or
// deleting it loses nothing: it refills on demand.
//
// What "complete" means:
//   - A single entity (user, guild, channel...) found locally is served
//     locally. One not found locally is looked up in the durable tier.
//   - A single message is served locally when its ID lies in a covered
//     range (below), found or not; otherwise by the durable tier.
//   - A list (a guild's channels, roles, members, invites; a user's guilds)
//     is served locally once this process has copied it whole from the
//     durable tier; write-through keeps it whole from then on.
//   - A message page is served locally when the ID range it spans is
//     covered: every page fetched from the durable tier covers the range of
//     IDs it proves empty or fully listed (for Before X with a full page,
//     from its oldest message up to X), and write-through keeps covered
//     ranges exact. A page outside the covered ranges is fetched, and the
//     local copy of its range is reconciled (stale local messages deleted).
//
// Only what this process has proven is served locally: an entity once it
// was written through or fetched ("valid"), a list once copied whole, a
// message range once covered. This knowledge is kept in memory, so after a
// restart each item is fetched once more; a crash between the durable and
// the local write, which leaves the local tier behind, therefore does no
// harm. A write that fails in either tier forgets what it touched, so those
// keys are fetched again. Reads that race with writes never install stale
// data: each key maps to a stripe with a write generation, and a fill is
// installed only if no write touched its stripe while it was reading.
//
// The local tier mirrors only writes made through this Store; it assumes
// this process is the only writer of the data it caches (one Accord node,
// or nodes owning disjoint guilds).
package tiered

import (
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

var _ store.Store = (*Store)(nil)

// Config configures a Store. The zero value is valid.
type Config struct {
	// Logger receives local-tier failures; nil means slog.Default().
	Logger *slog.Logger
	// MaxTracked caps the number of entities, lists and channels whose
	// local state is remembered as current (each kind separately); past
	// it that memory is cleared and refilled on demand. Default 1<<20.
	MaxTracked int
}

// Store is a store.Store made of a local and a durable tier. It is safe for
// concurrent use; it owns both tiers and closes them on Close.
type Store struct {
	local, durable store.Store
	log            *slog.Logger
	maxTracked     int
	closed         atomic.Bool

	gate gate

	// mu guards valid, complete and ranges.
	mu       sync.Mutex
	valid    map[string]struct{}   // entity keys whose local copy is current
	complete map[string]struct{}   // list keys copied whole
	ranges   map[chat.ID]*coverage // per channel: message ID ranges held exactly
}

// New returns a Store over local (fast, possibly empty or lost) and durable
// (the source of truth, e.g. a store/cql Store). The caller opens both;
// the Store closes both.
func New(local, durable store.Store, cfg Config) (*Store, error) {
	if local == nil || durable == nil {
		return nil, errors.New("tiered: both tiers are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxTracked <= 0 {
		cfg.MaxTracked = 1 << 20
	}
	return &Store{
		local: local, durable: durable, log: cfg.Logger.WithGroup("tiered"), maxTracked: cfg.MaxTracked,
		complete: make(map[string]struct{}), ranges: make(map[chat.ID]*coverage), valid: make(map[string]struct{}),
	}, nil
}

// Close closes both tiers.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	return errors.Join(s.durable.Close(), s.local.Close())
}

func (s *Store) check() error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return nil
}

// write runs a write through both tiers under the keys' stripes: durable
// first (its error is the caller's), then local. Success makes the keys'
// local copies valid; a failure in either tier forgets them, since the
// local copy may no longer match.
func (s *Store) write(ctx context.Context, keys []string, durable, local func() error) error {
	if err := s.check(); err != nil {
		return err
	}
	release := s.gate.enter(keys)
	defer release()
	if err := durable(); err != nil {
		// A definite refusal changed nothing; any other failure may still
		// have been applied.
		if !errors.Is(err, store.ErrExists) && !errors.Is(err, store.ErrNotFound) {
			s.distrust(keys)
		}
		return err
	}
	if err := local(); err != nil {
		s.log.Warn("local tier write failed; reading these keys from the durable tier", "keys", keys, "err", err)
		s.distrust(keys)
		return nil
	}
	s.trust(keys)
	return nil
}

// fill installs data read from the durable tier into the local tier if no
// write touched the keys' stripes since snap was taken; install's error
// leaves the keys untrusted.
func (s *Store) fill(keys []string, snap []uint64, install func() error) {
	s.gate.commit(keys, snap, func() {
		if err := install(); err != nil {
			s.log.Warn("local tier fill failed", "keys", keys, "err", err)
			s.distrust(keys)
			return
		}
		s.trust(keys)
	})
}

// distrust forgets that the keys' local copies are current.
func (s *Store) distrust(keys []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.valid, k)
		delete(s.complete, k)
		if ch, ok := channelOfKey(k); ok {
			delete(s.ranges, ch)
		}
	}
}

// trust records that the keys' local copies are current.
func (s *Store) trust(keys []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.valid)+len(keys) > s.maxTracked {
		clear(s.valid)
	}
	for _, k := range keys {
		s.valid[k] = struct{}{}
	}
}

func (s *Store) isValid(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.valid[key]
	return ok
}

func (s *Store) isComplete(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.complete[key]
	return ok
}

func (s *Store) markComplete(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.complete) >= s.maxTracked {
		clear(s.complete)
	}
	s.complete[key] = struct{}{}
}

// gate orders fills after writes. Writers hold their keys' stripes shared
// and bump each stripe's generation; a fill snapshots the generations with
// the stripes held exclusively (so no write is half done), reads the
// durable tier, and installs its result only if the generations are
// unchanged. Lock order: stripes in ascending index, then Store.mu.
type gate struct {
	stripes [64]sync.RWMutex
	gens    [64]atomic.Uint64
}

func stripesOf(keys []string) []int {
	idx := make([]int, 0, len(keys))
	for _, k := range keys {
		h := fnv.New32a()
		h.Write([]byte(k))
		idx = append(idx, int(h.Sum32()%64))
	}
	slices.Sort(idx)
	return slices.Compact(idx)
}

func (g *gate) enter(keys []string) (release func()) {
	idx := stripesOf(keys)
	for _, i := range idx {
		g.stripes[i].RLock()
		g.gens[i].Add(1)
	}
	return func() {
		for _, i := range idx {
			g.stripes[i].RUnlock()
		}
	}
}

func (g *gate) snapshot(keys []string) []uint64 {
	idx := stripesOf(keys)
	snap := make([]uint64, len(idx))
	for _, i := range idx {
		g.stripes[i].Lock()
	}
	for j, i := range idx {
		snap[j] = g.gens[i].Load()
	}
	for _, i := range idx {
		g.stripes[i].Unlock()
	}
	return snap
}

func (g *gate) commit(keys []string, snap []uint64, fn func()) {
	idx := stripesOf(keys)
	for _, i := range idx {
		g.stripes[i].Lock()
	}
	defer func() {
		for _, i := range idx {
			g.stripes[i].Unlock()
		}
	}()
	for j, i := range idx {
		if g.gens[i].Load() != snap[j] {
			return // a write raced with the fill; the next read fills again
		}
	}
	fn()
}
