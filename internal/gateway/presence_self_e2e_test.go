package gateway_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

// nextSessions waits for the next SESSIONS_REPLACE on c and returns its
// combined ("all") status and the status of sessionID.
func nextSessions(t *testing.T, c *client, sessionID string) (all, own string) {
	t.Helper()
	for {
		f := c.next()
		if f.T != protocol.EventSessionsReplace {
			continue
		}
		var es []protocol.SessionEntry
		if err := json.Unmarshal(f.D, &es); err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			switch e.SessionID {
			case "all":
				all = e.Status
			case sessionID:
				own = e.Status
			}
		}
		return all, own
	}
}

// noneNamed fails if an event called name reaches c within d.
func noneNamed(t *testing.T, c *client, name string, d time.Duration) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				return
			}
			if f.T == name {
				t.Fatalf("unexpected %s %s", name, f.D)
			}
		case <-deadline:
			return
		}
	}
}

// TestEndToEndOwnPresence: a user who identifies invisible sees their
// own true status ("invisible", by SESSIONS_REPLACE) while a guild mate
// with GUILD_PRESENCES sees nothing (offline); going dnd and back to
// invisible is seen both ways. Must not: the guild mate (online, never
// invisible) never gets a SESSIONS_REPLACE, and an invisible bot gets
// none of its own.
func TestEndToEndOwnPresence(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{})
	alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
	g, general := alice.CreateGuild(t, "hidden")
	bob.Join(t, alice, general)
	gb, _ := connect(t, s, bob, presenceIntents)

	ga := dial(t, gatewayURL(t, s))
	hello(t, ga)
	r := ga.identify(alice.Token, presenceIntents, map[string]any{
		"presence": map[string]any{"status": "invisible", "since": nil, "afk": false, "activities": []any{}}})
	if all, own := nextSessions(t, ga, r.SessionID); all != protocol.StatusInvisible || own != protocol.StatusInvisible {
		t.Fatalf("alice's own view: all %q, session %q", all, own)
	}
	if ps := presencesFor(t, gb, alice.UserID, 500*time.Millisecond); len(ps) != 0 {
		t.Fatalf("bob saw invisible alice: %+v", ps)
	}

	ga.send(protocol.OpPresenceUpdate, map[string]any{"status": "dnd", "since": nil, "afk": false, "activities": []any{}})
	if all, _ := nextSessions(t, ga, r.SessionID); all != protocol.StatusDND {
		t.Fatalf("alice's own view after dnd: %q", all)
	}
	if p := nextPresence(t, gb, alice.UserID); p.Status != protocol.StatusDND {
		t.Fatalf("bob sees %+v", p)
	}
	ga.send(protocol.OpPresenceUpdate, map[string]any{"status": "invisible", "since": nil, "afk": false, "activities": []any{}})
	if all, _ := nextSessions(t, ga, r.SessionID); all != protocol.StatusInvisible {
		t.Fatalf("alice's own view back to invisible: %q", all)
	}
	if p := nextPresence(t, gb, alice.UserID); p.Status != protocol.StatusOffline {
		t.Fatalf("bob sees invisible alice as %+v", p)
	}
	// Must not: alice's sessions list never reaches bob.
	noneNamed(t, gb, protocol.EventSessionsReplace, 300*time.Millisecond)

	// A bot gets no SESSIONS_REPLACE of its own.
	b := bot(t, s, alice, g.ID)
	gbot := dial(t, gatewayURL(t, s))
	hello(t, gbot)
	gbot.identify(b.Token, protocol.IntentGuilds, map[string]any{
		"presence": map[string]any{"status": "invisible", "since": nil, "afk": false, "activities": []any{}}})
	noneNamed(t, gbot, protocol.EventSessionsReplace, 500*time.Millisecond)
}
