package tiered

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

const maxID = ^chat.ID(0)

func messagesKey(channel chat.ID) string { return "msg:" + channel.String() }

func channelOfKey(k string) (chat.ID, bool) {
	rest, ok := strings.CutPrefix(k, "msg:")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseUint(rest, 10, 64)
	return chat.ID(v), err == nil
}

// span is an inclusive range of message IDs.
type span struct{ lo, hi chat.ID }

// coverage is a channel's set of ID ranges in which the local tier holds
// exactly the durable tier's messages: sorted, disjoint, non-adjacent.
type coverage struct{ spans []span }

func (c *coverage) add(n span) {
	out := c.spans[:0:0]
	for _, s := range c.spans {
		switch {
		case s.hi != maxID && s.hi+1 < n.lo, n.hi != maxID && n.hi+1 < s.lo:
			out = append(out, s) // apart
		default: // overlapping or adjacent: merge into n
			n = span{min(s.lo, n.lo), max(s.hi, n.hi)}
		}
	}
	out = append(out, n)
	slices.SortFunc(out, func(a, b span) int {
		if a.lo < b.lo {
			return -1
		}
		return 1
	})
	c.spans = out
}

func (c *coverage) contains(n span) bool {
	for _, s := range c.spans {
		if s.lo <= n.lo && n.hi <= s.hi {
			return true
		}
	}
	return false
}

func (s *Store) covered(channel chat.ID, need []span) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.ranges[channel]
	for _, n := range need {
		if c == nil || !c.contains(n) {
			return false
		}
	}
	return true
}

// hasRanges reports whether any of channel's messages are covered, so that
// reading a never-fetched channel skips the pointless local read.
func (s *Store) hasRanges(channel chat.ID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ranges[channel] != nil
}

func (s *Store) cover(channel chat.ID, spans []span) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.ranges[channel]
	if c == nil {
		if len(s.ranges) >= s.maxTracked {
			clear(s.ranges)
		}
		c = &coverage{}
		s.ranges[channel] = c
	}
	for _, n := range spans {
		c.add(n)
	}
}

func pageLimit(p store.Page) int {
	if p.Limit < 1 {
		return 50
	}
	return min(p.Limit, store.MaxPage)
}

// pageSpans returns the ID ranges whose complete contents determine the
// answer r (newest first) to page p: the answer is right if and only if it
// lists every message in them. A full page spans from its far end to the
// anchor; a short one proves everything beyond it empty too.
func pageSpans(p store.Page, r []chat.Message) []span {
	limit := pageLimit(p)
	switch {
	case p.Before != 0:
		if len(r) == limit {
			return []span{{r[len(r)-1].ID, p.Before - 1}}
		}
		return []span{{0, p.Before - 1}}
	case p.After != 0:
		if p.After == maxID {
			return nil
		}
		if len(r) == limit {
			return []span{{p.After + 1, r[0].ID}}
		}
		return []span{{p.After + 1, maxID}}
	case p.Around != 0:
		var newer, older []chat.Message
		for _, m := range r {
			if m.ID >= p.Around {
				newer = append(newer, m)
			} else {
				older = append(older, m)
			}
		}
		var out []span
		if len(newer) == limit-limit/2 {
			out = append(out, span{p.Around, newer[0].ID})
		} else {
			out = append(out, span{p.Around, maxID})
		}
		switch {
		case limit/2 == 0:
		case len(older) == limit/2:
			out = append(out, span{older[len(older)-1].ID, p.Around - 1})
		default:
			out = append(out, span{0, p.Around - 1})
		}
		return out
	default:
		if len(r) == limit {
			return []span{{r[len(r)-1].ID, maxID}}
		}
		return []span{{0, maxID}}
	}
}

func inSpans(id chat.ID, spans []span) bool {
	for _, s := range spans {
		if s.lo <= id && id <= s.hi {
			return true
		}
	}
	return false
}

// PutMessage writes a message to the durable tier, then the local one.
func (s *Store) PutMessage(ctx context.Context, m chat.Message) error {
	return s.write(ctx, []string{messagesKey(m.ChannelID)},
		func() error { return s.durable.PutMessage(ctx, m) },
		func() error { return s.local.PutMessage(ctx, m) })
}

// DeleteMessage deletes a message from the durable tier, then the local one.
func (s *Store) DeleteMessage(ctx context.Context, channelID, messageID chat.ID) error {
	return s.write(ctx, []string{messagesKey(channelID)},
		func() error { return s.durable.DeleteMessage(ctx, channelID, messageID) },
		func() error { return s.local.DeleteMessage(ctx, channelID, messageID) })
}

// Message reads one message: locally when its ID lies in a covered range
// (where the local tier holds exactly what the durable one does, so a
// local miss is a true miss), else from the durable tier. A message found
// locally outside covered ranges is not trusted: it may be one whose
// delete failed to reach the local tier.
func (s *Store) Message(ctx context.Context, channelID, messageID chat.ID) (chat.Message, error) {
	if err := s.check(); err != nil {
		return chat.Message{}, err
	}
	k := messagesKey(channelID)
	if s.covered(channelID, []span{{messageID, messageID}}) {
		m, err := s.local.Message(ctx, channelID, messageID)
		if err == nil || errors.Is(err, store.ErrNotFound) {
			return m, err
		}
		s.log.Warn("local tier read failed", "key", k, "err", err)
	}
	return s.durable.Message(ctx, channelID, messageID)
}

// Messages reads a page locally when the ranges it depends on are
// covered; otherwise it reads the durable tier and makes the local tier
// match it over those ranges.
func (s *Store) Messages(ctx context.Context, channelID chat.ID, p store.Page) ([]chat.Message, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	k := messagesKey(channelID)
	if s.hasRanges(channelID) {
		local, err := s.local.Messages(ctx, channelID, p)
		if err == nil && s.covered(channelID, pageSpans(p, local)) {
			return local, nil
		}
		if err != nil {
			s.log.Warn("local tier read failed", "key", k, "err", err)
		}
	}
	snap := s.gate.snapshot([]string{k})
	page, err := s.durable.Messages(ctx, channelID, p)
	if err != nil {
		return nil, err
	}
	spans := pageSpans(p, page)
	s.fill([]string{k}, snap, func() error {
		if err := s.install(ctx, channelID, p, page, spans); err != nil {
			return err
		}
		s.cover(channelID, spans)
		return nil
	})
	return page, nil
}

// install writes page into the local tier and deletes local messages in
// spans that the durable tier does not have (left by a failed write or an
// older process).
func (s *Store) install(ctx context.Context, channelID chat.ID, p store.Page, page []chat.Message, spans []span) error {
	// Concurrent puts share the local tier's WAL syncs (group commit).
	var wg sync.WaitGroup
	errs := make([]error, len(page))
	sem := make(chan struct{}, 16)
	for i, m := range page {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			errs[i] = s.local.PutMessage(ctx, m)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	want := make(map[chat.ID]bool, len(page))
	for _, m := range page {
		want[m.ID] = true
	}
	// Each pass deletes at least one stale message the page surfaced; a
	// handful of passes clears any realistic leftover.
	for range 8 {
		local, err := s.local.Messages(ctx, channelID, p)
		if err != nil {
			return err
		}
		stale := 0
		for _, m := range local {
			if !want[m.ID] && inSpans(m.ID, spans) {
				stale++
				if err := s.local.DeleteMessage(ctx, channelID, m.ID); err != nil {
					return err
				}
			}
		}
		if stale == 0 {
			return nil
		}
	}
	return fmt.Errorf("tiered: channel %d: local tier still differs after reconciling", channelID)
}
