//go:build clusterclients

package discordgosuite

import (
	"errors"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/accordchat/accord/examples/discordgoaccord"
)

// eventWait bounds how long one event may take to cross the cluster.
const eventWait = 15 * time.Second

// permViewChannel is VIEW_CHANNEL.
const permViewChannel = 1 << 10

// cluster returns the node the owner's REST calls go to (ACCORD_URL) and
// two other nodes of the same cluster (from ACCORD_CLUSTER_URLS), for the
// bots. scripts/test-cluster-clients sets both.
func cluster(t *testing.T) (owner *accord, bots [2]*accord, all []*accord) {
	t.Helper()
	owner = server(t)
	var others []*accord
	for _, u := range strings.Split(os.Getenv("ACCORD_CLUSTER_URLS"), ",") {
		a, err := at(strings.TrimSpace(u))
		if err != nil {
			t.Fatalf("ACCORD_CLUSTER_URLS: %v: run scripts/test-cluster-clients against `scripts/cluster up`", err)
		}
		if slices.ContainsFunc(all, func(b *accord) bool { return b.base == a.base }) {
			continue
		}
		all = append(all, a)
		if a.base != owner.base {
			others = append(others, a)
		}
	}
	if len(all) < 3 || len(others) != len(all)-1 {
		t.Fatalf("ACCORD_CLUSTER_URLS %q: want 3 or more nodes, ACCORD_URL %s among them", os.Getenv("ACCORD_CLUSTER_URLS"), owner.base)
	}
	return owner, [2]*accord{others[0], others[1]}, all
}

// rehost sends every request to one node: discordgo's endpoints are package
// variables (one base for the whole process), so each bot's transport
// rewrites the scheme and host to its own node. The gateway URL follows:
// discordgo asks GET /gateway, which the node answers with its own URL.
type rehost struct {
	to   *url.URL
	next http.RoundTripper
}

func (r *rehost) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host, req.Host = r.to.Scheme, r.to.Host, r.to.Host
	return r.next.RoundTrip(req)
}

// bot is one discordgo session whose REST and gateway connections all go to
// one node, and the events it received.
type bot struct {
	id    string
	node  *accord
	dg    *discordgo.Session
	guard *guard

	mu      sync.Mutex
	events  []any         // MESSAGE_*, TYPING_START and CHANNEL_UPDATE, in arrival order
	changed chan struct{} // closed and replaced when an event is added
}

// openAt logs the bot token in at node and waits for READY and the guild.
func openAt(t *testing.T, node *accord, token, guildID string) *bot {
	t.Helper()
	to, err := url.Parse(node.base)
	if err != nil {
		t.Fatal(err)
	}
	b := &bot{node: node, guard: &guard{allowed: node.host, port: node.port}, changed: make(chan struct{})}
	redirect := func(next http.RoundTripper) http.RoundTripper { return &rehost{to: to, next: next} }
	b.dg = session(t, token, b.guard, redirect, discordgo.IntentsGuilds|discordgo.IntentsGuildMessages|
		discordgo.IntentsGuildMessageTyping|discordgo.IntentMessageContent)
	b.dg.AddHandler(b.record)
	b.id = login(t, b.dg, b.guard, guildID).User.ID
	if len(b.guard.seen()) == 0 {
		t.Fatal("the connection guard saw no connection")
	}
	return b
}

func (b *bot) record(_ *discordgo.Session, e any) {
	switch e.(type) {
	case *discordgo.MessageCreate, *discordgo.MessageUpdate, *discordgo.MessageDelete,
		*discordgo.TypingStart, *discordgo.ChannelUpdate:
	default:
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.events = append(b.events, e)
	close(b.changed)
	b.changed = make(chan struct{})
}

// await waits for an event that match accepts and returns it.
func (b *bot) await(t *testing.T, what string, match func(any) bool) any {
	t.Helper()
	deadline := time.After(eventWait)
	for seen := 0; ; {
		b.mu.Lock()
		events, changed := append([]any(nil), b.events[seen:]...), b.changed
		b.mu.Unlock()
		if i := slices.IndexFunc(events, match); i >= 0 {
			return events[i]
		}
		seen += len(events)
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("bot on %s: no %s within %v", b.node.base, what, eventWait)
		}
	}
}

// received lists the events so far that match accepts.
func (b *bot) received(match func(any) bool) []any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []any
	for _, e := range b.events {
		if match(e) {
			out = append(out, e)
		}
	}
	return out
}

// messageEvent accepts a MESSAGE_CREATE (kind "create"), MESSAGE_UPDATE
// ("update") or MESSAGE_DELETE ("delete") of message id, or any of the three
// (kind "").
func messageEvent(kind, id string) func(any) bool {
	return func(e any) bool {
		switch e := e.(type) {
		case *discordgo.MessageCreate:
			return (kind == "" || kind == "create") && e.ID == id
		case *discordgo.MessageUpdate:
			return (kind == "" || kind == "update") && e.ID == id
		case *discordgo.MessageDelete:
			return (kind == "" || kind == "delete") && e.ID == id
		}
		return false
	}
}

// TestClusterBotsOnDifferentNodes: bot A's connections all go to one node,
// bot B's to another, the owner's REST calls to a third. What one does the
// other sees as it would on one node: a message, its edit and its delete,
// typing, and a permission overwrite, after which B gets none of the
// channel's messages and cannot read it over REST on any node.
func TestClusterBotsOnDifferentNodes(t *testing.T) {
	owner, nodes, all := cluster(t)
	s := owner.bootstrap(t, "cluster")
	bID, bToken := owner.addBot(t, s.owner, s.guildID, "cluster-b")
	var lobby struct{ ID string }
	owner.rest(t, 201, "POST", "/guilds/"+s.guildID+"/channels", s.owner, map[string]string{"name": "lobby"}, &lobby)

	// The endpoints name the owner's node; each bot's transport moves its
	// requests to its own node.
	discordgoaccord.PointAt(owner.base)
	a := openAt(t, nodes[0], s.botToken, s.guildID)
	b := openAt(t, nodes[1], bToken, s.guildID)
	if a.id != s.botID || b.id != bID {
		t.Fatalf("READY users %s and %s, want %s and %s", a.id, b.id, s.botID, bID)
	}

	sent, err := a.dg.ChannelMessageSend(s.channelID, "hello from "+a.node.base)
	if err != nil {
		t.Fatalf("A sends: %v", err)
	}
	for _, x := range []*bot{a, b} {
		got := x.await(t, "MESSAGE_CREATE of A's message", messageEvent("create", sent.ID)).(*discordgo.MessageCreate)
		if got.Content != sent.Content || got.ChannelID != s.channelID || got.Author == nil || got.Author.ID != a.id {
			t.Errorf("bot on %s: MESSAGE_CREATE %+v, want %q by %s in %s", x.node.base, got.Message, sent.Content, a.id, s.channelID)
		}
	}
	reply, err := b.dg.ChannelMessageSend(s.channelID, "hello back from "+b.node.base)
	if err != nil {
		t.Fatalf("B sends: %v", err)
	}
	if got := a.await(t, "MESSAGE_CREATE of B's reply", messageEvent("create", reply.ID)).(*discordgo.MessageCreate); got.Content != reply.Content {
		t.Errorf("A got B's reply as %q, want %q", got.Content, reply.Content)
	}

	edited, err := a.dg.ChannelMessageEdit(s.channelID, sent.ID, "edited on "+a.node.base)
	if err != nil {
		t.Fatalf("A edits: %v", err)
	}
	if got := b.await(t, "MESSAGE_UPDATE", messageEvent("update", sent.ID)).(*discordgo.MessageUpdate); got.Content != edited.Content {
		t.Errorf("B got the edit as %q, want %q", got.Content, edited.Content)
	}
	if err := a.dg.ChannelMessageDelete(s.channelID, sent.ID); err != nil {
		t.Fatalf("A deletes: %v", err)
	}
	if got := b.await(t, "MESSAGE_DELETE", messageEvent("delete", sent.ID)).(*discordgo.MessageDelete); got.ChannelID != s.channelID {
		t.Errorf("B got MESSAGE_DELETE in channel %s, want %s", got.ChannelID, s.channelID)
	}

	for _, pair := range [][2]*bot{{b, a}, {a, b}} {
		typist, watcher := pair[0], pair[1]
		if err := typist.dg.ChannelTyping(s.channelID); err != nil {
			t.Fatalf("typing on %s: %v", typist.node.base, err)
		}
		watcher.await(t, "TYPING_START of the bot on "+typist.node.base, func(e any) bool {
			ts, ok := e.(*discordgo.TypingStart)
			return ok && ts.UserID == typist.id && ts.ChannelID == s.channelID && ts.GuildID == s.guildID
		})
	}

	// The owner, on the third node, denies B the channel: both bots see the
	// overwrite in CHANNEL_UPDATE, as on one node.
	owner.rest(t, 204, "PUT", "/channels/"+s.channelID+"/permissions/"+bID, s.owner,
		map[string]any{"type": 1, "allow": "0", "deny": "1024"}, nil)
	for _, x := range []*bot{a, b} {
		x.await(t, "CHANNEL_UPDATE with B's overwrite", func(e any) bool {
			cu, ok := e.(*discordgo.ChannelUpdate)
			return ok && cu.ID == s.channelID && slices.ContainsFunc(cu.PermissionOverwrites, func(o *discordgo.PermissionOverwrite) bool {
				return o.ID == bID && o.Type == discordgo.PermissionOverwriteTypeMember && o.Deny&permViewChannel != 0
			})
		})
	}
	secret, err := a.dg.ChannelMessageSend(s.channelID, "not for B")
	if err != nil {
		t.Fatalf("A sends after the overwrite: %v", err)
	}
	a.await(t, "MESSAGE_CREATE of the message B may not see", messageEvent("create", secret.ID))
	// One guild's events reach a session in order: once B has the lobby
	// message sent after the secret one, B would have had the secret one.
	marker, err := a.dg.ChannelMessageSend(lobby.ID, "after the secret")
	if err != nil {
		t.Fatalf("A sends to the lobby: %v", err)
	}
	b.await(t, "MESSAGE_CREATE in the lobby", messageEvent("create", marker.ID))
	if got := b.received(messageEvent("", secret.ID)); len(got) > 0 {
		t.Errorf("B, denied VIEW_CHANNEL, received %d events of the channel's new message", len(got))
	}

	for _, n := range all {
		status, _, raw := n.restFull(t, "GET", "/channels/"+s.channelID+"/messages?limit=1", "Bot "+bToken, nil)
		if status != http.StatusForbidden {
			t.Errorf("B reads the channel on %s: status %d, want 403: %s", n.base, status, raw)
		}
	}
	_, err = b.dg.ChannelMessages(s.channelID, 1, "", "", "")
	var rerr *discordgo.RESTError
	if !errors.As(err, &rerr) || rerr.Response.StatusCode != http.StatusForbidden {
		t.Errorf("B reads the channel through discordgo on %s: %v, want a 403", b.node.base, err)
	}
	if _, err := b.dg.ChannelMessages(lobby.ID, 1, "", "", ""); err != nil {
		t.Errorf("B reads the lobby on %s: %v", b.node.base, err)
	}
}
