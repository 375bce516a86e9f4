package gateway_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gobwas/ws/wsutil"
	"github.com/lesismal/nbio/nbhttp"
	nbws "github.com/lesismal/nbio/nbhttp/websocket"
)

// BenchmarkIdleNbio measures the other epoll design considered:
// lesismal/nbio v1.6.8 taking each connection over from net/http
// (UpgradeAndTransferConnToPoller), same handshake as the other idle
// benchmarks.
func BenchmarkIdleNbio(b *testing.B) {
	for range b.N {
		engine := nbhttp.NewEngine(nbhttp.Config{})
		if err := engine.Start(); err != nil {
			b.Fatal(err)
		}
		u := nbws.NewUpgrader()
		u.Engine = engine
		u.OnMessage(func(c *nbws.Conn, _ nbws.MessageType, data []byte) {
			switch {
			case bytes.Contains(data, []byte(`"op":2`)):
				_ = c.WriteMessage(nbws.TextMessage, []byte(`{"op":0,"t":"READY","s":1,"d":{}}`))
				_ = c.WriteMessage(nbws.TextMessage, []byte(`{"op":0,"t":"GUILD_CREATE","s":2,"d":{}}`))
			case bytes.Contains(data, []byte(`"op":1`)):
				_ = c.WriteMessage(nbws.TextMessage, []byte(`{"op":11}`))
			}
		})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := u.UpgradeAndTransferConnToPoller(w, r, nil)
			if err != nil {
				return
			}
			_ = c.WriteMessage(nbws.TextMessage, []byte(`{"op":10,"d":{"heartbeat_interval":41250}}`))
		}))
		url := "ws" + strings.TrimPrefix(srv.URL, "http")
		conns := make([]net.Conn, 0, idleSessions)
		before := memInUse()
		for range idleSessions {
			nc := dialIdle(b, url)
			conns = append(conns, nc)
			readFrames(b, nc, 1)
			_ = wsutil.WriteClientText(nc, []byte(`{"op":2,"d":{}}`))
			readFrames(b, nc, 2)
			_ = wsutil.WriteClientText(nc, []byte(`{"op":1,"d":2}`))
			readFrames(b, nc, 1)
		}
		reportPerSession(b, before, idleSessions)
		for _, nc := range conns {
			_ = nc.Close()
		}
		srv.Close()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = engine.Shutdown(ctx)
	}
}
