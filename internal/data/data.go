// Package data is the data service that every message read and write goes
// through, as Discord's Rust data services sit between the API and the
// database. Callers (guild actors, REST handlers) must not reach messages in
// the store directly: the service's cache is only right because it sees
// every write.
//
// Two techniques keep a herd of identical reads (say, thousands of clients
// opening a channel after an @everyone ping) from becoming a herd of store
// reads:
//
//   - Coalescing: identical concurrent reads (same channel, same page query,
//     same channel generation) share one store read (singleflight).
//   - Hot pages: the newest messages of recently read channels are kept in
//     memory (a bounded otter cache of channels) and updated in place by
//     every write, edit and delete that goes through the service, so any
//     page inside them is answered without the store.
//
// A page's decorations (its messages' reactions and the channel's pins) go
// the same way: coalesced, the last answer and the pins kept per channel
// and dropped by every reaction or pin write, which therefore must go
// through the service too (Decorations, Pins, PutReaction, PutPin...).
//
// Config.Direct turns both off, to measure what they buy.
//
// # Consistency
//
// A read that starts after a write was acknowledged sees that write. Each
// channel has a generation, changed under the channel's lock by every write
// after the store has made it durable and before the write returns. A
// coalesced read is keyed by the generation its first caller saw, so a
// request that arrives after a write never joins a read that began before
// it; a store read that fills the hot page is installed only if the
// generation is still the one seen before the read began, so a slow read
// never puts an older page over newer state. Writes to one message are
// serialised (striped locks held across the store write and the cache
// update), so the store and the cache apply them in the same order; writes
// to different messages commute.
//
// A Service is safe for concurrent use. Returned slices belong to the
// caller, but the messages' own slices and pointers (Mentions, EditedAt,
// Reference...) may be shared with the cache: replace them, never write
// through them.
package data

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/maypok86/otter/v2"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// Config configures a Service. The zero value of each field means its
// default.
type Config struct {
	// Store holds the messages. Required.
	Store store.Store
	// Direct sends every read straight to the store: no coalescing and no
	// hot pages (`accord serve --coalesce=false`).
	Direct bool
	// HotChannels bounds how many channels the cache tracks (otter's
	// W-TinyLFU keeps the most used). Default 4096.
	HotChannels int
	// HotMessages is how many of a hot channel's newest messages are kept.
	// Default store.MaxPage (100), the largest page a client may ask for.
	HotMessages int
	// Registerer receives the service's metrics (accord_data_*); nil
	// registers none.
	Registerer prometheus.Registerer
}

// writeStripes is the number of locks that serialise writes to one
// message; writes to different messages rarely share one. A shared stripe
// costs the second write a whole synced commit of waiting, so there are
// many: with 64 writes in flight, 256 stripes had ~6 of them queued on
// another message's stripe at any time (issue 18's ingest profile), 4096
// have ~0.5. 4096 mutexes are 32 KiB, once per process.
const writeStripes = 4096

// Service reads and writes messages.
type Service struct {
	st      store.Store
	direct  bool
	hotMax  int
	chans   *otter.Cache[chat.ID, *channel] // nil when direct
	flights singleflight.Group
	gens    atomic.Uint64 // source of channel generations, never reused
	stripes [writeStripes]sync.Mutex
	stats   [numOps]opStats
	waiting atomic.Int64 // callers waiting for a shared store read
}

// channel is the cached state of one channel.
type channel struct {
	mu  sync.Mutex
	gen uint64 // guarded by mu; a new value from Service.gens on every write
	hot *page  // guarded by mu; nil when not known
	// The decorations (reactions and pins) have their own generation, so
	// a reaction does not cost the hot page and a message write does not
	// cost the decorations. All guarded by mu.
	dgen uint64
	dec  *decorated // the last decorations answer; nil when not known
	pins []chat.Pin // the channel's pins; nil when not known
}

// New returns a Service over cfg.Store.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("data: Config.Store is required")
	}
	if cfg.HotChannels <= 0 {
		cfg.HotChannels = 4096
	}
	if cfg.HotMessages <= 0 {
		cfg.HotMessages = store.MaxPage
	}
	s := &Service{st: cfg.Store, direct: cfg.Direct, hotMax: cfg.HotMessages}
	if !cfg.Direct {
		c, err := otter.New(&otter.Options[chat.ID, *channel]{MaximumSize: cfg.HotChannels})
		if err != nil {
			return nil, fmt.Errorf("data: cache: %w", err)
		}
		s.chans = c
	}
	if cfg.Registerer != nil {
		if err := s.register(cfg.Registerer); err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// Close stops the cache's maintenance goroutine. The Service must not be
// used afterwards.
func (s *Service) Close() {
	if s.chans != nil {
		s.chans.StopAllGoroutines()
	}
}

// CreateMessage stores a new message; it returns once the write is durable
// and visible to every later read. The service keeps its own copy of m.
func (s *Service) CreateMessage(ctx context.Context, m chat.Message) error {
	if err := s.put(ctx, m); err != nil {
		return fmt.Errorf("data: create message %d in %d: %w", m.ID, m.ChannelID, err)
	}
	return nil
}

// UpdateMessage replaces a stored message (an edit); durable and visible on
// return.
func (s *Service) UpdateMessage(ctx context.Context, m chat.Message) error {
	if err := s.put(ctx, m); err != nil {
		return fmt.Errorf("data: update message %d in %d: %w", m.ID, m.ChannelID, err)
	}
	return nil
}

func (s *Service) put(ctx context.Context, m chat.Message) error {
	if s.direct {
		return s.st.PutMessage(ctx, m)
	}
	l := s.stripe(m.ChannelID, m.ID)
	l.Lock()
	defer l.Unlock()
	err := s.st.PutMessage(ctx, m)
	s.apply(m.ChannelID, err, func(h *page) bool {
		h.put(cloneMessage(m), s.hotMax)
		return true
	})
	return err
}

// DeleteMessages deletes messages of one channel; missing ones are ignored.
func (s *Service) DeleteMessages(ctx context.Context, channelID chat.ID, ids ...chat.ID) error {
	for _, id := range ids {
		if err := s.delete(ctx, channelID, id); err != nil {
			return fmt.Errorf("data: delete message %d in %d: %w", id, channelID, err)
		}
	}
	return nil
}

func (s *Service) delete(ctx context.Context, channelID, id chat.ID) error {
	if s.direct {
		return s.st.DeleteMessage(ctx, channelID, id)
	}
	l := s.stripe(channelID, id)
	l.Lock()
	defer l.Unlock()
	err := s.st.DeleteMessage(ctx, channelID, id)
	s.apply(channelID, err, func(h *page) bool { return h.remove(id) })
	return err
}

// stripe returns the lock that serialises writes to one message.
func (s *Service) stripe(channelID, id chat.ID) *sync.Mutex {
	h := (uint64(channelID)*31 + uint64(id)) * 0x9E3779B97F4A7C15
	return &s.stripes[h>>52%writeStripes]
}

// apply records a finished store write in the channel's state: a new
// generation (so no read begun before it is served or installed after it)
// and the change to the hot page, which f makes and which f reports as
// still useful. A failed write may or may not have reached the store, so it
// drops the page instead. A channel without state needs nothing: a reader
// creates its state after this write is durable, so it reads it.
func (s *Service) apply(channelID chat.ID, err error, f func(h *page) bool) {
	c, ok := s.chans.GetIfPresent(channelID)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen = s.gens.Add(1)
	if c.hot == nil {
		return
	}
	if err != nil || !f(c.hot) {
		c.hot = nil
	}
}

// state returns the channel's cached state, creating it.
func (s *Service) state(channelID chat.ID) *channel {
	if c, ok := s.chans.GetIfPresent(channelID); ok {
		return c
	}
	// Fresh generations, never reused: a read still in flight for an
	// evicted state must not be joined by one that began after a write.
	c, _ := s.chans.SetIfAbsent(channelID, &channel{gen: s.gens.Add(1), dgen: s.gens.Add(1)})
	return c
}

// normalize applies store.Page's limit rules, so equal queries get equal
// keys.
func normalize(p store.Page) store.Page {
	if p.Limit < 1 {
		p.Limit = 50
	}
	if p.Limit > store.MaxPage {
		p.Limit = store.MaxPage
	}
	return p
}

// Message returns one message, or chat.ErrUnknownMessage.
func (s *Service) Message(ctx context.Context, channelID, messageID chat.ID) (chat.Message, error) {
	st := &s.stats[opMessage]
	st.requests.Add(1)
	read := func(ctx context.Context) (any, error) {
		st.storeReads.Add(1)
		return s.st.Message(ctx, channelID, messageID)
	}
	var v any
	var err error
	if s.direct {
		v, err = read(ctx)
	} else {
		c := s.state(channelID)
		c.mu.Lock()
		m, found, ok := c.hot.lookup(messageID)
		gen := c.gen
		c.mu.Unlock()
		if ok {
			st.cacheHits.Add(1)
			if !found {
				return chat.Message{}, chat.ErrUnknownMessage
			}
			return m, nil
		}
		key := strconv.AppendUint(append(flightKey('m', channelID, gen), '/'), uint64(messageID), 10)
		v, err = s.shared(ctx, st, string(key), read)
	}
	if errors.Is(err, store.ErrNotFound) {
		return chat.Message{}, chat.ErrUnknownMessage
	}
	if err != nil {
		return chat.Message{}, fmt.Errorf("data: message %d in %d: %w", messageID, channelID, err)
	}
	return v.(chat.Message), nil
}

// Messages returns a page of a channel's messages, newest first.
func (s *Service) Messages(ctx context.Context, channelID chat.ID, p store.Page) ([]chat.Message, error) {
	p = normalize(p)
	st := &s.stats[opMessages]
	st.requests.Add(1)
	if s.direct {
		st.storeReads.Add(1)
		ms, err := s.st.Messages(ctx, channelID, p)
		if err != nil {
			return nil, fmt.Errorf("data: messages of %d: %w", channelID, err)
		}
		return ms, nil
	}
	c := s.state(channelID)
	c.mu.Lock()
	ms, ok := c.hot.answer(p)
	gen := c.gen
	c.mu.Unlock()
	if ok {
		st.cacheHits.Add(1)
		return ms, nil
	}
	newest := p.Before == 0 && p.After == 0 && p.Around == 0
	// A newest page of more than one message fills the hot page: one
	// read of hotMax messages answers every newest-page limit. A limit of
	// one is a last-message probe (a guild actor loading its channels):
	// filling a hundred messages for each would multiply that load.
	if newest && p.Limit > 1 && p.Limit <= s.hotMax {
		v, err := s.shared(ctx, st, string(flightKey('f', channelID, gen)), func(ctx context.Context) (any, error) {
			return s.fill(ctx, channelID, c, gen)
		})
		if err != nil {
			return nil, fmt.Errorf("data: messages of %d: %w", channelID, err)
		}
		ms, _ := v.(*page).answer(p) // a fresh page answers every newest query up to hotMax
		return ms, nil
	}
	key := flightKey('p', channelID, gen)
	for _, n := range []uint64{uint64(p.Before), uint64(p.After), uint64(p.Around), uint64(p.Limit)} {
		key = strconv.AppendUint(append(key, '/'), n, 10)
	}
	v, err := s.shared(ctx, st, string(key), func(ctx context.Context) (any, error) {
		st.storeReads.Add(1)
		return s.st.Messages(ctx, channelID, p)
	})
	if err != nil {
		return nil, fmt.Errorf("data: messages of %d: %w", channelID, err)
	}
	return append([]chat.Message(nil), v.([]chat.Message)...), nil
}

// fill reads the channel's newest hotMax messages and installs them as its
// hot page unless a write changed the channel since gen was read. It
// returns the page as read (which the coalesced callers, all of whom
// arrived before any such write was acknowledged, may be answered from).
func (s *Service) fill(ctx context.Context, channelID chat.ID, c *channel, gen uint64) (*page, error) {
	s.stats[opMessages].storeReads.Add(1)
	ms, err := s.st.Messages(ctx, channelID, store.Page{Limit: s.hotMax})
	if err != nil {
		return nil, err
	}
	read := newPage(ms, s.hotMax)
	c.mu.Lock()
	if c.gen == gen {
		c.hot = newPage(ms, s.hotMax)
	} else {
		s.stats[opMessages].fillsDiscarded.Add(1)
	}
	c.mu.Unlock()
	return read, nil
}

// flightKey starts a singleflight key: kind, channel and generation.
func flightKey(kind byte, channelID chat.ID, gen uint64) []byte {
	b := make([]byte, 0, 64)
	b = append(b, kind, '/')
	b = strconv.AppendUint(b, uint64(channelID), 10)
	b = append(b, '/')
	return strconv.AppendUint(b, gen, 10)
}

// shared runs read once for all concurrent callers with the same key. The
// read runs detached from the first caller's cancellation (others may still
// want it); each caller stops waiting when its own ctx ends.
func (s *Service) shared(ctx context.Context, st *opStats, key string, read func(context.Context) (any, error)) (any, error) {
	led := false // set only by this caller's own function, which runs only if it leads
	rctx := context.WithoutCancel(ctx)
	ch := s.flights.DoChan(key, func() (any, error) {
		led = true
		return read(rctx)
	})
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
	select {
	case r := <-ch:
		if !led {
			st.coalesced.Add(1)
		}
		return r.Val, r.Err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Reset drops every channel's hot page and coalescing state. A cluster
// node calls it when guilds move: a page kept from an earlier time it
// owned a guild may miss writes made at another node since.
func (s *Service) Reset() {
	if s.chans != nil {
		s.chans.InvalidateAll()
	}
}
