package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/server"
)

const msgIntents = protocol.IntentGuilds | protocol.IntentGuildMessages | protocol.IntentMessageContent

// fill adds n members to the guild straight through the store and the
// guild registry (registering n users over REST would hash n passwords).
func fill(t *testing.T, s *accordtest.Server, guildID chat.ID, n int) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		u := chat.User{ID: s.IDs.Next(), Username: fmt.Sprint("filler", i)}
		if err := s.Store.CreateUser(ctx, u, chat.Credentials{UserID: u.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Guilds.AddMember(ctx, guildID, u.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// metric returns the value of a metric without labels from /metrics.
func metric(t *testing.T, s *accordtest.Server, name string) float64 {
	t.Helper()
	resp, err := s.HTTP.Get(s.MetricsURL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("/metrics lacks %s", name)
	return 0
}

// sync sends a heartbeat and waits for its ACK: the connection handles
// payloads in order, so everything sent before has been handled.
func (c *client) sync() {
	c.t.Helper()
	c.send(protocol.OpHeartbeat, nil)
	for {
		f := c.next()
		if f.Op == protocol.OpHeartbeatACK {
			return
		}
		if f.T == "MESSAGE_CREATE" {
			c.t.Fatalf("MESSAGE_CREATE while waiting for a heartbeat ACK: %s", f.D)
		}
	}
}

// untilDispatch returns the next dispatch other than those in skip; a
// MESSAGE_CREATE is never skipped.
func untilDispatch(t *testing.T, g *client, skip ...string) frame {
	t.Helper()
	for {
		f := g.next()
		if f.Op != protocol.OpDispatch {
			continue
		}
		skipped := false
		for _, n := range skip {
			skipped = skipped || f.T == n
		}
		if !skipped || f.T == "MESSAGE_CREATE" {
			return f
		}
	}
}

func TestEndToEndPassiveThenSubscribe(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{PassiveInterval: 20 * time.Millisecond})
	alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
	gd, general := alice.CreateGuild(t, "large")
	bob.Join(t, alice, general)
	fill(t, s, gd.ID, 50) // 52 members > large_threshold 50
	g, _ := connect(t, s, bob, msgIntents)

	one := alice.Send(t, general, "one")
	f := untilDispatch(t, g, "GUILD_MEMBER_ADD", "PRESENCE_UPDATE")
	if f.T != "PASSIVE_UPDATE_V1" {
		t.Fatalf("passive session got %s %s, want PASSIVE_UPDATE_V1", f.T, f.D)
	}
	var p struct {
		GuildID  chat.ID `json:"guild_id"`
		Channels []struct {
			ID            chat.ID `json:"id"`
			LastMessageID chat.ID `json:"last_message_id"`
		} `json:"channels"`
	}
	if err := json.Unmarshal(f.D, &p); err != nil || p.GuildID != gd.ID || len(p.Channels) != 1 ||
		p.Channels[0].ID != general || p.Channels[0].LastMessageID != one.ID {
		t.Fatalf("PASSIVE_UPDATE_V1 %s (want general, last message %d)", f.D, one.ID)
	}

	if metric(t, s, "accord_guild_passive_updates_total") < 1 || metric(t, s, "accord_guild_passive_withheld_total") < 1 {
		t.Error("passive counters not exported")
	}

	// A mention reaches the passive session at once.
	mention := fmt.Sprintf("hey <@%d>", bob.UserID)
	alice.Send(t, general, mention)
	if c, _, _ := nextMessage(t, g); c != mention {
		t.Fatalf("got %q, want the mention", c)
	}

	// op 14 as Discord's client sends it: every message from then on.
	g.send(protocol.OpGuildSubscriptions, map[string]any{
		"guild_id": gd.ID.String(), "typing": true, "activities": true, "threads": true,
		"channels": map[string]any{general.String(): [][2]int{{0, 99}}},
	})
	g.sync()
	alice.Send(t, general, "two")
	if c, _, _ := nextMessage(t, g); c != "two" {
		t.Fatalf("after op 14 got %q, want two", c)
	}
}

func TestEndToEndBulkSubscribe(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{PassiveInterval: time.Hour})
	alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
	gd, general := alice.CreateGuild(t, "large")
	bob.Join(t, alice, general)
	fill(t, s, gd.ID, 50)
	g, _ := connect(t, s, bob, msgIntents)
	alice.Send(t, general, "unseen")
	g.send(protocol.OpBulkGuildSubscribe, map[string]any{"subscriptions": map[string]any{
		gd.ID.String(): map[string]any{"typing": true, "activities": true, "threads": true, "channels": map[string]any{}},
	}})
	g.sync() // fails on the MESSAGE_CREATE of "unseen"
	alice.Send(t, general, "seen")
	if c, _, _ := nextMessage(t, g); c != "seen" {
		t.Fatalf("after op 37 got %q, want seen", c)
	}
	g.send(protocol.OpBulkGuildSubscribe, map[string]any{"subscriptions": map[string]any{"x": map[string]any{}}})
	g.expectClose(int(protocol.CloseDecodeError))
}

// TestEndToEndPassiveOff: with the switch off (serve --passive=false) the
// same session gets every message without subscribing, and no passive
// updates.
func TestEndToEndPassiveOff(t *testing.T) {
	s := accordtest.RunServer(t, server.Config{DisablePassive: true, PassiveInterval: 10 * time.Millisecond})
	alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
	gd, general := alice.CreateGuild(t, "large")
	bob.Join(t, alice, general)
	fill(t, s, gd.ID, 50)
	g, _ := connect(t, s, bob, msgIntents)
	alice.Send(t, general, "one")
	f := untilDispatch(t, g, "GUILD_MEMBER_ADD", "PRESENCE_UPDATE")
	if f.T != "MESSAGE_CREATE" {
		t.Fatalf("got %s %s, want MESSAGE_CREATE", f.T, f.D)
	}
}

// TestEndToEndRelaysSwitch runs sessions of one guild through relays (a
// threshold of 2 sessions) and with serve --relays=false, and checks every
// session gets every message in order either way.
func TestEndToEndRelaysSwitch(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  server.Config
	}{
		{"relays", server.Config{RelayThreshold: 2}},
		{"relays off", server.Config{RelayThreshold: 2, DisableRelays: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := accordtest.RunServer(t, c.cfg)
			alice, bob := s.Register(t, "alice"), s.Register(t, "bob")
			_, general := alice.CreateGuild(t, "relayed")
			bob.Join(t, alice, general)
			var gs []*client
			for range 5 {
				g, _ := connect(t, s, bob, msgIntents)
				gs = append(gs, g)
			}
			if n := metric(t, s, "accord_guild_relays"); (n > 0) != !c.cfg.DisableRelays {
				t.Fatalf("accord_guild_relays %v", n)
			}
			for i := range 20 {
				alice.Send(t, general, fmt.Sprint(i))
			}
			for _, g := range gs {
				for i := range 20 {
					if got, _, _ := nextMessage(t, g); got != fmt.Sprint(i) {
						t.Fatalf("got %q, want %d", got, i)
					}
				}
			}
		})
	}
}
