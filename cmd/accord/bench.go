package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"
)

// The `accord bench` scaffold. Each scenario is one file, bench_<name>.go,
// that registers a scenario from an init function. The scaffold gives it
// the shared flags it asks for, starts the server it measures unless
// --target names one, and prints, on stdout, the scenario's header line,
// its readable summary and, with --json, its figures as the last line.

// scenario is one `accord bench` scenario.
type scenario struct {
	name     string
	synopsis string // its flags, for the usage text
	hidden   bool   // an internal mode, left out of the usage
	shared   sharedFlag
	// readsMemory marks the scenarios that read the server's memory per
	// session: their server runs with --gc-headroom-bytes=0 unless told
	// otherwise, so that garbage the floor lets stand (up to 32 MiB on a
	// small heap) neither inflates nor, through a larger "before", hides
	// what the sessions hold.
	readsMemory bool
	// new makes the scenario's state for one run; its flags method adds
	// the scenario's own flags.
	new func() scenarioRun
}

// scenarioRun is one run of a scenario.
type scenarioRun interface {
	// flags adds the scenario's own flags to fs.
	flags(fs *flag.FlagSet)
	// run runs the scenario once the flags are parsed and the server is
	// up. A non-nil report is printed even when err is not nil.
	run(ctx context.Context, b *benchRun) (report, error)
}

// ownServers is implemented by a scenario run that may, as its flags ask,
// start or target its servers itself (fanout --nodes N): then the
// scaffold starts no server for it.
type ownServers interface {
	ownServers() bool
}

// report is a scenario's figures.
type report interface {
	// String is the readable summary.
	String() string
	// JSON is the --json line, whose keys are the scenario's contract.
	JSON() []byte
}

// sharedFlag selects the flags a scenario shares with others.
type sharedFlag uint

const (
	// sharedTarget is --target; without it the scaffold starts `accord
	// serve` as a child and sets benchRun.target and benchRun.pid.
	sharedTarget    sharedFlag = 1 << iota
	sharedToken                // --token, which needs --target
	sharedServerPID            // --server-pid
	sharedDuration             // --duration
	sharedServe                // the serve switches passed to the started server
)

// scenarios are the registered scenarios by name.
var scenarios = map[string]scenario{}

// registerScenario adds s; each scenario's file calls it from init.
func registerScenario(s scenario) {
	if _, dup := scenarios[s.name]; dup {
		panic("bench: scenario " + s.name + " registered twice")
	}
	scenarios[s.name] = s
}

// benchRun is what the scaffold hands a scenario: the shared flags'
// values and where to write.
type benchRun struct {
	m        *Main
	name     string
	target   string // the server's base URL
	metrics  string // the server's metrics listener's base URL
	debug    string // the started server's profiler listener's base URL ("" with --target)
	token    string // an existing user's token on target ("" registers one)
	pid      int    // the server's process ID when known, for its RSS and CPU
	duration time.Duration
	serve    serveSwitches
	asJSON   bool
}

// header prints the scenario's first line, "<name>: <what it runs>".
func (b *benchRun) header(format string, args ...any) {
	fmt.Fprintf(b.m.Stdout, b.name+": "+format+"\n", args...)
}

// workers makes the command of one more client process for the fan-out
// client (`accord bench fanout-worker` of this executable).
func (b *benchRun) workers() (func() *exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench %s: find executable: %w", b.name, err)
	}
	return func() *exec.Cmd { return exec.Command(exe, "bench", workerScenario) }, nil
}

// register adds the shared flags s asks for to fs.
func (b *benchRun) register(fs *flag.FlagSet, s sharedFlag) {
	if s&sharedTarget != 0 {
		fs.StringVar(&b.target, "target", "", "server base URL (default: start `accord serve` on a temp dir)")
		fs.StringVar(&b.metrics, "metrics-target", "http://127.0.0.1:9090", "with --target: base URL of the server's metrics listener (its --metrics-addr)")
	}
	if s&sharedToken != 0 {
		fs.StringVar(&b.token, "token", "", "token of an existing user on --target (default: register one)")
	}
	if s&sharedServerPID != 0 {
		fs.IntVar(&b.pid, "server-pid", 0, "with --target on this machine: the server's process ID, for its RSS and CPU")
	}
	if s&sharedDuration != 0 {
		fs.DurationVar(&b.duration, "duration", 10*time.Second, "how long to post")
	}
	if s&sharedServe != 0 {
		b.serve.register(fs)
	}
	if s != 0 {
		fs.BoolVar(&b.asJSON, "json", false, "print one JSON line with the figures last")
	}
}

func benchUsage() string {
	var names []string
	for name, s := range scenarios {
		if !s.hidden {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("usage: accord bench <scenario> [flags]\n\nscenarios:\n")
	for _, name := range names {
		fmt.Fprintf(&b, "  %-8s %s\n", name, scenarios[name].synopsis)
	}
	b.WriteString("\nServe switches (--coalesce, --passive, --relays, --relay-threshold) go to the started server")
	return b.String()
}

// bench runs `accord bench <scenario> [flags]`.
func (m *Main) bench(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(benchUsage())
	}
	s, ok := scenarios[args[0]]
	if !ok {
		return errors.New(benchUsage())
	}
	b := &benchRun{m: m, name: s.name}
	r := s.new()
	fs := flag.NewFlagSet("bench "+s.name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	b.register(fs, s.shared)
	r.flags(fs)
	if err := m.parseWithEnv(fs, args[1:]); err != nil {
		return err
	}
	if s.readsMemory && b.serve.gcHeadroom < 0 {
		b.serve.gcHeadroom = 0
	}
	if s.shared&sharedTarget != 0 && b.target == "" {
		if b.token != "" {
			return fmt.Errorf("bench %s: --token needs --target", s.name)
		}
	}
	if own, ok := r.(ownServers); s.shared&sharedTarget != 0 && b.target == "" && (!ok || !own.ownServers()) {
		var serveArgs []string
		if s.shared&sharedServe != 0 {
			serveArgs = b.serve.args()
		}
		c, err := m.startServeChild(ctx, "", serveArgs...)
		if err != nil {
			return err
		}
		defer c.stop()
		b.target, b.metrics, b.debug, b.pid = c.url, c.metrics, c.debug, c.pid
	}
	rep, err := r.run(ctx, b)
	if rep != nil {
		fmt.Fprintln(m.Stdout, rep.String())
		if b.asJSON {
			fmt.Fprintln(m.Stdout, string(rep.JSON()))
		}
	}
	return err
}
