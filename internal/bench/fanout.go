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
	"strconv"
	"strings"
	"time"
)

// FanoutConfig configures the fan-out scenario. Zero values mean defaults.
type FanoutConfig struct {
	// Target is the server's base URL, e.g. "http://127.0.0.1:8080". Required.
	// The guild is created and the messages are posted here.
	Target string
	// Nodes are the other nodes of a cluster Target belongs to (base
	// URLs). The sessions are spread round-robin over the gateways of
	// Target and Nodes: session i connects to node i mod (1+len(Nodes)).
	Nodes []string
	// Metrics is the base URL of the server's metrics listener (`accord
	// serve --metrics-addr`), where the gateway's bytes are counted; ""
	// counts the bytes the sessions read instead.
	Metrics string
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
	// NodePIDs are a cluster's node processes: the idle RSS per session is
	// then summed over them (ServerPID, CPU and the peak stay unset).
	NodePIDs []int
	// Debug is the base URL of the server's profiler listener (`accord
	// serve --debug-addr`), for its Go memory per idle session after a
	// forced collection; "" reports none.
	Debug string
	// LargeThreshold goes into IDENTIFY. Default 250.
	LargeThreshold int
	// FreshIdle measures idle memory as soon as every session is ready,
	// its first heartbeat due after interval × jitter as Discord asks,
	// so the server still holds most sessions' READY and GUILD_CREATE for
	// a RESUME. By default each session heartbeats on its GUILD_CREATE
	// and memory is read once every heartbeat is acknowledged: the idle
	// state, which every session reaches within its first interval.
	FreshIdle bool
	// Progress receives progress bars and phase lines (stderr); nil none.
	Progress io.Writer
	// Measure, when set, is called with every session ready just before
	// the first post; the function it returns is called after the last
	// delivery. The cluster scenario reads the nodes' counters with it.
	Measure func(ctx context.Context) (done func(ctx context.Context) error, err error)
}

// FanoutResult holds the figures of one run. The JSON keys are the contract
// of `accord bench fanout --json`: exactly sessions, messages, deliveries,
// missing, deliveries_per_sec, p50_ms, p99_ms, max_ms, bytes_sent,
// rss_idle_per_session_bytes, rss_peak_bytes and server_cpu_us_per_delivery
// (`accord bench floor --json` has the same keys).
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
	// ServerCPUPerDelivery is the server process's CPU time (user +
	// system, from /proc/<pid>/stat) from the first post to the last
	// delivery over Deliveries, in µs; 0 when the server's process is not
	// known. Fanout and Floor measure it the same way.
	ServerCPUPerDelivery float64 `json:"server_cpu_us_per_delivery"`
	// GoIdlePerSession is (the server's Go heap in use + stacks with every
	// session open and idle − the same before they connected) / Sessions,
	// each read after a forced GC; only with a Debug URL. Steadier than
	// RSSIdlePerSession at small session counts, where the garbage of the
	// setup moves RSS by more than the sessions hold.
	GoIdlePerSession int64 `json:"go_idle_per_session_bytes,omitempty"`

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
// measures each delivery. On an error it returns the figures so far.
func Fanout(ctx context.Context, cfg FanoutConfig) (FanoutResult, error) {
	if cfg.Target == "" {
		return FanoutResult{}, errors.New("bench: FanoutConfig.Target is required")
	}
	r := newFanoutRun(cfg)
	defer r.close()
	for _, step := range []func(context.Context) error{r.setup, r.connect, r.measure, r.report} {
		if err := step(ctx); err != nil {
			return r.res, err
		}
	}
	return r.res, nil
}

// fanoutRun is one run of the fan-out scenario, in four steps: setup
// (the guild, its bots and the server's idle RSS), connect (the sessions),
// measure (post, then wait for the deliveries) and report (the figures).
// Each step fills in res and the state the next one needs.
type fanoutRun struct {
	cfg    FanoutConfig
	out    io.Writer // phase lines; never nil
	target string    // cfg.Target without a trailing slash
	tr     *http.Transport
	c      *client
	res    FanoutResult

	// set up by setup
	guild    benchGuild
	tokens   []string
	gateways []string // of Target, then of each of Nodes
	// set up by connect; closed by close
	groups []sessions
	local  *group
	// floor: the target is a FloorServer (no guild, any token)
	floor    bool
	goBefore int64 // the server's Go memory before the sessions (with a Debug URL)
	// set up by measure
	first     time.Time // the first post
	bytes     gatewayMeter
	serverCPU time.Duration // the server's CPU from the first post to the last delivery
}

// newFanoutRun fills in cfg's defaults.
func newFanoutRun(cfg FanoutConfig) *fanoutRun {
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
	r := &fanoutRun{cfg: cfg, out: cfg.Progress, target: strings.TrimRight(cfg.Target, "/"),
		tr:  &http.Transport{MaxConnsPerHost: 64, MaxIdleConnsPerHost: 64},
		res: FanoutResult{Sessions: cfg.Sessions, Rate: cfg.Rate}}
	if r.out == nil {
		r.out = io.Discard
	}
	r.c = &client{base: r.target + "/api/v10", token: cfg.Token, http: &http.Client{Transport: r.tr, Timeout: time.Minute}}
	return r
}

// rssPIDs are the processes whose RSS is the server's.
func (r *fanoutRun) rssPIDs() []int {
	if r.cfg.ServerPID > 0 {
		return []int{r.cfg.ServerPID}
	}
	return r.cfg.NodePIDs
}

// close closes the sessions and the REST client's connections.
func (r *fanoutRun) close() {
	for _, s := range r.groups {
		s.close()
	}
	r.tr.CloseIdleConnections()
}

// setup creates the guild and its bot members, finds the gateway and reads
// the server's RSS before any session connects.
func (r *fanoutRun) setup(ctx context.Context) error {
	t0 := time.Now()
	var err error
	if r.floor {
		r.guild = benchGuild{ID: "1300000000000000004", Channel: "1300000000000000002"}
		r.c.token = "floor"
		r.tokens = make([]string, r.cfg.Sessions)
		for i := range r.tokens {
			r.tokens[i] = "floor-" + strconv.Itoa(i)
		}
	} else {
		if r.guild, err = r.c.createGuild(ctx, "fanout"); err != nil {
			return err
		}
		bar := StartProgress(r.cfg.Progress, "setup  ", int64(r.cfg.Sessions))
		r.tokens, err = r.c.addBots(ctx, r.guild, r.cfg.Sessions, bar)
		bar.Stop()
		if err != nil {
			return err
		}
	}
	r.res.SetupSeconds = round(time.Since(t0).Seconds(), 1)
	for _, node := range append([]string{r.target}, r.cfg.Nodes...) {
		c := &client{base: strings.TrimRight(node, "/") + "/api/v10", token: r.c.token, http: r.c.http}
		gw, err := c.gatewayURL(ctx)
		if err != nil {
			return err
		}
		r.gateways = append(r.gateways, gw)
	}
	if pids := r.rssPIDs(); len(pids) > 0 {
		if r.res.RSSBefore, err = settledRSSSum(ctx, pids, 5*time.Second); err != nil {
			return err
		}
	}
	if r.cfg.Debug != "" {
		if r.goBefore, err = goMemory(ctx, r.c.http, r.cfg.Debug); err != nil {
			return err
		}
	}
	return nil
}

// connect opens every session, waits until all are ready and reads the
// server's RSS with them idle.
func (r *fanoutRun) connect(ctx context.Context) error {
	t0 := time.Now()
	settle := !r.cfg.FreshIdle && !r.floor // the floor keeps no history and never reads a heartbeat
	spec := sessionSpec{Gateway: r.gateways[0], Intents: intentsFanout, LargeThreshold: r.cfg.LargeThreshold, BeatOnReady: settle}
	if len(r.gateways) > 1 {
		spec.Gateways = make([]string, len(r.tokens))
		for i := range spec.Gateways {
			spec.Gateways[i] = r.gateways[i%len(r.gateways)]
		}
	}
	var err error
	if r.groups, r.local, err = openSessions(ctx, spec, r.tokens, r.cfg.PerProcess, r.cfg.Worker); err != nil {
		return err
	}
	r.res.Processes = len(r.groups)
	if err := waitReady(ctx, r.groups, r.cfg.Sessions, r.cfg.Progress); err != nil {
		return err
	}
	r.res.ConnectSeconds = round(time.Since(t0).Seconds(), 1)
	if settle {
		if err := waitAcked(ctx, r.groups, r.cfg.Sessions, r.cfg.Progress); err != nil {
			return err
		}
	}
	if pids := r.rssPIDs(); len(pids) > 0 {
		if r.res.RSSIdle, err = settledRSSSum(ctx, pids, 10*time.Second); err != nil {
			return err
		}
		r.res.RSSIdlePerSession = (r.res.RSSIdle - r.res.RSSBefore) / int64(r.cfg.Sessions)
	}
	if r.cfg.Debug != "" {
		after, err := goMemory(ctx, r.c.http, r.cfg.Debug)
		if err != nil {
			return err
		}
		r.res.GoIdlePerSession = (after - r.goBefore) / int64(r.cfg.Sessions)
	}
	return nil
}

// measure posts for Duration, waits for the deliveries to end and takes
// the CPU both processes spent and the server's peak RSS.
func (r *fanoutRun) measure(ctx context.Context) error {
	var err error
	if r.bytes, err = startGatewayMeter(ctx, r.c.http, r.cfg.Metrics, r.groups); err != nil {
		return err
	}
	var cpuBefore time.Duration
	if r.cfg.ServerPID > 0 {
		if cpuBefore, err = procCPU(r.cfg.ServerPID); err != nil {
			return err
		}
	}
	selfBefore, _ := procCPU(os.Getpid())
	done := func(context.Context) error { return nil }
	if r.cfg.Measure != nil {
		if done, err = r.cfg.Measure(ctx); err != nil {
			return err
		}
	}
	fmt.Fprintf(r.out, "fanout: %d sessions ready in %.1fs over %d process(es); posting for %s at %s\n",
		r.cfg.Sessions, r.res.ConnectSeconds, len(r.groups), r.cfg.Duration, rateString(r.cfg.Rate))
	r.first = time.Now()
	r.post(ctx)
	if err := r.waitDeliveries(ctx); err != nil {
		return err
	}
	if err := done(ctx); err != nil {
		return err
	}
	if self, err := procCPU(os.Getpid()); err == nil {
		r.res.ClientCPU = round((self - selfBefore).Seconds(), 2)
	}
	if r.cfg.ServerPID > 0 {
		cpu, err := procCPU(r.cfg.ServerPID)
		if err != nil {
			return err
		}
		r.serverCPU = cpu - cpuBefore
		r.res.ServerCPU = round(r.serverCPU.Seconds(), 2)
		if _, r.res.RSSPeak, err = procStatus(r.cfg.ServerPID); err != nil {
			return err
		}
	}
	return nil
}

// post runs the poster for Duration under a progress bar.
func (r *fanoutRun) post(ctx context.Context) {
	p := poster{c: r.c, channel: r.guild.Channel, local: r.local, window: int64(r.cfg.Window)}
	bar := StartProgress(r.cfg.Progress, "post   ", int64(r.cfg.Duration/(100*time.Millisecond)))
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
	if r.cfg.Rate > 0 {
		p.atRate(ctx, r.cfg.Rate, r.cfg.Duration)
	} else {
		p.saturate(ctx, r.cfg.Duration)
	}
	close(stopBar)
	bar.Stop()
	r.res.Messages, r.res.PostErrors = p.sent.Load(), p.failed.Load()
}

// waitDeliveries waits for the deliveries to end: all there, or none for 5 s.
func (r *fanoutRun) waitDeliveries(ctx context.Context) error {
	want := r.res.Messages * int64(r.cfg.Sessions)
	last, lastChange := int64(-1), time.Now()
	for {
		d := sumProgress(r.groups).Deliveries
		if d != last {
			last, lastChange = d, time.Now()
		}
		if d >= want || time.Since(lastChange) > 5*time.Second {
			return nil
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// report collects every group's figures into res: deliveries, latencies
// and the gateway bytes.
func (r *fanoutRun) report(ctx context.Context) error {
	res := &r.res
	lat := latencies{}
	var lastDelivery, maxNs, clientBytes int64
	for _, s := range r.groups {
		st, err := s.collect(ctx, res.Messages)
		if err != nil {
			return err
		}
		res.Deliveries += st.Deliveries
		res.Missing += st.Missing
		clientBytes += st.Bytes
		lastDelivery = max(lastDelivery, st.LastDelivery)
		maxNs = max(maxNs, st.MaxNs)
		lat.add(st.Hist)
		if st.Failed > 0 {
			fmt.Fprintf(r.out, "fanout: %d sessions failed during the run: %s\n", st.Failed, st.FirstErr)
		}
	}
	if lastDelivery > 0 {
		secs := float64(lastDelivery-r.first.UnixNano()) / 1e9
		res.Seconds = round(secs, 3)
		res.DeliveriesPerSec = round(float64(res.Deliveries)/secs, 0)
	}
	// A histogram percentile is its bucket's midpoint, which can lie above
	// the largest latency measured; no percentile exceeds the maximum.
	res.MaxMs = round(float64(maxNs)/1e6, 3)
	if r.cfg.ServerPID > 0 && res.Deliveries > 0 {
		res.ServerCPUPerDelivery = round(float64(r.serverCPU.Microseconds())/float64(res.Deliveries), 3)
	}
	res.P50ms = min(round(lat.percentile(0.50), 3), res.MaxMs)
	res.P99ms = min(round(lat.percentile(0.99), 3), res.MaxMs)
	var err error
	res.BytesSent, res.BytesSource, err = r.bytes.stop(ctx, clientBytes)
	return err
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
	if r.GoIdlePerSession != 0 {
		fmt.Fprintf(&b, "  server Go   %d B/session idle (heap in use + stacks after a forced GC)\n", r.GoIdlePerSession)
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
