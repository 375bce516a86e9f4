package dm

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Channel is Discord's channel object of a DM or group DM, as one of its
// recipients sees it: recipients are the others.
type Channel struct {
	ID            chat.ID         `json:"id"`
	Type          int             `json:"type"`
	LastMessageID *chat.ID        `json:"last_message_id"`
	Flags         int             `json:"flags"`
	Recipients    []protocol.User `json:"recipients"`
	Name          *string         `json:"name,omitempty"`
	Icon          json.RawMessage `json:"icon,omitempty"` // null or "hash" in group DMs
	OwnerID       *chat.ID        `json:"owner_id,omitempty"`
}

// RecipientEvent is CHANNEL_RECIPIENT_ADD's and _REMOVE's data.
type RecipientEvent struct {
	ChannelID chat.ID       `json:"channel_id"`
	User      protocol.User `json:"user"`
}

// object renders c for viewer.
func (s *Service) object(ctx context.Context, c chat.PrivateChannel, viewer chat.ID) Channel {
	out := Channel{ID: c.ID, Type: c.Type, Recipients: []protocol.User{}}
	if c.LastMessageID != 0 {
		id := c.LastMessageID
		out.LastMessageID = &id
	}
	for _, r := range c.Recipients {
		if r != viewer {
			out.Recipients = append(out.Recipients, protocol.UserObject(s.userOrDeleted(ctx, r)))
		}
	}
	if c.Type == chat.ChannelGroupDM {
		name, owner := c.Name, c.OwnerID
		out.Name, out.OwnerID = &name, &owner
		out.Icon = json.RawMessage("null")
		if c.Icon != "" {
			out.Icon, _ = json.Marshal(c.Icon)
		}
	}
	return out
}

// sendChannel sends each of users event with c as that user sees it.
func (s *Service) sendChannel(ctx context.Context, users []chat.ID, event string, c chat.PrivateChannel) {
	for _, u := range users {
		s.send([]chat.ID{u}, 0, event, s.object(ctx, c, u))
	}
}

// Channels lists userID's open private channels (READY private_channels,
// GET /users/@me/channels), newest last message first.
func (s *Service) Channels(ctx context.Context, userID chat.ID) ([]Channel, error) {
	ids, err := s.st.UserPrivateChannels(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("dm: channels of %d: %w", userID, err)
	}
	out := make([]Channel, 0, len(ids))
	for _, id := range ids {
		c, err := s.channel(ctx, id, userID)
		if err != nil {
			continue // left or gone: the index outlived it
		}
		if c.ClosedBy(userID) {
			continue
		}
		s.fillLast(ctx, &c)
		out = append(out, s.object(ctx, c, userID))
	}
	slices.SortStableFunc(out, func(a, b Channel) int {
		la, lb := a.ID, b.ID
		if a.LastMessageID != nil {
			la = *a.LastMessageID
		}
		if b.LastMessageID != nil {
			lb = *b.LastMessageID
		}
		return cmp.Compare(lb, la)
	})
	return out, nil
}

// fillLast sets c's last message from the newest stored (the channel row
// is not written per message). It reads the store, not the data
// service's pages: READY builds lists on any node, and only the owner's
// pages are current.
func (s *Service) fillLast(ctx context.Context, c *chat.PrivateChannel) {
	ms, err := s.st.Messages(ctx, c.ID, storePage1)
	if err == nil && len(ms) > 0 {
		c.LastMessageID = ms[0].ID
	}
}

// Channel returns a private channel for GET /channels/{id}.
func (s *Service) Channel(ctx context.Context, channelID, userID chat.ID) (Channel, error) {
	c, err := s.channel(ctx, channelID, userID)
	if err != nil {
		return Channel{}, err
	}
	s.fillLast(ctx, &c)
	return s.object(ctx, c, userID), nil
}

// sharesGuild reports whether a and b are members of a common guild.
func (s *Service) sharesGuild(ctx context.Context, a, b chat.ID) (bool, error) {
	ga, err := s.st.UserGuilds(ctx, a)
	if err != nil {
		return false, fmt.Errorf("dm: guilds of %d: %w", a, err)
	}
	gb, err := s.st.UserGuilds(ctx, b)
	if err != nil {
		return false, fmt.Errorf("dm: guilds of %d: %w", b, err)
	}
	for _, g := range ga {
		if slices.Contains(gb, g) {
			return true, nil
		}
	}
	return false, nil
}

// mayOpen checks that me may open a DM with other: never across a block;
// a bot, or anyone with a bot, only with a shared guild; users when they
// share a guild or are friends.
func (s *Service) mayOpen(ctx context.Context, me, other chat.User) error {
	if me.ID == other.ID {
		return errCannotMessage
	}
	if err := s.notBlocked(ctx, me.ID, other.ID); err != nil {
		return err
	}
	if !me.Bot && !other.Bot {
		t, err := s.relation(ctx, me.ID, other.ID)
		if err != nil {
			return err
		}
		if t == chat.RelationshipFriend {
			return nil
		}
	}
	ok, err := s.sharesGuild(ctx, me.ID, other.ID)
	if err != nil {
		return err
	}
	if !ok {
		return errCannotMessage
	}
	return nil
}

// notBlocked fails with 50007 when either user blocked the other.
func (s *Service) notBlocked(ctx context.Context, a, b chat.ID) error {
	for _, p := range [][2]chat.ID{{a, b}, {b, a}} {
		t, err := s.relation(ctx, p[0], p[1])
		if err != nil {
			return err
		}
		if t == chat.RelationshipBlocked {
			return errCannotMessage
		}
	}
	return nil
}

func pairKey(a, b chat.ID) chat.ID { return min(a, b) }

// OpenDM returns me's DM with recipientID, creating it if there is none
// (POST /users/@me/channels {recipient_id}). Opening a DM me had closed
// lists it again.
func (s *Service) OpenDM(ctx context.Context, me chat.User, recipientID chat.ID) (Channel, error) {
	other, err := s.user(ctx, recipientID)
	if err != nil {
		return Channel{}, err
	}
	if other.ID == me.ID {
		return Channel{}, errCannotMessage
	}
	key := pairKey(me.ID, other.ID)
	if err := s.owns(key); err != nil {
		return Channel{}, err
	}
	defer s.lockPair(key)()
	c, found, err := s.findDM(ctx, me.ID, other.ID)
	if err != nil {
		return Channel{}, err
	}
	if found {
		// An existing DM opens even across a block (Discord lets one
		// read the history); sending is what the block refuses.
		if c.ClosedBy(me.ID) {
			if err := s.reopen(ctx, c.ID, me.ID); err != nil {
				return Channel{}, err
			}
			c.Closed = slices.DeleteFunc(c.Closed, func(id chat.ID) bool { return id == me.ID })
			s.fillLast(ctx, &c)
			s.sendChannel(ctx, []chat.ID{me.ID}, protocol.EventChannelCreate, c)
		}
		s.fillLast(ctx, &c)
		return s.object(ctx, c, me.ID), nil
	}
	if err := s.mayOpen(ctx, me, other); err != nil {
		return Channel{}, err
	}
	c = chat.PrivateChannel{ID: s.cfg.IDs.Next(), Type: chat.ChannelDM, Recipients: []chat.ID{me.ID, other.ID}}
	if err := s.create(ctx, c); err != nil {
		return Channel{}, err
	}
	// Discord tells only the opener now; the other side learns of the DM
	// with its first message.
	s.sendChannel(ctx, []chat.ID{me.ID}, protocol.EventChannelCreate, c)
	return s.object(ctx, c, me.ID), nil
}

// findDM finds the DM of a and b through a's list, then b's.
func (s *Service) findDM(ctx context.Context, a, b chat.ID) (chat.PrivateChannel, bool, error) {
	for _, u := range []chat.ID{a, b} {
		ids, err := s.st.UserPrivateChannels(ctx, u)
		if err != nil {
			return chat.PrivateChannel{}, false, fmt.Errorf("dm: channels of %d: %w", u, err)
		}
		for _, id := range ids {
			c, err := s.channel(ctx, id, u)
			if err != nil {
				continue
			}
			if c.Type == chat.ChannelDM && c.Has(a) && c.Has(b) {
				return c, true, nil
			}
		}
	}
	return chat.PrivateChannel{}, false, nil
}

// create stores a new private channel and its recipients' index rows.
func (s *Service) create(ctx context.Context, c chat.PrivateChannel) error {
	if err := s.st.PutPrivateChannel(ctx, c); err != nil {
		return fmt.Errorf("dm: create channel: %w", err)
	}
	s.private.Store(c.ID, struct{}{})
	for _, r := range c.Recipients {
		if err := s.st.AddUserPrivateChannel(ctx, r, c.ID); err != nil {
			return fmt.Errorf("dm: create channel: %w", err)
		}
	}
	return nil
}

// reopen removes userID from the channel's Closed. OpenDM calls it
// holding the pair's lock (lock order: pair, then channel).
func (s *Service) reopen(ctx context.Context, channelID, userID chat.ID) error {
	defer s.lock(channelID)()
	c, err := s.channel(ctx, channelID, userID)
	if err != nil {
		return err
	}
	c.Closed = slices.DeleteFunc(c.Closed, func(id chat.ID) bool { return id == userID })
	if err := s.st.PutPrivateChannel(ctx, c); err != nil {
		return fmt.Errorf("dm: reopen %d: %w", channelID, err)
	}
	return nil
}
