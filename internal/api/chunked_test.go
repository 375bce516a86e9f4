package api_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/protocol"
)

// TestMalformedChunkedBody: a request whose chunked body cannot be
// decoded is the client's fault: 400 with 50109, not 500.
func TestMalformedChunkedBody(t *testing.T) {
	s := run(t)
	alice := s.Register(t, "alice")
	_, ch := alice.CreateGuild(t, "chunks")
	u, err := url.Parse(s.Base)
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"bad size":       "zz\r\n{\"content\":\"x\"}\r\n0\r\n\r\n",
		"short chunk":    "40\r\n{\"content\":\"x\"}\r\n0\r\n\r\n",
		"no chunk crlf":  "3\r\nabcdef0\r\n\r\n",
		"huge size line": strings.Repeat("f", 5000) + "\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			c, err := net.Dial("tcp", u.Host)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			fmt.Fprintf(c, "POST %s/channels/%d/messages HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\n"+
				"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n%s", u.Path, ch, u.Host, alice.Token, body)
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.CloseWrite() // a short chunk ends at EOF
			}
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			want := fmt.Sprintf(`"code":%d`, protocol.CodeInvalidJSON)
			if resp.StatusCode != 400 || !strings.Contains(string(b), want) {
				t.Fatalf("status %d body %s, want 400 with %s", resp.StatusCode, b, want)
			}
		})
	}
}
