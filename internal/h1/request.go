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
	method, target, path string
	url                  *url.URL
	host                 string
	hostLines            int
	contentLength        int
	haveLength           bool
	close                bool
	header               http.Header
}

// parse reads head into r and reports whether the request is one served
// here. Whatever it refuses, net/http serves or refuses as it always did.
func (r *request) parse(head []byte) bool {
	line, rest, _ := bytes.Cut(head, crlf)
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 <= 0 {
		return false
	}
	sp2 := bytes.IndexByte(line[sp1+1:], ' ')
	if sp2 <= 0 {
		return false
	}
	method, target, proto := line[:sp1], line[sp1+1:sp1+1+sp2], line[sp1+2+sp2:]
	if string(proto) != "HTTP/1.1" || !isToken(method) || target[0] != '/' || !isTarget(target) {
		return false
	}
	r.method = internMethod(method)
	r.target = string(target)
	u, err := url.ParseRequestURI(r.target)
	if err != nil {
		return false
	}
	r.url, r.path = u, u.Path
	r.header = make(http.Header, 8)
	for len(rest) > 2 { // the head ends with its empty line's CRLF
		line, rest, _ = bytes.Cut(rest, crlf)
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !isToken(line[:colon]) {
			return false // obs-fold (a leading space) included
		}
		value := bytes.Trim(line[colon+1:], " \t")
		if !isFieldValue(value) {
			return false
		}
		key := headerKey(line[:colon])
		switch key {
		case "Host":
			r.hostLines++
			r.host = string(value)
			continue // net/http keeps it in Request.Host only
		case "Content-Length":
			if r.haveLength || len(value) == 0 || len(value) > 9 {
				return false
			}
			n, err := strconv.Atoi(string(value))
			if err != nil || n < 0 || value[0] == '+' {
				return false
			}
			r.contentLength, r.haveLength = n, true
		case "Transfer-Encoding", "Upgrade", "Expect", "Te", "Trailer":
			return false
		case "Connection":
			for _, tok := range bytes.Split(value, comma) {
				tok = bytes.TrimSpace(tok)
				switch {
				case bytes.EqualFold(tok, closeToken):
					r.close = true
				case bytes.EqualFold(tok, upgradeToken):
					return false
				}
			}
		}
		r.header[key] = append(r.header[key], string(value))
	}
	return r.hostLines == 1
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

var (
	crlf         = []byte("\r\n")
	comma        = []byte(",")
	closeToken   = []byte("close")
	upgradeToken = []byte("upgrade")
)

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
	}
	return m
}()

// headerKey is name in canonical form (net/http's spelling of keys).
func headerKey(name []byte) string {
	if k, ok := commonHeaders[string(name)]; ok { // no allocation: a map lookup by []byte
		return k
	}
	return textproto.CanonicalMIMEHeaderKey(string(name))
}

func internMethod(m []byte) string {
	switch string(m) {
	case "GET":
		return http.MethodGet
	case "POST":
		return http.MethodPost
	case "PUT":
		return http.MethodPut
	case "PATCH":
		return http.MethodPatch
	case "DELETE":
		return http.MethodDelete
	case "HEAD":
		return http.MethodHead
	case "OPTIONS":
		return http.MethodOptions
	}
	return string(m)
}

// isToken reports whether b is an RFC 9110 token (a method or a field
// name).
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !tokenChar[c] {
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
func isTarget(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// isFieldValue reports whether v is a field value net/http accepts as is:
// no control bytes but HTAB.
func isFieldValue(v []byte) bool {
	for _, c := range v {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
