package bench_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/bench"
	"github.com/accordchat/accord/internal/server"
)

// TestPassive runs the passive scenario against two in-process servers on
// one data directory (passive sessions on, then off) and checks that only
// the subscribed sessions got the messages with passive on, every session
// with it off, and that passive on sent fewer bytes.
func TestPassive(t *testing.T) {
	dir := t.TempDir()
	start := func(ctx context.Context, passive bool) (bench.PassiveServer, error) {
		srv, err := server.New(server.Config{Addr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0", DataDir: dir, DisablePassive: !passive,
			DisableRateLimits: true, // a load test
			PassiveInterval:   500 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			return bench.PassiveServer{}, err
		}
		if err := srv.Start(ctx); err != nil {
			return bench.PassiveServer{}, err
		}
		stop := func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				t.Errorf("shutdown: %v", err)
			}
		}
		return bench.PassiveServer{Target: srv.URL(), Metrics: srv.MetricsURL(), Stop: stop}, nil
	}
	const sessions = 60
	res, err := bench.Passive(context.Background(), bench.PassiveConfig{Start: start, Sessions: sessions, ActiveShare: 0.1,
		Rate: 20, Duration: time.Second, Settle: time.Second, LargeThreshold: 50})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.Sessions != sessions || res.Active != 6 || res.MessagesOn == 0 || res.MessagesOff == 0 {
		t.Fatalf("%+v", res)
	}
	if res.DeliveriesOn != int64(res.Active)*res.MessagesOn || res.DeliveriesOff != sessions*res.MessagesOff {
		t.Fatalf("deliveries: on %d (want %d × %d), off %d (want %d × %d)", res.DeliveriesOn, res.Active, res.MessagesOn,
			res.DeliveriesOff, sessions, res.MessagesOff)
	}
	if res.PassiveUpdatesOn == 0 || res.PassiveUpdatesOff != 0 {
		t.Fatalf("PASSIVE_UPDATE_V1: on %d, off %d", res.PassiveUpdatesOn, res.PassiveUpdatesOff)
	}
	if res.BytesPassiveOn <= 0 || res.BytesPassiveOn >= res.BytesPassiveOff {
		t.Fatalf("bytes: on %d, off %d", res.BytesPassiveOn, res.BytesPassiveOff)
	}
	keys := jsonKeys(t, res.JSON())
	for _, k := range []string{"sessions", "bytes_passive_on", "bytes_passive_off"} {
		found := false
		for _, g := range keys {
			found = found || g == k
		}
		if !found {
			t.Fatalf("JSON keys %v lack %q", keys, k)
		}
	}
}
