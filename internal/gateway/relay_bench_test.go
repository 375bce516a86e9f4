package gateway_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws/wsutil"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

// BenchmarkFanoutRelays fans guild events out to N gateway sessions of one
// guild inside a whole server (real guild actor with its permission
// filtering, real sessions and sockets over loopback), with relays on (the
// guild is above the relay threshold) and off (`--relays=false`). Each op is
// one TYPING_START, sent by 4 concurrent callers; the op ends when every
// client has read every frame, so the writers have drained. Clients share
// the process's CPUs, so on a 2-core box they compete with the relays.
//
//	go test -run '^$' -bench FanoutRelays -benchtime 1000x ./internal/gateway
func BenchmarkFanoutRelays(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		for _, relays := range []bool{false, true} {
			b.Run(fmt.Sprintf("sessions=%d/relays=%v", n, relays), func(b *testing.B) {
				benchFanoutRelays(b, n, relays)
			})
		}
	}
}

func benchFanoutRelays(b *testing.B, n int, relays bool) {
	s := accordtest.RunServer(b, server.Config{RelayThreshold: 100, DisableRelays: !relays,
		Gateway: server.GatewayConfig{Options: gateway.Config{SendQueueBytes: 8 << 20, DisableLimits: true}}})
	alice := s.Register(b, "alice")
	_, general := alice.CreateGuild(b, "fanout")
	var gw struct {
		URL string `json:"url"`
	}
	s.Anonymous().Must(b, 200, "GET", "/gateway", nil, &gw)
	intents := protocol.IntentGuilds | protocol.IntentGuildMessages | protocol.IntentGuildMessageTyping
	identify := []byte(fmt.Sprintf(`{"op":2,"d":{"token":%q,"intents":%d,"properties":{}}}`, alice.Token, intents))
	var received atomic.Int64
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, nc := range conns {
			_ = nc.Close()
		}
	}()
	for range n {
		nc := dialIdle(b, gw.URL+"?v=10&encoding=json")
		conns = append(conns, nc)
		readFrames(b, nc, 1)
		_ = wsutil.WriteClientText(nc, identify)
		readFrames(b, nc, 2) // READY, GUILD_CREATE
		go func() {
			br := bufio.NewReaderSize(nc, 32<<10)
			for {
				n, err := skipFrame(br)
				if err != nil || n < 0 {
					return
				}
				received.Add(1)
			}
		}()
	}
	if got := s.Guilds.Relays() > 0; got != relays {
		b.Fatalf("relays running: %v, want %v", got, relays)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	const callers = 4
	var wg sync.WaitGroup
	var next atomic.Int64
	for range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				for {
					err := s.Guilds.Typing(ctx, general, alice.UserID)
					if err == nil {
						break
					}
					time.Sleep(100 * time.Microsecond) // inbox full: back off
				}
			}
		}()
	}
	wg.Wait()
	want := int64(b.N) * int64(n)
	deadline := time.Now().Add(time.Minute)
	for received.Load() < want {
		if time.Now().After(deadline) {
			b.Fatalf("received %d of %d deliveries", received.Load(), want)
		}
		time.Sleep(100 * time.Microsecond)
	}
	b.StopTimer()
	b.ReportMetric(float64(want)/b.Elapsed().Seconds(), "deliveries/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(want), "ns/delivery")
}
