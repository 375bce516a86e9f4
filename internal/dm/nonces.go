package dm

import (
	"sync"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
)

// enforce_nonce in private channels, as in guild channels: a create with
// enforce_nonce and a nonce the same author used in the same channel in
// the past few minutes answers the message that nonce made instead of
// posting again (a client retrying after a lost reply). Creates on one
// channel run under its lock, so a retry racing the first create finds
// it once that is done.

// maxNonces bounds the memory: past it, nonces older than half the
// window go, then any, until there is room (a forgotten nonce's retry
// posts again, which is what a client without enforce_nonce gets anyway).
const maxNonces = 1 << 16

type nonceKey struct {
	channel, author chat.ID
	nonce           string
}

type nonceEntry struct {
	at   time.Time
	body []byte
}

type nonces struct {
	mu sync.Mutex
	m  map[nonceKey]nonceEntry
}

// get returns the body a nonce made within the window.
func (n *nonces) get(k nonceKey, now time.Time) ([]byte, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	e, ok := n.m[k]
	if !ok || now.Sub(e.at) > guild.NonceWindow {
		return nil, false
	}
	return e.body, true
}

// put remembers the body a nonce made, making room first (see maxNonces).
func (n *nonces) put(k nonceKey, body []byte, now time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = make(map[nonceKey]nonceEntry)
	}
	if len(n.m) >= maxNonces {
		for key, e := range n.m {
			if now.Sub(e.at) > guild.NonceWindow {
				delete(n.m, key)
			}
		}
	}
	if len(n.m) >= maxNonces {
		cut := now.Add(-guild.NonceWindow / 2)
		for key, e := range n.m {
			if e.at.Before(cut) || len(n.m) >= maxNonces {
				delete(n.m, key)
			}
		}
	}
	n.m[k] = nonceEntry{at: now, body: body}
}
