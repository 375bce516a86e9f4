//go:build clients

package discordgosuite

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/accordchat/accord/examples/discordgoaccord"
)

// maxTooMany is how many 429s a burst may meet: a library that honours the
// bucket waits before it sends, and a 429 now and then (a clock edge
// between the reset it was told and the server's) is tolerated; a library
// that ignores the headers gets dozens.
const maxTooMany = 3

var rateLimitHeaders = []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
	"X-RateLimit-Reset-After", "X-RateLimit-Bucket"}

// exhaustBucket sends messages as the bot, outside the library, until the
// channel's message bucket answers 429, and checks that 429 has Discord's
// shape: a JSON body with retry_after, Retry-After, X-RateLimit-Scope, Via.
func (a *accord) exhaustBucket(t *testing.T, channelID, botToken string) {
	t.Helper()
	for i := range 20 {
		status, header, raw := a.restFull(t, "POST", "/channels/"+channelID+"/messages", "Bot "+botToken,
			map[string]string{"content": fmt.Sprintf("out of band %d", i)})
		if status == http.StatusTooManyRequests {
			var body struct {
				Message    string   `json:"message"`
				RetryAfter *float64 `json:"retry_after"`
				Global     *bool    `json:"global"`
			}
			if !strings.HasPrefix(header.Get("Content-Type"), "application/json") || json.Unmarshal(raw, &body) != nil ||
				body.Message == "" || body.RetryAfter == nil || *body.RetryAfter <= 0 || body.Global == nil || *body.Global {
				t.Fatalf("429 %s %s", header.Get("Content-Type"), raw)
			}
			for _, h := range []string{"Retry-After", "X-RateLimit-Scope", "Via", "X-RateLimit-Bucket"} {
				if header.Get(h) == "" {
					t.Fatalf("the 429 lacks %s: %v", h, header)
				}
			}
			if header.Get("X-RateLimit-Scope") != "user" {
				t.Fatalf("429 X-RateLimit-Scope %q, want user", header.Get("X-RateLimit-Scope"))
			}
			return
		}
		if status != http.StatusOK {
			t.Fatalf("out-of-band message: status %d: %s", status, raw)
		}
	}
	t.Fatal("20 messages at once and no 429: the channel's message bucket is not limited")
}

// response is one HTTP response the library received.
type response struct {
	method, path string
	status       int
	header       http.Header
}

// recorder is the library's HTTP transport: it dials through the guard and
// records every response (the rate-limit headers among them).
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []response
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	res, err := r.next.RoundTrip(req)
	if err == nil {
		r.mu.Lock()
		r.seen = append(r.seen, response{req.Method, req.URL.Path, res.StatusCode, res.Header.Clone()})
		r.mu.Unlock()
	}
	return res, err
}

func (r *recorder) responses() []response {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]response(nil), r.seen...)
}

// open points discordgo at Accord with the README's snippet, logs the bot
// in with every REST request and gateway dial going through a guard and a
// recorder, and waits for READY and the guild's GUILD_CREATE.
func open(t *testing.T, a *accord, s setup) (*discordgo.Session, *discordgo.Ready, *guard, *recorder) {
	t.Helper()
	discordgoaccord.PointAt(a.base)
	g := &guard{allowed: a.host}
	var rec *recorder
	record := func(next http.RoundTripper) http.RoundTripper { rec = &recorder{next: next}; return rec }
	dg := session(t, s.botToken, g, record, discordgo.IntentsGuilds|discordgo.IntentsGuildMessages)
	return dg, login(t, dg, g, s.guildID), g, rec
}

// TestPointAtAccord: the snippet aims every endpoint discordgo uses at
// Accord, REST and gateway connections reach Accord only, and the bot logs
// in with its guild in the state cache.
func TestPointAtAccord(t *testing.T) {
	a := server(t)
	s := a.bootstrap(t, "discordgo")
	dg, ready, g, _ := open(t, a, s)

	endpoints := []string{discordgo.EndpointDiscord, discordgo.EndpointAPI, discordgo.EndpointGuilds,
		discordgo.EndpointChannels, discordgo.EndpointUsers, discordgo.EndpointGateway, discordgo.EndpointGatewayBot,
		discordgo.EndpointWebhooks, discordgo.EndpointStickers, discordgo.EndpointStageInstances, discordgo.EndpointSKUs,
		discordgo.EndpointVoice, discordgo.EndpointVoiceRegions, discordgo.EndpointNitroStickersPacks,
		discordgo.EndpointGuildCreate, discordgo.EndpointApplications, discordgo.EndpointOAuth2,
		discordgo.EndpointChannelMessages(s.channelID), discordgo.EndpointGuildMembers(s.guildID),
		discordgo.EndpointUser("@me"), discordgo.EndpointWebhookToken("1", "x")}
	for _, e := range endpoints {
		if !strings.HasPrefix(e, a.base+"/") {
			t.Errorf("endpoint %s is not on Accord %s", e, a.base)
		}
	}
	if ready.User.ID != s.botID || !ready.User.Bot {
		t.Errorf("READY user %+v, want bot %s", ready.User, s.botID)
	}
	if _, err := dg.State.Channel(s.channelID); err != nil {
		t.Errorf("state lacks the guild's channel: %v", err)
	}
	hosts := g.seen()
	if len(hosts) == 0 {
		t.Fatal("the connection guard saw no connection")
	}
	for _, h := range hosts {
		if h != a.host {
			t.Errorf("a connection left Accord for %s (all: %v)", h, hosts)
		}
	}
}

// TestBurstHonoursBucket sends a burst from as many goroutines at once:
// every message is acknowledged, the channel's history holds exactly the
// acknowledged messages in the order Accord acknowledged them, and
// discordgo waited on the per-channel bucket instead of collecting 429s.
func TestBurstHonoursBucket(t *testing.T) {
	burst := 100
	if v := os.Getenv("ACCORD_CLIENT_BURST"); v != "" {
		var err error
		if burst, err = strconv.Atoi(v); err != nil || burst < 1 || burst > 100 {
			t.Fatalf("ACCORD_CLIENT_BURST=%q: want 1..100", v)
		}
	}
	a := server(t)
	s := a.bootstrap(t, "discordgo")
	dg, _, _, rec := open(t, a, s)

	sent := make([]*discordgo.Message, burst)
	errs := make([]error, burst)
	var wg sync.WaitGroup
	for i := range burst {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sent[i], errs[i] = dg.ChannelMessageSend(s.channelID, fmt.Sprintf("discordgo burst %03d", i))
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	slices.SortFunc(sent, func(x, y *discordgo.Message) int { return compareIDs(x.ID, y.ID) })

	var history []struct{ ID, Content string }
	a.rest(t, 200, "GET", "/channels/"+s.channelID+"/messages?limit=100", s.owner, nil, &history)
	slices.Reverse(history)
	if len(history) != burst {
		t.Fatalf("history has %d messages, want %d", len(history), burst)
	}
	for i, m := range history {
		if m.ID != sent[i].ID || m.Content != sent[i].Content {
			t.Fatalf("history[%d] = %s %q, want %s %q", i, m.ID, m.Content, sent[i].ID, sent[i].Content)
		}
	}

	var posts, limited []response
	for _, r := range rec.responses() {
		if r.method == "POST" && r.path == "/api/v10/channels/"+s.channelID+"/messages" {
			posts = append(posts, r)
			if r.status == http.StatusTooManyRequests {
				limited = append(limited, r)
			}
		}
	}
	t.Logf("discordgo: %d POSTs for %d messages, %d answered 429", len(posts), burst, len(limited))
	if len(posts)-len(limited) != burst {
		t.Errorf("%d successful POSTs, want %d", len(posts)-len(limited), burst)
	}
	if len(limited) > maxTooMany {
		t.Errorf("%d 429s: discordgo did not honour the bucket", len(limited))
	}
	checkRateLimitHeaders(t, posts, limited)
}

// checkRateLimitHeaders: every message create carries Discord's rate-limit
// headers with sane values, one channel's creates share one bucket, and a
// 429 says how long to wait and for what scope.
func checkRateLimitHeaders(t *testing.T, posts, limited []response) {
	t.Helper()
	buckets := map[string]bool{}
	for _, r := range posts {
		for _, h := range rateLimitHeaders {
			if r.header.Get(h) == "" {
				t.Fatalf("a %d message create lacks %s: %v", r.status, h, r.header)
			}
		}
		limit, _ := strconv.Atoi(r.header.Get("X-RateLimit-Limit"))
		remaining, err := strconv.Atoi(r.header.Get("X-RateLimit-Remaining"))
		if err != nil || remaining < 0 || remaining >= limit {
			t.Errorf("X-RateLimit-Remaining %q with X-RateLimit-Limit %q", r.header.Get("X-RateLimit-Remaining"), r.header.Get("X-RateLimit-Limit"))
		}
		if after, err := strconv.ParseFloat(r.header.Get("X-RateLimit-Reset-After"), 64); err != nil || after < 0 {
			t.Errorf("X-RateLimit-Reset-After %q", r.header.Get("X-RateLimit-Reset-After"))
		}
		buckets[r.header.Get("X-RateLimit-Bucket")] = true
	}
	if len(buckets) != 1 {
		t.Errorf("one channel's message creates share one bucket, got %v", buckets)
	}
	for _, r := range limited {
		if r.header.Get("Retry-After") == "" || r.header.Get("X-RateLimit-Scope") == "" {
			t.Errorf("a 429 lacks Retry-After or X-RateLimit-Scope: %v", r.header)
		}
	}
}

// compareIDs orders snowflakes: a longer decimal is a larger number.
func compareIDs(x, y string) int {
	if len(x) != len(y) {
		return len(x) - len(y)
	}
	return strings.Compare(x, y)
}

// TestTooManyRequestsWaitedOut: a 429 discordgo could not foresee (the
// bucket was spent outside it) is waited out and the send retried; it
// succeeds without an error.
func TestTooManyRequestsWaitedOut(t *testing.T) {
	a := server(t)
	s := a.bootstrap(t, "discordgo")
	var ch struct{ ID string }
	a.rest(t, 201, "POST", "/guilds/"+s.guildID+"/channels", s.owner, map[string]string{"name": "discordgo-429"}, &ch)
	dg, _, _, rec := open(t, a, s)

	a.exhaustBucket(t, ch.ID, s.botToken)
	m, err := dg.ChannelMessageSend(ch.ID, "after a 429")
	if err != nil {
		t.Fatalf("send after a 429: %v", err)
	}
	var statuses []int
	for _, r := range rec.responses() {
		if r.method == "POST" && r.path == "/api/v10/channels/"+ch.ID+"/messages" {
			statuses = append(statuses, r.status)
		}
	}
	t.Logf("discordgo: message create answered %v", statuses)
	if len(statuses) < 2 || statuses[0] != http.StatusTooManyRequests || statuses[len(statuses)-1] != http.StatusOK {
		t.Errorf("message create answered %v, want a 429 then a 200", statuses)
	}
	var last []struct{ ID string }
	a.rest(t, 200, "GET", "/channels/"+ch.ID+"/messages?limit=1", s.owner, nil, &last)
	if len(last) != 1 || last[0].ID != m.ID {
		t.Errorf("history ends with %v, want %s", last, m.ID)
	}
}
