package main

import (
	"context"
	"flag"
	"os"

	"github.com/accordchat/accord/internal/bench"
)

// workerScenario is the hidden mode in which this executable is a client
// process of the fan-out and passive scenarios.
const workerScenario = "fanout-worker"

func init() {
	registerScenario(scenario{
		name:   workerScenario,
		hidden: true,
		new:    func() scenarioRun { return fanoutWorker{} },
	})
}

// fanoutWorker is `accord bench fanout-worker`: it opens the sessions the
// coordinator asks for, spoken to over stdin and stdout.
type fanoutWorker struct{}

func (fanoutWorker) flags(*flag.FlagSet) {}

func (fanoutWorker) run(ctx context.Context, b *benchRun) (report, error) {
	return nil, bench.ServeWorker(ctx, os.Stdin, b.m.Stdout)
}
