package accordtest

import "github.com/accordchat/accord/internal/ratelimit"

// TestLimitScale is how many times ratelimit's default counts a test
// server admits.
//
// Test servers run with rate limits on: every route goes through its
// bucket, answers carry X-RateLimit-* headers, 401s count as invalid
// requests. Their counts, though, are TestLimitScale times the defaults,
// because functional tests send bursts no bot would (ten messages to one
// channel in a millisecond) and must not wait out 5-second windows. The
// windows stay the defaults. A field the test sets itself is kept, so a
// test of a limit sets that limit in server.Config.RateLimit; a load test
// sets server.Config.DisableRateLimits.
const TestLimitScale = 100

// testLimits returns c with every count left zero raised to TestLimitScale
// times its default.
func testLimits(c ratelimit.Config) ratelimit.Config {
	scale := func(l *ratelimit.Limit, n int) {
		if l.Requests == 0 {
			l.Requests = n * TestLimitScale
		}
	}
	scale(&c.Global, 50)
	scale(&c.Route, 50)
	routes := make(map[string]ratelimit.Limit, len(ratelimit.DefaultRoutes))
	for name, l := range ratelimit.DefaultRoutes {
		l.Requests *= TestLimitScale
		routes[name] = l
	}
	for name, l := range c.Routes {
		routes[name] = l
	}
	c.Routes = routes
	return c
}
