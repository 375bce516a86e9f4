package gateway_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/accordchat/accord/internal/accordtest"
	"github.com/accordchat/accord/internal/chat"
)

// TestEndToEndDMPins: a recipient pins in a DM; both get the system
// message, MESSAGE_UPDATE (pinned) and CHANNEL_PINS_UPDATE without
// guild_id; a stranger's session gets none of it; unpinning clears the
// pin time.
func TestEndToEndDMPins(t *testing.T) {
	s := accordtest.RunServer(t, burstyBots)
	alice, bob, carol := s.Register(t, "alice"), s.Register(t, "bob"), s.Register(t, "carol")
	_, general := alice.CreateGuild(t, "pins")
	bob.Join(t, alice, general)
	carol.Join(t, alice, general)

	ag, _ := connect(t, s, alice, dmIntents)
	cg, _ := connect(t, s, carol, dmIntents)
	dm := openDM(t, alice, bob.UserID)
	until(t, ag, "CHANNEL_CREATE")
	var m struct {
		ID chat.ID `json:"id"`
	}
	if err := json.Unmarshal(post(t, alice, dm.ID, "keep this"), &m); err != nil {
		t.Fatal(err)
	}
	until(t, ag, "MESSAGE_CREATE")

	bob.Must(t, 204, "PUT", fmt.Sprintf("/channels/%d/pins/%d", dm.ID, m.ID), nil, nil)
	var sys struct {
		Type             int     `json:"type"`
		GuildID          chat.ID `json:"guild_id"`
		MessageReference struct {
			MessageID chat.ID `json:"message_id"`
		} `json:"message_reference"`
		Author struct {
			ID chat.ID `json:"id"`
		} `json:"author"`
	}
	var update struct {
		ID     chat.ID `json:"id"`
		Pinned bool    `json:"pinned"`
	}
	var pins map[string]any
	for _, f := range until(t, ag, "CHANNEL_PINS_UPDATE") {
		switch f.T {
		case "MESSAGE_UPDATE":
			if err := json.Unmarshal(f.D, &update); err != nil {
				t.Fatal(err)
			}
		case "MESSAGE_CREATE":
			if err := json.Unmarshal(f.D, &sys); err != nil {
				t.Fatal(err)
			}
		case "CHANNEL_PINS_UPDATE":
			if err := json.Unmarshal(f.D, &pins); err != nil {
				t.Fatal(err)
			}
		}
	}
	if update.ID != m.ID || !update.Pinned {
		t.Fatalf("MESSAGE_UPDATE %+v", update)
	}
	if pins["channel_id"] != fmt.Sprint(dm.ID) || pins["last_pin_timestamp"] == nil || pins["guild_id"] != nil {
		t.Fatalf("CHANNEL_PINS_UPDATE %v", pins)
	}
	bob.Must(t, 204, "DELETE", fmt.Sprintf("/channels/%d/pins/%d", dm.ID, m.ID), nil, nil)
	for {
		f := until(t, ag, "CHANNEL_PINS_UPDATE")
		if err := json.Unmarshal(f[len(f)-1].D, &pins); err != nil {
			t.Fatal(err)
		}
		if pins["last_pin_timestamp"] == nil {
			break
		}
	}
	if sys.Type != chat.MessageChannelPinned || sys.GuildID != 0 || sys.MessageReference.MessageID != m.ID || sys.Author.ID != bob.UserID {
		t.Fatalf("system message %+v", sys)
	}

	// Carol shares the guild, not the DM: a message of her own is the
	// first thing her session sees, none of the DM's pin events.
	post(t, carol, openDM(t, carol, alice.UserID).ID, "mine")
	for _, f := range until(t, cg, "MESSAGE_CREATE") {
		if f.T == "CHANNEL_PINS_UPDATE" || f.T == "MESSAGE_UPDATE" {
			t.Fatalf("carol got %s: %s", f.T, f.D)
		}
	}
}
