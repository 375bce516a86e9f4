package ratelimit_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/accordchat/accord/internal/ratelimit"
)

func Example() {
	now := time.Unix(1_700_000_000, 0)
	l, err := ratelimit.New(ratelimit.Config{Now: func() time.Time { return now }})
	if err != nil {
		panic(err)
	}
	create := l.Route(ratelimit.BucketMessageCreate) // once, when routes are registered
	for i := range 6 {
		d := create.Take("user:42", "channel:1") // each request: the caller and the major parameter
		h := http.Header{}
		d.SetHeaders(h)
		fmt.Printf("%d limited=%v remaining=%s retry-after=%q\n", i+1, d.Limited, h.Get("X-RateLimit-Remaining"), h.Get("Retry-After"))
	}
	// Output:
	// 1 limited=false remaining=4 retry-after=""
	// 2 limited=false remaining=3 retry-after=""
	// 3 limited=false remaining=2 retry-after=""
	// 4 limited=false remaining=1 retry-after=""
	// 5 limited=false remaining=0 retry-after=""
	// 6 limited=true remaining=0 retry-after="5"
}
