package bench

import (
	"bufio"
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
// http.ReadResponse (chunked or not), so what it measures is the server.
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
	resp, err := http.ReadResponse(p.r, nil)
	if err != nil {
		return 0, fmt.Errorf("bench: raw poster: read: %w", err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, fmt.Errorf("bench: raw poster: read body: %w", err)
	}
	if resp.Close {
		p.close()
	}
	return resp.StatusCode, nil
}

func (p *rawPoster) close() {
	if p.conn != nil {
		p.conn.Close()
		p.conn, p.r = nil, nil
	}
}
