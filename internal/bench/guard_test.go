package bench_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/bench"
)

// guardRuns is a plausible guard run: fanout at 1.5x the floor's CPU and
// 2x its p99, ingest at a fifth of the floor's rate with a p99 of 4x its
// mean latency.
func guardRuns() bench.GuardRuns {
	return bench.GuardRuns{
		Floor:       bench.FanoutResult{ServerCPUPerDelivery: 10, P99ms: 20},
		Fanout:      bench.FanoutResult{ServerCPUPerDelivery: 15, P99ms: 40, GoIdlePerSession: 6144},
		IngestFloor: bench.IngestResult{MsgsPerSec: 50000, P99ms: 5},
		Ingest:      bench.IngestResult{MsgsPerSec: 10000, P99ms: 20, Clients: 50}, // mean 5 ms
		Herd:        bench.HerdResult{P99ms: 100},
	}
}

func TestGuardFigures(t *testing.T) {
	f, err := guardRuns().Figures()
	if err != nil {
		t.Fatal(err)
	}
	want := bench.GuardFigures{"fanout_cpu_vs_floor": 1.5, "fanout_p99_vs_floor": 2, "ingest_rate_floor_vs": 5,
		"ingest_p99_vs_mean": 4, "herd_p99_vs_floor": 10, "idle_bytes_per_session": 6144, "idle_bytes_vs_8kib_goal": 0.75}
	if !reflect.DeepEqual(f, want) {
		t.Fatalf("figures %v, want %v", f, want)
	}
	// A floor that measured nothing cannot be divided by: an error, not
	// an infinite (or zero) ratio that passes.
	r := guardRuns()
	r.Floor.ServerCPUPerDelivery = 0
	if _, err := r.Figures(); err == nil {
		t.Fatal("a zero floor gave figures")
	}
	r = guardRuns()
	r.Fanout.GoIdlePerSession = 0
	if _, err := r.Figures(); err == nil {
		t.Fatal("no memory figure gave figures")
	}
	r = guardRuns()
	r.Ingest.MsgsPerSec = 0
	if _, err := r.Figures(); err == nil {
		t.Fatal("an ingest of nothing gave figures")
	}
}

func TestGuardCompare(t *testing.T) {
	base, _ := guardRuns().Figures()
	if v := bench.Compare(base, base, 2); len(v.Failed) != 0 || !strings.Contains(v.String(), "no regression") {
		t.Fatalf("identical figures failed: %v\n%s", v.Failed, v)
	}
	// Ingest three times slower relative to its floor, fan-out p99 just
	// under twice: only the first fails.
	r := guardRuns()
	r.Ingest.MsgsPerSec = 10000.0 / 3
	r.Fanout.P99ms = 79
	now, _ := r.Figures()
	v := bench.Compare(base, now, 2)
	if !reflect.DeepEqual(v.Failed, []string{"ingest_rate_floor_vs"}) {
		t.Fatalf("failed %v, want only ingest_rate_floor_vs\n%s", v.Failed, v)
	}
	if !strings.Contains(v.String(), "REGRESSED") {
		t.Fatalf("table does not show the regression:\n%s", v)
	}
	// A figure missing from the run fails; one missing from the baseline
	// is shown, not guarded.
	delete(now, "herd_p99_vs_floor")
	now["new_figure"] = 1
	v = bench.Compare(base, now, 2)
	if !reflect.DeepEqual(v.Failed, []string{"herd_p99_vs_floor", "ingest_rate_floor_vs"}) || !strings.Contains(v.String(), "new (not guarded)") {
		t.Fatalf("failed %v\n%s", v.Failed, v)
	}
}

func TestGuardBetter(t *testing.T) {
	a := bench.GuardFigures{"x": 1, "y": 5}
	b := bench.GuardFigures{"x": 3, "y": 2}
	if got := a.Better(b); !reflect.DeepEqual(got, bench.GuardFigures{"x": 1, "y": 2}) {
		t.Fatalf("better %v", got)
	}
	if got := a.Worse(b); !reflect.DeepEqual(got, bench.GuardFigures{"x": 3, "y": 5}) {
		t.Fatalf("worse %v", got)
	}
}
