package api

import (
	"net"
	"net/http"
	"strings"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/ratelimit"
)

// routeLimit is one route's rate limit: its bucket and the path value that
// is its major parameter.
type routeLimit struct {
	route *ratelimit.Route
	major []string // path values forming the major parameter, in order
}

// limitFor resolves the bucket of the route method+path: the name routes.go
// tags it with in buckets, else a bucket of its own. It is nil without
// limits.
func (h *Handler) limitFor(method, path string) *routeLimit {
	if h.limits == nil || h.limits.Disabled() {
		return nil
	}
	name, ok := buckets[method+" "+path]
	if !ok {
		name = method + " " + path
	}
	rl := &routeLimit{route: h.limits.Route(name)}
	// Discord's top-level resources: a channel, a guild, or a webhook
	// (with its token when the path has one).
	for _, p := range [][]string{{"channel_id"}, {"guild_id"}, {"webhook_id", "webhook_token"}} {
		if strings.Contains(path, "{"+p[0]+"}") {
			for _, v := range p {
				if strings.Contains(path, "{"+v+"}") {
					rl.major = append(rl.major, v)
				}
			}
			break
		}
	}
	return rl
}

// majorOf is r's major parameter on this route.
func (rl *routeLimit) majorOf(r *http.Request) string {
	switch len(rl.major) {
	case 0:
		return ""
	case 1:
		return r.PathValue(rl.major[0])
	}
	var b strings.Builder
	for _, v := range rl.major {
		b.WriteString(r.PathValue(v))
		b.WriteByte('/')
	}
	return b.String()
}

// clientAddr is the address the request came from, without its port: the
// connection's peer. Forwarding headers are not trusted (any client can
// send them), so behind a reverse proxy every client shares the proxy's
// address for the per-address limits; a trusted-proxy setting would be
// the place to change that.
func clientAddr(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// serveLimited serves one request of a route under the limits, in
// Discord's order: an address blocked for invalid requests is refused
// first; then the caller (the user, or the address on routes without
// auth) takes from the global limit and the route's bucket, whose headers
// every answer carries. 401, 403 and 429 answers other than shared ones
// count as invalid requests of the address.
func (h *Handler) serveLimited(w http.ResponseWriter, r *http.Request, rl *routeLimit, mode authMode, fn handlerFunc) {
	addr := clientAddr(r)
	if d := h.limits.Blocked(addr); d.Limited {
		writeLimited(w, d)
		return
	}
	sw := &statusWriter{ResponseWriter: w}
	defer func() {
		switch sw.status {
		case http.StatusUnauthorized, http.StatusForbidden:
			h.limits.Invalid(addr)
		case http.StatusTooManyRequests:
			if sw.Header().Get("X-RateLimit-Scope") != string(ratelimit.ScopeShared) {
				h.limits.Invalid(addr)
			}
		}
	}()
	caller := "a" + addr
	var u *chat.User
	if mode == withAuth {
		user, err := h.authenticate(r)
		if err != nil {
			h.writeError(sw, r, err)
			return
		}
		u, caller = &user, "u"+user.ID.String()
	}
	if d := h.limits.Global(caller); d.Limited {
		writeLimited(sw, d)
		return
	}
	d := rl.route.Take(caller, rl.majorOf(r))
	if d.Limited {
		writeLimited(sw, d)
		return
	}
	d.SetHeaders(sw.Header())
	if err := fn(sw, r, u); err != nil {
		h.writeError(sw, r, err)
	}
}

// writeLimited answers 429 for d: its headers and Discord's JSON body.
func writeLimited(w http.ResponseWriter, d ratelimit.Decision) {
	d.SetHeaders(w.Header())
	writeJSON(w, http.StatusTooManyRequests, d.Body())
}

// statusWriter records the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (sw *statusWriter) WriteHeader(status int) {
	if sw.status == 0 {
		sw.status = status
	}
	sw.ResponseWriter.WriteHeader(status)
}

func (sw *statusWriter) Write(b []byte) (int, error) {
	if sw.status == 0 {
		sw.status = http.StatusOK
	}
	return sw.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (sw *statusWriter) Unwrap() http.ResponseWriter { return sw.ResponseWriter }
