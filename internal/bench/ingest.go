// Package bench holds the load generators behind `accord bench`. They talk
// to a running server over its public API only, like any client, so the
// same scenario measures an in-process, child-process or remote server.
package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// IngestConfig configures the ingest scenario. Zero values mean defaults.
type IngestConfig struct {
	// Target is the server's base URL, e.g. "http://127.0.0.1:8080". Required.
	Target string
	// Clients is the number of concurrent REST clients. Default 16.
	Clients int
	// Duration is how long clients post. Default 10 s.
	Duration time.Duration
	// Channels is the number of channels (in one guild) the clients spread
	// over. Default 1.
	Channels int
	// Guilds spreads the clients over this many guilds (each with
	// Channels channels). Default 1.
	Guilds int
	// Progress receives a line per second while running; nil discards.
	Progress io.Writer
	// ServerPID is the server's process on this machine, for its CPU per
	// message; 0 reports none.
	ServerPID int
}

// IngestResult holds the figures of one run. The JSON keys are the
// contract of `accord bench ingest --json`.
type IngestResult struct {
	Messages   int64   `json:"messages"`
	MsgsPerSec float64 `json:"msgs_per_sec"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	Errors     int64   `json:"errors"`
	Clients    int     `json:"clients"`
	Channels   int     `json:"channels"`
	Guilds     int     `json:"guilds"`
	Seconds    float64 `json:"seconds"`
	// ServerCPUPerMsg is the CPU time the server process spent over the
	// run (its threads' schedstat) per message acknowledged, in µs; for
	// the floor, that of the process running Pebble. 0 when unknown.
	ServerCPUPerMsg float64 `json:"server_cpu_us_per_msg,omitempty"`
	// ClientCPUPerMsg is the bench process's own CPU per message, in µs,
	// when the server is another process: on one box the two share the
	// cores, so msgs/s is bounded by the sum. 0 for the floor.
	ClientCPUPerMsg float64 `json:"client_cpu_us_per_msg,omitempty"`
	// ChannelIDs and Token are the channels posted to and the poster's
	// token, for a caller that checks what was stored (not in the JSON).
	ChannelIDs []string `json:"-"`
	Token      string   `json:"-"`
}

// Ingest registers a user, creates the guilds and channels, then has
// Clients goroutines post messages as fast as the server answers for
// Duration, and reports throughput and latency of acknowledged posts.
func Ingest(ctx context.Context, cfg IngestConfig) (IngestResult, error) {
	if cfg.Target == "" {
		return IngestResult{}, errors.New("bench: IngestConfig.Target is required")
	}
	if cfg.Clients <= 0 {
		cfg.Clients = 16
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Channels <= 0 {
		cfg.Channels = 1
	}
	if cfg.Guilds <= 0 {
		cfg.Guilds = 1
	}
	if cfg.Progress == nil {
		cfg.Progress = io.Discard
	}
	c := &client{
		base: strings.TrimRight(cfg.Target, "/") + "/api/v10",
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Clients * 2, MaxConnsPerHost: cfg.Clients * 2}},
	}
	channels, err := c.setup(ctx, cfg.Guilds, cfg.Channels)
	if err != nil {
		return IngestResult{}, err
	}

	var (
		mu      sync.Mutex
		posters []*rawPoster
	)
	defer func() {
		for _, p := range posters {
			p.close()
		}
	}()
	res := measureIngest(ctx, cfg.Clients, cfg.Duration, cfg.Progress, cfg.ServerPID, func(ctx context.Context, i int) func(ctx context.Context) (retry time.Duration, err error) {
		ch := channels[i%len(channels)]
		body := []byte(fmt.Sprintf(`{"content":"%s %d with some text to make it realistic"}`, ingestContent, i))
		p, err := newRawPoster(c.base, "/channels/"+ch+"/messages", c.token, body)
		if err != nil {
			return func(context.Context) (time.Duration, error) { return time.Second, err }
		}
		mu.Lock()
		posters = append(posters, p)
		mu.Unlock()
		return func(ctx context.Context) (time.Duration, error) {
			status, err := p.post(ctx)
			if err != nil {
				return 0, err
			}
			switch status {
			case http.StatusOK:
				return 0, nil
			case http.StatusTooManyRequests:
				return 10 * time.Millisecond, fmt.Errorf("bench: post message: status %d", status)
			}
			return 0, fmt.Errorf("bench: post message: status %d", status)
		}
	})
	res.Channels, res.Guilds = cfg.Channels, cfg.Guilds
	res.ChannelIDs, res.Token = channels, c.token
	return res, nil
}

// ingestContent starts each ingest message's content; the floor stores
// messages of the same length.
const ingestContent = "bench message from client"

// measureIngest runs clients loops of the operation newOp(i) makes for
// client i, each as fast as it completes, for d, and returns the throughput
// and latency of the successful ones. An operation that fails is counted
// as an error and, if it says so, retried after a pause.
func measureIngest(ctx context.Context, clients int, d time.Duration, progress io.Writer, pid int,
	newOp func(ctx context.Context, i int) func(ctx context.Context) (retry time.Duration, err error)) IngestResult {
	var cpu0, own0 time.Duration
	self := os.Getpid()
	if pid > 0 {
		cpu0, _ = procCPU(pid)
	}
	if pid > 0 && pid != self {
		own0, _ = procCPU(self)
	}
	var sent, failed atomic.Int64
	lat := make([][]time.Duration, clients)
	runCtx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			op := newOp(runCtx, i)
			for runCtx.Err() == nil {
				t0 := time.Now()
				pause, err := op(runCtx)
				if runCtx.Err() != nil {
					return
				}
				if err != nil {
					failed.Add(1)
					if pause > 0 {
						time.Sleep(pause)
					}
					continue
				}
				lat[i] = append(lat[i], time.Since(t0))
				sent.Add(1)
			}
		}(i)
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	last := int64(0)
loop:
	for {
		select {
		case <-done:
			break loop
		case t := <-tick.C:
			n := sent.Load()
			fmt.Fprintf(progress, "ingest: %4.0fs  %8d messages  %8d msgs/s  %d errors\n",
				t.Sub(start).Seconds(), n, n-last, failed.Load())
			last = n
		}
	}
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	res := IngestResult{Messages: sent.Load(), Errors: failed.Load(), Clients: clients, Seconds: round(elapsed.Seconds(), 2)}
	res.MsgsPerSec = round(float64(res.Messages)/elapsed.Seconds(), 1)
	res.P50ms = round(ms(percentile(all, 0.50)), 3)
	res.P99ms = round(ms(percentile(all, 0.99)), 3)
	if pid > 0 && res.Messages > 0 {
		if cpu1, err := procCPU(pid); err == nil && cpu1 > cpu0 {
			res.ServerCPUPerMsg = round(float64((cpu1-cpu0).Nanoseconds())/1e3/float64(res.Messages), 2)
		}
	}
	if pid > 0 && pid != self && res.Messages > 0 {
		if own1, err := procCPU(self); err == nil && own1 > own0 {
			res.ClientCPUPerMsg = round(float64((own1-own0).Nanoseconds())/1e3/float64(res.Messages), 2)
		}
	}
	return res
}

// String is the readable summary of an ingest run.
func (r IngestResult) String() string {
	s := fmt.Sprintf("ingest: %d messages in %.1fs: %.0f msgs/s, p50 %.2f ms, p99 %.2f ms, %d errors",
		r.Messages, r.Seconds, r.MsgsPerSec, r.P50ms, r.P99ms, r.Errors)
	if r.ServerCPUPerMsg > 0 {
		s += fmt.Sprintf(", server CPU %.1f µs/msg", r.ServerCPUPerMsg)
	}
	if r.ClientCPUPerMsg > 0 {
		s += fmt.Sprintf(", bench client CPU %.1f µs/msg", r.ClientCPUPerMsg)
	}
	return s
}

// JSON is the --json line: exactly the contract's keys.
func (r IngestResult) JSON() []byte {
	b, _ := json.Marshal(r)
	return b
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return sorted[i]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func round(v float64, digits int) float64 {
	p := 1.0
	for i := 0; i < digits; i++ {
		p *= 10
	}
	return float64(int64(v*p+0.5)) / p
}

// client is a minimal REST client with one user's token.
type client struct {
	base  string
	token string
	http  *http.Client
}

func (c *client) do(ctx context.Context, method, path string, body []byte, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode < 300 {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			return resp.StatusCode, fmt.Errorf("bench: decode %s %s: %w", method, path, err)
		}
		return resp.StatusCode, nil
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

func (c *client) must(ctx context.Context, method, path string, body any, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	status, err := c.do(ctx, method, path, b, out)
	if err != nil {
		return err
	}
	if status >= 300 {
		return fmt.Errorf("bench: %s %s: status %d", method, path, status)
	}
	return nil
}

// setup registers a fresh user and creates guilds × channels text channels.
func (c *client) setup(ctx context.Context, guilds, channels int) ([]string, error) {
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	name := "bench-" + hex.EncodeToString(suffix[:])
	var reg struct {
		Token string `json:"token"`
	}
	if err := c.must(ctx, "POST", "/auth/register", map[string]string{"username": name, "password": "bench-password"}, &reg); err != nil {
		return nil, err
	}
	c.token = reg.Token
	var out []string
	for g := 0; g < guilds; g++ {
		var guild struct {
			ID string `json:"id"`
		}
		if err := c.must(ctx, "POST", "/guilds", map[string]string{"name": fmt.Sprintf("bench guild %d", g)}, &guild); err != nil {
			return nil, err
		}
		var list []struct {
			ID string `json:"id"`
		}
		if err := c.must(ctx, "GET", "/guilds/"+guild.ID+"/channels", nil, &list); err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return nil, errors.New("bench: new guild has no channel")
		}
		out = append(out, list[0].ID)
		for i := 1; i < channels; i++ {
			var ch struct {
				ID string `json:"id"`
			}
			if err := c.must(ctx, "POST", "/guilds/"+guild.ID+"/channels", map[string]any{"name": fmt.Sprintf("bench-%d", i), "type": 0}, &ch); err != nil {
				return nil, err
			}
			out = append(out, ch.ID)
		}
	}
	return out, nil
}
