package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// HerdConfig configures the herd scenario. Zero values mean defaults.
type HerdConfig struct {
	// Target is the server's base URL, e.g. "http://127.0.0.1:8080". Required.
	Target string
	// Metrics is the base URL of the server's metrics listener (`accord
	// serve --metrics-addr`), e.g. "http://127.0.0.1:9090", where the
	// store reads are counted. Required.
	Metrics string
	// Token is an existing user's token (Authorization value) to set up
	// and read as; empty registers a fresh user.
	Token string
	// Clients is how many clients fetch the channel at once. Default 5000.
	Clients int
	// Conns bounds the HTTP connections the clients share (keep-alive), so
	// the bench stays well under the open-files cap; requests beyond it
	// wait for a connection. Default min(Clients, 1000).
	Conns int
	// History is how many messages precede the @everyone message. Default 100.
	History int
	// Limit is the page each client fetches. Default 50.
	Limit int
	// Progress receives the progress bar (stderr); nil draws none.
	Progress io.Writer
}

// HerdResult holds the figures of one run. The JSON keys are the contract
// of `accord bench herd --json`: exactly clients, store_reads, p50_ms,
// p99_ms and coalesce.
type HerdResult struct {
	Clients int `json:"clients"`
	// StoreReads is the growth of the server's accord_data_store_reads_total
	// over the herd: each page is a messages read and a decorations
	// (reactions and pins) read, so without coalescing it is 2 per client.
	StoreReads int64 `json:"store_reads"`
	// P50ms and P99ms are the times from the herd's release to each
	// client's complete answer (waiting for a connection and retries after
	// 429 included: what the user waits).
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	// Coalesce is the server's own accord_data_coalesce_enabled.
	Coalesce bool `json:"coalesce"`

	MaxMs     float64 `json:"-"`
	Seconds   float64 `json:"-"`
	Conns     int     `json:"-"`
	Errors    int64   `json:"-"` // clients without a good answer
	Stale     int64   `json:"-"` // answers whose newest message was not the @everyone one
	Retries   int64   `json:"-"` // 429 answers retried
	Coalesced int64   `json:"-"` // growth of accord_data_coalesced_total
	CacheHits int64   `json:"-"` // growth of accord_data_cache_hits_total
}

// The data-service metrics the herd reads from the server.
const (
	metricStoreReads = "accord_data_store_reads_total"
	metricCoalesced  = "accord_data_coalesced_total"
	metricCacheHits  = "accord_data_cache_hits_total"
	metricCoalesce   = "accord_data_coalesce_enabled"
)

// Herd sets up a guild with one channel and some history, posts an
// @everyone message, then releases Clients clients at once to fetch the
// channel's newest Limit messages over HTTP, and reports how many store
// reads the server made for them (from its /metrics) and how long the
// clients waited.
func Herd(ctx context.Context, cfg HerdConfig) (HerdResult, error) {
	if cfg.Target == "" || cfg.Metrics == "" {
		return HerdResult{}, errors.New("bench: HerdConfig.Target and Metrics are required")
	}
	if cfg.Clients <= 0 {
		cfg.Clients = 5000
	}
	if cfg.Conns <= 0 {
		cfg.Conns = min(cfg.Clients, 1000)
	}
	if cfg.History <= 0 {
		cfg.History = 100
	}
	if cfg.Limit <= 0 {
		cfg.Limit = 50
	}
	target := strings.TrimRight(cfg.Target, "/")
	tr := &http.Transport{MaxConnsPerHost: cfg.Conns, MaxIdleConnsPerHost: cfg.Conns, IdleConnTimeout: time.Minute}
	defer tr.CloseIdleConnections()
	c := &client{base: target + "/api/v10", token: cfg.Token, http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}

	channel, everyone, err := herdSetup(ctx, c, cfg.History)
	if err != nil {
		return HerdResult{}, err
	}
	// Open the connections before the herd, so it measures reads, not
	// TCP handshakes (and a burst of them cannot overflow the listen queue).
	if err := warm(ctx, c.http, target, cfg.Conns); err != nil {
		return HerdResult{}, err
	}
	names := []string{metricStoreReads, metricCoalesced, metricCacheHits, metricCoalesce}
	before, err := Metrics(ctx, c.http, cfg.Metrics, names...)
	if err != nil {
		return HerdResult{}, err
	}
	if _, ok := before[metricStoreReads]; !ok {
		return HerdResult{}, fmt.Errorf("bench: %s/metrics has no %s", cfg.Metrics, metricStoreReads)
	}

	path := "/channels/" + channel + "/messages?limit=" + strconv.Itoa(cfg.Limit)
	newest := []byte(`[{"id":"` + everyone + `"`)
	lat := make([]time.Duration, cfg.Clients)
	var failed, stale, retries atomic.Int64
	bar := StartProgress(cfg.Progress, "herd", int64(cfg.Clients))
	release := make(chan struct{})
	var start time.Time // written before release is closed
	// All clients are released at once; Conns workers, one connection
	// each, carry their requests (a client waits for a free worker as it
	// would for a free connection, without thousands of goroutines
	// contending inside one http.Transport).
	var next atomic.Int64
	var ready, wg sync.WaitGroup
	for w := 0; w < cfg.Conns; w++ {
		wg.Add(1)
		ready.Add(1)
		go func() {
			defer wg.Done()
			ready.Done()
			<-release
			for {
				i := int(next.Add(1)) - 1
				if i >= cfg.Clients {
					return
				}
				if ok, fresh := herdFetch(ctx, c, path, newest, &retries); !ok {
					failed.Add(1)
				} else {
					if !fresh {
						stale.Add(1)
					}
					lat[i] = time.Since(start)
				}
				bar.Add(1)
			}
		}()
	}
	ready.Wait()
	start = time.Now()
	close(release)
	wg.Wait()
	elapsed := time.Since(start)
	bar.Stop()

	after, err := Metrics(ctx, c.http, cfg.Metrics, names...)
	if err != nil {
		return HerdResult{}, err
	}
	var all []time.Duration
	for _, d := range lat {
		if d > 0 {
			all = append(all, d)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	res := HerdResult{
		Clients:    cfg.Clients,
		StoreReads: int64(after[metricStoreReads] - before[metricStoreReads]),
		P50ms:      round(ms(percentile(all, 0.50)), 3),
		P99ms:      round(ms(percentile(all, 0.99)), 3),
		Coalesce:   after[metricCoalesce] == 1,
		MaxMs:      round(ms(percentile(all, 1)), 3),
		Seconds:    round(elapsed.Seconds(), 3),
		Conns:      cfg.Conns,
		Errors:     failed.Load(),
		Stale:      stale.Load(),
		Retries:    retries.Load(),
		Coalesced:  int64(after[metricCoalesced] - before[metricCoalesced]),
		CacheHits:  int64(after[metricCacheHits] - before[metricCacheHits]),
	}
	return res, nil
}

// herdFetch fetches the page, retrying after 429 as Discord's libraries do;
// fresh reports whether its newest message is the @everyone one.
func herdFetch(ctx context.Context, c *client, path string, newest []byte, retries *atomic.Int64) (ok, fresh bool) {
	for attempt := 0; ; attempt++ {
		status, body, err := c.get(ctx, path)
		if status == http.StatusTooManyRequests && attempt < 50 {
			retries.Add(1)
			time.Sleep(50 * time.Millisecond) // the server's retry_after
			continue
		}
		if err != nil || status != http.StatusOK {
			return false, false
		}
		return true, bytes.HasPrefix(body, newest)
	}
}

// herdSetup registers a user (unless c has a token), creates a guild, posts
// history and then the @everyone message; it returns the channel and the
// @everyone message's ID.
func herdSetup(ctx context.Context, c *client, history int) (channel, everyone string, err error) {
	if c.token == "" {
		if err := c.register(ctx); err != nil {
			return "", "", err
		}
	}
	var g struct {
		ID              string `json:"id"`
		SystemChannelID string `json:"system_channel_id"`
	}
	if err := c.must(ctx, "POST", "/guilds", map[string]string{"name": "herd"}, &g); err != nil {
		return "", "", err
	}
	channel = g.SystemChannelID
	if channel == "" {
		return "", "", errors.New("bench: new guild has no system channel")
	}
	// History, posted by a few writers at once.
	var next atomic.Int64
	errs := make(chan error, 8)
	for w := 0; w < 8; w++ {
		go func() {
			for {
				i := next.Add(1)
				if i > int64(history) {
					errs <- nil
					return
				}
				body := map[string]string{"content": fmt.Sprintf("history message %d, long enough to look like chat", i)}
				if err := c.must(ctx, "POST", "/channels/"+channel+"/messages", body, nil); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for w := 0; w < 8; w++ {
		if e := <-errs; e != nil && err == nil {
			err = e
		}
	}
	if err != nil {
		return "", "", err
	}
	var m struct {
		ID              string `json:"id"`
		MentionEveryone bool   `json:"mention_everyone"`
	}
	if err := c.must(ctx, "POST", "/channels/"+channel+"/messages", map[string]string{"content": "@everyone new release is out!"}, &m); err != nil {
		return "", "", err
	}
	if !m.MentionEveryone {
		return "", "", errors.New("bench: the @everyone message does not mention everyone")
	}
	return channel, m.ID, nil
}

// register creates a fresh user and keeps its token.
func (c *client) register(ctx context.Context) error {
	var reg struct {
		Token string `json:"token"`
	}
	name := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	if err := c.must(ctx, "POST", "/auth/register", map[string]string{"username": name, "password": "bench-password"}, &reg); err != nil {
		return err
	}
	c.token = reg.Token
	return nil
}

// get sends an authorised GET and returns the status and body.
func (c *client) get(ctx context.Context, path string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// warm opens n keep-alive connections to target by sending n health
// checks at once.
func warm(ctx context.Context, hc *http.Client, target string, n int) error {
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequestWithContext(ctx, "GET", target+"/healthz", nil)
			if err != nil {
				failed.Add(1)
				return
			}
			resp, err := hc.Do(req)
			if err != nil {
				failed.Add(1)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}()
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		return fmt.Errorf("bench: %d of %d warm-up connections failed", f, n)
	}
	return nil
}

// String is the readable summary of a herd run.
func (r HerdResult) String() string {
	return fmt.Sprintf("herd: %d clients over %d connections, coalesce=%v: %d store reads (%d coalesced, %d cache hits), "+
		"p50 %.2f ms, p99 %.2f ms, max %.2f ms, %.2fs; %d errors, %d stale, %d retried after 429",
		r.Clients, r.Conns, r.Coalesce, r.StoreReads, r.Coalesced, r.CacheHits, r.P50ms, r.P99ms, r.MaxMs, r.Seconds,
		r.Errors, r.Stale, r.Retries)
}

// JSON is the --json line: exactly the contract's keys.
func (r HerdResult) JSON() []byte {
	b, _ := json.Marshal(r)
	return b
}
