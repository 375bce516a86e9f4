package protocol

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestTimestampMatchesFormat checks the hand-written Timestamp against
// time.Format over edge cases and random instants, in several zones.
func TestTimestampMatchesFormat(t *testing.T) {
	zones := []*time.Location{time.UTC, time.FixedZone("east", 14*3600), time.FixedZone("west", -12*3600-1800)}
	cases := []time.Time{
		time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(2024, 2, 29, 12, 0, 0, 1_000, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		{},
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		cases = append(cases, time.Unix(r.Int64N(1<<36)-1<<35, r.Int64N(1e9)))
	}
	for _, c := range cases {
		for _, z := range zones {
			tz := c.In(z)
			if got, want := Timestamp(tz), tz.UTC().Format(TimeFormat); got != want {
				t.Fatalf("Timestamp(%v) = %q, want %q", tz, got, want)
			}
		}
	}
}

func BenchmarkTimestamp(b *testing.B) {
	ts := time.Date(2026, 12, 3, 13, 30, 0, 123_456_789, time.UTC)
	b.Run("hand", func(b *testing.B) {
		for b.Loop() {
			_ = Timestamp(ts)
		}
	})
	b.Run("format", func(b *testing.B) {
		for b.Loop() {
			_ = ts.UTC().Format(TimeFormat)
		}
	})
}
