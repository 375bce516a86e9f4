package dm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Relationships are user accounts' friends, friend requests and blocks.
// Each change runs at the owner of the pair under the pair's lock, writes
// both sides, and sends RELATIONSHIP_ADD / RELATIONSHIP_REMOVE to each
// side's sessions for the rows of that side that changed.

// Events of relationships.
const (
	EventRelationshipAdd    = "RELATIONSHIP_ADD"
	EventRelationshipRemove = "RELATIONSHIP_REMOVE"
)

var (
	errFriendRequest = protocol.NewAPIError(http.StatusBadRequest, CodeFriendRequest, "Incoming friend requests disabled.")
	errNoSuchName    = protocol.NewAPIError(http.StatusBadRequest, CodeNoSuchUsername, "No users with DiscordTag exist")
)

// RelationshipObject is Discord's relationship object.
type RelationshipObject struct {
	ID       chat.ID        `json:"id"`
	Type     int            `json:"type"`
	User     *protocol.User `json:"user,omitempty"`
	Nickname *string        `json:"nickname"`
	Since    string         `json:"since"`
}

func (s *Service) relationObject(ctx context.Context, r chat.Relationship, withUser bool) RelationshipObject {
	out := RelationshipObject{ID: r.OtherID, Type: r.Type, Since: protocol.Timestamp(r.Since)}
	if withUser {
		u := protocol.UserObject(s.userOrDeleted(ctx, r.OtherID))
		out.User = &u
	}
	return out
}

// relation returns how a relates to b (0: no relationship).
func (s *Service) relation(ctx context.Context, a, b chat.ID) (int, error) {
	r, err := s.relationRow(ctx, a, b)
	return r.Type, err
}

func (s *Service) relationRow(ctx context.Context, a, b chat.ID) (chat.Relationship, error) {
	rs, err := s.st.Relationships(ctx, a)
	if err != nil {
		return chat.Relationship{}, fmt.Errorf("dm: relationships of %d: %w", a, err)
	}
	for _, r := range rs {
		if r.OtherID == b {
			return r, nil
		}
	}
	return chat.Relationship{}, nil
}

// Relationships lists userID's relationships (GET
// /users/@me/relationships, READY relationships).
func (s *Service) Relationships(ctx context.Context, userID chat.ID) ([]RelationshipObject, error) {
	rs, err := s.st.Relationships(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("dm: relationships of %d: %w", userID, err)
	}
	out := make([]RelationshipObject, 0, len(rs))
	for _, r := range rs {
		out = append(out, s.relationObject(ctx, r, true))
	}
	return out, nil
}

// atPair runs fn at the owner of the pair me, other under its lock.
func (s *Service) atPair(me, other chat.ID, fn func() error) error {
	key := pairKey(me, other)
	if err := s.owns(key); err != nil {
		return err
	}
	defer s.lockPair(key)()
	return fn()
}

// put writes r and tells r.UserID's sessions.
func (s *Service) put(ctx context.Context, r chat.Relationship) error {
	if err := s.st.PutRelationship(ctx, r); err != nil {
		return fmt.Errorf("dm: put relationship: %w", err)
	}
	s.send([]chat.ID{r.UserID}, 0, EventRelationshipAdd, s.relationObject(ctx, r, true))
	return nil
}

// remove deletes r and tells r.UserID's sessions.
func (s *Service) remove(ctx context.Context, r chat.Relationship) error {
	if r.Type == 0 {
		return nil
	}
	if err := s.st.DeleteRelationship(ctx, r.UserID, r.OtherID); err != nil {
		return fmt.Errorf("dm: delete relationship: %w", err)
	}
	s.send([]chat.ID{r.UserID}, 0, EventRelationshipRemove, s.relationObject(ctx, r, false))
	return nil
}

// checkUsers refuses bots (20001), an unknown target and oneself; a bot
// may be blocked but not befriended.
func (s *Service) checkUsers(ctx context.Context, me chat.User, otherID chat.ID, friend bool) (chat.User, error) {
	if me.Bot {
		return chat.User{}, errBotsCannot
	}
	other, err := s.user(ctx, otherID)
	if err != nil {
		return chat.User{}, err
	}
	if other.ID == me.ID || (friend && other.Bot) {
		return chat.User{}, errFriendRequest
	}
	return other, nil
}

// SetRelationship is PUT /users/@me/relationships/{id}: typ 0 or 1 sends
// a friend request, or accepts the one otherID sent; typ 2 blocks.
func (s *Service) SetRelationship(ctx context.Context, me chat.User, otherID chat.ID, typ int) error {
	if _, err := s.checkUsers(ctx, me, otherID, typ != chat.RelationshipBlocked); err != nil {
		return err
	}
	switch typ {
	case 0, chat.RelationshipFriend:
		return s.befriend(ctx, me.ID, otherID)
	case chat.RelationshipBlocked:
		return s.block(ctx, me.ID, otherID)
	}
	return protocol.InvalidForm(protocol.FieldError{Path: "type", Code: "BASE_TYPE_CHOICES",
		Message: "Value must be one of (1, 2)."})
}

// FriendRequestByName is POST /users/@me/relationships {username}.
func (s *Service) FriendRequestByName(ctx context.Context, me chat.User, username string) error {
	if me.Bot {
		return errBotsCannot
	}
	u, err := s.users.UserByName(ctx, username)
	if errors.Is(err, chat.ErrUnknownUser) {
		return errNoSuchName
	}
	if err != nil {
		return err
	}
	if _, err := s.checkUsers(ctx, me, u.ID, true); err != nil {
		return err
	}
	return s.befriend(ctx, me.ID, u.ID)
}

// befriend sends or accepts a friend request. A block on either side
// refuses it (the blocker must unblock first).
func (s *Service) befriend(ctx context.Context, me, other chat.ID) error {
	return s.atPair(me, other, func() error {
		mine, err := s.relationRow(ctx, me, other)
		if err != nil {
			return err
		}
		theirs, err := s.relationRow(ctx, other, me)
		if err != nil {
			return err
		}
		if mine.Type == chat.RelationshipBlocked || theirs.Type == chat.RelationshipBlocked {
			return errFriendRequest
		}
		now := time.Now().UTC().Truncate(time.Millisecond)
		switch mine.Type {
		case chat.RelationshipFriend, chat.RelationshipOutgoing:
			return nil // nothing changes
		case chat.RelationshipIncoming:
			if err := s.put(ctx, chat.Relationship{UserID: me, OtherID: other, Type: chat.RelationshipFriend, Since: now}); err != nil {
				return err
			}
			return s.put(ctx, chat.Relationship{UserID: other, OtherID: me, Type: chat.RelationshipFriend, Since: now})
		}
		if err := s.put(ctx, chat.Relationship{UserID: me, OtherID: other, Type: chat.RelationshipOutgoing, Since: now}); err != nil {
			return err
		}
		return s.put(ctx, chat.Relationship{UserID: other, OtherID: me, Type: chat.RelationshipIncoming, Since: now})
	})
}

// block makes me block other: a friendship or request between them ends
// on other's side too (other is not told of the block itself).
func (s *Service) block(ctx context.Context, me, other chat.ID) error {
	return s.atPair(me, other, func() error {
		mine, err := s.relationRow(ctx, me, other)
		if err != nil {
			return err
		}
		if mine.Type == chat.RelationshipBlocked {
			return nil
		}
		theirs, err := s.relationRow(ctx, other, me)
		if err != nil {
			return err
		}
		if theirs.Type != chat.RelationshipBlocked {
			if err := s.remove(ctx, theirs); err != nil {
				return err
			}
		}
		if mine.Type != 0 {
			// Discord removes the old row before adding the block.
			if err := s.remove(ctx, mine); err != nil {
				return err
			}
		}
		return s.put(ctx, chat.Relationship{UserID: me, OtherID: other, Type: chat.RelationshipBlocked,
			Since: time.Now().UTC().Truncate(time.Millisecond)})
	})
}

// DeleteRelationship is DELETE /users/@me/relationships/{id}: it cancels
// an outgoing request, declines an incoming one, removes a friend (on
// both sides) or lifts me's block.
func (s *Service) DeleteRelationship(ctx context.Context, me chat.User, otherID chat.ID) error {
	if me.Bot {
		return errBotsCannot
	}
	return s.atPair(me.ID, otherID, func() error {
		mine, err := s.relationRow(ctx, me.ID, otherID)
		if err != nil {
			return err
		}
		if mine.Type == 0 {
			return nil
		}
		if err := s.remove(ctx, mine); err != nil {
			return err
		}
		if mine.Type == chat.RelationshipBlocked {
			return nil // the other side was never told of the block
		}
		theirs, err := s.relationRow(ctx, otherID, me.ID)
		if err != nil {
			return err
		}
		if theirs.Type == chat.RelationshipBlocked {
			return nil
		}
		return s.remove(ctx, theirs)
	})
}
