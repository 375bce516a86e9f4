package guild

import (
	"context"
	"testing"
)

// BenchmarkLargeGuildCreate: the guild actor's cost of one GUILD_CREATE of
// a 100,000-member guild (10 % online) for a session with GUILD_PRESENCES
// (members trimmed to the online ones, as Discord does above
// large_threshold), built and encoded; ns/member divides by the guild's
// members, the figure issue 18 asks for. A session without
// GUILD_PRESENCES costs next to nothing (it gets itself only).
func BenchmarkLargeGuildCreate(b *testing.B) {
	lb := newListBench(b, 100_000, 1)
	ctx := context.Background()
	owner := lb.subs[0].user
	var size int
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if err := lb.e.r.call(ctx, lb.g, func(_ context.Context, a *actor) error {
			size = len(mustJSON(a.guildCreate(owner, allIntents, 250)))
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100_000, "ns/member")
	b.ReportMetric(float64(size), "json-bytes")
}

// BenchmarkLargeRequestMembers: op 8 for every member ("" query, no
// limit) of a 100,000-member guild. "actor" is the time the guild actor is
// held (the members in name order, as objects); "total" adds encoding
// each, done after the actor answers. The gateway then frames them 1,000
// to a GUILD_MEMBERS_CHUNK.
func BenchmarkLargeRequestMembers(b *testing.B) {
	lb := newListBench(b, 100_000, 1)
	ctx := context.Background()
	const n = 100_001 // with the owner
	b.Run("actor", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if err := lb.e.r.call(ctx, lb.g, func(_ context.Context, a *actor) error {
				ms, _, err := a.membersFor(MembersRequest{})
				if err == nil && len(ms) != n {
					b.Fatalf("%d members", len(ms))
				}
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/member")
	})
	b.Run("total", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			ms, _, err := lb.e.r.RequestMembers(ctx, lb.g, MembersRequest{})
			if err != nil || len(ms) != n {
				b.Fatalf("%d members, %v", len(ms), err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/member")
	})
}
