package api_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
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
