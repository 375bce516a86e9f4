package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/golden"
)

// TestGoldenREST drives a real server through the common REST calls and
// pins every answer, byte for byte, in testdata/golden/rest.txt: the wire
// output of the routes, not only the structs behind them. Snowflakes,
// timestamps, tokens, invite codes and the server's address change from run
// to run; the transcript replaces them with stable placeholders, numbering
// snowflakes in order of first appearance so that the same ID reads the
// same wherever it recurs. Rewrite the transcript after a meant change with
//
//	go test ./internal/api -run GoldenREST -update

func TestGoldenREST(t *testing.T) {
	s := run(t)
	tr := newTranscript(s)

	var reg struct {
		Token  string `json:"token"`
		UserID string `json:"user_id"`
	}
	tr.call(t, &accordtest.Client{S: s}, "POST", "/auth/register",
		`{"username":"golden_alice","password":"password123","global_name":"Alice <A> & Co"}`, &reg)
	alice := &accordtest.Client{S: s, Token: reg.Token}
	tr.call(t, s.Anonymous(), "POST", "/auth/login", `{"login":"golden_alice","password":"password123"}`, nil)
	tr.call(t, alice, "GET", "/users/@me", nil, nil)

	var g struct {
		ID string `json:"id"`
	}
	tr.call(t, alice, "POST", "/guilds", `{"name":"Golden Guild"}`, &g)
	tr.call(t, alice, "GET", "/guilds/"+g.ID, nil, nil)
	var channels []struct {
		ID   string `json:"id"`
		Type int    `json:"type"`
	}
	tr.call(t, alice, "GET", "/guilds/"+g.ID+"/channels", nil, &channels)
	ch := ""
	for _, c := range channels {
		if c.Type == 0 && ch == "" {
			ch = c.ID
		}
	}
	if ch == "" {
		t.Fatalf("no text channel in %+v", channels)
	}

	var first struct {
		ID string `json:"id"`
	}
	tr.call(t, alice, "POST", "/channels/"+ch+"/messages", `{"content":"hello <b>world</b> & all","nonce":"n-1"}`, &first)
	tr.call(t, alice, "POST", "/channels/"+ch+"/messages", fmt.Sprintf(
		`{"content":"<@%s> see above @everyone","tts":true,`+
			`"embeds":[{"title":"T","description":"D","url":"https://e.com/?a=1&b=2","color":0,`+
			`"footer":{"text":"f"},"fields":[{"name":"n","value":"v","inline":true}]}],`+
			`"message_reference":{"message_id":"%s"}}`, reg.UserID, first.ID), nil)
	tr.call(t, alice, "PATCH", "/channels/"+ch+"/messages/"+first.ID, `{"content":"hello again"}`, nil)
	tr.call(t, alice, "GET", "/channels/"+ch+"/messages?limit=10", nil, nil)

	var inv struct {
		Code string `json:"code"`
	}
	tr.call(t, alice, "POST", "/channels/"+ch+"/invites", `{"max_age":3600,"max_uses":5}`, &inv)
	tr.call(t, s.Anonymous(), "GET", "/invites/"+inv.Code+"?with_counts=true", nil, nil)

	tr.call(t, alice, "GET", "/users/@me/guilds", nil, nil)

	var app struct {
		ID string `json:"id"`
	}
	tr.call(t, alice, "POST", "/applications", `{"name":"Golden Helper"}`, &app)
	var tok struct {
		Token string `json:"token"`
	}
	tr.call(t, alice, "POST", "/applications/"+app.ID+"/bot/reset-token", nil, &tok)
	tr.call(t, alice, "POST", "/oauth2/authorize?client_id="+app.ID+"&scope=bot&permissions=2048",
		`{"guild_id":"`+g.ID+`","authorize":true}`, nil)
	bot := &accordtest.Client{S: s, Token: tok.Token, Prefix: "Bot "}
	tr.call(t, bot, "GET", "/applications/@me", nil, nil)
	tr.call(t, bot, "GET", "/guilds/"+g.ID+"/members?limit=10", nil, nil)
	tr.call(t, bot, "GET", "/guilds/"+g.ID+"/roles", nil, nil)
	tr.call(t, alice, "GET", "/gateway", nil, nil)
	tr.call(t, alice, "GET", "/gateway/bot", nil, nil)

	// Errors: each adapter path once.
	tr.call(t, s.Anonymous(), "GET", "/users/@me", nil, nil)
	tr.call(t, alice, "GET", "/channels/1/messages", nil, nil)
	tr.call(t, s.Anonymous(), "POST", "/auth/register", `{"username":"x","password":"1"}`, nil)
	tr.call(t, alice, "POST", "/channels/"+ch+"/messages", `{"content":""}`, nil)
	tr.call(t, alice, "POST", "/channels/"+ch+"/messages", `{"content":`, nil)
	tr.call(t, alice, "GET", "/no/such/route", nil, nil)
	tr.call(t, alice, "PUT", "/guilds", nil, nil)

	path := filepath.Join("testdata", "golden", "rest.txt")
	got := tr.buf.Bytes()
	golden.Check(t, path, got)
}

// transcript records requests and normalised answers.
type transcript struct {
	buf  bytes.Buffer
	host string            // the server's host:port, as gateway URLs carry it
	code string            // the invite code, once an answer has shown it
	ids  map[string]string // snowflake -> placeholder
}

func newTranscript(s *accordtest.Server) *transcript {
	return &transcript{host: strings.TrimPrefix(s.URL(), "http://"), ids: map[string]string{}}
}

var (
	// Snowflakes the server makes now have 19 digits; permission strings
	// and small literal IDs have fewer, so they stay as they are.
	snowflakeRE = regexp.MustCompile(`\d{18,20}`)
	timeRE      = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00`)
	tokenRE     = regexp.MustCompile(`"token":"[^"]*"`)
	verifyKeyRE = regexp.MustCompile(`"verify_key":"[0-9a-f]{64}"`)
	inviteRE    = regexp.MustCompile(`"code":"([A-Za-z0-9]{8})"`)
)

func (tr *transcript) normalise(s string) string {
	s = tokenRE.ReplaceAllString(s, `"token":"<token>"`)
	s = verifyKeyRE.ReplaceAllString(s, `"verify_key":"<verify_key>"`)
	s = timeRE.ReplaceAllString(s, "<time>")
	if m := inviteRE.FindStringSubmatch(s); m != nil && tr.code == "" {
		tr.code = m[1]
	}
	if tr.code != "" {
		s = strings.ReplaceAll(s, tr.code, "<invite>")
	}
	s = strings.ReplaceAll(s, tr.host, "<host>")
	return snowflakeRE.ReplaceAllStringFunc(s, func(id string) string {
		p, ok := tr.ids[id]
		if !ok {
			p = fmt.Sprintf("<id%d>", len(tr.ids)+1)
			tr.ids[id] = p
		}
		return p
	})
}

// call sends a request, appends it and its answer to the transcript and,
// when out is not nil, decodes the raw answer into it.
func (tr *transcript) call(t *testing.T, c *accordtest.Client, method, path string, body, out any) {
	t.Helper()
	st, b, err := c.Request(method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, st, b, err)
		}
	}
	fmt.Fprintf(&tr.buf, "%s %s\n", method, tr.normalise(path))
	if s, ok := body.(string); ok {
		fmt.Fprintf(&tr.buf, "> %s\n", tr.normalise(s))
	}
	fmt.Fprintf(&tr.buf, "%d %s\n\n", st, tr.normalise(string(b)))
}
