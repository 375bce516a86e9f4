package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// poster sends the bench messages.
type poster struct {
	c       *client
	channel string
	local   *group // whose probes pace saturate
	window  int64

	started, sent, failed atomic.Int64
}

func (p *poster) postOne(ctx context.Context) {
	n := p.started.Add(1)
	if err := p.c.post(ctx, p.channel, n); err != nil {
		p.failed.Add(1)
		return
	}
	p.sent.Add(1)
}

// atRate posts rate messages per second for d, each from its own goroutine
// so a slow answer does not delay the next.
func (p *poster) atRate(ctx context.Context, rate float64, d time.Duration) {
	every := time.Duration(float64(time.Second) / rate)
	end := time.Now().Add(d)
	sem := make(chan struct{}, 256)
	var wg sync.WaitGroup
	next := time.Now()
	for next.Before(end) && ctx.Err() == nil {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			p.postOne(ctx)
		}()
		next = next.Add(every)
		if w := time.Until(next); w > 0 {
			select {
			case <-time.After(w):
			case <-ctx.Done():
			}
		}
	}
	wg.Wait()
}

// saturate posts for d from a few goroutines, as fast as the server
// delivers: a message is posted only while fewer than window posted
// messages are missing at the slowest probe session, so the server's
// send queues stay bounded (no slow-consumer disconnects) and full.
func (p *poster) saturate(ctx context.Context, d time.Duration) {
	end := time.Now().Add(d)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) && ctx.Err() == nil {
				if p.started.Load()-p.failed.Load()-p.local.probeMin() >= p.window {
					select {
					case <-p.local.notify:
					case <-time.After(20 * time.Millisecond):
					case <-ctx.Done():
					}
					continue
				}
				p.postOne(ctx)
			}
		}()
	}
	wg.Wait()
}

// rateString names a poster's rate for the phase lines.
func rateString(r float64) string {
	if r <= 0 {
		return "the server's pace"
	}
	return fmt.Sprintf("%g msg/s", r)
}
