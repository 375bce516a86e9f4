package bench

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// The regression guard: figures of the fan-out, ingest and herd scenarios
// turned into ratios against the floor scenarios measured in the same run
// (absolute times vary too much between machines and with their load),
// compared with a committed baseline of the same ratios.

// GuardRuns are the --json results one guard run collected, by scenario.
type GuardRuns struct {
	Floor       FanoutResult
	Fanout      FanoutResult
	Ingest      IngestResult
	IngestFloor IngestResult
	Herd        HerdResult
}

// GuardFigures are the guarded figures: each is "lower is better".
type GuardFigures map[string]float64

// guardExplain says what each guarded figure is, for the report.
var guardExplain = map[string]string{
	"fanout_cpu_vs_floor":     "fanout server CPU per delivery / floor's",
	"fanout_p99_vs_floor":     "fanout p99 delivery latency / floor's",
	"ingest_rate_floor_vs":    "ingest floor msgs/s / Accord's ingest msgs/s",
	"ingest_p99_vs_mean":      "ingest p99 / its mean latency by Little's law (clients / msgs per s): the tail",
	"herd_p99_vs_floor":       "herd p99 (ms) / fan-out floor's server CPU per delivery (µs): the box's speed at socket writes",
	"idle_bytes_per_session":  "server Go memory (heap + stacks after GC) per idle session, bytes; absolute: it does not vary with machine speed",
	"idle_bytes_vs_8kib_goal": "the same / the 8 KiB goal",
}

// Figures computes the guarded figures of runs.
func (r GuardRuns) Figures() (GuardFigures, error) {
	div := func(name string, a, b float64) (float64, error) {
		if b <= 0 || a < 0 || math.IsNaN(a) {
			return 0, fmt.Errorf("bench guard: %s: cannot divide %g by %g", name, a, b)
		}
		return round(a/b, 3), nil
	}
	f := GuardFigures{}
	var err error
	for _, c := range []struct {
		name string
		a, b float64
	}{
		{"fanout_cpu_vs_floor", r.Fanout.ServerCPUPerDelivery, r.Floor.ServerCPUPerDelivery},
		{"fanout_p99_vs_floor", r.Fanout.P99ms, r.Floor.P99ms},
		{"ingest_rate_floor_vs", r.IngestFloor.MsgsPerSec, r.Ingest.MsgsPerSec},
		// The floor's p99 is a millisecond or two on a quiet box and
		// many times that on a loaded one, so a ratio to it moved by 2x
		// between machines. p99 over the mean latency (Little's law: the
		// posters over the rate) is the tail alone, within 3 % across
		// quiet and loaded runs; the rate figure above guards the mean.
		{"ingest_p99_vs_mean", r.Ingest.P99ms, meanLatencyMs(r.Ingest)},
		{"herd_p99_vs_floor", r.Herd.P99ms, r.Floor.ServerCPUPerDelivery},
	} {
		if f[c.name], err = div(c.name, c.a, c.b); err != nil {
			return nil, err
		}
	}
	// Memory is compared as it is: bytes per session do not vary with the
	// machine's speed or load, and a floor that reads no socket holds
	// next to nothing, so a ratio to it would only magnify noise.
	if r.Fanout.GoIdlePerSession <= 0 {
		return nil, fmt.Errorf("bench guard: fanout measured no memory per idle session (%d B)", r.Fanout.GoIdlePerSession)
	}
	f["idle_bytes_per_session"] = float64(r.Fanout.GoIdlePerSession)
	f["idle_bytes_vs_8kib_goal"] = round(float64(r.Fanout.GoIdlePerSession)/8192, 3)
	return f, nil
}

// meanLatencyMs is the mean time a post of r waited for its answer, by
// Little's law: each of the clients has one post in flight at a time.
func meanLatencyMs(r IngestResult) float64 {
	if r.MsgsPerSec <= 0 {
		return 0
	}
	return float64(r.Clients) * 1000 / r.MsgsPerSec
}

// Better keeps, figure by figure, the lower of f and g (the guard runs
// twice and keeps each figure's best run: noise only ever makes a figure
// worse, so the better of two runs is the steadier estimate).
func (f GuardFigures) Better(g GuardFigures) GuardFigures {
	out := GuardFigures{}
	for k, v := range f {
		out[k] = v
		if w, ok := g[k]; ok && w < v {
			out[k] = w
		}
	}
	return out
}

// Worse keeps, figure by figure, the higher of f and g: a baseline is
// written from the worse of its runs, so that a noisy figure's ordinary
// spread stays inside the factor and only a real regression fails.
func (f GuardFigures) Worse(g GuardFigures) GuardFigures {
	out := GuardFigures{}
	for k, v := range f {
		out[k] = v
		if w, ok := g[k]; ok && w > v {
			out[k] = w
		}
	}
	return out
}

// GuardVerdict is the comparison of one run's figures with the baseline.
type GuardVerdict struct {
	Factor   float64
	Baseline GuardFigures
	Current  GuardFigures
	// Failed names the figures more than Factor times the baseline, or
	// missing from the current run.
	Failed []string
}

// Compare fails every figure of baseline that current exceeds by more than
// factor times (or lacks). A figure the baseline lacks is reported, not
// guarded, so a new figure lands before its baseline does.
func Compare(baseline, current GuardFigures, factor float64) GuardVerdict {
	v := GuardVerdict{Factor: factor, Baseline: baseline, Current: current}
	for k, b := range baseline {
		c, ok := current[k]
		if !ok || c > b*factor {
			v.Failed = append(v.Failed, k)
		}
	}
	sort.Strings(v.Failed)
	return v
}

// String is the table of the verdict.
func (v GuardVerdict) String() string {
	var names []string
	for k := range v.Current {
		names = append(names, k)
	}
	for k := range v.Baseline {
		if _, ok := v.Current[k]; !ok {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	failed := map[string]bool{}
	for _, k := range v.Failed {
		failed[k] = true
	}
	var b strings.Builder
	fmt.Fprintf(&b, "guard: %-24s %10s %10s %7s  (fails above %gx the baseline)\n", "figure", "baseline", "now", "now/base", v.Factor)
	for _, k := range names {
		base, hasBase := v.Baseline[k]
		verdict := "ok"
		switch {
		case failed[k]:
			verdict = "REGRESSED"
		case !hasBase:
			verdict = "new (not guarded)"
		}
		ratio := "-"
		if hasBase && base > 0 {
			ratio = fmt.Sprintf("%.2f", v.Current[k]/base)
		}
		fmt.Fprintf(&b, "  %-30s %10.3f %10.3f %7s  %s: %s\n", k, base, v.Current[k], ratio, verdict, guardExplain[k])
	}
	if len(v.Failed) > 0 {
		fmt.Fprintf(&b, "guard: %d figure(s) regressed: %s", len(v.Failed), strings.Join(v.Failed, ", "))
	} else {
		b.WriteString("guard: no regression")
	}
	return b.String()
}

// JSON is the current figures with the verdict.
func (v GuardVerdict) JSON() []byte {
	b, _ := json.Marshal(struct {
		Figures GuardFigures `json:"figures"`
		Failed  []string     `json:"failed"`
	}{v.Current, append([]string{}, v.Failed...)})
	return b
}
