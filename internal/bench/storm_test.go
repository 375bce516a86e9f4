package bench_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/bench"
	"github.com/accordchat/accord/internal/server"
)

// TestStorm opens a small storm against an in-process server: every
// session READY, the figures consistent, exactly the contract's keys.
func TestStorm(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{DisableRateLimits: true}) // a load test, as `accord bench` runs it
	res, err := bench.Storm(context.Background(), bench.StormConfig{Target: s.URL(), Sessions: 80})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.Sessions != 80 || res.Errors != 0 || res.ReadyAllSecs <= 0 || res.ConnectsPerSec <= 0 ||
		res.IdentifySpreadSecs < 0 || res.IdentifySpreadSecs > res.ReadyAllSecs {
		t.Fatalf("%+v", res)
	}
	// Every session counted was ready within the time measured (up to
	// the rounding of a few-ms ready_all_secs to 1 ms).
	if got := res.ConnectsPerSec * res.ReadyAllSecs; got < 76 || got > 84 {
		t.Fatalf("connects/s × secs = %.1f, want 80", got)
	}
	want := []string{"connects_per_sec", "errors", "identify_spread_secs", "ready_all_secs", "sessions"}
	if got := jsonKeys(t, res.JSON()); !reflect.DeepEqual(got, want) {
		t.Fatalf("JSON keys %v, want exactly %v", got, want)
	}
}

// TestStormRestart: the storm after a restart reaches the new server.
func TestStormRestart(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{DisableRateLimits: true})
	restarted := false
	res, err := bench.Storm(context.Background(), bench.StormConfig{Target: "http://127.0.0.1:1", Sessions: 10,
		Restart: func(context.Context) (string, error) { restarted = true; return s.URL(), nil }})
	if err == nil {
		t.Fatalf("setup against a dead target succeeded: %+v", res)
	}
	if restarted {
		t.Fatal("restarted before the bots were set up")
	}
	res, err = bench.Storm(context.Background(), bench.StormConfig{Target: s.URL(), Sessions: 10,
		Restart: func(context.Context) (string, error) { restarted = true; return s.URL(), nil }})
	if err != nil || !restarted || res.Errors != 0 {
		t.Fatalf("restarted %v, %+v, %v", restarted, res, err)
	}
}
