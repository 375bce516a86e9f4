package ratelimit

import (
	"fmt"
	"hash/maphash"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a manual clock for tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Unix(1_700_000_000, 0)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newLimiter(t *testing.T, cfg Config) (*Limiter, *clock) {
	t.Helper()
	c := newClock()
	cfg.Now = c.Now
	l, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l, c
}

func TestRouteBucket(t *testing.T) {
	l, c := newLimiter(t, Config{})
	r := l.Route(BucketMessageCreate)
	for i := 4; i >= 0; i-- {
		d := r.Take("alice", "1")
		if d.Limited || d.Remaining != i || d.Limit != 5 || d.Bucket != BucketHash(BucketMessageCreate) {
			t.Fatalf("request %d: %+v", 5-i, d)
		}
	}
	c.Advance(time.Second)
	d := r.Take("alice", "1")
	if !d.Limited || d.Scope != ScopeUser || d.Remaining != 0 || d.ResetAfter != 4*time.Second {
		t.Fatalf("6th request: %+v", d)
	}
	t.Run("major parameters are separate buckets with one hash", func(t *testing.T) {
		d := r.Take("alice", "2")
		if d.Limited || d.Remaining != 4 || d.Bucket != BucketHash(BucketMessageCreate) {
			t.Fatalf("other channel: %+v", d)
		}
	})
	t.Run("callers are separate", func(t *testing.T) {
		if d := r.Take("bob", "1"); d.Limited || d.Remaining != 4 {
			t.Fatalf("other caller: %+v", d)
		}
	})
	t.Run("the window resets", func(t *testing.T) {
		c.Advance(4 * time.Second)
		if d := r.Take("alice", "1"); d.Limited || d.Remaining != 4 || d.ResetAfter != 5*time.Second {
			t.Fatalf("after the window: %+v", d)
		}
	})
	t.Run("unknown buckets get Config.Route", func(t *testing.T) {
		if d := l.Route("GET /users/@me").Take("alice", ""); d.Limit != 50 || d.Bucket != BucketHash("GET /users/@me") {
			t.Fatalf("default route: %+v", d)
		}
	})
}

func TestGlobal(t *testing.T) {
	l, c := newLimiter(t, Config{Global: Limit{Requests: 3}})
	for i := range 3 {
		if d := l.Global("u1"); d.Limited {
			t.Fatalf("request %d refused: %+v", i, d)
		}
	}
	d := l.Global("u1")
	if !d.Limited || d.Scope != ScopeGlobal || d.ResetAfter != time.Second {
		t.Fatalf("4th request: %+v", d)
	}
	if d := l.Global("u2"); d.Limited {
		t.Fatalf("another caller was limited: %+v", d)
	}
	c.Advance(time.Second)
	if d := l.Global("u1"); d.Limited {
		t.Fatalf("after the window: %+v", d)
	}
}

func TestInvalidRequestsBlock(t *testing.T) {
	l, c := newLimiter(t, Config{InvalidRequests: Limit{Requests: 3, Window: time.Minute}, InvalidBlock: time.Hour})
	for range 2 {
		l.Invalid("10.0.0.1")
	}
	if d := l.Blocked("10.0.0.1"); d.Limited {
		t.Fatalf("blocked after 2 of 3: %+v", d)
	}
	l.Invalid("10.0.0.1")
	d := l.Blocked("10.0.0.1")
	if !d.Limited || d.Scope != ScopeGlobal || d.ResetAfter != time.Hour {
		t.Fatalf("after 3 of 3: %+v", d)
	}
	if d := l.Blocked("10.0.0.2"); d.Limited {
		t.Fatalf("another address blocked: %+v", d)
	}
	c.Advance(30 * time.Minute)
	l.Invalid("10.0.0.1") // counted while blocked: does not extend the block
	if d := l.Blocked("10.0.0.1"); !d.Limited || d.ResetAfter != 30*time.Minute {
		t.Fatalf("half way: %+v", d)
	}
	c.Advance(30 * time.Minute)
	if d := l.Blocked("10.0.0.1"); d.Limited {
		t.Fatalf("after the block: %+v", d)
	}
}

func TestThrottles(t *testing.T) {
	l, c := newLimiter(t, Config{LoginFailures: Limit{Requests: 2, Window: time.Minute}, Registrations: Limit{Requests: 1}})
	for range 2 {
		if d := l.Check(LoginFailures, "alice"); d.Limited {
			t.Fatalf("checked before the failures: %+v", d)
		}
		l.Take(LoginFailures, "alice")
	}
	if d := l.Check(LoginFailures, "alice"); !d.Limited || d.Scope != ScopeUser || d.Bucket != "" {
		t.Fatalf("after 2 failures: %+v", d)
	}
	if d := l.Check(Registrations, "alice"); d.Limited {
		t.Fatalf("throttles share windows: %+v", d)
	}
	if d := l.Take(Registrations, "alice"); d.Limited {
		t.Fatalf("first registration: %+v", d)
	}
	if d := l.Take(Registrations, "alice"); !d.Limited {
		t.Fatalf("second registration admitted: %+v", d)
	}
	c.Advance(10 * time.Minute)
	if d := l.Check(LoginFailures, "alice"); d.Limited {
		t.Fatalf("after the window: %+v", d)
	}
}

func TestDisabled(t *testing.T) {
	l, _ := newLimiter(t, Config{Disabled: true, Global: Limit{Requests: 1}, Route: Limit{Requests: 1},
		InvalidRequests: Limit{Requests: 1}, LoginFailures: Limit{Requests: 1}, Registrations: Limit{Requests: 1}})
	r := l.Route("x")
	for range 5 {
		l.Invalid("a")
		l.Take(LoginFailures, "a")
		for _, d := range []Decision{l.Global("a"), r.Take("a", ""), l.Blocked("a"), l.Check(LoginFailures, "a"), l.Take(Registrations, "a")} {
			if d != (Decision{}) {
				t.Fatalf("disabled limiter decided %+v", d)
			}
		}
	}
}

func TestConfigValidation(t *testing.T) {
	for _, cfg := range []Config{
		{Global: Limit{Requests: -1}},
		{Route: Limit{Window: -time.Second}},
		{Routes: map[string]Limit{"x": {}}},
		{InvalidBlock: -1},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}

// TestConcurrentTakes checks that parallel requests on one bucket are
// admitted exactly Limit times (run with -race).
func TestConcurrentTakes(t *testing.T) {
	l, _ := newLimiter(t, Config{Route: Limit{Requests: 100, Window: time.Minute}})
	r := l.Route("x")
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if !r.Take("alice", "1").Limited {
					admitted.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if n := admitted.Load(); n != 100 {
		t.Fatalf("admitted %d of 400, want 100", n)
	}
	if st := l.Stats(); st.Limited["user"] != 300 {
		t.Fatalf("stats %+v", st)
	}
}

// TestMemoryBounded checks that expired windows are swept and that the
// number of windows never exceeds MaxBuckets, however many keys come.
func TestMemoryBounded(t *testing.T) {
	const maxBuckets = shardCount * 4
	l, c := newLimiter(t, Config{MaxBuckets: maxBuckets})
	r := l.Route("x")
	for i := range 10 * maxBuckets {
		r.Take(fmt.Sprint("caller", i), "")
		if i%maxBuckets == 0 {
			c.Advance(time.Second) // let some windows expire along the way
		}
	}
	if n := l.windows.len(); n > maxBuckets {
		t.Fatalf("%d windows held, cap %d", n, maxBuckets)
	}
	// Once every window has expired, the first new key in each shard
	// sweeps it: no old window survives.
	c.Advance(time.Minute)
	touched := map[uint64]bool{}
	for i := 0; len(touched) < shardCount; i++ {
		key := fmt.Sprint("late", i)
		r.Take(key, "")
		touched[maphash.String(l.windows.seed, kindRoute+key+"\x00x\x00")%shardCount] = true
	}
	for i := range l.windows.shards {
		for k := range l.windows.shards[i].m {
			if strings.HasPrefix(k, kindRoute+"caller") {
				t.Fatalf("expired window %q survived the sweep", k)
			}
		}
	}
}

func TestHeaders(t *testing.T) {
	l, c := newLimiter(t, Config{Route: Limit{Requests: 1, Window: 1500 * time.Millisecond}, Global: Limit{Requests: 1}})
	r := l.Route("GET /x")
	h := http.Header{}
	r.Take("a", "").SetHeaders(h)
	want := map[string]string{"X-RateLimit-Limit": "1", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000001.500",
		"X-RateLimit-Reset-After": "1.500", "X-RateLimit-Bucket": BucketHash("GET /x")}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	for _, k := range []string{"Retry-After", "X-RateLimit-Scope", "X-RateLimit-Global", "Via"} {
		if _, ok := h[k]; ok {
			t.Errorf("admitted request has %s", k)
		}
	}

	c.Advance(250 * time.Millisecond)
	h = http.Header{}
	d := r.Take("a", "")
	d.SetHeaders(h)
	if h.Get("Retry-After") != "2" || h.Get("X-RateLimit-Scope") != "user" || h.Get("Via") != Via || h.Get("X-RateLimit-Reset-After") != "1.250" {
		t.Errorf("429 headers %v", h)
	}
	if _, ok := h["X-Ratelimit-Global"]; ok {
		t.Errorf("a user-scope 429 has X-RateLimit-Global: %v", h)
	}
	if b := d.Body(); b.Message != "You are being rate limited." || b.RetryAfter != 1.25 || b.Global {
		t.Errorf("body %+v", b)
	}

	l.Global("a")
	h = http.Header{}
	d = l.Global("a")
	d.SetHeaders(h)
	if h.Get("X-RateLimit-Global") != "true" || h.Get("X-RateLimit-Scope") != "global" || h.Get("Retry-After") != "1" ||
		h.Get("X-RateLimit-Reset-After") == "" || h.Get("X-RateLimit-Bucket") != "" || !d.Body().Global {
		t.Errorf("global 429 headers %v, body %+v", h, d.Body())
	}
}
