package node

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/accordchat/accord/internal/api"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/cluster"
	"github.com/accordchat/accord/internal/protocol"
)

// httpRequest is a REST request carried to the guild's owner.
type httpRequest struct {
	Method string      `json:"method"`
	URI    string      `json:"uri"` // path and query
	Header http.Header `json:"header"`
	Body   []byte      `json:"body,omitempty"`
}

// httpResponse is its answer.
type httpResponse struct {
	Status int         `json:"status"`
	Header http.Header `json:"header"`
	Body   []byte      `json:"body,omitempty"`
}

// forwardedHeaders are the request headers the owner needs: who asks
// (the token) and how the body is encoded. The rest (connection,
// addresses) is the entry node's business.
var forwardedHeaders = []string{"Authorization", "Content-Type", "X-Audit-Log-Reason", "User-Agent"}

// Forward runs r (whose body is body) at node, through its API handler,
// and returns the answer (api.Forwarder). A node that cannot be reached,
// or that no longer owns the guild, answers http.StatusMisdirectedRequest:
// nothing ran, the caller may try again. Any other error means the request
// may or may not have run.
func (n *Node) Forward(ctx context.Context, node string, r *http.Request, body []byte) (int, http.Header, []byte, error) {
	start := time.Now()
	hr := &httpRequest{Method: r.Method, URI: r.URL.RequestURI(), Header: http.Header{}, Body: body}
	for _, k := range forwardedHeaders {
		if v := r.Header.Values(k); len(v) > 0 {
			hr.Header[k] = v
		}
	}
	rep, err := n.call(ctx, node, request{Kind: kindHTTP, HTTP: hr})
	if err != nil {
		if retryable(err) {
			return http.StatusMisdirectedRequest, nil, nil, nil
		}
		return 0, nil, nil, err
	}
	n.stats.forwards.Add(1)
	if h := n.stats.forwardTime; h != nil {
		h.Observe(time.Since(start).Seconds())
	}
	if rep.HTTP == nil {
		if e := rep.err(0); e != nil && !retryable(e) {
			return 0, nil, nil, e
		}
		return http.StatusMisdirectedRequest, nil, nil, nil
	}
	return rep.HTTP.Status, rep.HTTP.Header, rep.HTTP.Body, nil
}

// serveHTTP runs a forwarded REST request through this node's API handler.
func (n *Node) serveHTTP(ctx context.Context, req request) reply {
	hr := req.HTTP
	if hr == nil {
		return reply{Err: "http without request"}
	}
	r, err := http.NewRequestWithContext(api.WithForwarded(ctx), hr.Method, "http://"+n.cfg.Self+hr.URI, bytes.NewReader(hr.Body))
	if err != nil {
		return reply{Err: err.Error()}
	}
	r.Header = hr.Header
	r.RemoteAddr = "node:" + req.From
	rec := &recorder{header: http.Header{}}
	n.http.ServeHTTP(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return reply{HTTP: &httpResponse{Status: rec.status, Header: rec.header, Body: rec.body.Bytes()}}
}

// recorder is the ResponseWriter a forwarded request is answered into.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *recorder) Header() http.Header { return w.header }
func (w *recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}
func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

// UserGuild returns a guild as a member lists it, from its owner
// (api.Forwarder; GET /users/@me/guilds spans many guilds, and so nodes).
func (n *Node) UserGuild(ctx context.Context, guildID, userID chat.ID) (protocol.PartialGuild, error) {
	var out protocol.PartialGuild
	err := n.atOwner(ctx, guildID, func(owner cluster.Member, self bool) error {
		if self {
			var err error
			out, err = n.guilds.UserGuild(ctx, guildID, userID)
			return err
		}
		rep, err := n.call(ctx, owner.ID, request{Kind: kindUserGuild, Guild: guildID, User: userID})
		if err != nil {
			return err
		}
		if err := rep.err(guildID); err != nil {
			return err
		}
		if err := json.Unmarshal(rep.Body, &out); err != nil {
			return errors.Join(errors.New("node: user guild reply"), err)
		}
		return nil
	})
	return out, err
}

func (n *Node) serveUserGuild(ctx context.Context, req request) reply {
	g, err := n.guilds.UserGuild(ctx, req.Guild, req.User)
	if err != nil {
		return errorReply(err)
	}
	b, err := json.Marshal(g)
	if err != nil {
		return reply{Err: err.Error()}
	}
	return reply{Body: b}
}

// Flush returns once what this node published has reached the NATS server
// (api.Forwarder).
func (n *Node) Flush(ctx context.Context) error { return n.cfg.Bus.Flush(ctx) }
