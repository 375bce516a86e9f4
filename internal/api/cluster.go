package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
)

// Cluster mode. Handlers run on whichever node a request reaches. The
// guild registry refuses, before anything happens, an operation on a guild
// this node does not own (*guild.NotOwnerError naming the owner); the
// request then runs whole at the owner (Forwarder) and its answer is
// relayed as is. Rate limits apply once, at the node the client reached.

// Forwarder runs requests at other nodes. The cluster node implements it.
type Forwarder interface {
	// Forward runs r, whose body is body, at node. It answers
	// http.StatusMisdirectedRequest when node could not take it (not
	// reached, or no longer the owner): nothing ran there. An error means
	// the request may or may not have run.
	Forward(ctx context.Context, node string, r *http.Request, body []byte) (status int, header http.Header, respBody []byte, err error)
	// UserGuild is guild.Registry.UserGuild at the guild's owner.
	UserGuild(ctx context.Context, guildID, userID chat.ID) (protocol.PartialGuild, error)
	// Flush returns once the events this node published so far have left
	// it (reached the NATS server).
	Flush(ctx context.Context) error
}

type forwardedKey struct{}

// WithForwarded marks ctx as the context of a request another node
// forwarded here: it was rate-limited there, and if this node does not own
// its guild either it answers 421 for the sender to try again.
func WithForwarded(ctx context.Context) context.Context {
	return context.WithValue(ctx, forwardedKey{}, true)
}

func forwarded(ctx context.Context) bool {
	v, _ := ctx.Value(forwardedKey{}).(bool)
	return v
}

// DefaultMoveWait bounds how long a request waits for its guild to get an
// owner again while it moves between nodes (Config.MoveWait).
const DefaultMoveWait = 15 * time.Second

var (
	errMoving  = protocol.NewAPIError(http.StatusServiceUnavailable, 0, "The guild is moving between nodes; try again")
	errNodeGot = protocol.NewAPIError(http.StatusServiceUnavailable, 0, "The node serving this guild failed while handling the request; it may or may not have been applied")
)

// atOwner wraps fn so that it runs at the owner of the guild it touches.
func (h *Handler) atOwner(fn handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, u *chat.User) error {
		limit := h.cfg.MaxBodyBytes
		if h.takesFiles(r) {
			// Uploads are read once here, so that the request can run
			// again at another node; readUpload applies their limits.
			limit = h.uploadCap()
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return errTooLarge
			}
			if h.takesFiles(r) {
				return errBadUpload // a truncated upload
			}
			return err
		}
		deadline := time.Now().Add(h.cfg.MoveWait)
		wait := 20 * time.Millisecond
		for {
			r.Body = io.NopCloser(bytes.NewReader(body))
			err := fn(&flusher{ResponseWriter: w, h: h, r: r}, r, u)
			var no *guild.NotOwnerError
			if !errors.As(err, &no) {
				return err
			}
			if no.Node != "" {
				status, header, b, err := h.cfg.Forward.Forward(r.Context(), no.Node, r, body)
				if err != nil {
					h.log.Warn("forwarded request failed", "node", no.Node, "path", r.URL.Path, "err", err)
					return errNodeGot
				}
				if status != http.StatusMisdirectedRequest {
					for k, v := range header {
						w.Header()[k] = v
					}
					w.WriteHeader(status)
					_, _ = w.Write(b)
					return nil
				}
			}
			if time.Now().After(deadline) {
				return errMoving
			}
			select {
			case <-time.After(wait):
			case <-r.Context().Done():
				return r.Context().Err()
			}
			wait = min(2*wait, 250*time.Millisecond)
		}
	}
}

// serveForwarded runs a request another node forwarded: no rate limits
// (the sender applied them), and 421 if this node does not own the guild
// either.
func (h *Handler) serveForwarded(w http.ResponseWriter, r *http.Request, mode authMode, fn handlerFunc) {
	h.serveUnlimited(w, r, mode, func(w http.ResponseWriter, r *http.Request, u *chat.User) error {
		err := fn(w, r, u)
		var no *guild.NotOwnerError
		if errors.As(err, &no) {
			w.WriteHeader(http.StatusMisdirectedRequest)
			return nil
		}
		return err
	})
}

// userGuild is guild.Registry.UserGuild, at the guild's owner in a cluster.
func (h *Handler) userGuild(ctx context.Context, guildID, userID chat.ID) (protocol.PartialGuild, error) {
	if h.cfg.Forward != nil {
		return h.cfg.Forward.UserGuild(ctx, guildID, userID)
	}
	return h.guilds.UserGuild(ctx, guildID, userID)
}

// flusher holds a local write's answer until the events the write
// published have left this node: a node killed right after it acknowledged
// a message must not take the message's events with it. Reads answer at
// once; requests another node forwarded here need nothing, since their
// answer leaves over the same NATS connection, after the events.
type flusher struct {
	http.ResponseWriter
	h       *Handler
	r       *http.Request
	flushed bool
}

func (f *flusher) flush() {
	if f.flushed {
		return
	}
	f.flushed = true
	if f.r.Method == http.MethodGet || f.r.Method == http.MethodHead {
		return
	}
	if err := f.h.cfg.Forward.Flush(f.r.Context()); err != nil {
		f.h.log.Warn("flush events before answering", "path", f.r.URL.Path, "err", err)
	}
}

func (f *flusher) WriteHeader(status int) {
	f.flush()
	f.ResponseWriter.WriteHeader(status)
}

func (f *flusher) Write(b []byte) (int, error) {
	f.flush()
	return f.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (f *flusher) Unwrap() http.ResponseWriter { return f.ResponseWriter }
