package interaction

import (
	"time"

	"github.com/accordchat/accord/internal/chat"
)

// Answer is how the messages answering an interaction look, fixed when it
// is created: the metadata they keep (Discord's interaction_metadata),
// their message type and the message they reply to, if any.
type Answer struct {
	Meta chat.InteractionMeta
	// Type is the answers' message type: 20 (chat input command), 23
	// (context menu command), 19 (a reply, to ReplyTo) or 0.
	Type int
	// ReplyTo is the message the answers reference: a component's
	// message or a message command's target.
	ReplyTo chat.ID
}

// SetLoading records whether the original response is a deferred answer
// still loading (flag LOADING): the first edit of it, or the first
// follow-up, completes it.
func (it *Interaction) SetLoading(loading bool) {
	it.mu.Lock()
	it.loading = loading
	it.mu.Unlock()
}

// Loading reports whether the original response is still loading.
func (it *Interaction) Loading() bool {
	it.mu.Lock()
	defer it.mu.Unlock()
	return it.loading
}

// Get returns the live interaction id, or nil; the caller holds no token,
// so it must not answer through it (a modal submit reads the interaction
// that opened the modal).
func (r *Registry) Get(id chat.ID) *Interaction {
	r.mu.Lock()
	defer r.mu.Unlock()
	it := r.byID[id]
	if it == nil || r.cfg.Now().Sub(it.Created) >= r.cfg.TTL {
		return nil
	}
	return it
}

// ForTest returns hooks for tests.
func (r *Registry) ForTest() ForTest { return ForTest{r} }

// ForTest holds test hooks of a Registry.
type ForTest struct{ r *Registry }

// Age makes the interaction with token older by d, as if d had passed
// (token expiry without waiting 15 minutes).
func (f ForTest) Age(token string, d time.Duration) {
	f.r.mu.Lock()
	defer f.r.mu.Unlock()
	if it := f.r.byToken[token]; it != nil {
		it.Created = it.Created.Add(-d)
	}
}
