// Package ratelimit keeps Accord's REST rate limits the way Discord's
// libraries (discord.js, discord.py, discordgo) expect them: per-route
// buckets keyed by the route's major parameter, a global limit per caller,
// an invalid-request limit per client address, and the login and
// registration throttles. Package api turns a Decision into headers and
// 429 answers (see Decision.SetHeaders).
//
// Every limit is a fixed window: a key's first request opens a window of
// Limit.Window in which Limit.Requests are admitted; X-RateLimit-Reset is
// the window's end. This is what the libraries model: they wait for the
// reset once Remaining is 0.
//
// Default limits (each configurable in Config; rate limits per caller, that
// is per user for authenticated routes and per client address otherwise):
//
//	global                  50 requests per 1 s per caller (Discord's value)
//	messages.create          5 per 5 s per caller per channel (Discord's value)
//	messages.delete          5 per 1 s per caller per channel
//	messages.bulk-delete     1 per 1 s per caller per channel
//	typing                   5 per 5 s per caller per channel
//	reactions                1 per 0.25 s per caller per channel (adding and
//	                        removing reactions; Discord's value)
//	auth.login              20 per 60 s per client address
//	auth.register           20 per 60 s per client address
//	any other route         50 per 1 s per caller per major parameter
//	invalid requests    10,000 per 10 min per client address (401, 403 and
//	                        429 answers, except 429s of scope "shared"), then
//	                        the address is refused for InvalidBlock (10 min)
//	failed logins           10 per 10 min per account name
//	registrations            5 per 10 min per requested username
//
// A blocked address is answered 429 with X-RateLimit-Scope: global and
// "global": true, not Cloudflare's 403 page: libraries then wait instead
// of failing, and the body stays a Discord body.
//
// Memory is bounded: windows live in a sharded map, expired windows are
// swept (an expired window is the same as none), and the map is capped at
// Config.MaxBuckets. Time comes from Config.Now, so tests need no sleeps.
//
// A Limiter is safe for concurrent use. With Config.Disabled every method
// admits everything and reports no limit.
package ratelimit

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// Limit is Requests per Window.
type Limit struct {
	Requests int
	Window   time.Duration
}

// Route bucket names with their own default limits. Routes that share a
// name share one bucket (and one X-RateLimit-Bucket value).
const (
	BucketMessageCreate = "messages.create"
	BucketMessageDelete = "messages.delete"
	BucketBulkDelete    = "messages.bulk-delete"
	BucketTyping        = "typing"
	BucketReactions     = "reactions"
	BucketLogin         = "auth.login"
	BucketRegister      = "auth.register"
	// BucketAttachmentRefresh is POST /attachments/refresh-urls: each
	// call signs up to 50 URLs.
	BucketAttachmentRefresh = "attachments.refresh"
)

// DefaultRoutes are the default limits of the named route buckets; a
// bucket not listed gets Config.Route.
var DefaultRoutes = map[string]Limit{
	BucketMessageCreate:     {5, 5 * time.Second},
	BucketMessageDelete:     {5, time.Second},
	BucketBulkDelete:        {1, time.Second},
	BucketTyping:            {5, 5 * time.Second},
	BucketReactions:         {1, 250 * time.Millisecond},
	BucketLogin:             {20, time.Minute},
	BucketRegister:          {20, time.Minute},
	BucketAttachmentRefresh: {10, 10 * time.Second},
	BucketWebhook:           {5, 2 * time.Second},
	BucketWebhookChannel:    {30, time.Minute},
}

// Config configures a Limiter. The zero value of each field means its
// default (see the package comment).
type Config struct {
	// Disabled switches every limit and throttle off
	// (`accord serve --rate-limits=false`).
	Disabled bool
	// Global is the limit on all requests of one caller. Default 50 per 1 s.
	Global Limit
	// Route is the limit of a route bucket not in Routes or DefaultRoutes.
	// Default 50 per 1 s.
	Route Limit
	// Routes overrides the limits of named route buckets.
	Routes map[string]Limit
	// InvalidRequests is how many 401, 403 and 429 answers one client
	// address may get per window before it is blocked. Default 10,000 per
	// 10 minutes.
	InvalidRequests Limit
	// InvalidBlock is how long a blocked address stays blocked. Default 10
	// minutes.
	InvalidBlock time.Duration
	// LoginFailures is how many failed logins one account name may take
	// per window; beyond it the account's logins are refused until the
	// window ends. Default 10 per 10 minutes.
	LoginFailures Limit
	// Registrations is how many registrations may ask for one username per
	// window. Default 5 per 10 minutes.
	Registrations Limit
	// MaxBuckets caps the windows kept in memory (about 150 bytes each).
	// Past it an arbitrary window is dropped, which can only admit more.
	// Default 250,000 (tens of MB at most).
	MaxBuckets int
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

func (c *Config) setDefaults() error {
	// Each half of a Limit defaults on its own, so a count can be set
	// without its window.
	def := func(l *Limit, d Limit) {
		if l.Requests == 0 {
			l.Requests = d.Requests
		}
		if l.Window == 0 {
			l.Window = d.Window
		}
	}
	def(&c.Global, Limit{50, time.Second})
	def(&c.Route, Limit{50, time.Second})
	def(&c.InvalidRequests, Limit{10_000, 10 * time.Minute})
	def(&c.LoginFailures, Limit{10, 10 * time.Minute})
	def(&c.Registrations, Limit{5, 10 * time.Minute})
	if c.InvalidBlock == 0 {
		c.InvalidBlock = 10 * time.Minute
	}
	if c.MaxBuckets == 0 {
		c.MaxBuckets = 250_000
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	limits := map[string]Limit{"Global": c.Global, "Route": c.Route, "InvalidRequests": c.InvalidRequests,
		"LoginFailures": c.LoginFailures, "Registrations": c.Registrations}
	for name, l := range c.Routes {
		limits["Routes["+name+"]"] = l
	}
	for name, l := range limits {
		if l.Requests <= 0 || l.Window <= 0 {
			return fmt.Errorf("ratelimit: %s %d per %v: want a positive count and window", name, l.Requests, l.Window)
		}
	}
	if c.InvalidBlock < 0 || c.MaxBuckets < 0 {
		return errors.New("ratelimit: InvalidBlock and MaxBuckets must not be negative")
	}
	return nil
}

// Scope says whose limit refused a request (X-RateLimit-Scope).
type Scope string

const (
	// ScopeUser is a per-caller limit: a route bucket or a throttle.
	ScopeUser Scope = "user"
	// ScopeGlobal is the caller's global limit, or a blocked address.
	ScopeGlobal Scope = "global"
	// ScopeShared is a limit shared by every caller of a resource (a busy
	// guild); such 429s do not count as invalid requests.
	ScopeShared Scope = "shared"
)

// Throttle names a throttle that is not a route bucket.
type Throttle int

const (
	// LoginFailures counts failed logins per account name.
	LoginFailures Throttle = iota
	// Registrations counts registrations per requested username.
	Registrations
)

// Limiter keeps every REST limit. Its methods are safe for concurrent use.
type Limiter struct {
	cfg     Config
	windows *table
	limited [3]atomic.Int64 // refusals by scope: user, global, shared
	// blockEnd is the latest end of any address's block (unix
	// nanoseconds): before it, Blocked looks the address up; after it, no
	// address is blocked and Blocked takes no lock, which is every
	// request's case on a server nobody floods with invalid requests.
	blockEnd atomic.Int64
}

// New returns a Limiter for cfg, or an error if a limit is not positive.
func New(cfg Config) (*Limiter, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	return &Limiter{cfg: cfg, windows: newTable(cfg.MaxBuckets)}, nil
}

// Disabled reports whether the limiter admits everything.
func (l *Limiter) Disabled() bool { return l.cfg.Disabled }

// Window kinds, the first byte of a table key.
const (
	kindRoute    = "r"
	kindGlobal   = "g"
	kindInvalid  = "i"
	kindThrottle = "t"
)

// take admits one request under lim for key, or refuses it with scope.
func (l *Limiter) take(key string, lim Limit, scope Scope) Decision {
	now := l.cfg.Now()
	var d Decision
	l.windows.update(key, now.UnixNano(), lim.Window, func(w *window) {
		d = decide(now, lim, w.reset)
		if w.used >= lim.Requests {
			d.Limited, d.Scope = true, scope
			return
		}
		w.used++
		d.Remaining = lim.Requests - w.used
	})
	if d.Limited {
		l.count(scope)
	}
	return d
}

func decide(now time.Time, lim Limit, reset int64) Decision {
	r := time.Unix(0, reset)
	return Decision{Limit: lim.Requests, Reset: r, ResetAfter: r.Sub(now)}
}

// Global admits one request of caller (a user, or a client address) under
// the global limit.
func (l *Limiter) Global(caller string) Decision {
	if l.cfg.Disabled {
		return Decision{}
	}
	return l.take(kindGlobal+caller, l.cfg.Global, ScopeGlobal)
}

// Blocked reports whether addr is blocked for too many invalid requests;
// the Decision then says until when. It counts nothing.
func (l *Limiter) Blocked(addr string) Decision {
	if l.cfg.Disabled {
		return Decision{}
	}
	now := l.cfg.Now()
	if now.UnixNano() >= l.blockEnd.Load() {
		return Decision{}
	}
	w, ok := l.windows.get(kindInvalid+addr, now.UnixNano())
	if !ok || w.used < l.cfg.InvalidRequests.Requests {
		return Decision{}
	}
	d := decide(now, l.cfg.InvalidRequests, w.reset)
	d.Limited, d.Scope = true, ScopeGlobal
	l.count(ScopeGlobal)
	return d
}

// Invalid counts one invalid request (a 401, 403 or non-shared 429
// answer) from addr. The request that reaches the limit blocks addr for
// Config.InvalidBlock.
func (l *Limiter) Invalid(addr string) {
	if l.cfg.Disabled {
		return
	}
	lim := l.cfg.InvalidRequests
	now := l.cfg.Now().UnixNano()
	l.windows.update(kindInvalid+addr, now, lim.Window, func(w *window) {
		if w.used >= lim.Requests {
			return // blocked already
		}
		if w.used++; w.used == lim.Requests {
			w.reset = max(w.reset, now+int64(l.cfg.InvalidBlock))
			l.extendBlockEnd(w.reset)
		}
	})
}

// extendBlockEnd raises blockEnd to at least end.
func (l *Limiter) extendBlockEnd(end int64) {
	for {
		cur := l.blockEnd.Load()
		if cur >= end || l.blockEnd.CompareAndSwap(cur, end) {
			return
		}
	}
}

// Check reports whether key is refused by throttle th, without counting.
func (l *Limiter) Check(th Throttle, key string) Decision {
	if l.cfg.Disabled {
		return Decision{}
	}
	lim := l.throttle(th)
	now := l.cfg.Now()
	w, ok := l.windows.get(throttleKey(th, key), now.UnixNano())
	if !ok || w.used < lim.Requests {
		return Decision{}
	}
	d := decide(now, lim, w.reset)
	d.Limited, d.Scope = true, ScopeUser
	l.count(ScopeUser)
	return d
}

// Take counts one attempt for key under throttle th, or refuses it.
func (l *Limiter) Take(th Throttle, key string) Decision {
	if l.cfg.Disabled {
		return Decision{}
	}
	return l.take(throttleKey(th, key), l.throttle(th), ScopeUser)
}

func (l *Limiter) throttle(th Throttle) Limit {
	if th == LoginFailures {
		return l.cfg.LoginFailures
	}
	return l.cfg.Registrations
}

func throttleKey(th Throttle, key string) string {
	return fmt.Sprintf("%s%d\x00%s", kindThrottle, th, key)
}

// Shared counts a 429 of scope shared that another component answered
// (a busy guild), for the metrics.
func (l *Limiter) Shared() { l.count(ScopeShared) }

func (l *Limiter) count(s Scope) {
	switch s {
	case ScopeUser:
		l.limited[0].Add(1)
	case ScopeGlobal:
		l.limited[1].Add(1)
	case ScopeShared:
		l.limited[2].Add(1)
	}
}

// Route is one route bucket: its limit and its X-RateLimit-Bucket value.
type Route struct {
	l     *Limiter
	name  string
	hash  string
	limit Limit
}

// Route returns the bucket named name (see DefaultRoutes; routes of an
// unknown name get Config.Route). Resolve it once, when routes are
// registered.
func (l *Limiter) Route(name string) *Route {
	lim, ok := l.cfg.Routes[name]
	if !ok {
		if lim, ok = DefaultRoutes[name]; !ok {
			lim = l.cfg.Route
		}
	}
	return &Route{l: l, name: name, hash: BucketHash(name), limit: lim}
}

// Take admits one request of caller on the route with major parameter
// major ("" if the route has none).
func (r *Route) Take(caller, major string) Decision {
	if r.l.cfg.Disabled {
		return Decision{}
	}
	d := r.l.take(kindRoute+caller+"\x00"+r.name+"\x00"+major, r.limit, ScopeUser)
	d.Bucket = r.hash
	return d
}

// BucketHash is the X-RateLimit-Bucket value of the bucket named name: an
// opaque hex string, the same for every major parameter and every node.
func BucketHash(name string) string {
	sum := sha256.Sum256([]byte("accord-ratelimit-bucket:" + name))
	return hex.EncodeToString(sum[:16])
}

// Stats are the limiter's counters.
type Stats struct {
	// Limited counts refused requests by scope ("user", "global",
	// "shared").
	Limited map[string]int64
	// Windows is the number of windows held in memory.
	Windows int64
}

// Stats returns a snapshot of the counters.
func (l *Limiter) Stats() Stats {
	return Stats{
		Limited: map[string]int64{string(ScopeUser): l.limited[0].Load(), string(ScopeGlobal): l.limited[1].Load(),
			string(ScopeShared): l.limited[2].Load()},
		Windows: int64(l.windows.len()),
	}
}
