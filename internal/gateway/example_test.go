package gateway_test

import (
	"context"
	"net/http"
	"time"

	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/store"
)

// Mounting the gateway: the store authenticates sessions, the guild
// registry fans events out to them and finds them through the gateway.
func ExampleNew() {
	var st store.Store         // e.g. pebble.New(...)
	var guilds *guild.Registry // guild.New(...)
	gw, err := gateway.New(gateway.Config{
		Accounts:          st,
		Guilds:            guilds,
		HeartbeatInterval: 41250 * time.Millisecond,
		SendQueueBytes:    1 << 20,
	})
	if err != nil {
		panic(err)
	}
	guilds.SetDirectory(gw)
	mux := http.NewServeMux()
	mux.Handle("/gateway", gw)
	srv := &http.Server{Addr: "127.0.0.1:8080", Handler: mux}
	go func() { _ = srv.ListenAndServe() }()

	// On shutdown: op 7 RECONNECT to every session, then stop.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	_ = gw.Shutdown(ctx)
}
