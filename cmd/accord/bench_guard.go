package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/accordchat/accord/internal/bench"
)

func init() {
	registerScenario(scenario{
		name:     "guard",
		synopsis: "[--baseline FILE] [--update] [--factor F] [--sessions S] [--duration D] [--runs N]: fanout, ingest, herd, idle memory as ratios to the floors, compared with a baseline",
		new:      func() scenarioRun { return &guardScenario{} },
	})
}

// guardScenario is `accord bench guard`, the regression guard: it runs
// floor and fanout, ingest --floor and ingest, and herd at small sizes
// (each as its own `accord bench` run, so with its own child server),
// turns them into ratios against the floors and fails if one is more than
// --factor times the committed baseline's.
type guardScenario struct {
	baseline       string
	update         bool
	factor         float64
	sessions, runs int
	clients        int
	duration       string
}

func (s *guardScenario) flags(fs *flag.FlagSet) {
	fs.StringVar(&s.baseline, "baseline", "bench/baseline.json", "the committed baseline figures")
	fs.BoolVar(&s.update, "update", false, "write this run's figures as the new baseline instead of comparing")
	fs.Float64Var(&s.factor, "factor", 2, "fail a figure above factor × its baseline")
	fs.IntVar(&s.sessions, "sessions", 1000, "fanout and floor sessions; herd clients")
	fs.IntVar(&s.clients, "clients", 64, "ingest posters")
	fs.StringVar(&s.duration, "duration", "4s", "fanout, floor and ingest duration")
	fs.IntVar(&s.runs, "runs", 2, "runs; each figure keeps its best")
}

func (s *guardScenario) run(ctx context.Context, b *benchRun) (report, error) {
	var baseline bench.GuardFigures
	if !s.update {
		raw, err := os.ReadFile(s.baseline)
		if err != nil {
			return nil, fmt.Errorf("bench guard: %w (make one with --update)", err)
		}
		var file struct {
			Figures bench.GuardFigures `json:"figures"`
		}
		if err := json.Unmarshal(raw, &file); err != nil || len(file.Figures) == 0 {
			return nil, fmt.Errorf("bench guard: %s holds no figures: %v", s.baseline, err)
		}
		baseline = file.Figures
	}
	// A check keeps each figure's best run, a baseline its worst: noise
	// only makes figures worse, so this keeps an ordinary spread inside
	// the factor while a real regression still shows in every run.
	var best bench.GuardFigures
	for run := 1; run <= max(1, s.runs); run++ {
		fmt.Fprintf(b.m.Stderr, "guard: run %d of %d\n", run, s.runs)
		f, err := s.once(ctx, b)
		if err != nil {
			return nil, err
		}
		switch {
		case best == nil:
			best = f
		case s.update:
			best = best.Worse(f)
		default:
			best = best.Better(f)
		}
	}
	if s.update {
		out, _ := json.MarshalIndent(struct {
			Note    string             `json:"note"`
			Figures bench.GuardFigures `json:"figures"`
		}{"written by `accord bench guard --update`; each figure is lower-is-better, see docs/performance.md", best}, "", "  ")
		if err := os.WriteFile(s.baseline, append(out, '\n'), 0o644); err != nil {
			return nil, fmt.Errorf("bench guard: %w", err)
		}
		return bench.Compare(best, best, s.factor), nil
	}
	v := bench.Compare(baseline, best, s.factor)
	if len(v.Failed) > 0 {
		return v, fmt.Errorf("bench guard: regressed: %s", strings.Join(v.Failed, ", "))
	}
	return v, nil
}

// once runs every scenario once and returns the figures.
func (s *guardScenario) once(ctx context.Context, b *benchRun) (bench.GuardFigures, error) {
	var r bench.GuardRuns
	n := strconv.Itoa(s.sessions)
	c := strconv.Itoa(s.clients)
	for _, step := range []struct {
		args []string
		into any
	}{
		{[]string{"floor", "--sessions", n, "--rate", "5", "--duration", s.duration}, &r.Floor},
		{[]string{"fanout", "--sessions", n, "--rate", "5", "--duration", s.duration}, &r.Fanout},
		{[]string{"ingest", "--floor", "--clients", c, "--duration", s.duration}, &r.IngestFloor},
		{[]string{"ingest", "--clients", c, "--duration", s.duration}, &r.Ingest},
		{[]string{"herd", "--clients", n}, &r.Herd},
	} {
		if err := s.sub(ctx, b, step.args, step.into); err != nil {
			return nil, err
		}
	}
	return r.Figures()
}

// sub runs `accord bench ARGS --json` in this process and decodes its last
// line into v.
func (s *guardScenario) sub(ctx context.Context, b *benchRun, args []string, v any) error {
	var out bytes.Buffer
	m := &Main{Stdout: &out, Stderr: b.m.Stderr, Getenv: b.m.Getenv}
	fmt.Fprintf(b.m.Stderr, "guard: accord bench %s --json\n", strings.Join(args, " "))
	if err := m.bench(ctx, append(args, "--json")); err != nil {
		return fmt.Errorf("bench guard: %s: %w", args[0], err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), v); err != nil {
		return fmt.Errorf("bench guard: %s printed no JSON: %w", args[0], err)
	}
	if len(lines) > 1 {
		fmt.Fprintln(b.m.Stderr, strings.Join(lines[:len(lines)-1], "\n"))
	}
	return nil
}
