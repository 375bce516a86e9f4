package gateway_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/gateway"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

const presenceIntents = protocol.IntentGuilds | protocol.IntentGuildPresences

// presenceOf is a PRESENCE_UPDATE as a test reads it.
type presenceOf struct {
	User struct {
		ID chat.ID `json:"id"`
	} `json:"user"`
	GuildID      chat.ID           `json:"guild_id"`
	Status       string            `json:"status"`
	Activities   []json.RawMessage `json:"activities"`
	ClientStatus map[string]string `json:"client_status"`
}

// presencesFor collects, for d, the PRESENCE_UPDATEs of userID that reach
// c, skipping other frames.
func presencesFor(t *testing.T, c *client, userID chat.ID, d time.Duration) []presenceOf {
	t.Helper()
	var out []presenceOf
	deadline := time.After(d)
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				return out
			}
			if f.T != protocol.EventPresenceUpdate {
				continue
			}
			var p presenceOf
			if err := json.Unmarshal(f.D, &p); err != nil {
				t.Fatal(err)
			}
			if p.User.ID == userID {
				out = append(out, p)
			}
		case <-deadline:
			return out
		}
	}
}

// nextPresence waits for userID's next PRESENCE_UPDATE on c.
func nextPresence(t *testing.T, c *client, userID chat.ID) presenceOf {
	t.Helper()
	for {
		f := c.next()
		if f.T != protocol.EventPresenceUpdate {
			continue
		}
		var p presenceOf
		if err := json.Unmarshal(f.D, &p); err != nil {
			t.Fatal(err)
		}
		if p.User.ID == userID {
			return p
		}
	}
}

// guildCreatePresences connects user's session with GUILD_PRESENCES and
// returns the statuses its GUILD_CREATE lists, by user.
func guildCreatePresences(t *testing.T, s *accordtest.Server, user *accordtest.Client) map[chat.ID]string {
	t.Helper()
	g := dial(t, gatewayURL(t, s))
	hello(t, g)
	g.identify(user.Token, presenceIntents, nil)
	f := g.expect(protocol.OpDispatch, "GUILD_CREATE")
	var gc struct {
		Presences []presenceOf `json:"presences"`
	}
	if err := json.Unmarshal(f.D, &gc); err != nil {
		t.Fatal(err)
	}
	out := map[chat.ID]string{}
	for _, p := range gc.Presences {
		out[p.User.ID] = p.Status
	}
	_ = g.closeWith(1000)
	return out
}

// TestEndToEndPresence: another session sees a user online at IDENTIFY
// (no presence payload), op 3 changes, invisible as offline, no flap
// across a RESUME, and offline only after the grace once the last session
// ends; sessions that share no guild or lack GUILD_PRESENCES see none of
// it, and GUILD_CREATE lists online members only.
func TestEndToEndPresence(t *testing.T) {
	const grace = 400 * time.Millisecond
	s := accordtest.RunServer(t, server.Config{PassiveInterval: time.Hour,
		Gateway: server.GatewayConfig{Options: gateway.Config{PresenceGrace: grace}}})
	alice, bob, carol, dave := s.Register(t, "alice"), s.Register(t, "bob"), s.Register(t, "carol"), s.Register(t, "dave")
	_, general := alice.CreateGuild(t, "present")
	bob.Join(t, alice, general)
	dave.Join(t, alice, general)
	carol.CreateGuild(t, "elsewhere") // shares no guild with alice

	gb, _ := connect(t, s, bob, presenceIntents)
	gc, _ := connect(t, s, carol, presenceIntents)
	gd, _ := connect(t, s, dave, protocol.IntentGuilds|protocol.IntentGuildMembers)

	// Alice identifies from the desktop app without a presence payload.
	ga := dial(t, gatewayURL(t, s))
	hello(t, ga)
	r := ga.identify(alice.Token, presenceIntents, map[string]any{
		"properties": map[string]string{"os": "Windows", "browser": "Discord Client", "device": ""}})
	p := nextPresence(t, gb, alice.UserID)
	if p.Status != "online" || p.ClientStatus["desktop"] != "online" || len(p.ClientStatus) != 1 {
		t.Fatalf("at IDENTIFY bob sees %+v", p)
	}
	if st := guildCreatePresences(t, s, dave)[alice.UserID]; st != "" {
		// dave's new session asked for GUILD_PRESENCES; the old one did
		// not, and it is the one checked for leaks below.
		if st != "online" {
			t.Fatalf("GUILD_CREATE shows alice %q", st)
		}
	} else {
		t.Fatal("GUILD_CREATE lacks online alice")
	}

	// op 3: idle with an activity, then invisible, then online again.
	ga.send(protocol.OpPresenceUpdate, map[string]any{"status": "idle", "since": 0, "afk": true,
		"activities": []any{map[string]any{"name": "Chess", "type": 0}}})
	if p := nextPresence(t, gb, alice.UserID); p.Status != "idle" || len(p.Activities) != 1 || p.ClientStatus["desktop"] != "idle" {
		t.Fatalf("after op 3 idle: %+v", p)
	}
	ga.send(protocol.OpPresenceUpdate, map[string]any{"status": "invisible", "since": nil, "afk": false,
		"activities": []any{map[string]any{"name": "Secret", "type": 0}}})
	if p := nextPresence(t, gb, alice.UserID); p.Status != "offline" || len(p.Activities) != 0 || len(p.ClientStatus) != 0 {
		t.Fatalf("invisible looks like %+v", p)
	}
	if st, ok := guildCreatePresences(t, s, bob)[alice.UserID]; ok {
		t.Fatalf("GUILD_CREATE lists invisible alice as %q", st)
	}
	// An unknown status is ignored, as Discord does; the session stays.
	ga.send(protocol.OpPresenceUpdate, map[string]any{"status": "sparkling", "since": nil, "afk": false, "activities": []any{}})
	ga.send(protocol.OpPresenceUpdate, map[string]any{"status": "online", "since": nil, "afk": false, "activities": []any{}})
	if p := nextPresence(t, gb, alice.UserID); p.Status != "online" {
		t.Fatalf("back online: %+v", p)
	}

	// The network drops; a RESUME well within the grace: nobody sees a
	// thing, not even after the grace.
	_ = ga.nc.Close()
	ga2 := dial(t, r.ResumeGatewayURL+"?v=10&encoding=json")
	hello(t, ga2)
	ga2.send(protocol.OpResume, map[string]any{"token": alice.Token, "session_id": r.SessionID, "seq": r.seq})
	for f := ga2.next(); f.T != "RESUMED"; f = ga2.next() {
	}
	if ps := presencesFor(t, gb, alice.UserID, 3*grace); len(ps) != 0 {
		t.Fatalf("a RESUME flapped alice's presence: %+v", ps)
	}

	// Her last session ends: offline, but only after the grace.
	ended := time.Now()
	_ = ga2.closeWith(1000)
	p = nextPresence(t, gb, alice.UserID)
	if waited := time.Since(ended); p.Status != "offline" || waited < grace*9/10 {
		t.Fatalf("after the last session: %+v after %v (grace %v)", p, waited, grace)
	}
	if st, ok := guildCreatePresences(t, s, bob)[alice.UserID]; ok {
		t.Fatalf("GUILD_CREATE lists offline alice as %q", st)
	}

	// Must not see: carol shares no guild, dave lacks GUILD_PRESENCES.
	if ps := presencesFor(t, gc, alice.UserID, 100*time.Millisecond); len(ps) != 0 {
		t.Fatalf("carol, who shares no guild, saw %+v", ps)
	}
	if ps := presencesFor(t, gd, alice.UserID, 100*time.Millisecond); len(ps) != 0 {
		t.Fatalf("dave, without GUILD_PRESENCES, saw %+v", ps)
	}
}

// TestEndToEndPresenceSessionsCombine: a session that identifies as
// invisible sends nothing to others, and a second, online session of the
// same user makes them online; when it goes the user is invisible again
// (offline to others), while the invisible session stays.
func TestEndToEndPresenceSessionsCombine(t *testing.T) {
	const grace = 200 * time.Millisecond
	s := accordtest.RunServer(t, server.Config{PassiveInterval: time.Hour,
		Gateway: server.GatewayConfig{Options: gateway.Config{PresenceGrace: grace}}})
	alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
	_, general := alice.CreateGuild(t, "present")
	bob.Join(t, alice, general)
	gb, _ := connect(t, s, bob, presenceIntents)

	phone := dial(t, gatewayURL(t, s))
	hello(t, phone)
	phone.identify(alice.Token, presenceIntents, map[string]any{
		"properties": map[string]string{"os": "Android", "browser": "Discord Android"},
		"presence":   map[string]any{"status": "invisible", "since": nil, "afk": false, "activities": []any{}}})
	if ps := presencesFor(t, gb, alice.UserID, 3*grace); len(ps) != 0 {
		t.Fatalf("invisible at IDENTIFY was seen: %+v", ps)
	}

	web := dial(t, gatewayURL(t, s))
	hello(t, web)
	web.identify(alice.Token, presenceIntents, map[string]any{
		"properties": map[string]string{"os": "Linux", "browser": "Firefox"},
		"presence":   map[string]any{"status": "dnd", "since": nil, "afk": false, "activities": []any{}}})
	p := nextPresence(t, gb, alice.UserID)
	if p.Status != "dnd" || p.ClientStatus["web"] != "dnd" || p.ClientStatus["mobile"] != "" {
		t.Fatalf("second session: %+v", p)
	}
	_ = web.closeWith(1000)
	if p := nextPresence(t, gb, alice.UserID); p.Status != "offline" {
		t.Fatalf("after the web session: %+v", p)
	}
	// The invisible session is still there: op 3 online from it shows her.
	phone.send(protocol.OpPresenceUpdate, map[string]any{"status": "online", "since": nil, "afk": false, "activities": []any{}})
	if p := nextPresence(t, gb, alice.UserID); p.Status != "online" || p.ClientStatus["mobile"] != "online" {
		t.Fatalf("phone online: %+v", p)
	}
	// A payload that is not an object is a decode error (4002).
	phone.sendRaw([]byte(`{"op":3,"d":"online"}`))
	phone.expectClose(int(protocol.CloseDecodeError))
}

// TestEndToEndPresenceOnJoin: a user who is online and then joins a guild
// is online there at once (others' sessions get PRESENCE_UPDATE, a new
// GUILD_CREATE lists them), not offline until their next op 3; an
// invisible user who joins stays offline to the guild.
func TestEndToEndPresenceOnJoin(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{PassiveInterval: time.Hour})
	alice, bob, carol := s.Register(t, "alice"), s.Register(t, "bob"), s.Register(t, "carol")
	_, general := bob.CreateGuild(t, "later")
	gb, _ := connect(t, s, bob, presenceIntents)
	ga, _ := connect(t, s, alice, presenceIntents) // online, in no guild yet
	gc := dial(t, gatewayURL(t, s))
	hello(t, gc)
	gc.identify(carol.Token, presenceIntents, map[string]any{
		"presence": map[string]any{"status": "invisible", "since": nil, "afk": false, "activities": []any{}}})

	alice.Join(t, bob, general)
	if p := nextPresence(t, gb, alice.UserID); p.Status != "online" {
		t.Fatalf("after alice joined, bob sees %+v", p)
	}
	if st := guildCreatePresences(t, s, bob)[alice.UserID]; st != "online" {
		t.Fatalf("a new GUILD_CREATE shows alice who joined online as %q", st)
	}
	carol.Join(t, bob, general)
	if ps := presencesFor(t, gb, carol.UserID, 300*time.Millisecond); len(ps) != 0 {
		t.Fatalf("invisible carol's join leaked %+v", ps)
	}
	if st, ok := guildCreatePresences(t, s, bob)[carol.UserID]; ok {
		t.Fatalf("GUILD_CREATE lists invisible carol as %q", st)
	}
	_ = ga
}

// TestEndToEndPresenceAfkSessionYields: a user active on one session and
// afk (idle from inactivity) on another is shown with the active one's
// status; once every session is afk, the idle one shows.
func TestEndToEndPresenceAfkSessionYields(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{PassiveInterval: time.Hour})
	alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
	_, general := alice.CreateGuild(t, "present")
	bob.Join(t, alice, general)
	gb, _ := connect(t, s, bob, presenceIntents)

	online := map[string]any{"status": "online", "since": nil, "afk": false, "activities": []any{}}
	desk := dial(t, gatewayURL(t, s))
	hello(t, desk)
	desk.identify(alice.Token, presenceIntents, map[string]any{
		"properties": map[string]string{"os": "Linux", "browser": "Firefox"}, "presence": online})
	if p := nextPresence(t, gb, alice.UserID); p.Status != "online" {
		t.Fatalf("desk online: %+v", p)
	}
	phone := dial(t, gatewayURL(t, s))
	hello(t, phone)
	phone.identify(alice.Token, presenceIntents, map[string]any{
		"properties": map[string]string{"os": "Android", "browser": "Discord Android"}, "presence": online})
	if p := nextPresence(t, gb, alice.UserID); p.Status != "online" || p.ClientStatus["mobile"] != "online" {
		t.Fatalf("phone online: %+v", p)
	}
	// The desk tab goes idle from inactivity: the newest update, but afk.
	desk.send(protocol.OpPresenceUpdate, map[string]any{"status": "idle", "since": 1, "afk": true, "activities": []any{}})
	if p := nextPresence(t, gb, alice.UserID); p.Status != "online" || p.ClientStatus["web"] != "idle" || p.ClientStatus["mobile"] != "online" {
		t.Fatalf("desk afk, phone active: %+v", p)
	}
	phone.send(protocol.OpPresenceUpdate, map[string]any{"status": "idle", "since": 1, "afk": true, "activities": []any{}})
	if p := nextPresence(t, gb, alice.UserID); p.Status != "idle" {
		t.Fatalf("both afk: %+v", p)
	}
}
