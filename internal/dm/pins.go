package dm

import (
	"context"
	"slices"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
)

// Pins in private channels: as on Discord, any recipient may pin and unpin
// (there are no permissions in a DM), except across a block. Pinning posts
// the CHANNEL_PINNED_MESSAGE system message; both fire MESSAGE_UPDATE
// (pinned) and CHANNEL_PINS_UPDATE (no guild_id) to the recipients with
// DIRECT_MESSAGES. A channel holds at most protocol.MaxPins, as a guild
// channel does.

// PinMessage pins a message. Pinning a pinned message changes nothing.
func (s *Service) PinMessage(ctx context.Context, channelID, messageID, userID chat.ID) error {
	return s.atChannel(ctx, channelID, userID, func(c chat.PrivateChannel) error {
		m, pins, err := s.pinTarget(ctx, c, messageID, userID)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(pins, func(p chat.Pin) bool { return p.MessageID == m.ID }) {
			return nil
		}
		if len(pins) >= protocol.MaxPins {
			return guild.ErrMaxPins
		}
		now := time.Now().UTC().Truncate(time.Millisecond)
		if err := s.data.PutPin(ctx, chat.Pin{ChannelID: c.ID, MessageID: m.ID, PinnedAt: now}); err != nil {
			return err
		}
		sys := chat.Message{ID: s.cfg.IDs.Next(), ChannelID: c.ID, AuthorID: userID, Type: chat.MessageChannelPinned,
			Reference: &chat.MessageReference{MessageID: m.ID, ChannelID: c.ID}}
		if err := s.data.CreateMessage(ctx, sys); err != nil {
			return err
		}
		s.send(c.Recipients, protocol.IntentDirectMessages, protocol.EventMessageCreate, s.render(ctx, sys, nil))
		return s.pinEvents(ctx, c, m, &now)
	})
}

// UnpinMessage unpins a message. Unpinning one that is not pinned changes
// nothing.
func (s *Service) UnpinMessage(ctx context.Context, channelID, messageID, userID chat.ID) error {
	return s.atChannel(ctx, channelID, userID, func(c chat.PrivateChannel) error {
		m, pins, err := s.pinTarget(ctx, c, messageID, userID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(pins, func(p chat.Pin) bool { return p.MessageID == m.ID })
		if i < 0 {
			return nil
		}
		if err := s.data.DeletePin(ctx, c.ID, m.ID); err != nil {
			return err
		}
		pins = slices.Delete(pins, i, i+1)
		var last *time.Time
		if len(pins) > 0 {
			last = &pins[0].PinnedAt // newest first
		}
		return s.pinEvents(ctx, c, m, last)
	})
}

// pinTarget checks that userID may change c's pins and returns the message
// and the channel's pins.
func (s *Service) pinTarget(ctx context.Context, c chat.PrivateChannel, messageID, userID chat.ID) (chat.Message, []chat.Pin, error) {
	if err := s.mayWrite(ctx, c, userID); err != nil {
		return chat.Message{}, nil, err
	}
	m, err := s.data.Message(ctx, c.ID, messageID)
	if err != nil {
		return chat.Message{}, nil, err
	}
	pins, err := s.data.Pins(ctx, c.ID)
	return m, pins, err
}

// pinEvents fires MESSAGE_UPDATE for m, now pinned or unpinned, and
// CHANNEL_PINS_UPDATE with the channel's newest pin time.
func (s *Service) pinEvents(ctx context.Context, c chat.PrivateChannel, m chat.Message, last *time.Time) error {
	body := []protocol.Message{s.render(ctx, m, s.repliedTo(ctx, m))}
	if err := s.decorate(ctx, c.ID, 0, body); err != nil {
		return err
	}
	s.send(c.Recipients, protocol.IntentDirectMessages, protocol.EventMessageUpdate, body[0])
	s.send(c.Recipients, protocol.IntentDirectMessages, protocol.EventChannelPinsUpdate, protocol.ChannelPinsUpdate(0, c.ID, last))
	return nil
}

// Pins returns up to limit pins pinned before before (zero: the newest),
// newest first, and whether more follow, to a recipient.
func (s *Service) Pins(ctx context.Context, channelID, userID chat.ID, before time.Time, limit int) (protocol.ChannelPins, error) {
	pins, err := s.readPins(ctx, channelID, userID)
	if err != nil {
		return protocol.ChannelPins{Items: []protocol.MessagePin{}}, err
	}
	return guild.PinPage(pins, before, limit, func(pins []chat.Pin, n int) ([]protocol.Message, error) {
		return s.pinnedMessages(ctx, channelID, userID, pins, n)
	})
}

// PinnedMessages is the older GET /channels/{id}/pins: the newest 50
// pinned messages.
func (s *Service) PinnedMessages(ctx context.Context, channelID, userID chat.ID) ([]protocol.Message, error) {
	pins, err := s.readPins(ctx, channelID, userID)
	if err != nil {
		return nil, err
	}
	return s.pinnedMessages(ctx, channelID, userID, pins, 50)
}

// readPins returns the channel's pins, newest first, to a recipient. It
// runs at the channel's owner, whose data service keeps the channel's pins.
func (s *Service) readPins(ctx context.Context, channelID, userID chat.ID) ([]chat.Pin, error) {
	if err := s.owns(channelID); err != nil {
		return nil, err
	}
	if _, err := s.channel(ctx, channelID, userID); err != nil {
		return nil, err
	}
	return s.data.Pins(ctx, channelID)
}

// pinnedMessages renders the messages of up to n pins, in order (see
// guild.RenderPinned), with their reactions and pinned flags.
func (s *Service) pinnedMessages(ctx context.Context, channelID, viewer chat.ID, pins []chat.Pin, n int) ([]protocol.Message, error) {
	out, err := guild.RenderPinned(pins, n, func(id chat.ID) (chat.Message, error) { return s.data.Message(ctx, channelID, id) },
		func(m chat.Message) protocol.Message { return s.render(ctx, m, s.repliedTo(ctx, m)) })
	if err != nil {
		return nil, err
	}
	return out, s.decorate(ctx, channelID, viewer, out)
}

// unpinDeleted drops the pin of a deleted message, with CHANNEL_PINS_UPDATE
// when it was pinned. The message is gone already, so a failure is logged:
// reads skip pins of missing messages.
func (s *Service) unpinDeleted(ctx context.Context, c chat.PrivateChannel, messageID chat.ID) {
	pins, err := s.data.Pins(ctx, c.ID)
	if err != nil {
		s.log.Warn("read pins of deleted message", "channel", c.ID, "message", messageID, "err", err)
		return
	}
	i := slices.IndexFunc(pins, func(p chat.Pin) bool { return p.MessageID == messageID })
	if i < 0 {
		return
	}
	if err := s.data.DeletePin(ctx, c.ID, messageID); err != nil {
		s.log.Warn("delete pin of deleted message", "channel", c.ID, "message", messageID, "err", err)
		return
	}
	pins = slices.Delete(pins, i, i+1)
	var last *time.Time
	if len(pins) > 0 {
		last = &pins[0].PinnedAt // newest first
	}
	s.send(c.Recipients, protocol.IntentDirectMessages, protocol.EventChannelPinsUpdate, protocol.ChannelPinsUpdate(0, c.ID, last))
}
