package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os/exec"
	"strings"
	"time"
)

// PassiveServer is one server the passive scenario runs against.
type PassiveServer struct {
	Target  string // base URL
	Metrics string // its metrics listener's base URL ("": count the bytes the sessions read)
	PID     int    // for CPU; 0 reports none
	Stop    func() // stops it (keeping its data for the next one)
}

// PassiveConfig configures the passive scenario. Zero values mean defaults.
type PassiveConfig struct {
	// Start starts a server with passive sessions on or off. Both servers
	// must share their data (the second one finds the users and guild the
	// first run created). Required.
	Start func(ctx context.Context, passive bool) (PassiveServer, error)
	// Sessions is how many user sessions connect to the one guild. Default
	// 1000; it must exceed LargeThreshold for the guild to be large.
	Sessions int
	// ActiveShare is the share of sessions that subscribe with op 14 (as
	// a client with the guild open does). Default 0.1.
	ActiveShare float64
	// Rate and Duration are the poster's messages per second and how long
	// it posts. Defaults 5 and 10 s.
	Rate     float64
	Duration time.Duration
	// Settle is how long the sessions keep listening after the last post,
	// so the passive sessions' periodic update is counted. Default 6 s
	// (the server's default PASSIVE_UPDATE_V1 interval is 5 s).
	Settle time.Duration
	// LargeThreshold goes into IDENTIFY. Default 250 (Discord's maximum).
	LargeThreshold int
	// PerProcess and Worker spread the sessions over client processes, as
	// in FanoutConfig.
	PerProcess int
	Worker     func() *exec.Cmd
	// Progress receives progress bars and phase lines (stderr); nil none.
	Progress io.Writer
}

// PassiveResult holds the figures. The JSON keys sessions,
// bytes_passive_on and bytes_passive_off are the contract of `accord bench
// passive --json`; the others are extra.
type PassiveResult struct {
	Sessions        int   `json:"sessions"`
	BytesPassiveOn  int64 `json:"bytes_passive_on"`
	BytesPassiveOff int64 `json:"bytes_passive_off"`
	// Reduction is 1 − on/off, in percent.
	ReductionPct  float64 `json:"bytes_reduction_pct"`
	CPUPassiveOn  float64 `json:"cpu_passive_on_s"`
	CPUPassiveOff float64 `json:"cpu_passive_off_s"`
	Active        int     `json:"active_sessions"`
	// Messages posted, MESSAGE_CREATEs received and PASSIVE_UPDATE_V1s
	// received in each run.
	MessagesOn        int64 `json:"messages_passive_on"`
	MessagesOff       int64 `json:"messages_passive_off"`
	DeliveriesOn      int64 `json:"deliveries_passive_on"`
	DeliveriesOff     int64 `json:"deliveries_passive_off"`
	PassiveUpdatesOn  int64 `json:"passive_updates_on"`
	PassiveUpdatesOff int64 `json:"passive_updates_off"`

	BytesSource  string  `json:"-"`
	SetupSeconds float64 `json:"-"`
}

// passiveRun is one server's figures.
type passiveRun struct {
	bytes, messages, deliveries, updates int64
	cpu                                  float64
	source                               string
}

// Passive runs the same workload against a server with passive sessions
// on and then one with them off: Sessions user sessions in one guild, the
// first ActiveShare of them subscribed with op 14, a poster at Rate for
// Duration; it measures the gateway bytes and server CPU of each.
func Passive(ctx context.Context, cfg PassiveConfig) (PassiveResult, error) {
	if cfg.Start == nil {
		return PassiveResult{}, errors.New("bench: PassiveConfig.Start is required")
	}
	if cfg.Sessions <= 0 {
		cfg.Sessions = 1000
	}
	if cfg.ActiveShare <= 0 {
		cfg.ActiveShare = 0.1
	}
	if cfg.Rate <= 0 {
		cfg.Rate = 5
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 6 * time.Second
	}
	if cfg.LargeThreshold <= 0 {
		cfg.LargeThreshold = 250
	}
	if cfg.PerProcess <= 0 {
		cfg.PerProcess = defaultPerProcess()
	}
	if cfg.Sessions <= cfg.LargeThreshold {
		return PassiveResult{}, fmt.Errorf("bench: %d sessions do not make a guild larger than large_threshold %d", cfg.Sessions, cfg.LargeThreshold)
	}
	res := PassiveResult{Sessions: cfg.Sessions, Active: int(math.Ceil(cfg.ActiveShare * float64(cfg.Sessions)))}
	var st passiveState
	for _, on := range []bool{true, false} {
		run, err := st.run(ctx, cfg, on, res.Active)
		if err != nil {
			return res, fmt.Errorf("passive=%v: %w", on, err)
		}
		res.BytesSource = run.source
		if on {
			res.BytesPassiveOn, res.CPUPassiveOn, res.MessagesOn, res.DeliveriesOn, res.PassiveUpdatesOn =
				run.bytes, run.cpu, run.messages, run.deliveries, run.updates
		} else {
			res.BytesPassiveOff, res.CPUPassiveOff, res.MessagesOff, res.DeliveriesOff, res.PassiveUpdatesOff =
				run.bytes, run.cpu, run.messages, run.deliveries, run.updates
		}
	}
	res.SetupSeconds = st.setupSeconds
	if res.BytesPassiveOff > 0 {
		res.ReductionPct = round(100*(1-float64(res.BytesPassiveOn)/float64(res.BytesPassiveOff)), 1)
	}
	return res, nil
}

// passiveState is what the first run sets up and the second reuses.
type passiveState struct {
	owner        string // the poster's token
	guild        benchGuild
	tokens       []string
	setupSeconds float64
}

// run runs the workload against a server with passive sessions on or off.
func (st *passiveState) run(ctx context.Context, cfg PassiveConfig, passive bool, active int) (passiveRun, error) {
	out := cfg.Progress
	if out == nil {
		out = io.Discard
	}
	srv, err := cfg.Start(ctx, passive)
	if err != nil {
		return passiveRun{}, err
	}
	defer srv.Stop()
	target := strings.TrimRight(srv.Target, "/")
	tr := &http.Transport{MaxConnsPerHost: 64, MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	c := &client{base: target + "/api/v10", token: st.owner, http: &http.Client{Transport: tr, Timeout: time.Minute}}
	if err := st.setup(ctx, c, cfg); err != nil {
		return passiveRun{}, err
	}
	groups, err := st.connect(ctx, c, cfg, active)
	if err != nil {
		return passiveRun{}, err
	}
	defer func() {
		for _, s := range groups {
			s.close()
		}
	}()

	meter, err := startGatewayMeter(ctx, c.http, srv.Metrics, groups)
	if err != nil {
		return passiveRun{}, err
	}
	var cpuBefore time.Duration
	if srv.PID > 0 {
		if cpuBefore, err = procCPU(srv.PID); err != nil {
			return passiveRun{}, err
		}
	}
	fmt.Fprintf(out, "passive=%v: %d sessions ready (%d subscribed with op 14); posting %g msg/s for %s, then listening %s\n",
		passive, len(st.tokens), active, cfg.Rate, cfg.Duration, cfg.Settle)
	p := st.post(ctx, c, cfg, passive)
	if ctx.Err() != nil {
		return passiveRun{}, ctx.Err()
	}
	run := passiveRun{messages: p.sent.Load()}
	if srv.PID > 0 {
		cpu, err := procCPU(srv.PID)
		if err != nil {
			return passiveRun{}, err
		}
		run.cpu = round((cpu - cpuBefore).Seconds(), 2)
	}
	var clientBytes int64
	for _, s := range groups {
		gs, err := s.collect(ctx, run.messages)
		if err != nil {
			return passiveRun{}, err
		}
		run.deliveries += gs.Deliveries
		run.updates += gs.PassiveUpdates
		clientBytes += gs.Bytes
		if gs.Failed > 0 {
			return passiveRun{}, fmt.Errorf("bench: %d sessions failed during the run: %s", gs.Failed, gs.FirstErr)
		}
	}
	if run.bytes, run.source, err = meter.stop(ctx, clientBytes); err != nil {
		return passiveRun{}, err
	}
	if p.failed.Load() > 0 {
		return passiveRun{}, fmt.Errorf("bench: %d posts failed", p.failed.Load())
	}
	return run, nil
}

// setup creates the guild and registers its users, on the first run only
// (the second server shares the first one's data).
func (st *passiveState) setup(ctx context.Context, c *client, cfg PassiveConfig) error {
	if st.tokens != nil {
		return nil
	}
	t0 := time.Now()
	var err error
	if st.guild, err = c.createGuild(ctx, "passive"); err != nil {
		return err
	}
	st.owner = c.token
	bar := StartProgress(cfg.Progress, "users  ", int64(cfg.Sessions))
	st.tokens, err = c.addUsers(ctx, st.guild, cfg.Sessions, bar)
	bar.Stop()
	if err != nil {
		st.tokens = nil
		return err
	}
	st.setupSeconds = round(time.Since(t0).Seconds(), 1)
	return nil
}

// connect opens every user's session, the first active of them
// subscribed with op 14, and waits until all are ready.
func (st *passiveState) connect(ctx context.Context, c *client, cfg PassiveConfig, active int) ([]sessions, error) {
	gw, err := c.gatewayURL(ctx)
	if err != nil {
		return nil, err
	}
	sub := make([]bool, len(st.tokens))
	for i := range active {
		sub[i] = true
	}
	spec := sessionSpec{Gateway: gw, Intents: intentsFanout, LargeThreshold: cfg.LargeThreshold,
		Subscribe: sub, GuildID: st.guild.ID, ChannelID: st.guild.Channel}
	groups, _, err := openSessions(ctx, spec, st.tokens, cfg.PerProcess, cfg.Worker)
	if err != nil {
		return nil, err
	}
	err = waitReady(ctx, groups, len(st.tokens), cfg.Progress)
	if err == nil {
		// Let the server take in the op 14s (sent as each GUILD_CREATE
		// arrived) before the workload starts.
		err = sleepCtx(ctx, time.Second)
	}
	if err != nil {
		for _, s := range groups {
			s.close()
		}
		return nil, err
	}
	return groups, nil
}

// post posts at Rate for Duration and keeps listening for Settle, under a
// progress bar.
func (st *passiveState) post(ctx context.Context, c *client, cfg PassiveConfig, passive bool) *poster {
	label := "on     "
	if !passive {
		label = "off    "
	}
	total := cfg.Duration + cfg.Settle
	bar := StartProgress(cfg.Progress, label, int64(total/(100*time.Millisecond)))
	p := &poster{c: c, channel: st.guild.Channel}
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.atRate(ctx, cfg.Rate, cfg.Duration)
	}()
	t := time.NewTicker(100 * time.Millisecond)
	for i := 0; i < int(total/(100*time.Millisecond)) && ctx.Err() == nil; i++ {
		<-t.C
		bar.Add(1)
	}
	t.Stop()
	<-done
	bar.Stop()
	return p
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// String is the readable summary of a passive run.
func (r PassiveResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "passive: %d user sessions in one guild, %d subscribed (op 14), the rest passive\n", r.Sessions, r.Active)
	fmt.Fprintf(&b, "  passive on   %d bytes, %.2f s server CPU; %d messages, %d MESSAGE_CREATEs, %d PASSIVE_UPDATE_V1s\n",
		r.BytesPassiveOn, r.CPUPassiveOn, r.MessagesOn, r.DeliveriesOn, r.PassiveUpdatesOn)
	fmt.Fprintf(&b, "  passive off  %d bytes, %.2f s server CPU; %d messages, %d MESSAGE_CREATEs, %d PASSIVE_UPDATE_V1s\n",
		r.BytesPassiveOff, r.CPUPassiveOff, r.MessagesOff, r.DeliveriesOff, r.PassiveUpdatesOff)
	fmt.Fprintf(&b, "  %.1f%% fewer gateway bytes with passive sessions (bytes %s); user setup %.1fs", r.ReductionPct, r.BytesSource, r.SetupSeconds)
	return b.String()
}

// JSON is the --json line.
func (r PassiveResult) JSON() []byte {
	b, _ := json.Marshal(r)
	return b
}
