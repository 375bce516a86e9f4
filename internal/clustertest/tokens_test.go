//go:build cluster

package clustertest

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
)

// TestCrossNodeTokenReset: every node caches the tokens it has seen (a
// REST request or IDENTIFY costs no store read for a known token). A bot
// token reset on one node must end the old token on all of them, the ones
// holding it in their cache included, and the new token must work on all
// of them at once.
func TestCrossNodeTokenReset(t *testing.T) {
	c := startCluster(t, 3)
	n1, n2 := c.nodes[0], c.nodes[1]
	owner := n1.api().Register(t, "owner")
	g, _ := owner.CreateGuild(t, "tokens")
	bot := addBot(t, owner, g.ID)
	var app struct {
		ID chat.ID `json:"id"`
	}
	for _, nd := range c.nodes { // each node caches the token
		as(bot, nd).Must(t, http.StatusOK, "GET", "/applications/@me", nil, &app)
	}
	var tok struct {
		Token string `json:"token"`
	}
	as(owner, n2).Must(t, http.StatusOK, "POST", fmt.Sprintf("/applications/%d/bot/reset-token", app.ID), nil, &tok)
	fresh := *bot
	fresh.Token = tok.Token
	for _, nd := range c.nodes {
		if st := as(&fresh, nd).Do(t, "GET", "/users/@me", nil, nil); st != http.StatusOK {
			t.Fatalf("%s: the new token: status %d", nd.id, st)
		}
		// The news of the reset crosses the bus: give it a moment, then
		// the old token must fail here for good.
		deadline := time.Now().Add(5 * time.Second)
		for {
			st := as(bot, nd).Do(t, "GET", "/users/@me", nil, nil)
			if st == http.StatusUnauthorized {
				break
			}
			if st != http.StatusOK || time.Now().After(deadline) {
				t.Fatalf("%s: the reset token still answers %d", nd.id, st)
			}
			time.Sleep(20 * time.Millisecond)
		}
		for range 3 {
			if st := as(bot, nd).Do(t, "GET", "/users/@me", nil, nil); st != http.StatusUnauthorized {
				t.Fatalf("%s: the reset token answered %d after a 401", nd.id, st)
			}
		}
	}
}
