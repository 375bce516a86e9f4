package data

import (
	"sort"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/store"
)

// page is the newest messages of one channel, newest first. Its invariant:
// every message of the channel whose ID is at least the last one's is in
// msgs (a contiguous newest run, so any query that stays inside it can be
// answered without the store); all means msgs is the whole channel.
//
// A page is guarded by its channel's mutex; it is never handed out, only
// copied from.
type page struct {
	msgs []chat.Message
	all  bool
}

// newPage makes a page from a store read of the newest max messages (ms is
// copied: a shared store result must stay untouched).
func newPage(ms []chat.Message, max int) *page {
	p := &page{msgs: make([]chat.Message, len(ms), max+1), all: len(ms) < max}
	copy(p.msgs, ms)
	return p
}

// covers reports whether every message with ID >= id is in the page.
func (h *page) covers(id chat.ID) bool {
	return h.all || (len(h.msgs) > 0 && id >= h.msgs[len(h.msgs)-1].ID)
}

// below returns the index of the first message with an ID < id.
func (h *page) below(id chat.ID) int {
	return sort.Search(len(h.msgs), func(i int) bool { return h.msgs[i].ID < id })
}

// answer returns what the store would return for p (p.Limit already
// normalised), as a fresh slice, or false when the page cannot tell.
func (h *page) answer(p store.Page) ([]chat.Message, bool) {
	if h == nil {
		return nil, false
	}
	n, limit := len(h.msgs), p.Limit
	var lo, hi int
	switch {
	case p.Around != 0:
		// Up to limit-limit/2 with ID >= Around (the closest) and up to
		// limit/2 with ID < Around (the newest of those).
		if !h.covers(p.Around) {
			return nil, false
		}
		i := h.below(p.Around)
		up, down := limit-limit/2, limit/2
		if n-i < down && !h.all {
			return nil, false
		}
		lo, hi = max(0, i-up), min(n, i+down)
	case p.After != 0:
		// The limit messages closest after the anchor: all of ID > After
		// must be here.
		if !h.covers(p.After + 1) {
			return nil, false
		}
		j := h.below(p.After + 1)
		lo, hi = max(0, j-limit), j
	case p.Before != 0:
		i := h.below(p.Before)
		if n-i < limit && !h.all {
			return nil, false
		}
		lo, hi = i, min(n, i+limit)
	default:
		if n < limit && !h.all {
			return nil, false
		}
		lo, hi = 0, min(n, limit)
	}
	return append([]chat.Message(nil), h.msgs[lo:hi]...), true
}

// lookup finds one message; ok is false when the page cannot tell.
func (h *page) lookup(id chat.ID) (m chat.Message, found, ok bool) {
	if h == nil || !h.covers(id) {
		return chat.Message{}, false, false
	}
	i := sort.Search(len(h.msgs), func(i int) bool { return h.msgs[i].ID <= id })
	if i < len(h.msgs) && h.msgs[i].ID == id {
		return h.msgs[i], true, true
	}
	return chat.Message{}, false, true
}

// put inserts or replaces m, keeping at most max messages.
func (h *page) put(m chat.Message, max int) {
	n := len(h.msgs)
	i := sort.Search(n, func(i int) bool { return h.msgs[i].ID <= m.ID })
	if i < n && h.msgs[i].ID == m.ID {
		h.msgs[i] = m
		return
	}
	if i == n && !h.all {
		return // older than the page: the invariant holds without it
	}
	h.msgs = append(h.msgs, chat.Message{})
	copy(h.msgs[i+1:], h.msgs[i:])
	h.msgs[i] = m
	if len(h.msgs) > max {
		h.msgs[max] = chat.Message{} // release what the dropped message refers to
		h.msgs = h.msgs[:max]
		h.all = false
	}
}

// remove deletes id if present. It reports whether the page still says
// anything (an empty page that is not the whole channel is useless).
func (h *page) remove(id chat.ID) bool {
	n := len(h.msgs)
	i := sort.Search(n, func(i int) bool { return h.msgs[i].ID <= id })
	if i < n && h.msgs[i].ID == id {
		copy(h.msgs[i:], h.msgs[i+1:])
		h.msgs[n-1] = chat.Message{}
		h.msgs = h.msgs[:n-1]
	}
	return len(h.msgs) > 0 || h.all
}

// cloneMessage deep-copies m, so the cache never shares memory with a
// writer that may go on using its value.
func cloneMessage(m chat.Message) chat.Message {
	if m.EditedAt != nil {
		t := *m.EditedAt
		m.EditedAt = &t
	}
	if m.Reference != nil {
		r := *m.Reference
		m.Reference = &r
	}
	if m.Mentions != nil {
		m.Mentions = append([]chat.ID(nil), m.Mentions...)
	}
	if m.MentionRoles != nil {
		m.MentionRoles = append([]chat.ID(nil), m.MentionRoles...)
	}
	m.Embeds = chat.CloneEmbeds(m.Embeds)
	m.Interaction = m.Interaction.Clone()
	return m
}
