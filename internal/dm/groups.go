package dm

import (
	"context"
	"fmt"
	"slices"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// CreateGroup creates a group DM of me and recipients (POST
// /users/@me/channels {recipients}). Bots cannot (they would need the
// gdm.join OAuth2 flow); every recipient must be me's friend and not
// blocked either way; at most chat.MaxGroupDMRecipients people in all.
// Every recipient gets CHANNEL_CREATE.
func (s *Service) CreateGroup(ctx context.Context, me chat.User, recipients []chat.ID) (Channel, error) {
	if me.Bot {
		return Channel{}, errBotsCannot
	}
	members := []chat.ID{me.ID}
	for _, r := range recipients {
		if !slices.Contains(members, r) {
			members = append(members, r)
		}
	}
	if len(members) > chat.MaxGroupDMRecipients {
		return Channel{}, errMaxRecipients
	}
	for _, r := range members[1:] {
		if err := s.mayAdd(ctx, me.ID, r); err != nil {
			return Channel{}, err
		}
	}
	c := chat.PrivateChannel{ID: s.cfg.IDs.Next(), Type: chat.ChannelGroupDM, OwnerID: me.ID, Recipients: members}
	if err := s.create(ctx, c); err != nil {
		return Channel{}, err
	}
	s.sendChannel(ctx, members, protocol.EventChannelCreate, c)
	return s.object(ctx, c, me.ID), nil
}

// mayAdd checks that actor may put userID in a group DM: an existing
// user, actor's friend, no block either way.
func (s *Service) mayAdd(ctx context.Context, actor, userID chat.ID) error {
	u, err := s.user(ctx, userID)
	if err != nil {
		return err
	}
	if u.Bot {
		return errCannotMessage
	}
	if err := s.notBlocked(ctx, actor, userID); err != nil {
		return err
	}
	t, err := s.relation(ctx, actor, userID)
	if err != nil {
		return err
	}
	if t != chat.RelationshipFriend {
		return errCannotMessage
	}
	return nil
}

// AddRecipient adds userID to a group DM (PUT
// /channels/{id}/recipients/{user_id}): recipients send CHANNEL_RECIPIENT_ADD,
// the new one gets CHANNEL_CREATE.
func (s *Service) AddRecipient(ctx context.Context, channelID chat.ID, actor chat.User, userID chat.ID) error {
	if actor.Bot {
		return errBotsCannot
	}
	return s.atChannel(ctx, channelID, actor.ID, func(c chat.PrivateChannel) error {
		if c.Type != chat.ChannelGroupDM {
			return errOnDM
		}
		if c.Has(userID) {
			return nil
		}
		if len(c.Recipients) >= chat.MaxGroupDMRecipients {
			return errMaxRecipients
		}
		if err := s.mayAdd(ctx, actor.ID, userID); err != nil {
			return err
		}
		old := slices.Clone(c.Recipients)
		c.Recipients = append(c.Recipients, userID)
		if err := s.st.PutPrivateChannel(ctx, c); err != nil {
			return fmt.Errorf("dm: add recipient: %w", err)
		}
		if err := s.st.AddUserPrivateChannel(ctx, userID, c.ID); err != nil {
			return fmt.Errorf("dm: add recipient: %w", err)
		}
		s.send(old, 0, EventChannelRecipientAdd, RecipientEvent{ChannelID: c.ID, User: protocol.UserObject(s.userOrDeleted(ctx, userID))})
		s.fillLast(ctx, &c)
		s.sendChannel(ctx, []chat.ID{userID}, protocol.EventChannelCreate, c)
		return nil
	})
}

// Events of group DMs.
const (
	EventChannelRecipientAdd    = "CHANNEL_RECIPIENT_ADD"
	EventChannelRecipientRemove = "CHANNEL_RECIPIENT_REMOVE"
)

// RemoveRecipient takes userID out of a group DM (DELETE
// /channels/{id}/recipients/{user_id}): the owner may remove anyone,
// others only themselves.
func (s *Service) RemoveRecipient(ctx context.Context, channelID chat.ID, actor chat.User, userID chat.ID) error {
	return s.atChannel(ctx, channelID, actor.ID, func(c chat.PrivateChannel) error {
		if c.Type != chat.ChannelGroupDM {
			return errOnDM
		}
		if userID != actor.ID && c.OwnerID != actor.ID {
			return chat.ErrMissingPerms
		}
		if !c.Has(userID) {
			return chat.ErrUnknownUser
		}
		return s.leave(ctx, c, userID)
	})
}

// leave removes userID from group DM c (caller holds c's lock): the others
// and userID get CHANNEL_RECIPIENT_REMOVE, userID CHANNEL_DELETE; an owner
// who leaves hands the group to the next recipient (CHANNEL_UPDATE).
func (s *Service) leave(ctx context.Context, c chat.PrivateChannel, userID chat.ID) error {
	before := slices.Clone(c.Recipients)
	c.Recipients = slices.DeleteFunc(c.Recipients, func(id chat.ID) bool { return id == userID })
	ownerChanged := false
	if c.OwnerID == userID && len(c.Recipients) > 0 {
		c.OwnerID, ownerChanged = c.Recipients[0], true
	}
	if err := s.st.PutPrivateChannel(ctx, c); err != nil {
		return fmt.Errorf("dm: leave %d: %w", c.ID, err)
	}
	if err := s.st.RemoveUserPrivateChannel(ctx, userID, c.ID); err != nil {
		return fmt.Errorf("dm: leave %d: %w", c.ID, err)
	}
	s.send(before, 0, EventChannelRecipientRemove, RecipientEvent{ChannelID: c.ID, User: protocol.UserObject(s.userOrDeleted(ctx, userID))})
	gone := c
	gone.Recipients = before
	s.sendChannel(ctx, []chat.ID{userID}, protocol.EventChannelDelete, gone)
	if ownerChanged {
		s.sendChannel(ctx, c.Recipients, protocol.EventChannelUpdate, c)
	}
	return nil
}

// GroupEdit is a validated PATCH of a group DM; nil fields are unchanged.
// Icon "" removes the icon.
type GroupEdit struct {
	Name *string
	Icon *string
}

// EditGroup changes a group DM's name or icon (any recipient may);
// recipients get CHANNEL_UPDATE. A DM has nothing to edit.
func (s *Service) EditGroup(ctx context.Context, channelID chat.ID, actor chat.User, e GroupEdit) (Channel, error) {
	var out Channel
	err := s.atChannel(ctx, channelID, actor.ID, func(c chat.PrivateChannel) error {
		if c.Type != chat.ChannelGroupDM {
			return errOnDM
		}
		if e.Name != nil {
			c.Name = *e.Name
		}
		if e.Icon != nil {
			c.Icon = *e.Icon
		}
		if err := s.st.PutPrivateChannel(ctx, c); err != nil {
			return fmt.Errorf("dm: edit %d: %w", c.ID, err)
		}
		s.fillLast(ctx, &c)
		s.sendChannel(ctx, c.Recipients, protocol.EventChannelUpdate, c)
		out = s.object(ctx, c, actor.ID)
		return nil
	})
	return out, err
}

// Close closes a DM for userID or leaves a group DM (DELETE
// /channels/{id}); it returns the channel. A closed DM leaves the user's
// list until it is opened again or gets a message; its history stays.
func (s *Service) Close(ctx context.Context, channelID chat.ID, userID chat.ID) (Channel, error) {
	var out Channel
	err := s.atChannel(ctx, channelID, userID, func(c chat.PrivateChannel) error {
		s.fillLast(ctx, &c)
		out = s.object(ctx, c, userID)
		if c.Type == chat.ChannelGroupDM {
			return s.leave(ctx, c, userID)
		}
		if !c.ClosedBy(userID) {
			c.Closed = append(c.Closed, userID)
			if err := s.st.PutPrivateChannel(ctx, c); err != nil {
				return fmt.Errorf("dm: close %d: %w", c.ID, err)
			}
		}
		s.sendChannel(ctx, []chat.ID{userID}, protocol.EventChannelDelete, c)
		return nil
	})
	return out, err
}
