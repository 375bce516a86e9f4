package h1

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// readHead returns the request head at the front of br (through its empty
// line) without consuming it. It returns nil, nil when the head is not one
// to take here: longer than the buffer or maxHeader, or with a line ended
// by a bare LF (net/http's lenient reading). A read error (a deadline,
// the peer gone) ends the connection.
func readHead(br *bufio.Reader, maxHeader int) ([]byte, error) {
	limit := br.Size()
	if maxHeader > 0 && maxHeader < limit {
		limit = maxHeader
	}
	scanned := 0 // bytes known to hold no head end
	for {
		buf, _ := br.Peek(br.Buffered())
		for {
			i := bytes.IndexByte(buf[scanned:], '\n')
			if i < 0 {
				break
			}
			end := scanned + i
			if end == 0 || buf[end-1] != '\r' {
				return nil, nil // a bare LF, or a request starting with one
			}
			if end == 1 { // a leading empty line: net/http skips it, we hand it over
				return nil, nil
			}
			if end >= 3 && buf[end-2] == '\n' && buf[end-3] == '\r' {
				return buf[:end+1], nil
			}
			scanned = end + 1
		}
		if len(buf) >= limit {
			return nil, nil
		}
		if _, err := br.Peek(len(buf) + 1); err != nil {
			return nil, err
		}
	}
}

// request is what parse reads from a head.
type request struct {
	method, target string
	url            *url.URL
	host           string
	hostLines      int
	contentLength  int
	haveLength     bool
	close          bool
	header         http.Header
}

// parse reads head into r and reports whether the request is one served
// here. Whatever it refuses, net/http serves or refuses as it always did.
// The head is copied once into a string, and the target and every header
// value are pieces of it; the values' slices share one array, as in
// net/textproto.
func (r *request) parse(raw []byte) bool {
	head := string(raw)
	line, rest, _ := strings.Cut(head, "\r\n")
	method, line, ok1 := strings.Cut(line, " ")
	target, proto, ok2 := strings.Cut(line, " ")
	if !ok1 || !ok2 || proto != "HTTP/1.1" || !isToken(method) || target == "" || target[0] != '/' || !isTarget(target) {
		return false
	}
	r.method = method // a piece of head, like the values: no allocation
	r.target = target
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return false
	}
	r.url = u
	lines := strings.Count(rest, "\n")
	r.header = make(http.Header, lines)
	values := make([]string, lines)
	for len(rest) > 2 { // the head ends with its empty line's CRLF
		line, rest, _ = strings.Cut(rest, "\r\n")
		name, value, ok := strings.Cut(line, ":")
		if !ok || !isToken(name) {
			return false // obs-fold (a leading space) included
		}
		value = strings.Trim(value, " \t")
		if !isFieldValue(value) {
			return false
		}
		key := headerKey(name)
		switch key {
		case "Host":
			r.hostLines++
			r.host = value
			continue // net/http keeps it in Request.Host only
		case "Content-Length":
			if r.haveLength || len(value) == 0 || len(value) > 9 || value[0] == '+' {
				return false
			}
			n, err := strconv.Atoi(value)
			if err != nil || n < 0 {
				return false
			}
			r.contentLength, r.haveLength = n, true
		case "Transfer-Encoding", "Upgrade", "Expect", "Te", "Trailer":
			return false
		case "Connection":
			for _, tok := range strings.Split(value, ",") {
				tok = strings.TrimSpace(tok)
				switch {
				case strings.EqualFold(tok, "close"):
					r.close = true
				case strings.EqualFold(tok, "upgrade"):
					return false
				}
			}
		}
		if vv := r.header[key]; vv != nil {
			r.header[key] = append(vv, value)
			continue
		}
		values[0] = value
		r.header[key] = values[:1:1] // a second value reallocates, leaving the others be
		values = values[1:]
	}
	// net/http answers 400 to a Host it finds malformed; it gets those.
	return r.hostLines == 1 && httpguts.ValidHostHeader(r.host)
}

// httpRequest builds the *http.Request the handler gets, as net/http's
// would be for the same bytes.
func (r *request) httpRequest(ctx context.Context, remote string, body io.ReadCloser) *http.Request {
	req := &http.Request{
		Method:        r.method,
		URL:           r.url,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        r.header,
		Body:          body,
		ContentLength: int64(r.contentLength),
		Close:         r.close,
		Host:          r.host,
		RemoteAddr:    remote,
		RequestURI:    r.target,
	}
	return req.WithContext(ctx)
}

// bodyReader is a request body read whole before the handler runs.
type bodyReader struct{ bytes.Reader }

func (*bodyReader) Close() error { return nil }

// commonHeaders spares the canonicalising allocation for the names bots
// and browsers send on every request.
var commonHeaders = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{"Host", "Authorization", "Content-Type", "Content-Length", "User-Agent",
		"Accept", "Accept-Encoding", "Accept-Language", "Connection", "Origin", "Referer", "Cookie",
		"X-Audit-Log-Reason", "X-Super-Properties", "X-Discord-Locale", "X-Ratelimit-Precision",
		"Transfer-Encoding", "Upgrade", "Expect", "Te", "Trailer", "If-None-Match", "If-Modified-Since",
		"Cache-Control", "Pragma", "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-Dest", "Forwarded",
		"X-Forwarded-For", "X-Forwarded-Proto", "X-Real-Ip"} {
		m[k] = k
		m[strings.ToLower(k)] = k // as undici (discord.js) and HTTP/2-minded clients send them
	}
	return m
}()

// headerKey is name in canonical form (net/http's spelling of keys).
func headerKey(name string) string {
	if k, ok := commonHeaders[name]; ok {
		return k
	}
	return textproto.CanonicalMIMEHeaderKey(name)
}

// isToken reports whether b is an RFC 9110 token (a method or a field
// name).
func isToken(b string) bool {
	if len(b) == 0 {
		return false
	}
	for i := 0; i < len(b); i++ {
		if !tokenChar[b[i]] {
			return false
		}
	}
	return true
}

var tokenChar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// isTarget reports whether an origin-form target has no control bytes,
// spaces or bytes beyond ASCII (net/http refuses or escapes those).
func isTarget(b string) bool {
	for i := 0; i < len(b); i++ {
		if c := b[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// isFieldValue reports whether v is a field value net/http accepts as is:
// no control bytes but HTAB.
func isFieldValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
