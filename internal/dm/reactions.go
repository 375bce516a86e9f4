package dm

import (
	"context"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Reactions in private channels: any recipient may add and remove their
// own, with unicode emoji or the custom emoji of a guild they are in (as
// on Discord, where one's servers' emoji work everywhere; an emoji kept
// for some roles is not offered outside its guild); the events go to
// recipients with DIRECT_MESSAGE_REACTIONS.

var errUnknownEmoji = protocol.NewAPIError(400, protocol.CodeUnknownEmoji, "Unknown Emoji")

// reactionEvent is MESSAGE_REACTION_ADD's and _REMOVE's data in a private
// channel (no guild_id, no member).
type reactionEvent struct {
	UserID          chat.ID               `json:"user_id"`
	ChannelID       chat.ID               `json:"channel_id"`
	MessageID       chat.ID               `json:"message_id"`
	Emoji           protocol.PartialEmoji `json:"emoji"`
	MessageAuthorID chat.ID               `json:"message_author_id,omitempty"`
	Burst           bool                  `json:"burst"`
	Type            int                   `json:"type"`
}

// AddReaction adds userID's reaction with e to a message.
func (s *Service) AddReaction(ctx context.Context, channelID, messageID, userID chat.ID, e chat.Emoji) error {
	return s.atChannel(ctx, channelID, userID, func(c chat.PrivateChannel) error {
		if err := s.mayWrite(ctx, c, userID); err != nil {
			return err
		}
		if e.ID != 0 {
			var err error
			if e, err = s.customEmoji(ctx, userID, e.ID); err != nil {
				return err
			}
		}
		m, err := s.data.Message(ctx, c.ID, messageID)
		if err != nil {
			return err
		}
		users, err := s.st.ReactionUsers(ctx, c.ID, m.ID, e.Key(), userID-1, 1)
		if err != nil {
			return err
		}
		if len(users) == 1 && users[0] == userID {
			return nil // already there: no event
		}
		rs, err := s.st.Reactions(ctx, c.ID, []chat.ID{m.ID})
		if err != nil {
			return err
		}
		at := time.Now().UTC().Truncate(time.Millisecond)
		distinct := map[string]bool{}
		for _, x := range rs {
			distinct[x.Emoji.Key()] = true
			if !at.After(x.At) {
				at = x.At.Add(time.Millisecond)
			}
		}
		if !distinct[e.Key()] && len(distinct) >= protocol.MaxReactionEmoji {
			return protocol.NewAPIError(400, protocol.CodeMaxReactions, "Maximum number of reactions reached (20)")
		}
		if err := s.data.PutReaction(ctx, chat.Reaction{ChannelID: c.ID, MessageID: m.ID, Emoji: e, UserID: userID, At: at}); err != nil {
			return err
		}
		s.send(c.Recipients, protocol.IntentDirectMessageReactions, protocol.EventMessageReactionAdd, reactionEvent{
			UserID: userID, ChannelID: c.ID, MessageID: m.ID, Emoji: protocol.EmojiObject(e), MessageAuthorID: m.AuthorID})
		return nil
	})
}

// customEmoji resolves custom emoji id for userID: an emoji of a guild
// they are in, not kept for some roles.
func (s *Service) customEmoji(ctx context.Context, userID, id chat.ID) (chat.Emoji, error) {
	guilds, err := s.st.UserGuilds(ctx, userID)
	if err != nil {
		return chat.Emoji{}, err
	}
	for _, g := range guilds {
		es, err := s.st.GuildEmojis(ctx, g)
		if err != nil {
			return chat.Emoji{}, err
		}
		for _, ge := range es {
			if ge.ID == id && len(ge.Roles) == 0 {
				return chat.Emoji{ID: ge.ID, Name: ge.Name, Animated: ge.Animated}, nil
			}
		}
	}
	return chat.Emoji{}, errUnknownEmoji
}

// RemoveReaction removes a reaction: only one's own in a private channel.
func (s *Service) RemoveReaction(ctx context.Context, channelID, messageID, actorID, targetID chat.ID, e chat.Emoji) error {
	return s.atChannel(ctx, channelID, actorID, func(c chat.PrivateChannel) error {
		if actorID != targetID {
			return errOnDM
		}
		users, err := s.st.ReactionUsers(ctx, c.ID, messageID, e.Key(), targetID-1, 1)
		if err != nil {
			return err
		}
		if len(users) == 0 || users[0] != targetID {
			return nil
		}
		if err := s.data.DeleteReaction(ctx, c.ID, messageID, e.Key(), targetID); err != nil {
			return err
		}
		s.send(c.Recipients, protocol.IntentDirectMessageReactions, protocol.EventMessageReactionRemove, reactionEvent{
			UserID: targetID, ChannelID: c.ID, MessageID: messageID, Emoji: protocol.EmojiObject(e)})
		return nil
	})
}

// ClearReactions (removing everyone's) is refused in private channels.
func (s *Service) ClearReactions(ctx context.Context, channelID, _, userID chat.ID, _ *chat.Emoji) error {
	if _, err := s.channel(ctx, channelID, userID); err != nil {
		return err
	}
	return errOnDM
}

// ReactionUsers lists who reacted with e, to a recipient.
func (s *Service) ReactionUsers(ctx context.Context, channelID, messageID, userID chat.ID, e chat.Emoji, after chat.ID, limit int) ([]chat.User, error) {
	if err := s.owns(channelID); err != nil {
		return nil, err
	}
	if _, err := s.channel(ctx, channelID, userID); err != nil {
		return nil, err
	}
	if _, err := s.data.Message(ctx, channelID, messageID); err != nil {
		return nil, err
	}
	ids, err := s.st.ReactionUsers(ctx, channelID, messageID, e.Key(), after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]chat.User, 0, len(ids))
	for _, id := range ids {
		out = append(out, s.userOrDeleted(ctx, id))
	}
	return out, nil
}
