//go:build cluster

package clustertest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// addBot makes an application owned by owner, adds its bot to guildID and
// returns the bot's client.
func addBot(t *testing.T, owner *accordtest.Client, guildID chat.ID) *accordtest.Client {
	t.Helper()
	var app struct {
		ID  chat.ID `json:"id"`
		Bot struct {
			ID chat.ID `json:"id"`
		} `json:"bot"`
	}
	owner.Must(t, http.StatusCreated, "POST", "/applications", map[string]string{"name": "bot"}, &app)
	var tok struct {
		Token string `json:"token"`
	}
	owner.Must(t, http.StatusOK, "POST", fmt.Sprintf("/applications/%d/bot/reset-token", app.ID), nil, &tok)
	owner.Must(t, http.StatusOK, "POST", fmt.Sprintf("/oauth2/authorize?client_id=%d&scope=bot&permissions=0", app.ID),
		map[string]any{"guild_id": guildID, "authorize": true}, nil)
	return &accordtest.Client{S: owner.S, Token: tok.Token, Prefix: "Bot ", UserID: app.Bot.ID}
}

// urlsFrom lists the nodes' gateway URLs starting with home's.
func urlsFrom(home *node, all []*node) []string {
	urls := []string{home.gateway()}
	for _, nd := range all {
		if nd != home {
			urls = append(urls, nd.gateway())
		}
	}
	return urls
}

// connect opens a gateway client for u on node home (the other nodes of c
// are where it goes if home dies).
func (c *cluster) connect(t *testing.T, name string, u *accordtest.Client, home *node) *gw {
	t.Helper()
	return dial(t, name, u.Prefix+u.Token, urlsFrom(home, c.nodes)...)
}

// waitGuild waits until each client's session has the guild's GUILD_CREATE.
func waitGuild(t *testing.T, guildID chat.ID, clients ...*gw) {
	t.Helper()
	for _, g := range clients {
		g.waitEvent(t, fmt.Sprintf("GUILD_CREATE %d", guildID), named("GUILD_CREATE", func(d eventData) bool { return d.ID == guildID }))
	}
}

// TestCrossNodeParity runs a guild whose members' sessions are on three
// different nodes and whose REST calls go to any node, and checks that
// everyone sees what one node would show them: messages, edits, deletes,
// typing, a permission change that hides a channel, a RESUME that replays
// what was missed, and nothing at all for a user outside the guild.
func TestCrossNodeParity(t *testing.T) {
	c := startCluster(t, 3)
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]

	owner := n1.api().Register(t, "owner")
	g, general := owner.CreateGuild(t, "parity")
	var other struct {
		ID chat.ID `json:"id"`
	}
	as(owner, n2).Must(t, http.StatusCreated, "POST", fmt.Sprintf("/guilds/%d/channels", g.ID), map[string]any{"name": "other"}, &other)
	bot := addBot(t, as(owner, n3), g.ID)
	alice := n2.api().Register(t, "alice")
	as(alice, n3).Join(t, as(owner, n2), general)
	bob := n3.api().Register(t, "bob")
	as(bob, n1).Join(t, as(owner, n3), general)
	carol := n2.api().Register(t, "carol") // never joins

	ownerGW := c.connect(t, "owner@n1", owner, n1)
	botGW := c.connect(t, "bot@n2", bot, n2)
	aliceGW := c.connect(t, "alice@n2", alice, n2)
	bobGW := c.connect(t, "bob@n3", bob, n3)
	carolGW := c.connect(t, "carol@n2", carol, n2)
	members := []*gw{ownerGW, botGW, aliceGW, bobGW}
	waitGuild(t, g.ID, members...)

	// A message posted on n3 reaches the sessions on n1, n2 and n3 with
	// the same fields the REST answer has.
	m := as(bob, n3).Send(t, general, "hello from n3")
	for _, s := range members {
		e := s.waitEvent(t, "MESSAGE_CREATE "+m.Content, named("MESSAGE_CREATE", func(d eventData) bool { return d.ID == m.ID })).data()
		if e.Content != m.Content || e.ChannelID != general || e.GuildID != g.ID || e.Author.ID != bob.UserID {
			t.Errorf("%s: MESSAGE_CREATE %+v, want content %q in channel %d of guild %d by %d", s.name, e, m.Content, general, g.ID, bob.UserID)
		}
	}

	// History: whichever node wrote last, every node's newest page starts
	// with that message right away (no node serves a stale hot page).
	for i := range 6 {
		for _, nd := range c.nodes {
			newest(t, as(owner, nd), general) // warm each node's cache
		}
		w := c.nodes[i%3]
		sent := as(owner, w).Send(t, general, fmt.Sprintf("history %d on %s", i, w.id))
		var first string
		for _, nd := range c.nodes {
			page := newest(t, as(owner, nd), general)
			if page[0].ID != sent.ID || page[0].Content != sent.Content {
				t.Errorf("after a write on %s, %s's newest message is %d %q, want %d %q", w.id, nd.id, page[0].ID, page[0].Content, sent.ID, sent.Content)
			}
			if s := summarize(page); first == "" {
				first = s
			} else if s != first {
				t.Errorf("after a write on %s, %s's newest page is %s, %s's is %s", w.id, nd.id, s, c.nodes[0].id, first)
			}
		}
	}

	// An edit made on n1 reaches everyone, and every node reads it back.
	msgPath := fmt.Sprintf("/channels/%d/messages/%d", general, m.ID)
	as(bob, n1).Must(t, http.StatusOK, "PATCH", msgPath, map[string]string{"content": "edited on n1"}, nil)
	for _, s := range members {
		e := s.waitEvent(t, "MESSAGE_UPDATE", named("MESSAGE_UPDATE", func(d eventData) bool { return d.ID == m.ID })).data()
		if e.Content != "edited on n1" || e.ChannelID != general || e.GuildID != g.ID {
			t.Errorf("%s: MESSAGE_UPDATE %+v, want content \"edited on n1\"", s.name, e)
		}
	}
	for _, nd := range c.nodes {
		var got accordtest.Message
		as(owner, nd).Must(t, http.StatusOK, "GET", msgPath, nil, &got)
		if got.Content != "edited on n1" || got.EditedTimestamp == nil {
			t.Errorf("%s reads the edited message as %q (edited %v)", nd.id, got.Content, got.EditedTimestamp)
		}
	}

	// Typing on n1 reaches the others.
	as(alice, n1).Must(t, http.StatusNoContent, "POST", fmt.Sprintf("/channels/%d/typing", general), nil, nil)
	for _, s := range []*gw{ownerGW, botGW, bobGW} {
		s.waitEvent(t, "TYPING_START of alice", named("TYPING_START", func(d eventData) bool {
			return d.UserID == alice.UserID && d.ChannelID == general && d.GuildID == g.ID
		}))
	}

	// A delete made on n2 reaches everyone, and no node has the message.
	as(owner, n2).Must(t, http.StatusNoContent, "DELETE", msgPath, nil, nil)
	for _, s := range members {
		s.waitEvent(t, "MESSAGE_DELETE", named("MESSAGE_DELETE", func(d eventData) bool {
			return d.ID == m.ID && d.ChannelID == general && d.GuildID == g.ID
		}))
	}
	for _, nd := range c.nodes {
		if e := as(owner, nd).Fail(t, "GET", msgPath, nil); e.Status != http.StatusNotFound || e.Code != protocol.CodeUnknownMessage {
			t.Errorf("%s: GET of the deleted message: %d code %d, want 404 code %d", nd.id, e.Status, e.Code, protocol.CodeUnknownMessage)
		}
	}

	// A member overwrite made on n3 hides general from alice (on n2):
	// she gets none of its later messages, and no node lets her read it.
	as(owner, n3).Must(t, http.StatusNoContent, "PUT", fmt.Sprintf("/channels/%d/permissions/%d", general, alice.UserID),
		map[string]any{"type": 1, "allow": "0", "deny": fmt.Sprint(protocol.PermViewChannel)}, nil)
	hidden := as(bob, n1).Send(t, general, "hidden from alice")
	marker := as(bob, n3).Send(t, other.ID, "marker")
	for _, s := range []*gw{ownerGW, botGW, bobGW} {
		s.waitEvent(t, "the hidden message", named("MESSAGE_CREATE", func(d eventData) bool { return d.ID == hidden.ID }))
	}
	// The guild's events reach a session in order, so once the marker is
	// there the hidden message would have been too.
	aliceGW.waitEvent(t, "the marker", named("MESSAGE_CREATE", func(d eventData) bool { return d.ID == marker.ID }))
	for _, e := range aliceGW.last().events {
		if d := e.data(); e.name == "MESSAGE_CREATE" && d.ID == hidden.ID {
			t.Errorf("alice on n2 got MESSAGE_CREATE %d in general after VIEW_CHANNEL was denied to her", d.ID)
		}
	}
	for _, nd := range c.nodes {
		e := as(alice, nd).Fail(t, "GET", fmt.Sprintf("/channels/%d/messages", general), nil)
		if e.Status != http.StatusForbidden || e.Code != protocol.CodeMissingAccess {
			t.Errorf("%s: alice's GET of general's messages: %d code %d, want 403 code %d", nd.id, e.Status, e.Code, protocol.CodeMissingAccess)
		}
	}

	// Bob's connection to n3 fails; what is posted on n1 meanwhile is
	// replayed when he RESUMEs on n3, in the same session.
	bobGW.cut()
	var missed []chat.ID
	for i := range 3 {
		missed = append(missed, as(owner, n1).Send(t, general, fmt.Sprintf("while bob was away %d", i)).ID)
	}
	// The owner's session has them: they were fanned out before bob returns.
	for _, id := range missed {
		ownerGW.waitEvent(t, "a message posted while bob was away", named("MESSAGE_CREATE", func(d eventData) bool { return d.ID == id }))
	}
	bobGW.resume()
	for _, id := range missed {
		bobGW.waitEvent(t, "a message replayed on RESUME", named("MESSAGE_CREATE", func(d eventData) bool { return d.ID == id }))
	}
	if l := bobGW.last(); bobGW.lives() != 1 || len(l.resumed) != 1 || l.seqErr != nil {
		t.Errorf("bob after a RESUME on n3: %d READYs, %d RESUMEDs, sequence %v; want one session resumed once without a gap\n%s",
			bobGW.lives(), len(l.resumed), l.seqErr, bobGW.story())
	}

	// Carol, on n2 with alice and the bot, is in no guild: after all of
	// the above she has no event of the guild, and every node refuses her
	// its routes.
	for _, e := range carolGW.last().events {
		if e.guild() == g.ID {
			t.Errorf("carol (not a member) got %s of the guild: %s", e.name, e.d)
		}
	}
	for _, nd := range c.nodes {
		cc := as(carol, nd)
		for _, r := range []struct{ method, path string }{
			{"GET", fmt.Sprintf("/guilds/%d", g.ID)},
			{"GET", fmt.Sprintf("/guilds/%d/channels", g.ID)},
			{"GET", fmt.Sprintf("/channels/%d", general)},
			{"GET", fmt.Sprintf("/channels/%d/messages", general)},
			{"GET", fmt.Sprintf("/channels/%d/messages/%d", general, hidden.ID)},
			{"POST", fmt.Sprintf("/channels/%d/messages", general)},
			{"POST", fmt.Sprintf("/channels/%d/typing", general)},
		} {
			var body any
			if r.method == "POST" {
				body = map[string]string{"content": "carol was here"}
			}
			if e := cc.Fail(t, r.method, r.path, body); e.Status != http.StatusForbidden && e.Status != http.StatusNotFound {
				t.Errorf("%s: carol's %s %s: status %d, want 403 or 404", nd.id, r.method, r.path, e.Status)
			}
		}
	}
}

// newest returns the channel's newest page of 5 messages as u reads it.
func newest(t *testing.T, u *accordtest.Client, channelID chat.ID) []accordtest.Message {
	t.Helper()
	var page []accordtest.Message
	u.Must(t, http.StatusOK, "GET", fmt.Sprintf("/channels/%d/messages?limit=5", channelID), nil, &page)
	if len(page) == 0 {
		t.Fatalf("channel %d has no messages", channelID)
	}
	return page
}

// summarize lists a page's ids and contents, to compare pages.
func summarize(page []accordtest.Message) string {
	var b strings.Builder
	for _, m := range page {
		fmt.Fprintf(&b, "[%d %q]", m.ID, m.Content)
	}
	return b.String()
}
