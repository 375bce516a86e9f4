package ratelimit

import (
	"hash/maphash"
	"sync"
	"time"
)

// table holds fixed windows by key, in shards so that concurrent requests
// for different keys rarely share a lock.
//
// An expired window is the same as no window (the next request opens a
// fresh one), so sweeping expired entries loses nothing: memory holds only
// the windows still running. Each shard is swept when sweepEvery has passed
// since its last sweep, and is capped at maxPerShard entries; past the cap
// it drops an arbitrary entry, which can only make a limit more lenient for
// that key, never stricter.
type table struct {
	seed        maphash.Seed
	maxPerShard int
	shards      [shardCount]shard
}

const (
	shardCount = 64
	sweepEvery = 30 * time.Second
)

// shard is one lock's worth of windows. mu guards m and lastSweep.
type shard struct {
	mu        sync.Mutex
	m         map[string]window
	lastSweep int64 // unix nanoseconds
}

// window is one key's fixed window: used requests until reset (unix
// nanoseconds).
type window struct {
	used  int
	reset int64
}

func newTable(maxEntries int) *table {
	t := &table{seed: maphash.MakeSeed(), maxPerShard: max(maxEntries/shardCount, 1)}
	for i := range t.shards {
		t.shards[i].m = make(map[string]window)
	}
	return t
}

// update runs f on key's window at now (a fresh window of length w if
// there was none or it had expired) and stores what f leaves. f runs
// under the shard's lock and must not block.
func (t *table) update(key string, now int64, w time.Duration, f func(win *window)) {
	s := &t.shards[maphash.String(t.seed, key)%shardCount]
	s.mu.Lock()
	defer s.mu.Unlock()
	win, ok := s.m[key]
	if !ok || win.reset <= now {
		if !ok {
			s.makeRoomLocked(now, t.maxPerShard)
		}
		win = window{reset: now + int64(w)}
	}
	f(&win)
	s.m[key] = win
}

// get returns key's running window, if any.
func (t *table) get(key string, now int64) (window, bool) {
	s := &t.shards[maphash.String(t.seed, key)%shardCount]
	s.mu.Lock()
	defer s.mu.Unlock()
	win, ok := s.m[key]
	if !ok || win.reset <= now {
		return window{}, false
	}
	return win, true
}

// makeRoomLocked sweeps expired windows when it is time, and drops one
// entry if the shard is still full.
func (s *shard) makeRoomLocked(now int64, maxEntries int) {
	// A full shard sweeps at most once a second, so a flood of new keys
	// cannot make every insert walk the whole shard.
	since := now - s.lastSweep
	if since >= int64(sweepEvery) || (len(s.m) >= maxEntries && since >= int64(time.Second)) {
		s.lastSweep = now
		for k, w := range s.m {
			if w.reset <= now {
				delete(s.m, k)
			}
		}
	}
	for k := range s.m {
		if len(s.m) < maxEntries {
			break
		}
		delete(s.m, k)
	}
}

// len is the number of windows held (running or not yet swept).
func (t *table) len() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.Lock()
		n += len(s.m)
		s.mu.Unlock()
	}
	return n
}
