package guild

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
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
	connectCounters(b, e, g.ID, owner, 100)
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

// queueSession stands in for a gateway session's Send: a mutex-guarded
// append to a queue that a writer would drain (here it is simply reset).
type queueSession struct {
	fakeSession
	mu sync.Mutex
	q  []*protocol.Dispatch
	n  int
}

func (s *queueSession) Send(d *protocol.Dispatch) {
	s.mu.Lock()
	if len(s.q) == cap(s.q) && len(s.q) >= 64 {
		s.q = s.q[:0]
	}
	s.q = append(s.q, d)
	s.n++
	s.mu.Unlock()
}

// BenchmarkFanout measures fan-out and permission filtering alone (no
// sockets) from one guild to N sessions of 100 members, with relays off
// (all in the actor goroutine) and on (one relay per core at least). Each
// op is one TYPING_START (permission check, encoding, fan-out), sent by 4
// concurrent callers; the timer stops once every relay has handed out
// every event.
//
//	go test -run '^$' -bench 'Fanout' -benchtime 2000x ./internal/guild
func BenchmarkFanout(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		for _, relays := range []bool{false, true} {
			b.Run(fmt.Sprintf("sessions=%d/relays=%v", n, relays), func(b *testing.B) {
				benchFanout(b, n, relays)
			})
		}
	}
}

func benchFanout(b *testing.B, n int, relays bool) {
	e := newEnv(b, Config{RelayThreshold: 100, DisableRelays: !relays, InboxSize: 4096})
	ctx := context.Background()
	owner := e.user("owner", false)
	g, err := e.r.CreateGuild(ctx, owner, "fanout")
	if err != nil {
		b.Fatal(err)
	}
	users := []chat.ID{owner}
	for i := range 99 {
		u := e.user(fmt.Sprint("u", i), false)
		if _, err := e.r.AddMember(ctx, g.ID, u); err != nil {
			b.Fatal(err)
		}
		users = append(users, u)
	}
	sessions := make([]*queueSession, n)
	for i := range sessions {
		s := &queueSession{fakeSession: fakeSession{id: fmt.Sprint("s", i), user: users[i%len(users)], intents: allIntents}}
		sessions[i] = s
		// large_threshold 250 > 100 members: no session is passive.
		if err := e.r.Connect(ctx, g.ID, s, 250); err != nil {
			b.Fatal(err)
		}
	}
	e.sync(g.ID)
	if got := e.r.Relays() > 0; got != relays {
		b.Fatalf("relays running: %v, want %v", got, relays)
	}
	ch := *g.SystemChannelID
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	var next atomic.Int64
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				for e.r.Typing(ctx, ch, owner) != nil {
					time.Sleep(50 * time.Microsecond) // inbox full: back off
				}
			}
		}()
	}
	wg.Wait()
	e.sync(g.ID)
	b.StopTimer()
	total := 0
	for _, s := range sessions {
		s.mu.Lock()
		total += s.n
		s.mu.Unlock()
	}
	if want := (b.N + 1) * n; total != want { // +1: GUILD_CREATE
		b.Fatalf("%d deliveries, want %d", total, want)
	}
	b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "deliveries/s")
}

// byteSession counts what it is sent, by event name.
type byteSession struct {
	fakeSession
	mu    sync.Mutex
	n     int
	bytes int
}

func (s *byteSession) Send(d *protocol.Dispatch) {
	s.mu.Lock()
	s.n++
	s.bytes += len(d.Data)
	s.mu.Unlock()
}

// BenchmarkPassive posts messages to a guild of 100 members with 1,000
// user sessions of which 10 % have subscribed (op 14), with passive
// sessions on and off, and reports the dispatches and payload bytes the
// sessions are handed per message (PASSIVE_UPDATE_V1 included: one update
// round per 100 messages, i.e. a busy channel at 20 msg/s with the default
// 5 s interval).
//
//	go test -run '^$' -bench 'Passive' -benchtime 1000x ./internal/guild
func BenchmarkPassive(b *testing.B) {
	for _, passive := range []bool{true, false} {
		b.Run(fmt.Sprintf("passive=%v", passive), func(b *testing.B) {
			e := newEnv(b, Config{DisablePassive: !passive, PassiveInterval: time.Hour})
			ctx := context.Background()
			owner := e.user("owner", false)
			g, err := e.r.CreateGuild(ctx, owner, "passive")
			if err != nil {
				b.Fatal(err)
			}
			users := []chat.ID{owner}
			for i := range 99 {
				u := e.user(fmt.Sprint("u", i), false)
				if _, err := e.r.AddMember(ctx, g.ID, u); err != nil {
					b.Fatal(err)
				}
				users = append(users, u)
			}
			sessions := make([]*byteSession, 1000)
			for i := range sessions {
				s := &byteSession{fakeSession: fakeSession{id: fmt.Sprint("s", i), user: users[i%len(users)], intents: allIntents}}
				sessions[i] = s
				if err := e.r.Connect(ctx, g.ID, s, 50); err != nil {
					b.Fatal(err)
				}
				if i%10 == 0 {
					if err := e.r.Subscribe(ctx, g.ID, s.ID()); err != nil {
						b.Fatal(err)
					}
				}
			}
			e.sync(g.ID)
			before := func() (n, bytes int) {
				for _, s := range sessions {
					s.mu.Lock()
					n += s.n
					bytes += s.bytes
					s.mu.Unlock()
				}
				return n, bytes
			}
			n0, bytes0 := before()
			ch := *g.SystemChannelID
			// The owner writes (no mentions); its own 10 sessions are
			// among the subscribed ones.
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			var next atomic.Int64
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
						if _, err := e.r.CreateMessage(ctx, ch, owner, MessageCreate{Content: fmt.Sprint("message ", i)}); err != nil {
							b.Error(err)
							return
						}
						if i%100 == 0 {
							_ = e.r.call(ctx, g.ID, func(_ context.Context, a *actor) error { a.passiveTick(); return nil })
						}
					}
				}()
			}
			wg.Wait()
			e.tick(g.ID)
			b.StopTimer()
			n1, bytes1 := before()
			b.ReportMetric(float64(n1-n0)/float64(b.N), "dispatches/msg")
			b.ReportMetric(float64(bytes1-bytes0)/float64(b.N), "bytes/msg")
		})
	}
}

// connectCounters connects n counting sessions of userID (every intent)
// to a guild, as the message benchmarks' audience.
func connectCounters(b *testing.B, e *env, guildID, userID chat.ID, n int) []*countSession {
	b.Helper()
	out := make([]*countSession, n)
	for i := range out {
		out[i] = &countSession{fakeSession: fakeSession{id: fmt.Sprint("s", i), user: userID, intents: allIntents}}
		if err := e.r.Connect(context.Background(), guildID, out[i], 50); err != nil {
			b.Fatal(err)
		}
	}
	return out
}
