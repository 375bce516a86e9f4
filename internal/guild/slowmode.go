package guild

import (
	"fmt"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Slowmode: a channel's rate_limit_per_user is how long a member waits
// between two messages there. The actor remembers, per (channel, user),
// when the user may send again; the entry is useless once that time has
// passed, so pruneSlowmode drops it, and the map holds at most the users
// who sent in a slowmode channel within its window (at most 6 hours).
// Bots and members with BYPASS_SLOWMODE are unaffected, as Discord's
// current docs say (since February 2026 MANAGE_MESSAGES and
// MANAGE_CHANNELS no longer bypass it; administrators hold every bit).

type slowKey struct {
	channel, user chat.ID
}

// slowPruneAt is the size above which a send prunes the map at once
// instead of waiting for the idle tick.
const slowPruneAt = 1 << 16

// SlowmodeError refuses a message sent inside the channel's slowmode
// window; the REST layer answers it with 429, code 20016 and retry_after.
type SlowmodeError struct {
	RetryAfter time.Duration
}

func (e *SlowmodeError) Error() string {
	return fmt.Sprintf("guild: slowmode: retry after %v", e.RetryAfter)
}

// takeSlowmode checks userID's slowmode in ch and, when it may send,
// starts its next window. perms are the user's permissions in ch.
func (a *actor) takeSlowmode(ch *chat.Channel, userID chat.ID, perms protocol.Permission) error {
	if ch.RateLimit <= 0 || perms&protocol.PermBypassSlowmode != 0 || a.userOf(userID).Bot {
		return nil
	}
	now := a.r.cfg.Now()
	k := slowKey{ch.ID, userID}
	if until, ok := a.slow[k]; ok && now.Before(until) {
		return &SlowmodeError{RetryAfter: until.Sub(now)}
	}
	if len(a.slow) >= slowPruneAt {
		a.pruneSlowmode()
	}
	a.slow[k] = now.Add(time.Duration(ch.RateLimit) * time.Second)
	return nil
}

// pruneSlowmode drops the windows that have ended.
func (a *actor) pruneSlowmode() {
	now := a.r.cfg.Now()
	for k, until := range a.slow {
		if !now.Before(until) {
			delete(a.slow, k)
		}
	}
}
