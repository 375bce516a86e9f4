package ratelimit

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
)

// BenchmarkRequest is what the limits add to one REST request: the
// blocked-address check, the global limit, the route's bucket and its
// headers. Parallel callers on one bucket (the worst case: one lock) and on
// many (one per goroutine).
func BenchmarkRequest(b *testing.B) {
	huge := Limit{Requests: 1 << 40}
	for _, shared := range []bool{true, false} {
		b.Run("one-bucket="+strconv.FormatBool(shared), func(b *testing.B) {
			l, err := New(Config{Global: huge, Route: huge})
			if err != nil {
				b.Fatal(err)
			}
			r := l.Route("POST /channels/{channel_id}/messages")
			var n atomic.Int64
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				caller := "u1"
				if !shared {
					caller = "u" + strconv.FormatInt(n.Add(1), 10)
				}
				h := http.Header{}
				for pb.Next() {
					if d := l.Blocked("127.0.0.1"); d.Limited {
						b.Fatal("blocked")
					}
					l.Global(caller)
					r.Take(caller, "1234567890").SetHeaders(h)
				}
			})
		})
	}
}
