package gateway

import (
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// limiter keeps the gateway's limits that outlive one connection: each
// account's IDENTIFY budget and concurrency, the op 8 "all members"
// throttle, and the open connections per client address (the 120/60 s
// command limit is per connection, in conn.allow). A disabled limiter
// (Config.DisableLimits) allows everything and keeps nothing. Its methods
// are safe for concurrent use; they take mu, a leaf lock, for O(1) work.
type limiter struct {
	cfg *Config // the gateway's; read only

	mu      sync.Mutex
	starts  map[chat.ID]*sessionStarts // guarded by mu; accounts that identified in their window
	members map[membersKey]time.Time   // guarded by mu; last "all members" request
	addrs   map[netip.Prefix]int       // guarded by mu; open connections per client address
}

// sessionStarts is one account's IDENTIFY budget.
type sessionStarts struct {
	reset time.Time   // when used returns to 0
	used  int         // IDENTIFYs since the window began
	last  []time.Time // last IDENTIFY per rate-limit key (bots only)
}

type membersKey struct{ user, guild chat.ID }

func newLimiter(cfg *Config) *limiter {
	return &limiter{
		cfg:     cfg,
		starts:  make(map[chat.ID]*sessionStarts),
		members: make(map[membersKey]time.Time),
		addrs:   make(map[netip.Prefix]int),
	}
}

// startSession counts one IDENTIFY of user on shard against the account's
// daily budget and, for a bot, against its concurrency bucket (shard_id %
// max_concurrency, as Discord keys it). It reports false, counting
// nothing, when either is spent.
func (l *limiter) startSession(user chat.ID, bot bool, shard int, now time.Time) bool {
	if l.cfg.DisableLimits {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.startsLocked(user, now)
	if st.used >= l.cfg.SessionStarts {
		return false
	}
	if bot {
		key := shard % l.cfg.MaxConcurrency
		if last := st.last[key]; !last.IsZero() && now.Sub(last) < l.cfg.IdentifyWindow {
			return false
		}
		st.last[key] = now
	}
	st.used++
	return true
}

// startsLocked returns user's budget, refilled if its window has passed.
func (l *limiter) startsLocked(user chat.ID, now time.Time) *sessionStarts {
	st := l.starts[user]
	if st == nil {
		st = &sessionStarts{last: make([]time.Time, l.cfg.MaxConcurrency)}
		l.starts[user] = st
	}
	if !now.Before(st.reset) {
		st.reset, st.used = now.Add(l.cfg.SessionStartWindow), 0
	}
	return st
}

// SessionStartLimit reports user's IDENTIFY budget as GET /gateway/bot
// shows it: what is left of it and when it refills. The API finds this
// method on its SessionCloser by type assertion.
func (g *Gateway) SessionStartLimit(user chat.ID) protocol.SessionStartLimit {
	l := g.limits
	r := protocol.SessionStartLimit{
		Total: l.cfg.SessionStarts, Remaining: l.cfg.SessionStarts,
		ResetAfter: int(l.cfg.SessionStartWindow / time.Millisecond), MaxConcurrency: l.cfg.MaxConcurrency,
	}
	if l.cfg.DisableLimits {
		return r
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if st := l.starts[user]; st != nil && now.Before(st.reset) {
		r.Remaining = max(l.cfg.SessionStarts-st.used, 0)
		r.ResetAfter = int(st.reset.Sub(now) / time.Millisecond)
	}
	return r
}

// allowAllMembers counts one "request all members" of guild by user and
// returns 0, or how long the user must wait if it asked within
// MembersWindow.
func (l *limiter) allowAllMembers(user, guild chat.ID, now time.Time) (retryAfter time.Duration) {
	if l.cfg.DisableLimits {
		return 0
	}
	k := membersKey{user, guild}
	l.mu.Lock()
	defer l.mu.Unlock()
	if last, ok := l.members[k]; ok && now.Sub(last) < l.cfg.MembersWindow {
		return l.cfg.MembersWindow - now.Sub(last)
	}
	l.members[k] = now
	return 0
}

// acquireAddr takes one connection slot of a client address and reports
// whether there was one. Each true must be paired with releaseAddr.
func (l *limiter) acquireAddr(p netip.Prefix) bool {
	if l.cfg.DisableLimits || !p.IsValid() {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.addrs[p] >= l.cfg.MaxConnsPerAddr {
		return false
	}
	l.addrs[p]++
	return true
}

func (l *limiter) releaseAddr(p netip.Prefix) {
	if l.cfg.DisableLimits || !p.IsValid() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.addrs[p]--; l.addrs[p] <= 0 {
		delete(l.addrs, p)
	}
}

// expire forgets budgets and throttles whose windows have passed, so the
// maps hold only accounts active within the last day.
func (l *limiter) expire(now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for u, st := range l.starts {
		if !now.Before(st.reset) {
			delete(l.starts, u)
		}
	}
	for k, last := range l.members {
		if now.Sub(last) >= l.cfg.MembersWindow {
			delete(l.members, k)
		}
	}
}

// clientPrefix is the address a connection counts against: the peer's IP,
// or its /64 for IPv6, where one host commonly holds a whole /64. The
// peer is r.RemoteAddr: forwarded headers are not trusted here.
func clientPrefix(r *http.Request) netip.Prefix {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Prefix{}
	}
	a := ap.Addr().Unmap()
	bits := a.BitLen()
	if a.Is6() {
		bits = 64
	}
	p, _ := a.Prefix(bits)
	return p
}

// tooManyConnections answers an upgrade over MaxConnsPerAddr with 429 and
// Discord's rate-limit body, before any WebSocket is made.
func tooManyConnections(w http.ResponseWriter) {
	const retry = 1.0 // seconds; a slot frees when any connection closes
	b, _ := protocol.Marshal(protocol.RateLimited{Message: "You are being rate limited.", RetryAfter: retry})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Retry-After", strconv.Itoa(int(retry)))
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = w.Write(b)
}
