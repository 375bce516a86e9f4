// Package poll waits in tests for a condition that becomes true
// asynchronously (a dispatch delivered, a node seen, a goroutine gone):
// tests poll with a deadline instead of sleeping a guessed time
// (STYLE.md rule 24). It imports nothing of Accord's, so every package's
// tests, low or high in the layering, can use it.
package poll

import (
	"testing"
	"time"
)

// Until calls f every interval until it returns nil, failing t with f's
// last error once total has passed.
func Until(t testing.TB, total, every time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v: %v", total, err)
		}
		time.Sleep(every)
	}
}
