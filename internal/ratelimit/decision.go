package ratelimit

import (
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/accordchat/accord/internal/protocol"
)

// Decision is a limiter's answer for one request. The zero Decision
// admits the request and has no headers (limits off).
type Decision struct {
	// Limited is true when the request must be refused with 429.
	Limited bool
	// Scope is whose limit refused the request (set when Limited).
	Scope Scope
	// Limit and Remaining are the window's size and what is left of it.
	Limit, Remaining int
	// Reset is when the window ends; ResetAfter is how long until then.
	Reset      time.Time
	ResetAfter time.Duration
	// Bucket is the route bucket's X-RateLimit-Bucket ("" for the global
	// limit, invalid requests and throttles, which send no bucket headers).
	Bucket string
}

// Via is the Via header of every 429 Accord answers: discord.py takes a
// 429 without one for a Cloudflare ban and raises instead of waiting.
const Via = "1.1 accord"

// SetHeaders sets d's rate-limit headers on h: the bucket headers
// (X-RateLimit-Limit, -Remaining, -Reset, -Reset-After, -Bucket) when d
// is a route bucket's, and when d is Limited, Retry-After,
// X-RateLimit-Scope, Via and, for the global scope, X-RateLimit-Global and
// X-RateLimit-Reset-After (which discordgo reads to pause every bucket).
func (d Decision) SetHeaders(h http.Header) {
	if d.Bucket != "" {
		// Canonical keys set directly: Header.Set would allocate to
		// canonicalise "X-RateLimit-..." on every answer.
		h["X-Ratelimit-Limit"] = []string{strconv.Itoa(d.Limit)}
		h["X-Ratelimit-Remaining"] = []string{strconv.Itoa(d.Remaining)}
		h["X-Ratelimit-Reset"] = []string{strconv.FormatFloat(float64(d.Reset.UnixMilli())/1000, 'f', 3, 64)}
		h["X-Ratelimit-Reset-After"] = []string{seconds(d.ResetAfter)}
		h["X-Ratelimit-Bucket"] = []string{d.Bucket}
	}
	if !d.Limited {
		return
	}
	SetLimitedHeaders(h, d.Scope, d.ResetAfter)
	if d.Scope == ScopeGlobal {
		h.Set("X-RateLimit-Global", "true")
		h.Set("X-RateLimit-Reset-After", seconds(d.ResetAfter))
	}
}

// SetLimitedHeaders sets the headers every 429 carries: Retry-After
// (whole seconds, rounded up, as HTTP wants), X-RateLimit-Scope and Via.
func SetLimitedHeaders(h http.Header, scope Scope, retryAfter time.Duration) {
	h.Set("Retry-After", strconv.FormatInt(int64(math.Ceil(retryAfter.Seconds())), 10))
	h.Set("X-RateLimit-Scope", string(scope))
	h.Set("Via", Via)
}

// Body is the JSON body of d's 429: Discord's message, retry_after in
// seconds with decimals, and whether the limit is global.
func (d Decision) Body() protocol.RateLimited {
	return protocol.RateLimited{Message: "You are being rate limited.", RetryAfter: roundSeconds(d.ResetAfter),
		Global: d.Scope == ScopeGlobal}
}

// seconds formats d as seconds with three decimals, e.g. "4.250".
func seconds(d time.Duration) string {
	return strconv.FormatFloat(roundSeconds(d), 'f', 3, 64)
}

// roundSeconds is d in seconds, rounded up to the millisecond, so a client
// that waits that long never comes back too early.
func roundSeconds(d time.Duration) float64 {
	return math.Ceil(float64(d)/float64(time.Millisecond)) / 1000
}

// Error is a request refused by a limit, for code that reports refusals
// as errors (the login and registration throttles); package api answers
// it with 429.
type Error struct {
	Decision
}

func (e *Error) Error() string {
	return "ratelimit: rate limited (" + string(e.Scope) + "), retry after " + e.ResetAfter.String()
}
