//go:build cluster

package clustertest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
)

// target is a channel the load posts to.
type target struct{ guild, channel chat.ID }

// post is one message the load tried to post.
type post struct {
	k       int // its number: content "load-k", nonce "k"
	to      target
	node    string    // the node the POST went to
	sent    time.Time // when the POST was sent
	id      chat.ID   // from the 2xx answer
	acked   bool      // a 2xx answer came
	status  int       // the answer's status; 0 if none
	err     error     // the transport error, if any
	refused int       // nodes that refused the connection first
}

func content(k int) string { return fmt.Sprintf("load-%d", k) }

// load posts messages round-robin over the live nodes of a cluster from
// several workers, as author, and records every attempt.
type load struct {
	c       *cluster
	author  *accordtest.Client
	targets []target
	http    *http.Client

	mu    sync.Mutex
	down  map[string]bool // node ids known to be dead (refused a connection)
	posts []*post
}

func newLoad(c *cluster, author *accordtest.Client, targets []target) *load {
	return &load{
		c: c, author: author, targets: targets, down: map[string]bool{},
		http: &http.Client{
			Timeout:   15 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 16, DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext},
		},
	}
}

// run posts messages from to end-1 with workers workers. at(k) is
// called by the worker about to post message k, before it posts, so a
// test can kill something in the middle of the load.
func (l *load) run(from, end, workers int, at func(k int)) {
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				k := int(next.Add(1)) - 1
				if k >= end {
					return
				}
				at(k)
				l.postOne(k)
			}
		})
	}
	wg.Wait()
}

// postOne posts message k to node k%N, or the next live one. A refused
// connection never reached the node, so the message goes to the next node;
// any other failure leaves it unacknowledged.
func (l *load) postOne(k int) {
	p := &post{k: k, to: l.targets[k%len(l.targets)]}
	nodes := l.c.nodes
	for i := range nodes {
		nd := nodes[(k+i)%len(nodes)]
		l.mu.Lock()
		dead := l.down[nd.id]
		l.mu.Unlock()
		if dead {
			continue
		}
		p.node, p.sent = nd.id, time.Now()
		p.status, p.id, p.err = l.send(nd, p)
		if p.err != nil && errRefused(p.err) {
			l.mu.Lock()
			l.down[nd.id] = true
			l.mu.Unlock()
			p.refused++
			continue
		}
		break
	}
	p.acked = p.err == nil && p.status/100 == 2 && p.id != 0
	l.mu.Lock()
	l.posts = append(l.posts, p)
	l.mu.Unlock()
}

func (l *load) send(nd *node, p *post) (int, chat.ID, error) {
	body, _ := json.Marshal(map[string]string{"content": content(p.k), "nonce": fmt.Sprint(p.k)})
	req, err := http.NewRequest("POST", fmt.Sprintf("%s/api/v10/channels/%d/messages", nd.url(), p.to.channel), bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", l.author.Prefix+l.author.Token)
	res, err := l.http.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, 0, err
	}
	var m struct {
		ID      chat.ID `json:"id"`
		Content string  `json:"content"`
	}
	if res.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, &m); err != nil || m.Content != content(p.k) {
			return res.StatusCode, 0, fmt.Errorf("2xx answer %q for %s", b, content(p.k))
		}
	}
	return res.StatusCode, m.ID, nil
}

// revive tells the load that a node is up again.
func (l *load) revive(nd *node) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.down, nd.id)
}

// summary counts the outcomes of the attempts from message from on and
// fails t on outcomes the contract does not allow: a status other than
// 2xx or 503, or a transport error other than a timeout from a node that
// was not killed.
func (l *load) summary(t *testing.T, killed string, from int) (acked int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	statuses := map[int]int{}
	var errs, refused, all int
	for _, p := range l.posts {
		if p.k < from {
			continue
		}
		all++
		refused += p.refused
		switch {
		case p.acked:
			acked++
		case p.err != nil:
			errs++
			var ne net.Error
			if p.node != killed && !(errors.As(p.err, &ne) && ne.Timeout()) {
				t.Errorf("%s on %s: %v", content(p.k), p.node, p.err)
			}
		default:
			statuses[p.status]++
			if p.status != http.StatusServiceUnavailable {
				t.Errorf("%s on %s: status %d", content(p.k), p.node, p.status)
			}
		}
	}
	t.Logf("%d posts: %d acknowledged, %d transport errors, %d refused connections moved to a live node, other statuses %v",
		all, acked, errs, refused, statuses)
	return acked
}

// byID returns the posts that landed, by message id, and all posts by k.
func (l *load) index() (byID map[chat.ID]*post, byK map[int]*post) {
	l.mu.Lock()
	defer l.mu.Unlock()
	byID, byK = map[chat.ID]*post{}, map[int]*post{}
	for _, p := range l.posts {
		byK[p.k] = p
		if p.acked {
			byID[p.id] = p
		}
	}
	return byID, byK
}

// history reads every message of the channel, newest first, a page of
// 100 at a time, from the nodes in turn.
func history(t *testing.T, author *accordtest.Client, nodes []*node, channel chat.ID) []accordtest.Message {
	t.Helper()
	var all []accordtest.Message
	path := fmt.Sprintf("/channels/%d/messages?limit=100", channel)
	for i := 0; ; i++ {
		var page []accordtest.Message
		as(author, nodes[i%len(nodes)]).Must(t, http.StatusOK, "GET", path, nil, &page)
		all = append(all, page...)
		if len(page) < 100 {
			return all
		}
		path = fmt.Sprintf("/channels/%d/messages?limit=100&before=%d", channel, page[len(page)-1].ID)
	}
}

// checkHistory checks that every acknowledged message is in its channel's
// history exactly once, with the id its answer gave, and that no load
// message is there twice. It returns the ids of every load message found.
func (l *load) checkHistory(t *testing.T, live []*node) map[chat.ID]bool {
	t.Helper()
	byID, byK := l.index()
	stored := map[chat.ID]bool{}
	seenK := map[int]chat.ID{}
	var unacked int
	for _, tg := range l.targets {
		for _, m := range history(t, l.author, live, tg.channel) {
			var k int
			if _, err := fmt.Sscanf(m.Content, "load-%d", &k); err != nil || m.Content != content(k) {
				continue // a system message (a member joined)
			}
			if stored[m.ID] {
				t.Errorf("message %d (%s) appears twice in channel %d", m.ID, m.Content, tg.channel)
			}
			stored[m.ID] = true
			if prev, dup := seenK[k]; dup {
				t.Errorf("%s stored twice: messages %d and %d", m.Content, prev, m.ID)
			}
			seenK[k] = m.ID
			p := byK[k]
			switch {
			case p == nil:
				t.Errorf("history of channel %d has %s, which was never posted", tg.channel, m.Content)
			case p.to.channel != tg.channel:
				t.Errorf("%s posted to channel %d is in channel %d", m.Content, p.to.channel, tg.channel)
			case p.acked && p.id != m.ID:
				t.Errorf("%s acknowledged as message %d is stored as %d", m.Content, p.id, m.ID)
			case !p.acked:
				unacked++
			}
		}
	}
	var lost []string
	for id, p := range byID {
		if !stored[id] {
			lost = append(lost, fmt.Sprintf("%s (id %d, on %s)", content(p.k), id, p.node))
		}
	}
	sort.Strings(lost)
	if len(lost) > 0 {
		t.Errorf("%d acknowledged messages are not in history: %s", len(lost), strings.Join(lost[:min(len(lost), 20)], ", "))
	}
	t.Logf("history: %d load messages stored (%d of them not acknowledged), %d acknowledged lost", len(stored), unacked, len(lost))
	return stored
}

// checkSession checks one live session against the load: in its current
// session (since its last READY), every acknowledged message of a guild
// posted after the session's GUILD_CREATE of that guild arrived, each
// channel's messages came in id order without a repeat or a gap, every
// message it got is stored, and its sequence numbers have no gap. The
// GUILD_CREATE, not READY, starts the duty: on one node too a message
// written between READY and the session's subscription is not delivered.
func (l *load) checkSession(t *testing.T, g *gw, stored map[chat.ID]bool) {
	t.Helper()
	if err := l.sessionErr(g, stored); err != nil {
		t.Errorf("%v\n%s", err, g.story())
	}
}

// sessionErr is checkSession's verdict: nil, or what is wrong.
func (l *load) sessionErr(g *gw, stored map[chat.ID]bool) error {
	byID, _ := l.index()
	life := g.last()
	if life == nil {
		return fmt.Errorf("%s: no READY", g.name)
	}
	if life.seqErr != nil {
		return life.seqErr
	}
	start := map[chat.ID]time.Time{} // guild -> first GUILD_CREATE in this life
	got := map[chat.ID][]chat.ID{}   // channel -> load messages in arrival order
	for _, e := range life.events {
		switch e.name {
		case "GUILD_CREATE":
			if gid := e.guild(); start[gid].IsZero() {
				start[gid] = e.at
			}
		case "MESSAGE_CREATE":
			if d := e.data(); strings.HasPrefix(d.Content, "load-") {
				got[d.ChannelID] = append(got[d.ChannelID], d.ID)
			}
		}
	}
	var problems []string
	for _, tg := range l.targets {
		if start[tg.guild].IsZero() {
			problems = append(problems, fmt.Sprintf("no GUILD_CREATE of guild %d", tg.guild))
			continue
		}
		ids := got[tg.channel]
		have := map[chat.ID]bool{}
		for i, id := range ids {
			if i > 0 && id <= ids[i-1] {
				problems = append(problems, fmt.Sprintf("channel %d: message %d after %d (repeated or out of order)", tg.channel, id, ids[i-1]))
			}
			if !stored[id] {
				problems = append(problems, fmt.Sprintf("channel %d: got message %d, which is not stored", tg.channel, id))
			}
			have[id] = true
		}
		var missing []string
		for id, p := range byID {
			if p.to != tg || have[id] {
				continue
			}
			inside := len(ids) > 0 && id > ids[0] && id < ids[len(ids)-1]
			if p.sent.After(start[tg.guild]) || inside {
				missing = append(missing, fmt.Sprintf("%s (id %d, sent %s on %s)", content(p.k), id, p.sent.Format("15:04:05.000"), p.node))
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			problems = append(problems, fmt.Sprintf("channel %d (GUILD_CREATE at %s): %d acknowledged messages missing: %s",
				tg.channel, start[tg.guild].Format("15:04:05.000"), len(missing), strings.Join(missing[:min(len(missing), 10)], ", ")))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s (life since READY at %s on %s): %s", g.name, life.ready.Format("15:04:05.000"), life.url,
			strings.Join(problems[:min(len(problems), 10)], "; "))
	}
	return nil
}

// settle waits up to a minute for every session to pass checkSession
// (events still in flight arrive), then checks each for the record.
func (l *load) settle(t *testing.T, stored map[chat.ID]bool, sessions ...*gw) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		ok := true
		for _, g := range sessions {
			ok = ok && l.sessionErr(g, stored) == nil
		}
		if ok {
			break
		}
	}
	for _, g := range sessions {
		l.checkSession(t, g, stored)
	}
}
