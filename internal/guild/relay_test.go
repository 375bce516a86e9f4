package guild

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// TestRelayOrdering sends many messages from concurrent writers to many
// sessions while sessions join (so fan-out moves to relays mid-stream) and
// while permissions change, and checks that every session sees exactly the
// events it may see, in the order the actor applied them. With relays off
// the same must hold with all fan-out in the actor.
func TestRelayOrdering(t *testing.T) {
	for _, c := range []struct {
		name   string
		relays bool
	}{{"relays", true}, {"relays off", false}} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, Config{RelayThreshold: 10, RelaySessions: 5, DisableRelays: !c.relays})
			testRelayOrdering(t, e, c.relays)
		})
	}
}

func testRelayOrdering(t *testing.T, e *env, relays bool) {
	ctx := context.Background()
	owner := e.user("owner", false)
	g, err := e.r.CreateGuild(ctx, owner, "relays")
	if err != nil {
		t.Fatal(err)
	}
	general := *g.SystemChannelID
	users := make([]chat.ID, 4)
	for i := range users {
		users[i] = e.user(fmt.Sprint("u", i), false)
		if _, err := e.r.AddMember(ctx, g.ID, users[i]); err != nil {
			t.Fatal(err)
		}
	}
	x, y := users[2], users[3] // x loses the channel in phase 2, y in phase 3
	hide, err := e.r.CreateRole(ctx, g.ID, owner, RoleEdit{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.r.PutOverwrite(ctx, general, owner, chat.Overwrite{ID: hide.ID, Type: chat.OverwriteRole, Deny: protocol.PermViewChannel}); err != nil {
		t.Fatal(err)
	}

	const perUser = 10
	var sessions []*fakeSession
	for i := range perUser * len(users) {
		sessions = append(sessions, e.session(users[i%len(users)], allIntents, false))
	}
	for _, s := range sessions[:8] { // below the threshold
		e.connect(t, g.ID, s, 50)
	}

	// phase posts writers×each messages concurrently and returns their
	// IDs; during phase 1 the other sessions connect.
	phase := func(join []*fakeSession) map[chat.ID]bool {
		const writers, each = 4, 15
		var mu sync.Mutex
		ids := map[chat.ID]bool{}
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					body, err := e.r.CreateMessage(ctx, general, owner, MessageCreate{Content: fmt.Sprintf("w%d %d", w, i)})
					if err != nil {
						t.Error(err)
						return
					}
					var m struct {
						ID chat.ID `json:"id"`
					}
					_ = json.Unmarshal(body, &m)
					mu.Lock()
					ids[m.ID] = true
					mu.Unlock()
				}
			}()
		}
		for _, s := range join {
			e.connect(t, g.ID, s, 50)
		}
		wg.Wait()
		return ids
	}
	p1 := phase(sessions[8:])
	if err := e.r.PutOverwrite(ctx, general, owner, chat.Overwrite{ID: x, Type: chat.OverwriteMember, Deny: protocol.PermViewChannel}); err != nil {
		t.Fatal(err)
	}
	p2 := phase(nil)
	if err := e.r.DeleteOverwrite(ctx, general, owner, x); err != nil {
		t.Fatal(err)
	}
	if err := e.r.SetMemberRole(ctx, g.ID, owner, y, hide.ID, true); err != nil {
		t.Fatal(err)
	}
	p3 := phase(nil)
	e.sync(g.ID)

	var nRelays, owned int
	_ = e.r.call(ctx, g.ID, func(_ context.Context, a *actor) error {
		nRelays = len(a.relays)
		for _, r := range a.relays {
			owned += r.n
		}
		return nil
	})
	if relays && (nRelays < 3 || owned != len(sessions)) {
		t.Fatalf("%d relays owning %d sessions; want >= 3 owning %d", nRelays, owned, len(sessions))
	}
	if !relays && (nRelays != 0 || e.r.Relays() != 0) {
		t.Fatalf("relays off but %d relays run", nRelays)
	}

	all := func(sets ...map[chat.ID]bool) []chat.ID {
		var out []chat.ID
		for _, s := range sets {
			for id := range s {
				out = append(out, id)
			}
		}
		slices.Sort(out)
		return out
	}
	for i, s := range sessions {
		want := all(p1, p2, p3)
		switch s.user {
		case x:
			want = all(p1, p3)
		case y:
			want = all(p1, p2)
		}
		// Segment the session's stream at the permission changes: each
		// message must fall in the phase of its segment.
		var got []chat.ID
		seg := 0
		phases := []map[chat.ID]bool{p1, p2, p3, p3}
		for _, d := range s.events() {
			switch d.Name {
			case "CHANNEL_UPDATE", "GUILD_MEMBER_UPDATE":
				seg++
			case "MESSAGE_CREATE":
				id := messageIDOf(t, d)
				if !phases[seg][id] {
					t.Fatalf("session %d: message %d after %d permission changes is not from that phase", i, id, seg)
				}
				got = append(got, id)
			}
		}
		if seg != 3 {
			t.Fatalf("session %d saw %d permission changes, want 3", i, seg)
		}
		// In order, without gaps: sessions that joined during phase 1 see
		// a suffix of what they may see.
		if len(got) == 0 {
			t.Fatalf("session %d got no messages", i)
		}
		off := slices.Index(want, got[0])
		if off < 0 || !slices.Equal(got, want[off:]) {
			t.Fatalf("session %d (user %d): got %d messages, not the in-order suffix of the %d it may see", i, s.user, len(got), len(want))
		}
		if i < 8 && off != 0 {
			t.Fatalf("session %d connected before phase 1 but missed %d messages", i, off)
		}
	}

	// Sessions leave: below half the threshold fan-out returns to the
	// actor, and the rest still get every message.
	for _, s := range sessions[4:] {
		e.r.Disconnect(g.ID, s.ID())
	}
	body, err := e.r.CreateMessage(ctx, general, owner, MessageCreate{Content: "after"})
	if err != nil {
		t.Fatal(err)
	}
	e.sync(g.ID)
	waitFor(t, "relays to stop", func() bool { return e.r.Relays() == 0 })
	for i, s := range sessions {
		mc := s.named("MESSAGE_CREATE")
		last := string(mc[len(mc)-1].Data)
		if (i < 4 && s.user != y) != (last == string(body)) {
			t.Errorf("session %d: last message %s", i, last)
		}
	}
}

func messageIDOf(t *testing.T, d *protocol.Dispatch) chat.ID {
	t.Helper()
	return messageID(t, d.Data)
}
