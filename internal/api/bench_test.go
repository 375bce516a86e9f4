package api_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/ratelimit"
	"github.com/accordchat/accord/internal/server"
)

// BenchmarkRESTCreateMessage posts messages over HTTP to an in-process
// server from parallel clients: the whole REST path, durable write included.
// It is a load test, so rate limits are off (BenchmarkRateLimitOverhead
// measures what they cost).
func BenchmarkRESTCreateMessage(b *testing.B) {
	s := accordtest.RunServer(b, server.Config{DisableRateLimits: true})
	alice := s.Register(b, "bench")
	_, ch := alice.CreateGuild(b, "bench")
	url := fmt.Sprintf("%s/channels/%d/messages", s.Base, ch)
	body := []byte(`{"content":"a benchmark message of ordinary length, with a few words"}`)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
			req.Header.Set("Authorization", alice.Token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkRateLimitOverhead measures what the rate limits cost a request:
// each route served straight through the API handler (no network), with
// limits off and on (on: every check and header runs, with counts no
// benchmark reaches, so nothing is refused). Compare on with off:
//
//	go test -run - -bench RateLimitOverhead -benchtime 2s ./internal/api/
func BenchmarkRateLimitOverhead(b *testing.B) {
	huge := ratelimit.Limit{Requests: 1 << 40, Window: time.Second}
	for _, route := range []struct{ name, method, path, body string }{
		{"get-me", "GET", "/users/@me", ""},
		{"create-message", "POST", "/channels/%d/messages", `{"content":"a benchmark message of ordinary length"}`},
	} {
		for _, on := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/limits=%v", route.name, on), func(b *testing.B) {
				s := accordtest.RunServer(b, server.Config{DisableRateLimits: !on, RateLimit: ratelimit.Config{Global: huge, Route: huge,
					Routes: map[string]ratelimit.Limit{ratelimit.BucketMessageCreate: huge}}})
				alice := s.Register(b, "bench")
				_, ch := alice.CreateGuild(b, "bench")
				path := "/api/v10" + route.path
				if strings.Contains(path, "%d") {
					path = fmt.Sprintf(path, ch)
				}
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						req := httptest.NewRequest(route.method, path, strings.NewReader(route.body))
						req.Header.Set("Authorization", alice.Token)
						req.Header.Set("Content-Type", "application/json")
						w := httptest.NewRecorder()
						s.API.ServeHTTP(w, req)
						if w.Code != 200 {
							b.Errorf("status %d: %s", w.Code, w.Body)
							return
						}
					}
				})
			})
		}
	}
}
