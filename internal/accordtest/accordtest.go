// Package accordtest starts real Accord servers inside tests and gives them
// small REST helpers: register a user, create a guild, send a request and
// decode the answer, poll until a condition holds. The gateway, web and
// bench tests reuse them.
//
// Helpers fail the test through t; they are safe to call from the test's
// goroutine (Do and Request also from others, with t.Errorf semantics left
// to the caller).
package accordtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/server"
)

// Server is a running in-process server.
type Server struct {
	*server.Server
	// Base is the REST base URL, e.g. "http://127.0.0.1:41234/api/v10".
	Base string
	HTTP *http.Client
}

// RunServer starts a server on 127.0.0.1:0, with its metrics listener on
// another free port and a temporary data directory (unless cfg says
// otherwise), and shuts it down when the test ends. Its rate limits are
// on, with raised counts (see TestLimitScale).
func RunServer(t testing.TB, cfg server.Config) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	if cfg.MetricsAddr == "" {
		cfg.MetricsAddr = "127.0.0.1:0" // GET MetricsURL()+"/metrics"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cfg.RateLimit = testLimits(cfg.RateLimit) // limits on, counts raised: see limits.go
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatalf("accordtest: new server: %v", err)
	}
	if err := srv.Start(context.Background()); err != nil {
		t.Fatalf("accordtest: start server: %v", err)
	}
	s := &Server{Server: srv, Base: srv.URL() + "/api/v10", HTTP: &http.Client{Timeout: 30 * time.Second}}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("accordtest: shutdown: %v", err)
		}
	})
	return s
}

// Client is a registered user with its token.
type Client struct {
	S        *Server
	Token    string
	UserID   chat.ID
	Username string
	// Prefix goes before the token in Authorization ("" or "Bot ").
	Prefix string
}

var userSeq atomic.Int64

// Register creates a user named name plus a unique suffix ("" for a
// generated name) and returns its client.
func (s *Server) Register(t testing.TB, name string) *Client {
	t.Helper()
	if name == "" {
		name = "user"
	}
	name = fmt.Sprintf("%s-%d", name, userSeq.Add(1))
	var out struct {
		Token  string  `json:"token"`
		UserID chat.ID `json:"user_id"`
	}
	anon := &Client{S: s}
	if st := anon.Do(t, "POST", "/auth/register", map[string]string{"username": name, "password": "password123"}, &out); st != http.StatusCreated {
		t.Fatalf("accordtest: register %s: status %d", name, st)
	}
	return &Client{S: s, Token: out.Token, UserID: out.UserID, Username: name}
}

// Anonymous returns a client without a token.
func (s *Server) Anonymous() *Client { return &Client{S: s} }

// Request sends a request to path under the REST base and returns the
// status and raw body. body may be nil, a string or []byte (sent as is), or
// any value (sent as JSON).
func (c *Client) Request(method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(enc)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = c.S.Base + path
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Token != "" {
		req.Header.Set("Authorization", c.Prefix+c.Token)
	}
	resp, err := c.S.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// Do sends a request and, if out is non-nil and the status is 2xx, decodes
// the body into it. It returns the status.
func (c *Client) Do(t testing.TB, method, path string, body, out any) int {
	t.Helper()
	st, b, err := c.Request(method, path, body)
	if err != nil {
		t.Fatalf("accordtest: %s %s: %v", method, path, err)
	}
	if out != nil && st >= 200 && st < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("accordtest: %s %s: decode %q: %v", method, path, b, err)
		}
	}
	return st
}

// Must is Do that fails the test unless the status is want.
func (c *Client) Must(t testing.TB, want int, method, path string, body, out any) {
	t.Helper()
	st, b, err := c.Request(method, path, body)
	if err != nil {
		t.Fatalf("accordtest: %s %s: %v", method, path, err)
	}
	if st != want {
		t.Fatalf("accordtest: %s %s: status %d, want %d; body %s", method, path, st, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("accordtest: %s %s: decode %q: %v", method, path, b, err)
		}
	}
}

// APIError is a decoded Discord error body.
type APIError struct {
	Status  int             `json:"-"`
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Errors  json.RawMessage `json:"errors"`
}

// Fail sends a request that must fail and returns the decoded error body.
func (c *Client) Fail(t testing.TB, method, path string, body any) APIError {
	t.Helper()
	st, b, err := c.Request(method, path, body)
	if err != nil {
		t.Fatalf("accordtest: %s %s: %v", method, path, err)
	}
	if st < 400 {
		t.Fatalf("accordtest: %s %s: status %d, want an error; body %s", method, path, st, b)
	}
	var e APIError
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("accordtest: %s %s: error body %q is not JSON: %v", method, path, b, err)
	}
	e.Status = st
	return e
}

// Guild is the part of a guild object tests use.
type Guild struct {
	ID              chat.ID `json:"id"`
	Name            string  `json:"name"`
	OwnerID         chat.ID `json:"owner_id"`
	SystemChannelID chat.ID `json:"system_channel_id"`
}

// CreateGuild creates a guild and returns it with its general channel.
func (c *Client) CreateGuild(t testing.TB, name string) (g Guild, general chat.ID) {
	t.Helper()
	c.Must(t, http.StatusCreated, "POST", "/guilds", map[string]string{"name": name}, &g)
	return g, g.SystemChannelID
}

// Join makes c a member of the guild that owns channelID, through an invite
// created by inviter.
func (c *Client) Join(t testing.TB, inviter *Client, channelID chat.ID) {
	t.Helper()
	var inv struct {
		Code string `json:"code"`
	}
	inviter.Must(t, http.StatusOK, "POST", fmt.Sprintf("/channels/%d/invites", channelID), map[string]any{}, &inv)
	c.Must(t, http.StatusOK, "POST", "/invites/"+inv.Code, nil, nil)
}

// Message is the part of a message object tests use.
type Message struct {
	ID              chat.ID `json:"id"`
	ChannelID       chat.ID `json:"channel_id"`
	GuildID         chat.ID `json:"guild_id"`
	Content         string  `json:"content"`
	Nonce           string  `json:"nonce"`
	Type            int     `json:"type"`
	MentionEveryone bool    `json:"mention_everyone"`
	EditedTimestamp *string `json:"edited_timestamp"`
	Author          struct {
		ID       chat.ID `json:"id"`
		Username string  `json:"username"`
	} `json:"author"`
	Mentions []struct {
		ID chat.ID `json:"id"`
	} `json:"mentions"`
	MentionRoles     []chat.ID `json:"mention_roles"`
	MessageReference *struct {
		MessageID chat.ID `json:"message_id"`
	} `json:"message_reference"`
	ReferencedMessage *struct {
		ID chat.ID `json:"id"`
	} `json:"referenced_message"`
}

// Send posts a message and returns it.
func (c *Client) Send(t testing.TB, channelID chat.ID, content string) Message {
	t.Helper()
	var m Message
	c.Must(t, http.StatusOK, "POST", fmt.Sprintf("/channels/%d/messages", channelID), map[string]string{"content": content}, &m)
	return m
}
