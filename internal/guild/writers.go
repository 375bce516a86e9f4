package guild

import "time"

// writers runs the actors' message writes (the store's synced commit) on
// goroutines that outlive one write. A fresh goroutine per message grew
// its stack from the minimum through Pebble's deep commit path on every
// write: runtime.copystack was 6 % of the server's CPU in issue 18's
// ingest profile. A writer whose last write is older than writerIdle
// exits, so their number follows the concurrency of the writes (bounded
// by MaxInflight per actor), and none outlives the Registry by more than
// that.
type writers struct {
	jobs chan func() // unbuffered: a send succeeds only into an idle writer
	quit <-chan struct{}
}

// writerIdle is how long a writer waits for its next write before it exits.
const writerIdle = 5 * time.Second

// run runs f on an idle writer, or on a new one if none is idle. It never
// blocks.
func (w *writers) run(f func()) {
	select {
	case w.jobs <- f:
	default:
		go w.work(f)
	}
}

func (w *writers) work(f func()) {
	idle := time.NewTimer(writerIdle)
	defer idle.Stop()
	for {
		f()
		idle.Reset(writerIdle)
		select {
		case f = <-w.jobs:
		case <-idle.C:
			return
		case <-w.quit:
			return
		}
	}
}
