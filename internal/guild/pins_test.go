package guild

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

func TestPinRulesAndEvents(t *testing.T) {
	e := newReactionEnv(t)
	ctx := context.Background()
	msg := e.send(t, e.member, "pin me")

	// Must not do: a plain member (no PIN_MESSAGES, no MANAGE_MESSAGES), a
	// member hidden from the channel, an unknown message.
	wantErr(t, "member pins", e.r.PinMessage(ctx, e.ch, msg, e.member), chat.ErrMissingPerms)
	wantErr(t, "hidden pins", e.r.PinMessage(ctx, e.ch, msg, e.hidden), chat.ErrMissingAccess)
	wantErr(t, "unknown message", e.r.PinMessage(ctx, e.ch, e.ids.Next(), e.owner), chat.ErrUnknownMessage)
	e.sync(e.g.ID)
	if n := len(e.sOwner.named(protocol.EventChannelPinsUpdate)); n != 0 {
		t.Fatalf("refused pins fired %d events", n)
	}

	// PIN_MESSAGES alone is enough (as is MANAGE_MESSAGES, see pins.go).
	pinner := e.user("pinner", false)
	_, err := e.r.AddMember(ctx, e.g.ID, pinner)
	must(t, "AddMember", err)
	must(t, "allow PIN_MESSAGES", e.r.PutOverwrite(ctx, e.ch, e.owner,
		chat.Overwrite{ID: pinner, Type: chat.OverwriteMember, Allow: protocol.PermPinMessages}))
	must(t, "pinner pins", e.r.PinMessage(ctx, e.ch, msg, pinner))
	must(t, "pin again", e.r.PinMessage(ctx, e.ch, msg, e.owner)) // no-op
	e.sync(e.g.ID)

	updates := e.sMember.named(protocol.EventChannelPinsUpdate)
	if len(updates) != 1 {
		t.Fatalf("member got %d CHANNEL_PINS_UPDATE, want 1", len(updates))
	}
	var up struct {
		GuildID          chat.ID `json:"guild_id"`
		ChannelID        chat.ID `json:"channel_id"`
		LastPinTimestamp *string `json:"last_pin_timestamp"`
	}
	must(t, "decode", json.Unmarshal(updates[0].Data, &up))
	if up.GuildID != e.g.ID || up.ChannelID != e.ch || up.LastPinTimestamp == nil {
		t.Fatalf("CHANNEL_PINS_UPDATE %s", updates[0].Data)
	}
	var pinnedUpdate, system bool
	for _, d := range e.sMember.events() {
		var m struct {
			ID               chat.ID `json:"id"`
			Type             int     `json:"type"`
			Pinned           bool    `json:"pinned"`
			Author           struct{ ID chat.ID }
			MessageReference *struct {
				MessageID chat.ID `json:"message_id"`
			} `json:"message_reference"`
		}
		_ = json.Unmarshal(d.Data, &m)
		switch {
		case d.Name == protocol.EventMessageUpdate && m.ID == msg && m.Pinned:
			pinnedUpdate = true
		case d.Name == protocol.EventMessageCreate && m.Type == chat.MessageChannelPinned:
			system = m.MessageReference != nil && m.MessageReference.MessageID == msg && m.Author.ID == pinner
		}
	}
	if !pinnedUpdate || !system {
		t.Fatalf("pinned MESSAGE_UPDATE %v, pin system message %v: %v", pinnedUpdate, system, e.sMember.events())
	}
	// Must not see: the hidden member gets none of it.
	for _, name := range []string{protocol.EventChannelPinsUpdate, protocol.EventMessageUpdate, protocol.EventMessageCreate} {
		if n := len(e.sHidden.named(name)); n != 0 {
			t.Fatalf("hidden session got %d %s", n, name)
		}
	}

	// Reads: pinned on the message; the pins list; nothing for the hidden
	// member, an empty list without READ_MESSAGE_HISTORY.
	m, err := e.r.Message(ctx, e.ch, msg, e.member)
	must(t, "Message", err)
	if !m.Pinned {
		t.Fatal("message not pinned")
	}
	page, err := e.r.Pins(ctx, e.ch, e.member, time.Time{}, 50)
	must(t, "Pins", err)
	if len(page.Items) != 1 || page.Items[0].Message.ID != msg || !page.Items[0].Message.Pinned || page.HasMore ||
		page.Items[0].PinnedAt != *up.LastPinTimestamp {
		t.Fatalf("pins %+v", page)
	}
	_, err = e.r.Pins(ctx, e.ch, e.hidden, time.Time{}, 50)
	wantErr(t, "hidden lists pins", err, chat.ErrMissingAccess)
	page, err = e.r.Pins(ctx, e.ch, e.noHistory, time.Time{}, 50)
	must(t, "Pins without history", err)
	if len(page.Items) != 0 {
		t.Fatalf("pins without history %+v", page)
	}
	old, err := e.r.PinnedMessages(ctx, e.ch, e.member)
	must(t, "PinnedMessages", err)
	if len(old) != 1 || old[0].ID != msg {
		t.Fatalf("old pins %+v", old)
	}

	// Unpin: a member may not; the pinner may. The update says no pins.
	wantErr(t, "member unpins", e.r.UnpinMessage(ctx, e.ch, msg, e.member), chat.ErrMissingPerms)
	must(t, "unpin", e.r.UnpinMessage(ctx, e.ch, msg, pinner))
	must(t, "unpin again", e.r.UnpinMessage(ctx, e.ch, msg, pinner))
	e.sync(e.g.ID)
	updates = e.sMember.named(protocol.EventChannelPinsUpdate)
	if len(updates) != 2 {
		t.Fatalf("member got %d CHANNEL_PINS_UPDATE, want 2", len(updates))
	}
	must(t, "decode", json.Unmarshal(updates[1].Data, &up))
	if up.LastPinTimestamp != nil {
		t.Fatalf("after the last unpin: %s", updates[1].Data)
	}
	if m, _ := e.r.Message(ctx, e.ch, msg, e.member); m.Pinned {
		t.Fatal("still pinned")
	}
}

func TestPinLimitAndPaging(t *testing.T) {
	e := newReactionEnv(t)
	ctx := context.Background()
	// Three real pins a second apart, then fill the channel to the limit
	// with pins of messages that do not exist (the list skips those).
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var msgs []chat.ID
	for i := range 3 {
		id := e.send(t, e.owner, "m")
		msgs = append(msgs, id)
		must(t, "PutPin", e.data.PutPin(ctx, chat.Pin{ChannelID: e.ch, MessageID: id, PinnedAt: base.Add(time.Duration(i) * time.Second)}))
	}
	page, err := e.r.Pins(ctx, e.ch, e.owner, time.Time{}, 2)
	must(t, "Pins", err)
	if len(page.Items) != 2 || !page.HasMore || page.Items[0].Message.ID != msgs[2] || page.Items[1].Message.ID != msgs[1] {
		t.Fatalf("first page %+v", page)
	}
	before, _ := time.Parse(time.RFC3339Nano, page.Items[1].PinnedAt)
	page, err = e.r.Pins(ctx, e.ch, e.owner, before, 2)
	must(t, "Pins before", err)
	if len(page.Items) != 1 || page.HasMore || page.Items[0].Message.ID != msgs[0] {
		t.Fatalf("second page %+v", page)
	}
	for i := 3; i < protocol.MaxPins; i++ {
		must(t, "PutPin", e.data.PutPin(ctx, chat.Pin{ChannelID: e.ch, MessageID: e.ids.Next(), PinnedAt: base}))
	}
	extra := e.send(t, e.owner, "one too many")
	wantAPICode(t, "251st pin", e.r.PinMessage(ctx, e.ch, extra, e.owner), protocol.CodeMaxPins)
	// Unpinning makes room.
	must(t, "unpin", e.r.UnpinMessage(ctx, e.ch, msgs[0], e.owner))
	must(t, "pin after unpin", e.r.PinMessage(ctx, e.ch, extra, e.owner))
}
