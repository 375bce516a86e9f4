package data

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/accordchat/accord/internal/chat"
)

// Decorations are what a message read carries besides the messages: their
// reactions and which of them are pinned. A page of history needs both, so
// a herd reading one page would otherwise send two store reads per request
// past the coalescing and the hot page that spared it the message read.
//
// Decorations are shared between callers (coalesced and cached): read them,
// never write to them.
type Decorations struct {
	Reactions map[chat.ID][]chat.Reaction // by message ID, in the store's order
	Pinned    map[chat.ID]bool
}

// decorated is a channel's last decorations read, kept for the next caller
// that asks about the same messages (everyone reading the newest page).
type decorated struct {
	key string // the message IDs asked for
	val Decorations
}

// Decorations returns the reactions and pins of some messages of a channel.
// Identical concurrent reads share one store read, and the last answer per
// channel is kept until a reaction or pin of the channel changes.
func (s *Service) Decorations(ctx context.Context, channelID chat.ID, ids []chat.ID) (Decorations, error) {
	st := &s.stats[opDecorations]
	st.requests.Add(1)
	if s.direct {
		st.storeReads.Add(1)
		d, err := s.readDecorations(ctx, channelID, ids, nil)
		if err != nil {
			return Decorations{}, fmt.Errorf("data: decorations in %d: %w", channelID, err)
		}
		return d, nil
	}
	key := idsKey(ids)
	c := s.state(channelID)
	c.mu.Lock()
	if c.dec != nil && c.dec.key == key {
		d := c.dec.val
		c.mu.Unlock()
		st.cacheHits.Add(1)
		return d, nil
	}
	gen, pins := c.dgen, c.pins
	c.mu.Unlock()
	v, err := s.shared(ctx, st, string(flightKey('d', channelID, gen))+"/"+key, func(ctx context.Context) (any, error) {
		st.storeReads.Add(1)
		d, err := s.readDecorations(ctx, channelID, ids, pins)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		if c.dgen == gen {
			c.dec = &decorated{key: key, val: d}
		} else {
			st.fillsDiscarded.Add(1)
		}
		c.mu.Unlock()
		return d, nil
	})
	if err != nil {
		return Decorations{}, fmt.Errorf("data: decorations in %d: %w", channelID, err)
	}
	return v.(Decorations), nil
}

// readDecorations reads the messages' reactions, and the channel's pins
// unless pins (a cached copy) has them.
func (s *Service) readDecorations(ctx context.Context, channelID chat.ID, ids []chat.ID, pins []chat.Pin) (Decorations, error) {
	rs, err := s.st.Reactions(ctx, channelID, ids)
	if err != nil {
		return Decorations{}, err
	}
	if pins == nil {
		if pins, err = s.st.Pins(ctx, channelID); err != nil {
			return Decorations{}, err
		}
	}
	d := Decorations{Reactions: make(map[chat.ID][]chat.Reaction), Pinned: make(map[chat.ID]bool, len(pins))}
	for _, r := range rs {
		d.Reactions[r.MessageID] = append(d.Reactions[r.MessageID], r)
	}
	for _, p := range pins {
		d.Pinned[p.MessageID] = true
	}
	return d, nil
}

// idsKey is a set of message IDs as part of a singleflight and cache key.
func idsKey(ids []chat.ID) string {
	b := make([]byte, 0, len(ids)*20)
	for _, id := range ids {
		b = strconv.AppendUint(append(b, ','), uint64(id), 10)
	}
	return string(b)
}

// Pins returns a channel's pins, newest pin first (as store.Store.Pins).
// A channel's pins are few (Discord caps them), so they are kept per
// channel until one changes.
func (s *Service) Pins(ctx context.Context, channelID chat.ID) ([]chat.Pin, error) {
	st := &s.stats[opPins]
	st.requests.Add(1)
	if s.direct {
		st.storeReads.Add(1)
		ps, err := s.st.Pins(ctx, channelID)
		if err != nil {
			return nil, fmt.Errorf("data: pins of %d: %w", channelID, err)
		}
		return ps, nil
	}
	c := s.state(channelID)
	c.mu.Lock()
	pins, gen := c.pins, c.dgen
	c.mu.Unlock()
	if pins != nil {
		st.cacheHits.Add(1)
		return slices.Clone(pins), nil
	}
	v, err := s.shared(ctx, st, string(flightKey('n', channelID, gen)), func(ctx context.Context) (any, error) {
		st.storeReads.Add(1)
		ps, err := s.st.Pins(ctx, channelID)
		if err != nil {
			return nil, err
		}
		if ps == nil {
			ps = []chat.Pin{} // non-nil: known to have none
		}
		c.mu.Lock()
		if c.dgen == gen {
			c.pins = ps
		} else {
			st.fillsDiscarded.Add(1)
		}
		c.mu.Unlock()
		return ps, nil
	})
	if err != nil {
		return nil, fmt.Errorf("data: pins of %d: %w", channelID, err)
	}
	return slices.Clone(v.([]chat.Pin)), nil
}

// PutReaction stores a reaction (replacing the same user's with the same
// emoji); durable and visible to every later read on return.
func (s *Service) PutReaction(ctx context.Context, r chat.Reaction) error {
	err := s.st.PutReaction(ctx, r)
	s.decorationsChanged(r.ChannelID, false)
	if err != nil {
		return fmt.Errorf("data: put reaction on %d: %w", r.MessageID, err)
	}
	return nil
}

// DeleteReaction removes one user's reaction with one emoji.
func (s *Service) DeleteReaction(ctx context.Context, channelID, messageID chat.ID, emoji string, userID chat.ID) error {
	err := s.st.DeleteReaction(ctx, channelID, messageID, emoji, userID)
	s.decorationsChanged(channelID, false)
	if err != nil {
		return fmt.Errorf("data: delete reaction on %d: %w", messageID, err)
	}
	return nil
}

// DeleteReactions removes a message's reactions with one emoji key, or all
// of them when emoji is "".
func (s *Service) DeleteReactions(ctx context.Context, channelID, messageID chat.ID, emoji string) error {
	err := s.st.DeleteReactions(ctx, channelID, messageID, emoji)
	s.decorationsChanged(channelID, false)
	if err != nil {
		return fmt.Errorf("data: delete reactions on %d: %w", messageID, err)
	}
	return nil
}

// PutPin pins a message (replacing its pin).
func (s *Service) PutPin(ctx context.Context, p chat.Pin) error {
	err := s.st.PutPin(ctx, p)
	s.decorationsChanged(p.ChannelID, true)
	if err != nil {
		return fmt.Errorf("data: pin %d: %w", p.MessageID, err)
	}
	return nil
}

// DeletePin unpins a message.
func (s *Service) DeletePin(ctx context.Context, channelID, messageID chat.ID) error {
	err := s.st.DeletePin(ctx, channelID, messageID)
	s.decorationsChanged(channelID, true)
	if err != nil {
		return fmt.Errorf("data: unpin %d: %w", messageID, err)
	}
	return nil
}

// decorationsChanged records a finished (or failed: it may have reached the
// store) reaction or pin write: a new decorations generation, so no read
// begun before it is served or installed after it, and the cached answers
// it may have changed dropped. The message hot page is untouched: reactions
// and pins are not in it.
func (s *Service) decorationsChanged(channelID chat.ID, pins bool) {
	if s.direct {
		return
	}
	c, ok := s.chans.GetIfPresent(channelID)
	if !ok {
		return
	}
	c.mu.Lock()
	c.dgen = s.gens.Add(1)
	c.dec = nil
	if pins {
		c.pins = nil
	}
	c.mu.Unlock()
}
