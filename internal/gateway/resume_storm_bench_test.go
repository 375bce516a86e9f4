package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"golang.org/x/sync/errgroup"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/poll"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

// stormSession is one session of BenchmarkResumeStorm: a lean client
// (one goroutine only while it connects) that keeps what RESUME needs.
type stormSession struct {
	token     string
	sessionID string
	resumeURL string
	seq       int64
	nc        net.Conn
	r         io.Reader // nc, after what the handshake's reader holds
}

// readWriter reads from r and writes (control frame answers) to w.
type readWriter struct {
	io.Reader
	io.Writer
}

// frame reads the next server frame of s.
func (s *stormSession) frame() (protocol.Payload, error) {
	_ = s.nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	b, err := wsutil.ReadServerText(readWriter{s.r, s.nc})
	if err != nil {
		return protocol.Payload{}, err
	}
	var p protocol.Payload
	if err := json.Unmarshal(b, &p); err != nil {
		return p, fmt.Errorf("frame %.200s: %w", b, err)
	}
	if p.S != nil {
		s.seq = *p.S
	}
	return p, nil
}

func (s *stormSession) send(op int, d any) error {
	b, err := json.Marshal(map[string]any{"op": op, "d": d})
	if err != nil {
		return err
	}
	return wsutil.WriteClientText(s.nc, b)
}

// open dials url, reads HELLO and sends op with d.
func (s *stormSession) open(ctx context.Context, url string, op int, d any) error {
	nc, br, _, err := ws.Dial(ctx, url)
	if err != nil {
		return err
	}
	s.nc, s.r = nc, nc
	if br != nil {
		s.r = io.MultiReader(br, nc) // the first frames may have come with the handshake
	}
	if p, err := s.frame(); err != nil || p.Op != protocol.OpHello {
		return fmt.Errorf("no HELLO (op %d): %v", p.Op, err)
	}
	return s.send(op, d)
}

// until reads frames until the dispatch named name, and reports whether a
// MESSAGE_CREATE of message id came before it.
func (s *stormSession) until(name string, id chat.ID) (bool, error) {
	seen := false
	for {
		p, err := s.frame()
		if err != nil {
			return seen, fmt.Errorf("waiting for %s: %w", name, err)
		}
		if p.Op == protocol.OpInvalidSession {
			return seen, errors.New("INVALID_SESSION")
		}
		t := ""
		if p.T != nil {
			t = *p.T
		}
		if t == "MESSAGE_CREATE" && id != 0 {
			var m struct {
				ID chat.ID `json:"id"`
			}
			_ = json.Unmarshal(p.D, &m)
			seen = seen || m.ID == id
		}
		if t == name {
			if name == "READY" {
				var r struct {
					SessionID string `json:"session_id"`
					ResumeURL string `json:"resume_gateway_url"`
				}
				if err := json.Unmarshal(p.D, &r); err != nil {
					return seen, err
				}
				s.sessionID, s.resumeURL = r.SessionID, r.ResumeURL
			}
			return seen, nil
		}
	}
}

// stormBot makes bot i's application, adds the bot to guildID and
// returns its token. It runs off the benchmark's goroutine, so it returns
// errors instead of failing b.
func stormBot(owner *accordtest.Client, guildID chat.ID, i int) (string, error) {
	do := func(path string, body any, want int, out any) error {
		status, raw, err := owner.Request("POST", path, body)
		if err == nil && status != want {
			err = fmt.Errorf("POST %s: %d %s", path, status, raw)
		}
		if err == nil && out != nil {
			err = json.Unmarshal(raw, out)
		}
		return err
	}
	var app struct {
		ID chat.ID `json:"id"`
	}
	if err := do("/applications", map[string]string{"name": fmt.Sprintf("storm %d", i)}, 201, &app); err != nil {
		return "", err
	}
	var tok struct {
		Token string `json:"token"`
	}
	if err := do(fmt.Sprintf("/applications/%d/bot/reset-token", app.ID), nil, 200, &tok); err != nil {
		return "", err
	}
	err := do(fmt.Sprintf("/oauth2/authorize?client_id=%d&scope=bot&permissions=0", app.ID),
		map[string]any{"guild_id": guildID, "authorize": true}, 200, nil)
	return tok.Token, err
}

// BenchmarkResumeStorm: 1,000 bots' sessions of one guild lose their
// connections at once (no close frame, as when a proxy or the network
// drops them), a message is posted meanwhile, then every session
// reconnects and RESUMEs together. One op is one storm, from the first
// dial to the last RESUMED; every session must have the missed message
// replayed before its RESUMED. ms/storm and µs/session are reported.
func BenchmarkResumeStorm(b *testing.B) {
	const n = 1000
	s := accordtest.RunServer(b, server.Config{DisableRateLimits: true})
	owner := s.Register(b, "owner")
	g, general := owner.CreateGuild(b, "storm")
	var gw struct {
		URL string `json:"url"`
	}
	s.Anonymous().Must(b, 200, "GET", "/gateway", nil, &gw)
	url := gw.URL + "?v=10&encoding=json"
	ctx := context.Background()

	// The bots join first and connect after, so that no session has the
	// others' join messages waiting unread.
	sessions := make([]*stormSession, n)
	var eg errgroup.Group
	eg.SetLimit(16)
	for i := range sessions {
		eg.Go(func() error {
			tok, err := stormBot(owner, g.ID, i)
			sessions[i] = &stormSession{token: "Bot " + tok}
			return err
		})
	}
	if err := eg.Wait(); err != nil {
		b.Fatal(err)
	}
	for _, ss := range sessions {
		eg.Go(func() error {
			if err := ss.open(ctx, url, protocol.OpIdentify, map[string]any{"token": ss.token,
				"intents": protocol.IntentGuilds | protocol.IntentGuildMessages, "properties": map[string]string{"os": "linux"}}); err != nil {
				return err
			}
			if _, err := ss.until("READY", 0); err != nil {
				return err
			}
			_, err := ss.until("GUILD_CREATE", 0)
			return err
		})
	}
	if err := eg.Wait(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		for _, ss := range sessions {
			_ = ss.nc.Close()
		}
		poll.Until(b, 30*time.Second, 5*time.Millisecond, func() error {
			if c := s.Gateway.Stats().Connections; c != 0 {
				return fmt.Errorf("%d connections still open", c)
			}
			return nil
		})
		missed := owner.Send(b, general, "while you were away").ID
		b.StartTimer()
		var eg errgroup.Group
		for _, ss := range sessions {
			eg.Go(func() error {
				if err := ss.open(ctx, ss.resumeURL+"?v=10&encoding=json", protocol.OpResume,
					map[string]any{"token": ss.token, "session_id": ss.sessionID, "seq": ss.seq}); err != nil {
					return err
				}
				seen, err := ss.until("RESUMED", missed)
				if err == nil && !seen {
					err = fmt.Errorf("session %s: RESUMED without the missed message", ss.sessionID)
				}
				return err
			})
		}
		if err := eg.Wait(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	per := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(per/1e6, "ms/storm")
	b.ReportMetric(per/1e3/n, "µs/session")
}
