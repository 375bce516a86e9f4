package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
)

// HTTPConfig bounds the public listener's connections (--http-* flags) and
// names the web origins allowed to call the API from a browser. The zero
// value of each field means its default. The timeouts apply to REST only:
// the gateway clears them on a connection it upgrades (a WebSocket lives
// for hours and has its own heartbeat and read timeouts).
type HTTPConfig struct {
	// ReadHeaderTimeout bounds reading a request's headers. Default 10 s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included, so a body
	// that never arrives cannot hold its connection. Default 30 s.
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its headers to the end
	// of its response. Default 30 s.
	WriteTimeout time.Duration
	// IdleTimeout bounds a keep-alive connection waiting for its next
	// request. Default 120 s.
	IdleTimeout time.Duration
	// MaxHeaderBytes caps a request's header size (431 beyond). Default
	// 64 KiB.
	MaxHeaderBytes int
	// CORSOrigins are the browser origins (e.g. "https://chat.example")
	// allowed to call /api from another origin (--cors-origins). Default
	// none: the web client is served from the API's own origin and needs
	// no CORS. "*" is refused: the API takes credentials.
	CORSOrigins []string
	// NetHTTPOnly serves every request with net/http alone
	// (--http-lean=false). By default package h1 serves the /api requests
	// of keep-alive connections, with less CPU per request, and hands the
	// rest (the gateway's upgrades, uploads, the web client) to net/http.
	NetHTTPOnly bool
}

// setDefaults fills c's zero fields and refuses negative bounds or a
// wildcard origin.
func (c *HTTPConfig) setDefaults() error {
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"--http-read-header-timeout", &c.ReadHeaderTimeout, 10 * time.Second},
		{"--http-read-timeout", &c.ReadTimeout, 30 * time.Second},
		{"--http-write-timeout", &c.WriteTimeout, 30 * time.Second},
		{"--http-idle-timeout", &c.IdleTimeout, 120 * time.Second},
	} {
		if *d.v < 0 {
			return fmt.Errorf("server: %s %v is negative", d.name, *d.v)
		}
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if c.MaxHeaderBytes < 0 {
		return fmt.Errorf("server: --http-max-header-bytes %d is negative", c.MaxHeaderBytes)
	}
	if c.MaxHeaderBytes == 0 {
		c.MaxHeaderBytes = 64 << 10
	}
	for _, o := range c.CORSOrigins {
		if o == "*" || o == "null" || !strings.Contains(o, "://") || strings.HasSuffix(o, "/") {
			return fmt.Errorf("server: --cors-origins %q: want scheme://host[:port], not a wildcard", o)
		}
	}
	return nil
}

// newHTTPServer is the public listener's http.Server over h, with c's
// bounds.
func newHTTPServer(c HTTPConfig, h http.Handler, log *slog.Logger) *http.Server {
	if len(c.CORSOrigins) > 0 {
		h = cors(c.CORSOrigins, h)
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: c.ReadHeaderTimeout,
		ReadTimeout:       c.ReadTimeout,
		WriteTimeout:      c.WriteTimeout,
		IdleTimeout:       c.IdleTimeout,
		MaxHeaderBytes:    c.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// corsAllowHeaders are the request headers Discord's clients send.
const corsAllowHeaders = "Authorization, Content-Type, X-Audit-Log-Reason, X-Super-Properties, X-Discord-Locale"

// cors answers cross-origin requests to /api from the allowed origins only:
// a request from any other origin gets no CORS header, so the browser
// keeps the answer from the page. The allowed origin is echoed (never "*",
// since requests carry Authorization), with Vary: Origin so caches keep
// answers per origin. A preflight (OPTIONS with
// Access-Control-Request-Method) is answered here with 204.
func cors(origins []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		api := r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/")
		if origin == "" || !api {
			next.ServeHTTP(w, r)
			return
		}
		hd := w.Header()
		hd.Add("Vary", "Origin")
		if !slices.Contains(origins, origin) {
			next.ServeHTTP(w, r)
			return
		}
		hd.Set("Access-Control-Allow-Origin", origin)
		hd.Set("Access-Control-Allow-Credentials", "true")
		hd.Set("Access-Control-Expose-Headers", "Retry-After, Via, X-RateLimit-Limit, X-RateLimit-Remaining, "+
			"X-RateLimit-Reset, X-RateLimit-Reset-After, X-RateLimit-Bucket, X-RateLimit-Global, X-RateLimit-Scope")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			hd.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
			hd.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
			hd.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			hd.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
