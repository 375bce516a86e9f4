package nats

import (
	"testing"
	"time"
)

// TestBackoff: the pause between rounds of reconnect attempts doubles from
// ReconnectWait up to MaxReconnectWait, with at most 25% jitter, and stays
// there: reconnecting never stops and never spins.
func TestBackoff(t *testing.T) {
	b := &Bus{cfg: Config{ReconnectWait: 100 * time.Millisecond, MaxReconnectWait: 2 * time.Second}}
	want := []time.Duration{100, 200, 400, 800, 1600, 2000, 2000}
	for round := 1; round <= 1000; round++ {
		base := 2 * time.Second
		if round <= len(want) {
			base = want[round-1] * time.Millisecond
		}
		for range 20 {
			if d := b.backoff(round); d < base || d > base+base/4 {
				t.Fatalf("round %d: pause %v, want %v plus at most 25%%", round, d, base)
			}
		}
	}
}
