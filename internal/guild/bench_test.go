package guild

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/accordchat/accord/internal/protocol"
)

// BenchmarkCreateMessage measures a message create through the guild actor
// (permission check, mention parsing, encoding, durable Pebble write and
// fan-out to 100 sessions), with parallel writers so writes group-commit.
func BenchmarkCreateMessage(b *testing.B) {
	e := newEnv(b, Config{})
	ctx := context.Background()
	owner := e.user("owner", false)
	g, err := e.r.CreateGuild(ctx, owner, "bench")
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		s := &countSession{fakeSession: fakeSession{id: fmt.Sprint("s", i), user: owner, intents: allIntents}}
		if err := e.r.Connect(ctx, g.ID, s, 50); err != nil {
			b.Fatal(err)
		}
	}
	ch := *g.SystemChannelID
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			i++
			if _, err := e.r.CreateMessage(ctx, ch, owner, MessageCreate{Content: fmt.Sprint("bench ", i)}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// countSession counts dispatches without keeping them.
type countSession struct {
	fakeSession
	n atomic.Int64
}

func (s *countSession) Send(*protocol.Dispatch) { s.n.Add(1) }
