package bench

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Progress draws a one-line progress bar (for stderr) while a scenario
// runs: Add counts work done, Stop draws the final state and ends the line.
// It is safe for concurrent use.
type Progress struct {
	w     io.Writer
	label string
	total int64
	done  atomic.Int64
	stop  chan struct{}
	wg    sync.WaitGroup
	once  sync.Once
	start time.Time
}

// StartProgress starts drawing a bar for total units of work on w (nil
// draws nothing), redrawn every 200 ms.
func StartProgress(w io.Writer, label string, total int64) *Progress {
	p := &Progress{w: w, label: label, total: total, stop: make(chan struct{}), start: time.Now()}
	if w == nil {
		return p
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.draw()
			}
		}
	}()
	return p
}

// Add records n more units done.
func (p *Progress) Add(n int64) { p.done.Add(n) }

// Stop draws the final state and ends the line.
func (p *Progress) Stop() {
	p.once.Do(func() {
		close(p.stop)
		p.wg.Wait()
		if p.w != nil {
			p.draw()
			fmt.Fprintln(p.w)
		}
	})
}

func (p *Progress) draw() {
	const width = 30
	done := p.done.Load()
	frac := 1.0
	if p.total > 0 {
		frac = min(1, float64(done)/float64(p.total))
	}
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r%s [%s%s] %d/%d %3.0f%% %5.1fs", p.label, strings.Repeat("#", n), strings.Repeat(".", width-n),
		done, p.total, frac*100, time.Since(p.start).Seconds())
}
