//go:build clients || clusterclients

package discordgosuite

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
)

// accord is the server under test, from ACCORD_URL, or one node of a
// cluster.
type accord struct {
	base string // e.g. "http://127.0.0.1:8080"
	host string // e.g. "127.0.0.1"
	port string // e.g. "8080"
	http *http.Client
}

func server(t *testing.T) *accord {
	t.Helper()
	a, err := at(os.Getenv("ACCORD_URL"))
	if err != nil {
		t.Fatalf("%v: run scripts/test-clients, or start `accord serve` and export ACCORD_URL", err)
	}
	return a
}

// at is the Accord server whose base URL is base.
func at(base string) (*accord, error) {
	base = strings.TrimSuffix(base, "/")
	u, err := url.Parse(base)
	if base == "" || err != nil || u.Host == "" {
		return nil, fmt.Errorf("Accord URL %q is not a base URL such as http://127.0.0.1:8080", base)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return &accord{base: base, host: u.Hostname(), port: port, http: &http.Client{Timeout: 30 * time.Second}}, nil
}

// rest calls Accord's REST v10 API and decodes the answer into out,
// failing the test unless the status is want.
func (a *accord) rest(t *testing.T, want int, method, path, token string, body, out any) {
	t.Helper()
	status, _, raw := a.restFull(t, method, path, token, body)
	if status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
}

// restFull calls Accord's REST v10 API and returns the whole answer.
func (a *accord) restFull(t *testing.T, method, path, token string, body any) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+"/api/v10"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := a.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return res.StatusCode, res.Header, raw
}

// setup is what bootstrap made: an owner, their guild and its first text
// channel, and a bot application added to the guild.
type setup struct {
	owner, guildID, channelID, botID, botToken string
}

func (a *accord) bootstrap(t *testing.T, name string) setup {
	t.Helper()
	var s setup
	suffix := make([]byte, 4)
	rand.Read(suffix)
	var reg struct{ Token string }
	a.rest(t, 201, "POST", "/auth/register", "", map[string]string{
		"username": name + "_" + hex.EncodeToString(suffix), "password": "correct horse battery staple"}, &reg)
	s.owner = reg.Token
	var guild struct{ ID string }
	a.rest(t, 201, "POST", "/guilds", s.owner, map[string]string{"name": name}, &guild)
	s.guildID = guild.ID
	var channels []struct {
		ID   string
		Type int
	}
	a.rest(t, 200, "GET", "/guilds/"+guild.ID+"/channels", s.owner, nil, &channels)
	for _, c := range channels {
		if c.Type == 0 {
			s.channelID = c.ID
			break
		}
	}
	s.botID, s.botToken = a.addBot(t, s.owner, s.guildID, name+"-bot")
	return s
}

// addBot creates a bot application of owner's named name and adds it to
// the guild; it returns the bot's user id and token.
func (a *accord) addBot(t *testing.T, owner, guildID, name string) (id, token string) {
	t.Helper()
	_, id, token = a.addBotApp(t, owner, guildID, name)
	return id, token
}

// addBotApp is addBot, also returning the application's id.
func (a *accord) addBotApp(t *testing.T, owner, guildID, name string) (appID, id, token string) {
	t.Helper()
	var app struct {
		ID  string
		Bot struct{ ID string }
	}
	a.rest(t, 201, "POST", "/applications", owner, map[string]string{"name": name}, &app)
	var tok struct{ Token string }
	a.rest(t, 200, "POST", "/applications/"+app.ID+"/bot/reset-token", owner, nil, &tok)
	a.authorize(t, owner, app.ID, guildID)
	return app.ID, app.Bot.ID, tok.Token
}

// authorize adds the bot of owner's application appID to one more guild.
func (a *accord) authorize(t *testing.T, owner, appID, guildID string) {
	t.Helper()
	a.rest(t, 200, "POST", fmt.Sprintf("/oauth2/authorize?client_id=%s&scope=bot&permissions=0", appID), owner,
		map[string]any{"guild_id": guildID, "authorize": true}, nil)
}

// guard records the host of every connection the library dials and
// refuses any that is not the Accord server, so a token sent anywhere else
// fails the test instead of leaving the machine.
type guard struct {
	allowed string
	port    string // if set, the only port allowed: one node of a cluster on the same host as the others
	mu      sync.Mutex
	hosts   []string
}

func (g *guard) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	g.mu.Lock()
	g.hosts = append(g.hosts, host)
	g.mu.Unlock()
	if host != g.allowed {
		return nil, fmt.Errorf("connection to %s: not the Accord server %s", host, g.allowed)
	}
	if g.port != "" && port != g.port {
		return nil, fmt.Errorf("connection to %s: not the Accord node %s:%s", addr, g.allowed, g.port)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

func (g *guard) seen() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.hosts...)
}

// session is discordgo for the bot token with every REST request and
// gateway dial going through g; wrap may wrap the guarded HTTP transport
// (to record or to redirect requests).
func session(t *testing.T, token string, g *guard, wrap func(http.RoundTripper) http.RoundTripper, intents discordgo.Intent) *discordgo.Session {
	t.Helper()
	dg, err := discordgo.New("Bot " + token)
	if err != nil {
		t.Fatal(err)
	}
	dg.Client = &http.Client{Timeout: 20 * time.Second, Transport: wrap(&http.Transport{DialContext: g.dial})}
	dialer := *dg.Dialer // a copy: dg.Dialer is the websocket package's default
	dialer.NetDialContext = g.dial
	dg.Dialer = &dialer
	dg.Identify.Intents = intents
	dg.ShouldReconnectOnError = false
	return dg
}

// login opens dg's gateway connection, closed when the test ends, and
// waits for READY and the guild's GUILD_CREATE.
func login(t *testing.T, dg *discordgo.Session, g *guard, guildID string) *discordgo.Ready {
	t.Helper()
	readyc := make(chan *discordgo.Ready, 1)
	guildc := make(chan struct{}, 1)
	dg.AddHandler(func(_ *discordgo.Session, r *discordgo.Ready) { readyc <- r })
	dg.AddHandler(func(_ *discordgo.Session, gc *discordgo.GuildCreate) {
		if gc.ID == guildID {
			guildc <- struct{}{}
		}
	})
	if err := dg.Open(); err != nil {
		t.Fatalf("discordgo Open: %v (connections: %v)", err, g.seen())
	}
	t.Cleanup(func() { dg.Close() })
	timeout := time.After(30 * time.Second)
	var ready *discordgo.Ready
	for got := 0; got < 2; got++ {
		select {
		case ready = <-readyc:
		case <-guildc:
		case <-timeout:
			t.Fatalf("no READY and GUILD_CREATE within 30 s (connections: %v)", g.seen())
		}
	}
	return ready
}
