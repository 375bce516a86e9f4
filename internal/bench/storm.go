package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"
)

// StormConfig configures the storm scenario. Zero values mean defaults.
type StormConfig struct {
	// Target is the server's base URL. Required.
	Target string
	// Sessions is how many bot sessions IDENTIFY at once. Default 1000.
	Sessions int
	// Dials bounds the handshakes in flight per client process (a slot
	// is held until the session is READY). Default: Sessions, all at once,
	// the tightest storm the client can make.
	Dials int
	// PerProcess and Worker spread the sessions over client processes as
	// in FanoutConfig.
	PerProcess int
	Worker     func() *exec.Cmd
	// Restart, if set, is called after the bots are set up and before the
	// storm: it restarts the server (cold caches, as after a deploy) and
	// returns its new base URL.
	Restart func(ctx context.Context) (string, error)
	// Progress receives progress bars and phase lines; nil none.
	Progress io.Writer
}

// StormResult holds the figures of one run. The JSON keys are the contract
// of `accord bench storm --json`: sessions, ready_all_secs, errors,
// connects_per_sec and identify_spread_secs.
type StormResult struct {
	Sessions int `json:"sessions"`
	// ReadyAllSecs runs from the first dial to the last session's
	// GUILD_CREATE.
	ReadyAllSecs float64 `json:"ready_all_secs"`
	// Errors counts sessions that failed or were not ready 60 s after the
	// last progress.
	Errors int `json:"errors"`
	// ConnectsPerSec is the ready sessions over ReadyAllSecs.
	ConnectsPerSec float64 `json:"connects_per_sec"`
	// IdentifySpreadSecs is the time from the first IDENTIFY sent to the
	// last: how close together the storm came.
	IdentifySpreadSecs float64 `json:"identify_spread_secs"`

	FirstErr string `json:"-"`
}

// Storm creates a guild with Sessions bot members, optionally restarts the
// server, then opens every session at once and measures how long until all
// are READY (their GUILD_CREATE received).
func Storm(ctx context.Context, cfg StormConfig) (StormResult, error) {
	if cfg.Target == "" {
		return StormResult{}, errors.New("bench: StormConfig.Target is required")
	}
	r := newFanoutRun(FanoutConfig{Target: cfg.Target, Sessions: cfg.Sessions, PerProcess: cfg.PerProcess, Worker: cfg.Worker, Progress: cfg.Progress})
	defer r.close()
	res := StormResult{Sessions: r.cfg.Sessions}
	if cfg.Dials <= 0 {
		cfg.Dials = r.cfg.Sessions
	}
	if err := r.setup(ctx); err != nil {
		return res, err
	}
	if cfg.Restart != nil {
		target, err := cfg.Restart(ctx)
		if err != nil {
			return res, err
		}
		r.target = strings.TrimRight(target, "/")
		r.c.base = r.target + "/api/v10"
		if r.gateways[0], err = r.c.gatewayURL(ctx); err != nil {
			return res, err
		}
	}
	fmt.Fprintf(r.out, "storm: %d sessions set up; opening all at once\n", r.cfg.Sessions)
	spec := sessionSpec{Gateway: r.gateways[0], Intents: intentsFanout, LargeThreshold: r.cfg.LargeThreshold, Dials: cfg.Dials}
	t0 := time.Now()
	var err error
	if r.groups, r.local, err = openSessions(ctx, spec, r.tokens, r.cfg.PerProcess, r.cfg.Worker); err != nil {
		return res, err
	}
	p, err := waitSettled(ctx, r.groups, r.cfg.Sessions, r.cfg.Progress)
	if err != nil {
		return res, err
	}
	res.Errors = r.cfg.Sessions - p.Ready
	res.FirstErr = p.FirstErr
	if p.LastReady > 0 {
		secs := float64(p.LastReady-t0.UnixNano()) / 1e9
		res.ReadyAllSecs = round(secs, 3)
		res.ConnectsPerSec = round(float64(p.Ready)/secs, 0)
	}
	if p.FirstIdentify > 0 {
		res.IdentifySpreadSecs = round(float64(p.LastIdentify-p.FirstIdentify)/1e9, 3)
	}
	return res, nil
}

// waitSettled waits until every session is ready or failed, or none became
// ready for 60 s, and returns the progress then.
func waitSettled(ctx context.Context, groups []sessions, n int, w io.Writer) (groupProgress, error) {
	bar := StartProgress(w, "connect", int64(n))
	defer bar.Stop()
	last, lastChange := -1, time.Now()
	for {
		p := sumProgress(groups)
		bar.Add(int64(p.Ready) - bar.done.Load())
		if p.Ready+p.Failed >= n || time.Since(lastChange) > 60*time.Second {
			return p, nil
		}
		if p.Ready != last {
			last, lastChange = p.Ready, time.Now()
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return p, ctx.Err()
		}
	}
}

// String is the readable summary of a storm.
func (r StormResult) String() string {
	s := fmt.Sprintf("storm: %d sessions, all READY in %.2fs (%.0f connects/s), IDENTIFYs spread over %.2fs, %d errors",
		r.Sessions, r.ReadyAllSecs, r.ConnectsPerSec, r.IdentifySpreadSecs, r.Errors)
	if r.FirstErr != "" {
		s += "\n  first error: " + r.FirstErr
	}
	return s
}

// JSON is the --json line: exactly the contract's keys.
func (r StormResult) JSON() []byte {
	b, _ := json.Marshal(r)
	return b
}
