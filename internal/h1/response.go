package h1

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// streamAfter is how much of a body is held to be sent with its head in
// one write, with a Content-Length; a longer one is streamed, chunked
// unless the handler declared its length.
const streamAfter = 32 << 10

// response is the http.ResponseWriter of a request served here. Like
// net/http's it freezes the header at WriteHeader, fills in Date,
// Content-Length and a sniffed Content-Type, and answers HEAD, 204 and
// 304 without a body.
type response struct {
	c      *conn
	req    *http.Request
	header http.Header
	head   bool // a HEAD request: everything but the body

	wroteHeader bool
	status      int
	bodyAllowed bool
	haveType    bool // the handler set Content-Type (nil included: no sniffing)
	haveDate    bool
	closeAfter  bool  // Connection: close, asked or answered
	declared    int64 // the handler's Content-Length, -1 without one
	written     int64

	out  []byte // the head, then (when not streaming) the body after it
	body []byte // the body held until finish or streaming

	streaming bool
	chunked   bool
	err       error // a write to the connection failed
}

func (w *response) Header() http.Header { return w.header }

func (w *response) WriteHeader(code int) {
	if w.wroteHeader {
		w.c.s.Logger.Debug("h1: superfluous WriteHeader", "code", code, "path", w.req.URL.Path)
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if code < 200 && code != http.StatusSwitchingProtocols { // informational: sent now, as net/http does
		b := appendStatus(nil, code)
		b = appendHeader(b, w.header, code)
		b = append(b, "\r\n"...)
		w.write(b)
		return
	}
	w.wroteHeader, w.status = true, code
	w.bodyAllowed = code != http.StatusNoContent && code != http.StatusNotModified && code >= 200
	_, w.haveType = w.header["Content-Type"]
	_, w.haveDate = w.header["Date"]
	if v := w.header.Get("Content-Length"); v != "" && code != http.StatusNotModified {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			w.declared = n
		}
	}
	for _, v := range w.header["Connection"] {
		if hasToken(v, "close") {
			w.closeAfter = true
		}
	}
	w.out = appendStatus(w.out[:0], code)
	w.out = appendHeader(w.out, w.header, code)
}

func (w *response) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if !w.bodyAllowed {
		return 0, http.ErrBodyNotAllowed
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.declared >= 0 && w.written+int64(len(p)) > w.declared {
		return 0, http.ErrContentLength
	}
	w.written += int64(len(p))
	if w.streaming {
		w.sendBody(p)
		if w.err != nil {
			return 0, w.err
		}
		return len(p), nil
	}
	w.body = append(w.body, p...)
	if len(w.body) > streamAfter {
		w.startStream()
		if w.err != nil {
			return 0, w.err
		}
	}
	return len(p), nil
}

// Flush sends what the handler wrote so far (http.Flusher); the rest of
// the body follows chunked, unless its length was declared.
func (w *response) Flush() {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if !w.streaming {
		w.startStream()
	}
}

// SetReadDeadline and SetWriteDeadline serve http.ResponseController.
func (w *response) SetReadDeadline(t time.Time) error  { return w.c.nc.SetReadDeadline(t) }
func (w *response) SetWriteDeadline(t time.Time) error { return w.c.nc.SetWriteDeadline(t) }

// startStream sends the head and the body held so far.
func (w *response) startStream() {
	w.streaming = true
	w.chunked = w.declared < 0 && w.bodyAllowed
	if w.chunked {
		w.out = append(w.out, "Transfer-Encoding: chunked\r\n"...)
	} else if w.bodyAllowed {
		w.out = appendInt(append(w.out, "Content-Length: "...), w.declared)
	}
	w.endHead()
	w.write(w.out)
	if len(w.body) > 0 {
		w.sendBody(w.body)
	}
	w.body = w.body[:0]
}

// sendBody writes p as the body's next bytes (nothing for HEAD).
func (w *response) sendBody(p []byte) {
	if w.head || w.err != nil {
		return
	}
	if !w.chunked {
		w.write(p)
		return
	}
	b := strconv.AppendInt(w.out[:0], int64(len(p)), 16)
	b = append(b, "\r\n"...)
	b = append(b, p...)
	w.out = append(b, "\r\n"...)
	w.write(w.out)
}

// endHead adds the head's last lines: a sniffed Content-Type, Date,
// Connection: close, and the empty line.
func (w *response) endHead() {
	if !w.haveType && w.bodyAllowed && len(w.body) > 0 {
		w.out = append(append(append(w.out, "Content-Type: "...), http.DetectContentType(w.body)...), "\r\n"...)
	}
	if !w.haveDate {
		w.out = appendDate(append(w.out, "Date: "...))
	}
	if w.closeAfter {
		w.out = append(w.out, "Connection: close\r\n"...)
	}
	w.out = append(w.out, "\r\n"...)
}

func (w *response) write(b []byte) {
	if w.err != nil {
		return
	}
	if _, err := w.c.nc.Write(b); err != nil {
		w.err = err
	}
}

// finish ends the response after the handler returned and reports
// whether the connection may serve another request.
func (w *response) finish() bool {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.streaming {
		if w.chunked && !w.head {
			w.write([]byte("0\r\n\r\n"))
		}
		if w.declared >= 0 && w.written < w.declared {
			return false // the body came short of its length: only a close ends it
		}
		return w.err == nil && !w.closeAfter
	}
	if w.bodyAllowed {
		switch {
		case w.declared >= 0:
			w.out = appendInt(append(w.out, "Content-Length: "...), w.declared)
			if w.written < w.declared && !w.head {
				w.closeAfter = true
			}
		case !w.head || w.written > 0:
			w.out = appendInt(append(w.out, "Content-Length: "...), int64(len(w.body)))
		}
	}
	w.endHead()
	if w.bodyAllowed && !w.head {
		w.out = append(w.out, w.body...)
	}
	w.write(w.out)
	return w.err == nil && !w.closeAfter
}

func appendStatus(b []byte, code int) []byte {
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ' ')
	if t := http.StatusText(code); t != "" {
		b = append(b, t...)
	} else {
		b = append(b, "status code "...)
		b = strconv.AppendInt(b, int64(code), 10)
	}
	return append(b, "\r\n"...)
}

// appendHeader writes h's fields but those finish and startStream write
// themselves; invalid names are dropped and line breaks in values become
// spaces, as net/http does.
func appendHeader(b []byte, h http.Header, code int) []byte {
	for k, vv := range h {
		switch k {
		case "Content-Length", "Transfer-Encoding", "Connection":
			continue
		case "Content-Type":
			if code == http.StatusNotModified {
				continue
			}
		}
		if !isToken(k) {
			continue
		}
		for _, v := range vv {
			if strings.ContainsAny(v, "\r\n") {
				v = newlineToSpace.Replace(v)
			}
			b = append(b, k...)
			b = append(b, ": "...)
			b = append(b, strings.TrimSpace(v)...)
			b = append(b, "\r\n"...)
		}
	}
	return b
}

var newlineToSpace = strings.NewReplacer("\n", " ", "\r", " ")

func appendInt(b []byte, n int64) []byte {
	return append(strconv.AppendInt(b, n, 10), "\r\n"...)
}

// hasToken reports whether the comma-separated list v holds token
// (case-insensitive).
func hasToken(v, token string) bool {
	for _, t := range strings.Split(v, ",") {
		if strings.EqualFold(strings.TrimSpace(t), token) {
			return true
		}
	}
	return false
}

// The Date value changes once a second; it is formatted once per second.
type dateValue struct {
	sec int64
	b   []byte
}

var lastDate atomic.Pointer[dateValue]

func appendDate(b []byte) []byte {
	now := time.Now()
	d := lastDate.Load()
	if d == nil || d.sec != now.Unix() {
		d = &dateValue{sec: now.Unix(), b: now.UTC().AppendFormat(nil, http.TimeFormat)}
		lastDate.Store(d)
	}
	return append(append(b, d.b...), "\r\n"...)
}
