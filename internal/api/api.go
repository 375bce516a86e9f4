// Package api serves Discord's REST API v10 (with /api/v9 and /api as
// aliases): the bootstrap routes (register, login, applications, OAuth2 bot
// authorisation, invites), users, guilds, channels, roles, members,
// overwrites, typing and messages (with file uploads: multipart.go,
// attachments.go), custom emoji (emojis.go), and GET /gateway(/bot);
// and, on the same listener, the media CDN with Discord's paths (cdn.go).
//
// Handlers return an error; one adapter turns it into Discord's error body
// ({"code", "message", "errors"}), keeping what the client sees apart from
// what is logged. No Go error text reaches a client. Guild-scoped changes go
// through the guild actors (package guild), messages through the data
// service behind them.
//
// A Handler is safe for concurrent use.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/accordchat/accord/internal/account"
	"github.com/accordchat/accord/internal/auth"
	"github.com/accordchat/accord/internal/blob"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/dm"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/interaction"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/ratelimit"
	"github.com/accordchat/accord/internal/signedurl"
	"github.com/accordchat/accord/internal/snowflake"
	"github.com/accordchat/accord/internal/store"
)

// Config configures a Handler.
type Config struct {
	Store    store.Store          // required: applications, invites, a user's guild list
	Accounts *account.Service     // required: users, tokens, registration, login, profiles
	Guilds   *guild.Registry      // required: every guild-scoped read and change
	IDs      *snowflake.Generator // required
	// DMs, if set, serves private channels and relationships (dms.go);
	// without it their routes answer 404.
	DMs *dm.Service
	// Logger defaults to slog.Default().
	Logger *slog.Logger
	// MaxBodyBytes caps request bodies (40005 beyond). Default 1 MiB.
	MaxBodyBytes int64
	// GatewayPath is where the WebSocket gateway is served. Default "/gateway".
	GatewayPath string
	// Sessions, if set, lets a bot token reset end the bot's live gateway
	// sessions (Discord disconnects them); without it they stay until
	// their next IDENTIFY or RESUME fails.
	Sessions SessionCloser
	// ReadStates, if set, records acknowledgements (POST .../ack); nil
	// answers them 10003.
	ReadStates ReadStates
	// Limits, if set, rate-limits every route (see limits.go); nil or a
	// disabled Limiter limits nothing.
	Limits *ratelimit.Limiter
	// Forward, in cluster mode, runs requests for other nodes' guilds at
	// their owners (see cluster.go).
	Forward Forwarder
	// MoveWait bounds how long a request for a moving guild waits for its
	// new owner before it answers 503. Default DefaultMoveWait.
	MoveWait time.Duration

	// Blobs stores attachments, avatars and icons; nil refuses uploads
	// (a multipart request's files are then an error) and serves no CDN.
	Blobs blob.Store
	// Signer signs attachment URLs (see cdn.go); required with Blobs.
	Signer *signedurl.Signer
	// MaxFileBytes caps one uploaded file and MaxUploadBytes all files of
	// one request (40005 beyond). Both default to DefaultMaxUploadBytes.
	MaxFileBytes, MaxUploadBytes int64
	// MaxPixels bounds the images the CDN decodes to resize or convert.
	// Default media.DefaultMaxPixels.
	MaxPixels int
	// Interactions holds the interactions in flight (interactions.go);
	// nil makes a registry with interaction's defaults.
	Interactions *interaction.Registry
	// InteractionsEndpointHosts, when not empty, are the only hosts an
	// application's interactions_endpoint_url may name (the operator's
	// allow-list; interaction.EndpointsConfig.Hosts).
	InteractionsEndpointHosts []string
}

// SessionCloser ends a user's gateway sessions. The gateway implements it.
type SessionCloser interface {
	CloseUserSessions(userID chat.ID, code protocol.CloseCode)
}

// Handler is the REST API's http.Handler.
type Handler struct {
	cfg      Config
	log      *slog.Logger
	st       store.Store
	accounts *account.Service
	guilds   *guild.Registry
	dms      *dm.Service // nil: no private channels
	ids      *snowflake.Generator
	mux      *http.ServeMux
	limits   *ratelimit.Limiter // nil: no limits
	blobs    blob.Store         // nil: no uploads, no CDN
	// interactions hands interaction follow-ups on the webhook routes
	// over (webhooks.go); set before serving, then read-only.
	interactions interactionHooks
	inter        *interaction.Registry
	// endpoints posts HTTP interactions (interaction_http.go); deliveries
	// counts those in flight, for WaitDeliveries.
	endpoints  *interaction.Endpoints
	deliveries sync.WaitGroup

	// appMu serialises the read-modify-write of applications (flag edits,
	// token resets), so that two resets cannot both revoke the same old
	// token and leave one new token unrecorded, and a flag edit cannot
	// write back a stale token hash. Those are rare operations: one lock
	// for all applications is enough. It orders only this process's
	// writers; nodes of a cluster rely on owners not racing themselves.
	appMu sync.Mutex
}

// Prefixes under which every route is served.
var prefixes = []string{"/api/v10", "/api/v9", "/api"}

// New returns a Handler serving every route under each prefix.
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil || cfg.Accounts == nil || cfg.Guilds == nil || cfg.IDs == nil {
		return nil, errors.New("api: Config.Store, Accounts, Guilds and IDs are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 1 << 20
	}
	if cfg.MoveWait <= 0 {
		cfg.MoveWait = DefaultMoveWait
	}
	if cfg.GatewayPath == "" {
		cfg.GatewayPath = "/gateway"
	}
	if cfg.Blobs != nil && cfg.Signer == nil {
		return nil, errors.New("api: Config.Signer is required with Blobs")
	}
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if cfg.MaxFileBytes <= 0 {
		cfg.MaxFileBytes = DefaultMaxUploadBytes
	}
	h := &Handler{cfg: cfg, log: cfg.Logger.WithGroup("api"), st: cfg.Store, accounts: cfg.Accounts, guilds: cfg.Guilds, dms: cfg.DMs, ids: cfg.IDs, mux: http.NewServeMux(),
		limits: cfg.Limits, blobs: cfg.Blobs, inter: cfg.Interactions}
	if h.inter == nil {
		h.inter = interaction.New(interaction.Config{})
	}
	h.endpoints = interaction.NewEndpoints(interaction.EndpointsConfig{Hosts: cfg.InteractionsEndpointHosts, Timeout: h.inter.AckWindow()})
	// Interaction follow-ups share the webhook token routes (webhooks.go).
	h.SetInteractionWebhooks(h.inter, h.interactionWebhook)
	h.routes()
	return h, nil
}

// handlerFunc is a route handler. u is the authenticated user (nil on
// routes without auth).
type handlerFunc func(w http.ResponseWriter, r *http.Request, u *chat.User) error

type authMode int

const (
	noAuth authMode = iota
	withAuth
)

func (h *Handler) handle(method, path string, mode authMode, fn handlerFunc) {
	rl := h.limitFor(method, path)
	maxBody := bodyLimits[method+" "+path]
	for _, p := range prefixes {
		h.mux.HandleFunc(method+" "+p+path, func(w http.ResponseWriter, r *http.Request) {
			if maxBody > 0 {
				// A declared length over the route's cap is refused before
				// anything runs (even a handler that reads no body); a
				// chunked body is capped as it is read. readBody's
				// Config.MaxBodyBytes cap wraps this one, so the smaller
				// of the two applies.
				if r.ContentLength > maxBody {
					h.writeError(w, r, errTooLarge)
					return
				}
				r.Body = http.MaxBytesReader(w, r.Body, maxBody)
			}
			if reason := auditReason(r); reason != "" {
				// The audit log records it with the operation (see
				// guild.WithAuditReason).
				r = r.WithContext(guild.WithAuditReason(r.Context(), reason))
			}
			fn := fn
			if h.cfg.Forward != nil {
				if forwarded(r.Context()) {
					h.serveForwarded(w, r, mode, fn)
					return
				}
				fn = h.atOwner(fn)
			}
			if rl != nil {
				h.serveLimited(w, r, rl, mode, fn)
				return
			}
			h.serveUnlimited(w, r, mode, fn)
		})
	}
}

// serveUnlimited runs fn for a route without rate limits: the caller
// authenticated if the route needs it, errors written as Discord's bodies.
func (h *Handler) serveUnlimited(w http.ResponseWriter, r *http.Request, mode authMode, fn handlerFunc) {
	var u *chat.User
	if mode == withAuth {
		user, err := h.authenticate(r)
		if err != nil {
			h.writeError(w, r, err)
			return
		}
		u = &user
	}
	if err := fn(w, r, u); err != nil {
		h.writeError(w, r, err)
	}
}

// ServeHTTP routes the request. Unknown routes get Discord's 404 body, known
// routes with the wrong method its 405 body.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if _, pattern := h.mux.Handler(r); pattern == "" {
		// The mux answers with plain text; replace its body with ours.
		h.mux.ServeHTTP(&routeMissWriter{ResponseWriter: w}, r)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// routeMissWriter turns the mux's own 404/405 replies into Discord bodies.
type routeMissWriter struct {
	http.ResponseWriter
	replaced bool
}

func (rw *routeMissWriter) WriteHeader(status int) {
	var body *protocol.APIError
	switch status {
	case http.StatusNotFound:
		body = protocol.NewAPIError(http.StatusNotFound, protocol.CodeGeneral, "404: Not Found")
	case http.StatusMethodNotAllowed:
		body = protocol.NewAPIError(http.StatusMethodNotAllowed, protocol.CodeGeneral, "405: Method Not Allowed")
	default:
		rw.ResponseWriter.WriteHeader(status)
		return
	}
	rw.replaced = true
	rw.Header().Del("X-Content-Type-Options")
	writeJSON(rw.ResponseWriter, status, body)
}

func (rw *routeMissWriter) Write(b []byte) (int, error) {
	if rw.replaced {
		return len(b), nil
	}
	return rw.ResponseWriter.Write(b)
}

// authenticate resolves the Authorization header: "Bot <token>", "Bearer
// <token>" or the bare token, as Discord's clients send them. A user's
// token with the "Bot " scheme is refused, as Discord refuses it.
func (h *Handler) authenticate(r *http.Request) (chat.User, error) {
	token, botScheme := account.SplitAuthorization(r.Header.Get("Authorization"))
	u, err := h.accounts.Authenticate(r.Context(), token)
	if err == nil {
		err = account.CheckScheme(u, botScheme)
	}
	if errors.Is(err, auth.ErrBadToken) {
		return chat.User{}, errUnauthorized
	}
	return u, err
}

var errUnauthorized = protocol.NewAPIError(http.StatusUnauthorized, protocol.CodeGeneral, "401: Unauthorized")

// sentinels maps domain errors to Discord's status, code and message.
var sentinels = []struct {
	err     error
	status  int
	code    int
	message string
}{
	{chat.ErrUnknownGuild, http.StatusNotFound, protocol.CodeUnknownGuild, "Unknown Guild"},
	{chat.ErrUnknownChannel, http.StatusNotFound, protocol.CodeUnknownChannel, "Unknown Channel"},
	{chat.ErrUnknownMessage, http.StatusNotFound, protocol.CodeUnknownMessage, "Unknown Message"},
	{chat.ErrUnknownUser, http.StatusNotFound, protocol.CodeUnknownUser, "Unknown User"},
	{chat.ErrUnknownRole, http.StatusNotFound, protocol.CodeUnknownRole, "Unknown Role"},
	{chat.ErrUnknownMember, http.StatusNotFound, protocol.CodeUnknownMember, "Unknown Member"},
	{chat.ErrUnknownInvite, http.StatusNotFound, protocol.CodeUnknownInvite, "Unknown Invite"},
	{chat.ErrUnknownApp, http.StatusNotFound, protocol.CodeUnknownApplication, "Unknown Application"},
	{chat.ErrMissingAccess, http.StatusForbidden, protocol.CodeMissingAccess, "Missing Access"},
	{chat.ErrMissingPerms, http.StatusForbidden, protocol.CodeMissingPermissions, "Missing Permissions"},
}

// writeError is the one place errors become responses.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var apiErr *protocol.APIError
	if errors.As(err, &apiErr) {
		writeJSON(w, apiErr.Status, apiErr)
		return
	}
	var limited *ratelimit.Error
	if errors.As(err, &limited) {
		writeLimited(w, limited.Decision)
		return
	}
	var slow *guild.SlowmodeError
	if errors.As(err, &slow) {
		writeSlowmode(w, slow)
		return
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			writeJSON(w, s.status, protocol.NewAPIError(s.status, s.code, s.message))
			return
		}
	}
	switch {
	case errors.Is(err, guild.ErrBusy) || errors.Is(err, auth.ErrBusy):
		// The guild's inbox is full, or password hashing is at its bound:
		// ask the client to retry shortly, the way Discord's libraries
		// already handle (SetLimitedHeaders adds Via: discord.py sees a
		// ban in a 429 without it).
		ratelimit.SetLimitedHeaders(w.Header(), ratelimit.ScopeShared, time.Second)
		if h.limits != nil {
			h.limits.Shared()
		}
		writeJSON(w, http.StatusTooManyRequests, protocol.RateLimited{
			Message: "The resource is being rate limited.", RetryAfter: 0.05, Code: protocol.CodeGeneral})
		return
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		return // the client went away; nobody reads the answer
	case errors.Is(err, guild.ErrClosed) || errors.Is(err, store.ErrClosed):
		writeJSON(w, http.StatusServiceUnavailable, protocol.NewAPIError(http.StatusServiceUnavailable, protocol.CodeGeneral, "503: Service Unavailable"))
		return
	}
	h.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	writeJSON(w, http.StatusInternalServerError, protocol.NewAPIError(http.StatusInternalServerError, protocol.CodeGeneral, "500: Internal Server Error"))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := protocol.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"message":"500: Internal Server Error","code":0}`)
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}
