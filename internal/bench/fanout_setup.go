package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Setup helpers shared by the fan-out and passive scenarios, and what they
// read about the server process from /proc.

// retrying sends a request, retrying 429s (a busy guild actor) as
// Discord's libraries do, and fails on any other status >= 300.
func (c *client) retrying(ctx context.Context, method, path string, body any, out any) error {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		status, err := c.do(ctx, method, path, b, out)
		if err != nil {
			return err
		}
		if status == http.StatusTooManyRequests && attempt < 100 {
			select {
			case <-time.After(50 * time.Millisecond):
			case <-ctx.Done():
				return ctx.Err()
			}
			continue
		}
		if status >= 300 {
			return fmt.Errorf("bench: %s %s: status %d", method, path, status)
		}
		return nil
	}
}

// parallel runs f(0..n-1) on w goroutines, counting each done on bar, and
// returns the first error.
func parallel(ctx context.Context, n, w int, bar *Progress, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range min(n, w) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := f(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
				bar.Add(1)
			}
		}()
	}
	wg.Wait()
	return first
}

// benchGuild is the guild a scenario fans out in.
type benchGuild struct {
	ID, Channel string
}

// createGuild registers the owner (unless c has a token) and creates a guild.
func (c *client) createGuild(ctx context.Context, name string) (benchGuild, error) {
	if c.token == "" {
		if err := c.register(ctx); err != nil {
			return benchGuild{}, err
		}
	}
	var g struct {
		ID              string `json:"id"`
		SystemChannelID string `json:"system_channel_id"`
	}
	if err := c.retrying(ctx, "POST", "/guilds", map[string]string{"name": name}, &g); err != nil {
		return benchGuild{}, err
	}
	if g.SystemChannelID == "" {
		return benchGuild{}, fmt.Errorf("bench: guild %s has no system channel", g.ID)
	}
	return benchGuild{ID: g.ID, Channel: g.SystemChannelID}, nil
}

// addBots creates n applications owned by c's user, adds their bots to the
// guild and returns the bot tokens. Bots need no password hashing, so this
// is the quick way to many members.
func (c *client) addBots(ctx context.Context, g benchGuild, n int, bar *Progress) ([]string, error) {
	tokens := make([]string, n)
	prefix := "fanout-" + strconv.FormatInt(time.Now().UnixMilli()%1e6, 36)
	err := parallel(ctx, n, 32, bar, func(ctx context.Context, i int) error {
		var app struct {
			ID string `json:"id"`
		}
		if err := c.retrying(ctx, "POST", "/applications", map[string]string{"name": fmt.Sprintf("%s-%d", prefix, i)}, &app); err != nil {
			return err
		}
		var tok struct {
			Token string `json:"token"`
		}
		if err := c.retrying(ctx, "POST", "/applications/"+app.ID+"/bot/reset-token", map[string]any{}, &tok); err != nil {
			return err
		}
		body := map[string]any{"guild_id": g.ID, "authorize": true}
		if err := c.retrying(ctx, "POST", "/oauth2/authorize?client_id="+app.ID+"&scope=bot&permissions=0", body, nil); err != nil {
			return err
		}
		tokens[i] = tok.Token
		return nil
	})
	return tokens, err
}

// addUsers registers n users and has them join the guild through one
// invite; it returns their tokens. Registration hashes a password
// (Argon2id), so it costs the server tens of ms of CPU per user.
func (c *client) addUsers(ctx context.Context, g benchGuild, n int, bar *Progress) ([]string, error) {
	var inv struct {
		Code string `json:"code"`
	}
	if err := c.retrying(ctx, "POST", "/channels/"+g.Channel+"/invites", map[string]any{"max_age": 0}, &inv); err != nil {
		return nil, err
	}
	tokens := make([]string, n)
	prefix := "passive-" + strconv.FormatInt(time.Now().UnixMilli()%1e6, 36)
	err := parallel(ctx, n, 8, bar, func(ctx context.Context, i int) error {
		var reg struct {
			Token string `json:"token"`
		}
		body := map[string]string{"username": fmt.Sprintf("%s-%d", prefix, i), "password": "bench-password"}
		if err := c.retrying(ctx, "POST", "/auth/register", body, &reg); err != nil {
			return err
		}
		u := &client{base: c.base, token: reg.Token, http: c.http}
		if err := u.retrying(ctx, "POST", "/invites/"+inv.Code, map[string]any{}, nil); err != nil {
			return err
		}
		tokens[i] = reg.Token
		return nil
	})
	return tokens, err
}

// gatewayURL asks the server where its gateway is.
func (c *client) gatewayURL(ctx context.Context) (string, error) {
	var out struct {
		URL string `json:"url"`
	}
	if err := c.retrying(ctx, "GET", "/gateway", nil, &out); err != nil {
		return "", err
	}
	return out.URL, nil
}

// post sends one bench message to channel, its nonce carrying the send
// time; it reports whether the server accepted it.
func (c *client) post(ctx context.Context, channel string, n int64) error {
	body := fmt.Sprintf(`{"content":"fan-out message %d: a line of chat long enough to look like one","nonce":%q}`,
		n, benchNonce(time.Now()))
	for attempt := 0; ; attempt++ {
		status, err := c.do(ctx, "POST", "/channels/"+channel+"/messages", []byte(body), nil)
		if err != nil {
			return err
		}
		if status == http.StatusTooManyRequests && attempt < 100 {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		if status != http.StatusOK {
			return fmt.Errorf("bench: post message: status %d", status)
		}
		return nil
	}
}

// gatewayBytesMetric finds a counter of bytes the gateway wrote in the
// server's /metrics text (name ending in _bytes_total or
// _bytes_sent_total under accord_gateway_); "" if there is none.
func gatewayBytes(ctx context.Context, hc *http.Client, target string) (name string, v float64, err error) {
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimRight(target, "/")+"/metrics", nil)
	if err != nil {
		return "", 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("bench: scrape metrics: %w", err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return "", 0, err
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if !strings.HasPrefix(line, "accord_gateway_") {
			continue
		}
		end := strings.IndexAny(line, "{ ")
		if end < 0 {
			continue
		}
		n := line[:end]
		if !strings.HasSuffix(n, "_bytes_total") && !strings.HasSuffix(n, "_bytes_sent_total") {
			continue
		}
		if strings.Contains(n, "received") || strings.Contains(n, "read") || strings.Contains(n, "dropped") {
			continue
		}
		if name != "" && n != name {
			continue
		}
		name = n
		got, err := Metrics(ctx, hc, target, n)
		if err != nil {
			return "", 0, err
		}
		return n, got[n], nil
	}
	return "", 0, nil
}

// procStatus reads a process's resident set and its peak, in bytes.
func procStatus(pid int) (rss, peak int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, fmt.Errorf("bench: server status: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("bench: %s %q: %w", k, v, err)
		}
		if k == "VmRSS" {
			rss = kb << 10
		} else {
			peak = kb << 10
		}
	}
	return rss, peak, nil
}

// procCPU reads a process's CPU time: the time its threads have spent on
// a CPU (/proc/PID/task/*/schedstat, in ns), or where that is missing its
// user+system time from /proc/PID/stat (in 10 ms ticks, too coarse for
// short runs).
func procCPU(pid int) (time.Duration, error) {
	if d, err := schedCPU(pid); err == nil {
		return d, nil
	}
	return statCPU(pid)
}

// schedCPU sums the on-CPU time of pid's threads. A thread that exited
// takes its time with it; Go's runtime keeps its threads.
func schedCPU(pid int) (time.Duration, error) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0, err
	}
	var sum int64
	for _, t := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", pid, t.Name()))
		if err != nil {
			continue // the thread ended
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			return 0, fmt.Errorf("bench: empty schedstat of %d/%s", pid, t.Name())
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("bench: schedstat of %d/%s: %w", pid, t.Name(), err)
		}
		sum += ns
	}
	return time.Duration(sum), nil
}

// statCPU reads a process's user+system CPU time from /proc/PID/stat.
func statCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("bench: server stat: %w", err)
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("bench: short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bench: /proc/%d/stat times %q %q", pid, f[11], f[12])
	}
	const userHZ = 100 // USER_HZ, 100 on every Linux ABI Go supports
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}

// settledRSS waits (up to max) until the process's RSS stops moving by
// more than 1 % between readings 500 ms apart, and returns it.
func settledRSS(ctx context.Context, pid int, maxWait time.Duration) (int64, error) {
	prev, _, err := procStatus(pid)
	if err != nil {
		return 0, err
	}
	deadline := time.Now().Add(maxWait)
	for time.Now().Before(deadline) {
		select {
		case <-time.After(500 * time.Millisecond):
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		cur, _, err := procStatus(pid)
		if err != nil {
			return 0, err
		}
		d := cur - prev
		if d < 0 {
			d = -d
		}
		prev = cur
		if d*100 <= cur {
			return cur, nil
		}
	}
	return prev, nil
}

// settledRSSSum is the sum of settledRSS over pids (a cluster's nodes).
func settledRSSSum(ctx context.Context, pids []int, maxWait time.Duration) (int64, error) {
	var sum int64
	for _, pid := range pids {
		rss, err := settledRSS(ctx, pid, maxWait)
		if err != nil {
			return 0, err
		}
		sum += rss
	}
	return sum, nil
}

// goMemory reads the Go memory a server holds after forced collections:
// heap in use plus goroutine stacks, from its profiler's heap profile
// (/debug/pprof/heap?gc=1&debug=1, whose text ends with the MemStats).
// Unlike RSS it does not move with garbage not yet collected or pages not
// yet returned to the OS, so a few thousand sessions' memory stands out.
func goMemory(ctx context.Context, hc *http.Client, debugURL string) (int64, error) {
	// Two collections: the first only moves sync.Pool contents (the
	// servers' pooled buffers) to the pools' victim caches, where they
	// still count as heap in use; the second frees them. One collection
	// left a "before" reading with pooled buffers that a collection during
	// the sessions' connect freed, and 30 sessions came out negative.
	if _, err := heapInuse(ctx, hc, debugURL); err != nil {
		return 0, err
	}
	return heapInuse(ctx, hc, debugURL)
}

// heapInuse is one forced collection and reading for goMemory.
func heapInuse(ctx context.Context, hc *http.Client, debugURL string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimRight(debugURL, "/")+"/debug/pprof/heap?gc=1&debug=1", nil)
	if err != nil {
		return 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("bench: heap profile: %w", err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return 0, err
	}
	var heap, stack int64 = -1, -1
	for _, line := range strings.Split(buf.String(), "\n") {
		if v, ok := strings.CutPrefix(line, "# HeapInuse = "); ok {
			heap, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
		if v, ok := strings.CutPrefix(line, "# Stack = "); ok { // "inuse / sys"
			f := strings.Fields(v)
			if len(f) > 0 {
				stack, _ = strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	if heap < 0 || stack < 0 {
		return 0, fmt.Errorf("bench: heap profile of %s has no MemStats (status %d)", debugURL, resp.StatusCode)
	}
	return heap + stack, nil
}
