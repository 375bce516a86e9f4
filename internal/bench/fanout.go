package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// FanoutConfig configures the fan-out scenario. Zero values mean defaults.
type FanoutConfig struct {
	// Target is the server's base URL, e.g. "http://127.0.0.1:8080". Required.
	Target string
	// Token is an existing user's token to set up and post as; empty
	// registers a fresh user.
	Token string
	// Sessions is how many gateway sessions (bots, each its own member of
	// the guild) receive the messages. Default 1000.
	Sessions int
	// Rate is messages per second; 0 posts as fast as the server delivers,
	// keeping at most Window messages ahead of the slowest probe session.
	Rate float64
	// Duration is how long the poster posts. Default 10 s.
	Duration time.Duration
	// Window bounds, at Rate 0, how many messages may be posted and not yet
	// delivered to every probe session. Default 64 (at most ~55 KB queued per
	// session, far below the server's slow-consumer bound).
	Window int
	// PerProcess is how many sessions one client process opens (each is
	// an open file). Default: the open-files limit less 512.
	PerProcess int
	// Worker makes the command of one more client process (`accord bench
	// fanout-worker`); nil keeps every session in this process, and then
	// Sessions must fit in PerProcess.
	Worker func() *exec.Cmd
	// ServerPID is the server's process, for its RSS; 0 reports none.
	ServerPID int
	// LargeThreshold goes into IDENTIFY. Default 250.
	LargeThreshold int
	// Progress receives progress bars and phase lines (stderr); nil none.
	Progress io.Writer
}

// FanoutResult holds the figures of one run. The JSON keys are the contract
// of `accord bench fanout --json`: exactly sessions, messages, deliveries,
// missing, deliveries_per_sec, p50_ms, p99_ms, max_ms, bytes_sent,
// rss_idle_per_session_bytes and rss_peak_bytes.
type FanoutResult struct {
	Sessions int   `json:"sessions"`
	Messages int64 `json:"messages"` // messages the server acknowledged
	// Deliveries counts MESSAGE_CREATEs of those messages received by
	// the sessions; Missing is how many each session lacked, summed.
	Deliveries int64 `json:"deliveries"`
	Missing    int64 `json:"missing"`
	// DeliveriesPerSec is Deliveries over the time from the first post to
	// the last delivery.
	DeliveriesPerSec float64 `json:"deliveries_per_sec"`
	// Latencies run from just before the POST to the session's read of
	// the frame.
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
	// BytesSent is what the gateway wrote while the messages flowed: the
	// server's own counter if it exports one, else the bytes the sessions
	// read (BytesSource says which).
	BytesSent int64 `json:"bytes_sent"`
	// RSSIdlePerSession is (server RSS with every session open and idle −
	// RSS before they connected) / Sessions.
	RSSIdlePerSession int64 `json:"rss_idle_per_session_bytes"`
	// RSSPeak is the server's peak RSS (VmHWM) at the end.
	RSSPeak int64 `json:"rss_peak_bytes"`

	Rate           float64 `json:"-"`
	Seconds        float64 `json:"-"` // first post to last delivery
	SetupSeconds   float64 `json:"-"`
	ConnectSeconds float64 `json:"-"`
	Processes      int     `json:"-"`
	PostErrors     int64   `json:"-"`
	BytesSource    string  `json:"-"`
	RSSBefore      int64   `json:"-"`
	RSSIdle        int64   `json:"-"`
	ServerCPU      float64 `json:"-"` // seconds of server CPU while the messages flowed
	ClientCPU      float64 `json:"-"` // the same for this process (workers not included)
}

// Fanout creates a guild with Sessions bot members, opens a gateway
// session for each (spread over client processes as the open-files cap
// requires), then has one poster send messages at Rate for Duration and
// measures each delivery.
func Fanout(ctx context.Context, cfg FanoutConfig) (FanoutResult, error) {
	if cfg.Target == "" {
		return FanoutResult{}, errors.New("bench: FanoutConfig.Target is required")
	}
	if cfg.Sessions <= 0 {
		cfg.Sessions = 1000
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Window <= 0 {
		cfg.Window = 64
	}
	if cfg.PerProcess <= 0 {
		cfg.PerProcess = defaultPerProcess()
	}
	if cfg.LargeThreshold <= 0 {
		cfg.LargeThreshold = 250
	}
	out := cfg.Progress
	if out == nil {
		out = io.Discard
	}
	target := strings.TrimRight(cfg.Target, "/")
	tr := &http.Transport{MaxConnsPerHost: 64, MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	c := &client{base: target + "/api/v10", token: cfg.Token, http: &http.Client{Transport: tr, Timeout: time.Minute}}
	res := FanoutResult{Sessions: cfg.Sessions, Rate: cfg.Rate}

	t0 := time.Now()
	g, err := c.createGuild(ctx, "fanout")
	if err != nil {
		return res, err
	}
	bar := StartProgress(cfg.Progress, "setup  ", int64(cfg.Sessions))
	tokens, err := c.addBots(ctx, g, cfg.Sessions, bar)
	bar.Stop()
	if err != nil {
		return res, err
	}
	res.SetupSeconds = round(time.Since(t0).Seconds(), 1)
	gw, err := c.gatewayURL(ctx)
	if err != nil {
		return res, err
	}
	if cfg.ServerPID > 0 {
		if res.RSSBefore, err = settledRSS(ctx, cfg.ServerPID, 5*time.Second); err != nil {
			return res, err
		}
	}

	t0 = time.Now()
	spec := sessionSpec{Gateway: gw, Intents: intentsFanout, LargeThreshold: cfg.LargeThreshold}
	groups, local, err := openSessions(ctx, spec, tokens, cfg.PerProcess, cfg.Worker)
	if err != nil {
		return res, err
	}
	defer func() {
		for _, s := range groups {
			s.close()
		}
	}()
	res.Processes = len(groups)
	if err := waitReady(ctx, groups, cfg.Sessions, cfg.Progress); err != nil {
		return res, err
	}
	res.ConnectSeconds = round(time.Since(t0).Seconds(), 1)
	if cfg.ServerPID > 0 {
		if res.RSSIdle, err = settledRSS(ctx, cfg.ServerPID, 10*time.Second); err != nil {
			return res, err
		}
		res.RSSIdlePerSession = (res.RSSIdle - res.RSSBefore) / int64(cfg.Sessions)
	}

	// Post.
	metric, bytesBefore, err := gatewayBytes(ctx, c.http, target)
	if err != nil {
		return res, err
	}
	clientBytesBefore := sumProgress(groups).Bytes
	var cpuBefore time.Duration
	if cfg.ServerPID > 0 {
		if cpuBefore, err = procCPU(cfg.ServerPID); err != nil {
			return res, err
		}
	}
	selfBefore, _ := procCPU(os.Getpid())
	fmt.Fprintf(out, "fanout: %d sessions ready in %.1fs over %d process(es); posting for %s at %s\n",
		cfg.Sessions, res.ConnectSeconds, len(groups), cfg.Duration, rateString(cfg.Rate))
	p := poster{c: c, channel: g.Channel, local: local, window: int64(cfg.Window)}
	first := time.Now()
	bar = StartProgress(cfg.Progress, "post   ", int64(cfg.Duration/(100*time.Millisecond)))
	stopBar := make(chan struct{})
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stopBar:
				return
			case <-t.C:
				bar.Add(1)
			}
		}
	}()
	if cfg.Rate > 0 {
		p.atRate(ctx, cfg.Rate, cfg.Duration)
	} else {
		p.saturate(ctx, cfg.Duration)
	}
	close(stopBar)
	bar.Stop()
	res.Messages, res.PostErrors = p.sent.Load(), p.failed.Load()

	// Wait for the deliveries to end: all there, or none for 5 s.
	want := res.Messages * int64(cfg.Sessions)
	last, lastChange := int64(-1), time.Now()
	for {
		d := sumProgress(groups).Deliveries
		if d != last {
			last, lastChange = d, time.Now()
		}
		if d >= want || time.Since(lastChange) > 5*time.Second {
			break
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
	if self, err := procCPU(os.Getpid()); err == nil {
		res.ClientCPU = round((self - selfBefore).Seconds(), 2)
	}
	if cfg.ServerPID > 0 {
		cpu, err := procCPU(cfg.ServerPID)
		if err != nil {
			return res, err
		}
		res.ServerCPU = round((cpu - cpuBefore).Seconds(), 2)
		if _, res.RSSPeak, err = procStatus(cfg.ServerPID); err != nil {
			return res, err
		}
	}
	lat := latencies{}
	var lastDelivery, maxNs, clientBytes int64
	for _, s := range groups {
		st, err := s.collect(ctx, res.Messages)
		if err != nil {
			return res, err
		}
		res.Deliveries += st.Deliveries
		res.Missing += st.Missing
		clientBytes += st.Bytes
		lastDelivery = max(lastDelivery, st.LastDelivery)
		maxNs = max(maxNs, st.MaxNs)
		lat.add(st.Hist)
		if st.Failed > 0 {
			fmt.Fprintf(out, "fanout: %d sessions failed during the run: %s\n", st.Failed, st.FirstErr)
		}
	}
	if lastDelivery > 0 {
		res.Seconds = round(float64(lastDelivery-first.UnixNano())/1e9, 3)
		res.DeliveriesPerSec = round(float64(res.Deliveries)/(float64(lastDelivery-first.UnixNano())/1e9), 0)
	}
	res.P50ms = round(lat.percentile(0.50), 3)
	res.P99ms = round(lat.percentile(0.99), 3)
	res.MaxMs = round(float64(maxNs)/1e6, 3)
	if metric != "" {
		_, after, err := gatewayBytes(ctx, c.http, target)
		if err != nil {
			return res, err
		}
		res.BytesSent, res.BytesSource = int64(after-bytesBefore), "server "+metric
	} else {
		res.BytesSent, res.BytesSource = clientBytes-clientBytesBefore, "read by the sessions"
	}
	return res, nil
}

// intentsFanout is GUILDS | GUILD_MESSAGES | MESSAGE_CONTENT.
const intentsFanout = 1 | 1<<9 | 1<<15

func rateString(r float64) string {
	if r <= 0 {
		return "the server's pace"
	}
	return fmt.Sprintf("%g msg/s", r)
}

// defaultPerProcess is how many client sockets one process may hold: its
// open-files limit less room for everything else.
func defaultPerProcess() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur < 1024 {
		return 512
	}
	return int(min(lim.Cur, 1<<20)) - 512
}

// openSessions opens one session per token: up to perProcess in this
// process (the first, with the probes), the rest in worker processes of
// perProcess each.
func openSessions(ctx context.Context, spec sessionSpec, tokens []string, perProcess int, worker func() *exec.Cmd) ([]sessions, *group, error) {
	n := len(tokens)
	if n > perProcess && worker == nil {
		return nil, nil, fmt.Errorf("bench: %d sessions need %d client processes and no worker command was given", n, (n+perProcess-1)/perProcess)
	}
	share := func(spec sessionSpec, lo, hi int) sessionSpec {
		spec.Tokens = tokens[lo:hi]
		if spec.Subscribe != nil {
			spec.Subscribe = spec.Subscribe[lo:hi]
		}
		return spec
	}
	localSpec := share(spec, 0, min(n, perProcess))
	localSpec.Probes = min(64, len(localSpec.Tokens))
	local := openGroup(ctx, localSpec)
	groups := []sessions{local}
	for lo := perProcess; lo < n; lo += perProcess {
		r, err := startRemote(worker(), share(spec, lo, min(n, lo+perProcess)))
		if err != nil {
			for _, s := range groups {
				s.close()
			}
			return nil, nil, err
		}
		groups = append(groups, r)
	}
	return groups, local, nil
}

func sumProgress(groups []sessions) groupProgress {
	var t groupProgress
	for _, s := range groups {
		p := s.progress()
		t.Opened += p.Opened
		t.Ready += p.Ready
		t.Failed += p.Failed
		t.Deliveries += p.Deliveries
		t.Bytes += p.Bytes
		if t.FirstErr == "" {
			t.FirstErr = p.FirstErr
		}
	}
	return t
}

// waitReady shows a progress bar until every session is ready, and fails
// if any failed or no session became ready for 60 s.
func waitReady(ctx context.Context, groups []sessions, n int, w io.Writer) error {
	bar := StartProgress(w, "connect", int64(n))
	defer bar.Stop()
	last, lastChange := -1, time.Now()
	for {
		p := sumProgress(groups)
		bar.Add(int64(p.Ready) - bar.done.Load())
		if p.Failed > 0 {
			return fmt.Errorf("bench: %d of %d sessions failed: %s", p.Failed, n, p.FirstErr)
		}
		if p.Ready >= n {
			return nil
		}
		if p.Ready != last {
			last, lastChange = p.Ready, time.Now()
		}
		if time.Since(lastChange) > 60*time.Second {
			return fmt.Errorf("bench: only %d of %d sessions ready (%d opened) after 60 s without progress", p.Ready, n, p.Opened)
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// poster sends the bench messages.
type poster struct {
	c       *client
	channel string
	local   *group // whose probes pace saturate
	window  int64

	started, sent, failed atomic.Int64
}

func (p *poster) postOne(ctx context.Context) {
	n := p.started.Add(1)
	if err := p.c.post(ctx, p.channel, n); err != nil {
		p.failed.Add(1)
		return
	}
	p.sent.Add(1)
}

// atRate posts rate messages per second for d, each from its own goroutine
// so a slow answer does not delay the next.
func (p *poster) atRate(ctx context.Context, rate float64, d time.Duration) {
	every := time.Duration(float64(time.Second) / rate)
	end := time.Now().Add(d)
	sem := make(chan struct{}, 256)
	var wg sync.WaitGroup
	next := time.Now()
	for next.Before(end) && ctx.Err() == nil {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			p.postOne(ctx)
		}()
		next = next.Add(every)
		if w := time.Until(next); w > 0 {
			select {
			case <-time.After(w):
			case <-ctx.Done():
			}
		}
	}
	wg.Wait()
}

// saturate posts for d from a few goroutines, as fast as the server
// delivers: a message is posted only while fewer than window posted
// messages are missing at the slowest probe session, so the server's
// send queues stay bounded (no slow-consumer disconnects) and full.
func (p *poster) saturate(ctx context.Context, d time.Duration) {
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) && ctx.Err() == nil {
				if p.started.Load()-p.failed.Load()-p.local.probeMin() >= p.window {
					select {
					case <-p.local.notify:
					case <-time.After(20 * time.Millisecond):
					case <-ctx.Done():
					}
					continue
				}
				p.postOne(ctx)
			}
		}()
	}
	wg.Wait()
}

// String is the readable summary of a fan-out run.
func (r FanoutResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fanout: %d sessions (%d client process(es)), %d messages at %s (%d post errors)\n",
		r.Sessions, r.Processes, r.Messages, rateString(r.Rate), r.PostErrors)
	fmt.Fprintf(&b, "  deliveries  %d in %.2fs = %.0f/s, %d missing\n", r.Deliveries, r.Seconds, r.DeliveriesPerSec, r.Missing)
	fmt.Fprintf(&b, "  latency     p50 %.2f ms, p99 %.2f ms, max %.2f ms (POST to the session's read)\n", r.P50ms, r.P99ms, r.MaxMs)
	fmt.Fprintf(&b, "  bytes sent  %d (%s)\n", r.BytesSent, r.BytesSource)
	if r.RSSIdle > 0 {
		fmt.Fprintf(&b, "  server RSS  %.1f MiB before sessions, %.1f MiB with all idle = %d B/session; peak %.1f MiB\n",
			mib(r.RSSBefore), mib(r.RSSIdle), r.RSSIdlePerSession, mib(r.RSSPeak))
	}
	if r.Deliveries > 0 {
		fmt.Fprintf(&b, "  CPU         server %.2f s (%.2f µs/delivery), bench process %.2f s (%.2f µs/delivery), from the first post to the last delivery\n",
			r.ServerCPU, r.ServerCPU*1e6/float64(r.Deliveries), r.ClientCPU, r.ClientCPU*1e6/float64(r.Deliveries))
	}
	fmt.Fprintf(&b, "  setup %.1fs, connect %.1fs", r.SetupSeconds, r.ConnectSeconds)
	return b.String()
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// JSON is the --json line: exactly the contract's keys.
func (r FanoutResult) JSON() []byte {
	b, _ := json.Marshal(r)
	return b
}
