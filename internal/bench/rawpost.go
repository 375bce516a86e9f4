package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// rawPoster sends one fixed request over its own keep-alive HTTP/1.1
// connection and reads the answer, for the ingest loop. net/http's Client
// costs the generator about half as much CPU again as the server spends
// on the message (two goroutines per connection, a channel hand-off each
// way and a fresh request and header map per call), and the generator
// shares the box's two cores with the server it measures: every
// microsecond it spends is one the server does not get. This client
// writes prebuilt bytes in one write(2) and parses the answer with
// readAnswer (chunked or not), so what it measures is the server.
type rawPoster struct {
	addr string // host:port to dial
	req  []byte // the whole request, headers and body
	conn net.Conn
	r    *bufio.Reader
}

// newRawPoster prepares a poster of body to path (under base, an http://
// URL) with token as its Authorization.
func newRawPoster(base, path, token string, body []byte) (*rawPoster, error) {
	u, err := url.Parse(base + path)
	if err != nil {
		return nil, fmt.Errorf("bench: raw poster: %w", err)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("bench: raw poster: %s: only http:// targets", base)
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), "80")
	}
	head := "POST " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nAuthorization: " + token +
		"\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n"
	return &rawPoster{addr: host, req: append([]byte(head), body...)}, nil
}

// post sends the request once and returns the answer's status. A
// transport error closes the connection; the next post dials again.
func (p *rawPoster) post(ctx context.Context) (int, error) {
	if p.conn == nil {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", p.addr)
		if err != nil {
			return 0, fmt.Errorf("bench: raw poster: %w", err)
		}
		p.conn, p.r = c, bufio.NewReaderSize(c, 4096)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = p.conn.SetDeadline(dl.Add(5 * time.Second)) // a hung server ends the run, not the bench
	}
	status, err := p.roundTrip()
	if err != nil {
		p.close()
		return 0, err
	}
	return status, nil
}

func (p *rawPoster) roundTrip() (int, error) {
	if _, err := p.conn.Write(p.req); err != nil {
		return 0, fmt.Errorf("bench: raw poster: write: %w", err)
	}
	status, closing, err := readAnswer(p.r)
	if err != nil {
		return 0, fmt.Errorf("bench: raw poster: read: %w", err)
	}
	if closing {
		p.close()
	}
	return status, nil
}

// readAnswer reads one HTTP/1.1 answer from r to its end and returns its
// status and whether the server closes the connection after it. It
// allocates nothing: http.ReadResponse's header map, Response and body
// reader cost the generator as much again as parsing takes here.
func readAnswer(r *bufio.Reader) (status int, closing bool, err error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	closing = line[7] == '0' // HTTP/1.0 closes unless told otherwise; good enough here
	length, chunked := -1, false
	for {
		line, err = r.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return 0, false, fmt.Errorf("malformed header line %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return 0, false, fmt.Errorf("malformed Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			closing = bytes.EqualFold(value, []byte("close"))
		}
	}
	switch {
	case status == http.StatusNoContent || status == http.StatusNotModified || status < 200:
	case chunked:
		err = skipChunked(r)
	case length >= 0:
		_, err = r.Discard(length)
	default: // the body runs to the close
		_, err = io.Copy(io.Discard, r)
		closing = true
	}
	return status, closing, err
}

// skipChunked reads a chunked body and its trailer.
func skipChunked(r *bufio.Reader) error {
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return err
		}
		size, _, _ := bytes.Cut(bytes.TrimRight(line, "\r\n"), []byte(";"))
		n, err := strconv.ParseInt(string(bytes.TrimSpace(size)), 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("malformed chunk size %q", line)
		}
		if n == 0 {
			for { // the trailer, to its empty line
				line, err := r.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return nil
				}
			}
		}
		if _, err := r.Discard(int(n)); err != nil {
			return err
		}
		if _, err := r.Discard(2); err != nil { // the chunk's CRLF
			return err
		}
	}
}

func (p *rawPoster) close() {
	if p.conn != nil {
		p.conn.Close()
		p.conn, p.r = nil, nil
	}
}
