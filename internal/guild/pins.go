package guild

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Pins follow Discord (developers/resources/message.mdx): pinning and
// unpinning need PIN_MESSAGES. Discord split that bit from MANAGE_MESSAGES
// in 2025 and gave it to every role that had MANAGE_MESSAGES; Accord's
// stored roles and overwrites predate the bit and were never given it, so
// MANAGE_MESSAGES still counts as PIN_MESSAGES here (the same outcome as
// Discord's migration for them). A channel holds at most protocol.MaxPins.
// Pinning posts the CHANNEL_PINNED_MESSAGE system message and fires
// MESSAGE_UPDATE (pinned) and CHANNEL_PINS_UPDATE; unpinning the last two.

// ErrMaxPins is 30003, a channel (guild or private) full of pins.
var ErrMaxPins = protocol.NewAPIError(400, protocol.CodeMaxPins,
	fmt.Sprintf("Maximum number of pins reached (%d)", protocol.MaxPins))

// mayPin reports whether userID may pin and unpin in ch.
func (a *actor) mayPin(userID chat.ID, ch *chat.Channel) bool {
	return a.perms(userID, ch)&(protocol.PermPinMessages|protocol.PermManageMessages) != 0
}

// requirePin checks that userID sees ch and may pin there, and returns the
// message and the channel's pins.
func (a *actor) requirePin(ctx context.Context, userID chat.ID, ch *chat.Channel, messageID chat.ID) (chat.Message, []chat.Pin, error) {
	if err := a.require(userID, ch, protocol.PermViewChannel); err != nil {
		return chat.Message{}, nil, err
	}
	if !a.mayPin(userID, ch) {
		return chat.Message{}, nil, chat.ErrMissingPerms
	}
	m, err := a.r.data.Message(ctx, ch.ID, messageID)
	if err != nil {
		return chat.Message{}, nil, err
	}
	pins, err := a.r.data.Pins(ctx, ch.ID)
	return m, pins, err
}

// PinMessage pins a message. Pinning a pinned message changes nothing.
func (r *Registry) PinMessage(ctx context.Context, channelID, messageID, userID chat.ID) error {
	return r.channelCall(ctx, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) error {
		m, pins, err := a.requirePin(ctx, userID, ch, messageID)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(pins, func(p chat.Pin) bool { return p.MessageID == m.ID }) {
			return nil
		}
		if len(pins) >= protocol.MaxPins {
			return ErrMaxPins
		}
		now := a.r.cfg.Now().UTC().Truncate(time.Millisecond)
		if err := a.r.data.PutPin(ctx, chat.Pin{ChannelID: ch.ID, MessageID: m.ID, PinnedAt: now}); err != nil {
			return err
		}
		sys := chat.Message{ID: a.r.ids.Next(), ChannelID: ch.ID, GuildID: a.id, AuthorID: userID,
			Type: chat.MessageChannelPinned, Reference: &chat.MessageReference{MessageID: m.ID, ChannelID: ch.ID, GuildID: a.id}}
		if err := a.r.data.CreateMessage(ctx, sys); err != nil {
			return err
		}
		a.noteMessage(sys)
		if err := a.pinEvents(ctx, ch, m, &now); err != nil {
			return err
		}
		body := a.renderMessage(sys, nil)
		ev := messageEvent(&protocol.Dispatch{Name: protocol.EventMessageCreate, Data: mustJSON(body)}, body, sys)
		a.enqueue(func() { a.deliver(ev) })
		return nil
	})
}

// UnpinMessage unpins a message. Unpinning a message that is not pinned
// changes nothing.
func (r *Registry) UnpinMessage(ctx context.Context, channelID, messageID, userID chat.ID) error {
	return r.channelCall(ctx, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) error {
		m, pins, err := a.requirePin(ctx, userID, ch, messageID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(pins, func(p chat.Pin) bool { return p.MessageID == m.ID })
		if i < 0 {
			return nil
		}
		if err := a.r.data.DeletePin(ctx, ch.ID, m.ID); err != nil {
			return err
		}
		pins = slices.Delete(pins, i, i+1)
		var last *time.Time
		if len(pins) > 0 {
			last = &pins[0].PinnedAt // newest first
		}
		return a.pinEvents(ctx, ch, m, last)
	})
}

// pinEvents fires MESSAGE_UPDATE for m, now pinned or unpinned, and
// CHANNEL_PINS_UPDATE with the channel's newest pin time.
func (a *actor) pinEvents(ctx context.Context, ch *chat.Channel, m chat.Message, last *time.Time) error {
	bodies := []protocol.Message{a.renderMessage(m, a.r.repliedTo(ctx, m))}
	if err := a.r.decorate(ctx, ch.ID, 0, bodies); err != nil {
		return err
	}
	ev := messageEvent(&protocol.Dispatch{Name: protocol.EventMessageUpdate, Data: mustJSON(bodies[0])}, bodies[0], m)
	a.enqueue(func() { a.deliver(ev) })
	a.broadcast(protocol.EventChannelPinsUpdate, protocol.ChannelPinsUpdate(a.id, ch.ID, last), protocol.IntentGuilds, ch.ID)
	return nil
}

// Pins returns up to limit pins pinned before before (zero: the newest),
// newest first, and whether more follow. Without READ_MESSAGE_HISTORY the
// list is empty, as in Discord.
func (r *Registry) Pins(ctx context.Context, channelID, userID chat.ID, before time.Time, limit int) (protocol.ChannelPins, error) {
	history, err := r.readAccess(ctx, channelID, userID)
	if err != nil || !history {
		return protocol.ChannelPins{Items: []protocol.MessagePin{}}, err
	}
	pins, err := r.data.Pins(ctx, channelID)
	if err != nil {
		return protocol.ChannelPins{}, err
	}
	return PinPage(pins, before, limit, func(pins []chat.Pin, n int) ([]protocol.Message, error) {
		return r.pinnedMessages(ctx, channelID, userID, pins, n)
	})
}

// PinPage is a page of a channel's pins (newest first): those pinned
// before before (zero: all), up to limit, and whether more follow.
// messages renders the messages of up to n pins, compacting pins in
// place so that pins[i] stays the pin of message i (see PinnedMessages).
// The DM service pages its pins with it too.
func PinPage(pins []chat.Pin, before time.Time, limit int, messages func(pins []chat.Pin, n int) ([]protocol.Message, error)) (protocol.ChannelPins, error) {
	out := protocol.ChannelPins{Items: []protocol.MessagePin{}}
	if !before.IsZero() {
		pins = slices.DeleteFunc(pins, func(p chat.Pin) bool { return !p.PinnedAt.Before(before) })
	}
	ms, err := messages(pins, limit+1)
	if err != nil {
		return out, err
	}
	if len(ms) > limit {
		ms, out.HasMore = ms[:limit], true
	}
	for i, m := range ms {
		out.Items = append(out.Items, protocol.MessagePin{PinnedAt: protocol.Timestamp(pins[i].PinnedAt), Message: m})
	}
	return out, nil
}

// PinnedMessages is the older GET /channels/{id}/pins: the newest 50
// pinned messages. Without READ_MESSAGE_HISTORY it is empty.
func (r *Registry) PinnedMessages(ctx context.Context, channelID, userID chat.ID) ([]protocol.Message, error) {
	history, err := r.readAccess(ctx, channelID, userID)
	if err != nil || !history {
		return []protocol.Message{}, err
	}
	pins, err := r.data.Pins(ctx, channelID)
	if err != nil {
		return nil, err
	}
	return r.pinnedMessages(ctx, channelID, userID, pins, 50)
}

// pinnedMessages renders the messages of up to n pins, in order (see
// RenderPinned), with their reactions and pinned flags.
func (r *Registry) pinnedMessages(ctx context.Context, channelID, viewer chat.ID, pins []chat.Pin, n int) ([]protocol.Message, error) {
	out, err := RenderPinned(pins, n, func(id chat.ID) (chat.Message, error) { return r.data.Message(ctx, channelID, id) },
		func(m chat.Message) protocol.Message { return r.renderStored(ctx, m) })
	if err != nil {
		return nil, err
	}
	return out, r.decorate(ctx, channelID, viewer, out)
}

// RenderPinned renders the messages of up to n pins, in order, reading
// each with get. A pin whose message is gone (its delete raced the read)
// is skipped, and pins is compacted in place so that pins[i] stays the pin
// of message i.
func RenderPinned(pins []chat.Pin, n int, get func(chat.ID) (chat.Message, error), render func(chat.Message) protocol.Message) ([]protocol.Message, error) {
	out := []protocol.Message{}
	kept := pins[:0]
	for _, p := range pins {
		if len(out) == n {
			break
		}
		m, err := get(p.MessageID)
		if err != nil {
			if errors.Is(err, chat.ErrUnknownMessage) {
				continue
			}
			return nil, err
		}
		out = append(out, render(m))
		kept = append(kept, p)
	}
	return out, nil
}
