package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/account"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/data"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store/pebble"
)

// place is a guild.Placement the test moves every guild with.
type place struct {
	mu    sync.Mutex
	owner string // "": this node
}

func (p *place) Owner(chat.ID) (string, bool, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.owner == "" {
		return "self", true, true
	}
	return p.owner, false, true
}

func (p *place) set(owner string) {
	p.mu.Lock()
	p.owner = owner
	p.mu.Unlock()
}

// forwarder records what is forwarded and answers with status.
type forwarder struct {
	mu     sync.Mutex
	calls  []forwardCall
	status int
}

type forwardCall struct {
	node, method, path, auth string
	body                     []byte
}

func (f *forwarder) Forward(_ context.Context, node string, r *http.Request, body []byte) (int, http.Header, []byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, forwardCall{node, r.Method, r.URL.Path, r.Header.Get("Authorization"), body})
	return f.status, http.Header{"Content-Type": {"application/json"}}, []byte(`{"from":"owner"}`), nil
}

func (f *forwarder) UserGuild(context.Context, chat.ID, chat.ID) (protocol.PartialGuild, error) {
	return protocol.PartialGuild{}, nil
}
func (f *forwarder) Flush(context.Context) error { return nil }

func (f *forwarder) made() []forwardCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]forwardCall(nil), f.calls...)
}

// clusterAPI is a Handler of a cluster node whose guilds p places, with a
// guild (and its general channel) made while this node owned it.
func clusterAPI(t *testing.T, p *place, f *forwarder) (h *Handler, token string, channel chat.ID) {
	t.Helper()
	st, err := pebble.New(pebble.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	ids, _ := snowflake.New(1, 1)
	ds, _ := data.New(data.Config{Store: st})
	accounts, err := account.New(account.Config{Store: st, IDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg, err := guild.New(guild.Config{Store: st, Data: ds, IDs: ids, Users: accounts, Logger: quiet, Placement: p, Remote: noRemote{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(reg.Close)
	h, err = New(Config{Store: st, Accounts: accounts, Guilds: reg, IDs: ids, Logger: quiet, Forward: f, MoveWait: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	u, token, err := accounts.Register(context.Background(), "clusteruser", "password123", "")
	if err != nil {
		t.Fatal(err)
	}
	g, err := reg.CreateGuild(context.Background(), u.ID, "placed")
	if err != nil {
		t.Fatal(err)
	}
	return h, token, *g.SystemChannelID
}

type noRemote struct{}

func (noRemote) Deliver(chat.ID, map[string][]guild.RemotePart) {}

func do(h http.Handler, ctx context.Context, method, path, token string, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequestWithContext(ctx, method, path, bytes.NewBufferString(body))
	r.Header.Set("Authorization", token)
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// A request for a guild another node owns runs there, whole: same method,
// path, body and token; its answer is relayed as is, and nothing runs here.
func TestRequestRunsAtTheOwner(t *testing.T) {
	p, f := &place{}, &forwarder{status: http.StatusOK}
	h, token, ch := clusterAPI(t, p, f)
	p.set("n2")
	h.guilds.Release()
	path := "/api/v10/channels/" + ch.String() + "/messages"
	w := do(h, context.Background(), "POST", path, token, `{"content":"over there"}`)
	if w.Code != http.StatusOK || w.Body.String() != `{"from":"owner"}` {
		t.Fatalf("answer %d %s, want the owner's", w.Code, w.Body)
	}
	calls := f.made()
	if len(calls) != 1 || calls[0].node != "n2" || calls[0].method != "POST" || calls[0].path != path ||
		calls[0].auth != token || string(calls[0].body) != `{"content":"over there"}` {
		t.Fatalf("forwarded %+v", calls)
	}
	// Nothing was written here: this node's store has no message.
	p.set("")
	w = do(h, context.Background(), "GET", path, token, "")
	var ms []json.RawMessage
	if err := json.Unmarshal(w.Body.Bytes(), &ms); w.Code != http.StatusOK || err != nil || len(ms) != 0 {
		t.Fatalf("history here after a forwarded create: %d %s", w.Code, w.Body)
	}
}

// Must not do: a request another node forwarded here, for a guild this
// node does not own either, is not forwarded again (no loops between
// nodes that disagree); it answers 421 for the sender to retry.
func TestForwardedRequestIsNotForwardedAgain(t *testing.T) {
	p, f := &place{}, &forwarder{status: http.StatusOK}
	h, token, ch := clusterAPI(t, p, f)
	p.set("n3")
	h.guilds.Release()
	w := do(h, WithForwarded(context.Background()), "POST", "/api/v10/channels/"+ch.String()+"/messages", token, `{"content":"x"}`)
	if w.Code != http.StatusMisdirectedRequest {
		t.Fatalf("forwarded request for another node's guild: %d, want 421", w.Code)
	}
	if n := len(f.made()); n != 0 {
		t.Fatalf("forwarded again %d times", n)
	}
	// A forwarded request still authenticates here: a bad token is 401.
	p.set("")
	w = do(h, WithForwarded(context.Background()), "GET", "/api/v10/channels/"+ch.String()+"/messages", "not-a-token", "")
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("forwarded request with a bad token: %d, want 401", w.Code)
	}
}

// A guild whose owner keeps answering "not here" (moving) is waited for
// only up to MoveWait, then 503 with a Discord-shaped body.
func TestMovingGuildAnswers503(t *testing.T) {
	p, f := &place{}, &forwarder{status: http.StatusMisdirectedRequest}
	h, token, ch := clusterAPI(t, p, f)
	p.set("n2")
	h.guilds.Release()
	start := time.Now()
	w := do(h, context.Background(), "POST", "/api/v10/channels/"+ch.String()+"/messages", token, `{"content":"x"}`)
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", w.Code)
	}
	var e struct {
		Code    *int   `json:"code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Code == nil || e.Message == "" {
		t.Fatalf("body %s is not a Discord error", w.Body)
	}
	if d := time.Since(start); d < 300*time.Millisecond || d > 5*time.Second {
		t.Errorf("answered after %v, want about MoveWait (300ms)", d)
	}
	if len(f.made()) < 2 {
		t.Errorf("tried the owner %d times, want retries while it moves", len(f.made()))
	}
}
