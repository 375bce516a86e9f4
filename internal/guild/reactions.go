package guild

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/data"
	"github.com/accordchat/accord/internal/protocol"
)

// Reactions follow Discord's rules (developers/resources/message.mdx):
// reacting needs VIEW_CHANNEL and READ_MESSAGE_HISTORY, and ADD_REACTIONS
// as well when nobody has reacted with that emoji yet; a message holds at
// most protocol.MaxReactionEmoji distinct emoji; removing someone else's
// reaction, or a message's reactions wholesale, needs MANAGE_MESSAGES.
// Every reaction event reaches only sessions with the
// GUILD_MESSAGE_REACTIONS intent that can see the channel.

var (
	errUnknownEmoji = protocol.NewAPIError(400, protocol.CodeUnknownEmoji, "Unknown Emoji") // 400 as Discord answers it
	errMaxReactions = protocol.NewAPIError(400, protocol.CodeMaxReactions,
		fmt.Sprintf("Maximum number of reactions reached (%d)", protocol.MaxReactionEmoji))
)

// knownEmoji returns e as a new reaction stores it: a unicode emoji as
// is, a custom emoji of this guild with its current name and animated
// flag (a client may send any name with the ID). A custom emoji that is
// not this guild's is unknown (false): 10014 Unknown Emoji, as Discord
// answers for an emoji that does not exist. So is one whose roles limit
// it to members userID is not one of (the owner may use every emoji): to
// them it does not exist, as in Discord's picker. Emoji of other guilds
// (used with USE_EXTERNAL_EMOJIS on Discord) are not looked up.
func (a *actor) knownEmoji(e chat.Emoji, userID chat.ID) (chat.Emoji, bool) {
	if e.ID == 0 {
		return e, true
	}
	ge := a.emojis[e.ID]
	if ge == nil || !a.mayUseEmoji(ge, userID) {
		return chat.Emoji{}, false
	}
	return chat.Emoji{ID: ge.ID, Name: ge.Name, Animated: ge.Animated}, true
}

// mayUseEmoji reports whether userID may use ge: an emoji without roles is
// everyone's; one with roles is for members with one of them.
func (a *actor) mayUseEmoji(ge *chat.GuildEmoji, userID chat.ID) bool {
	if len(ge.Roles) == 0 || userID == a.guild.OwnerID {
		return true
	}
	m := a.members[userID]
	if m == nil {
		return false
	}
	for _, r := range ge.Roles {
		if r == a.id || slices.Contains(m.Roles, r) { // a.id: @everyone
			return true
		}
	}
	return false
}

// reacted reports whether userID has reacted to the message with emoji
// key.
func (a *actor) reacted(ctx context.Context, channelID, messageID chat.ID, key string, userID chat.ID) (bool, error) {
	ids, err := a.r.st.ReactionUsers(ctx, channelID, messageID, key, userID-1, 1)
	if err != nil {
		return false, err
	}
	return len(ids) == 1 && ids[0] == userID, nil
}

// AddReaction adds userID's reaction with e to a message. Reacting again
// with the same emoji changes nothing and fires no event, as in Discord.
func (r *Registry) AddReaction(ctx context.Context, channelID, messageID, userID chat.ID, e chat.Emoji) error {
	return r.channelCall(ctx, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) error {
		if err := a.require(userID, ch, protocol.PermViewChannel|protocol.PermReadMessageHistory); err != nil {
			return err
		}
		m, err := a.r.data.Message(ctx, ch.ID, messageID)
		if err != nil {
			return err
		}
		e, known := a.knownEmoji(e, userID)
		if !known {
			return errUnknownEmoji
		}
		key := e.Key()
		mine, err := a.reacted(ctx, ch.ID, m.ID, key, userID)
		if err != nil || mine {
			return err
		}
		users, err := a.r.st.ReactionUsers(ctx, ch.ID, m.ID, key, 0, 1)
		if err != nil {
			return err
		}
		at := a.r.cfg.Now().UTC().Truncate(time.Millisecond)
		if len(users) == 0 {
			// A new emoji on the message.
			if !a.has(userID, ch, protocol.PermAddReactions) {
				return chat.ErrMissingPerms
			}
			rs, err := a.r.st.Reactions(ctx, ch.ID, []chat.ID{m.ID})
			if err != nil {
				return err
			}
			distinct := map[string]bool{}
			for _, x := range rs {
				distinct[x.Emoji.Key()] = true
				// Emoji are shown in the order of their first use, which
				// is the least At of their rows: a new emoji's first row
				// comes strictly after every row there, even within one
				// millisecond (the precision stores keep).
				if !at.After(x.At) {
					at = x.At.Add(time.Millisecond)
				}
			}
			if len(distinct) >= protocol.MaxReactionEmoji {
				return errMaxReactions
			}
		}
		if err := a.r.data.PutReaction(ctx, chat.Reaction{ChannelID: ch.ID, MessageID: m.ID, Emoji: e, UserID: userID, At: at}); err != nil {
			return err
		}
		var member *protocol.Member
		if mem := a.members[userID]; mem != nil {
			pm := a.memberObject(mem)
			member = &pm
		}
		a.broadcast(protocol.EventMessageReactionAdd, protocol.MessageReactionAddEvent{
			UserID: userID, ChannelID: ch.ID, MessageID: m.ID, GuildID: a.id, Member: member,
			Emoji: protocol.EmojiObject(e), MessageAuthorID: m.AuthorID, Type: protocol.ReactionTypeNormal,
		}, protocol.IntentGuildMessageReactions, ch.ID)
		return nil
	})
}

// RemoveReaction removes targetID's reaction with e from a message. A user
// may remove their own (actorID == targetID); anyone else's needs
// MANAGE_MESSAGES. Removing a reaction that is not there fires nothing.
func (r *Registry) RemoveReaction(ctx context.Context, channelID, messageID, actorID, targetID chat.ID, e chat.Emoji) error {
	return r.channelCall(ctx, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) error {
		need := protocol.PermViewChannel
		if actorID != targetID {
			need |= protocol.PermManageMessages
		}
		if err := a.require(actorID, ch, need); err != nil {
			return err
		}
		m, err := a.r.data.Message(ctx, ch.ID, messageID)
		if err != nil {
			return err
		}
		key := e.Key()
		had, err := a.reacted(ctx, ch.ID, m.ID, key, targetID)
		if err != nil || !had {
			return err
		}
		if err := a.r.data.DeleteReaction(ctx, ch.ID, m.ID, key, targetID); err != nil {
			return err
		}
		a.broadcast(protocol.EventMessageReactionRemove, protocol.MessageReactionRemoveEvent{
			UserID: targetID, ChannelID: ch.ID, MessageID: m.ID, GuildID: a.id,
			Emoji: protocol.EmojiObject(e), Type: protocol.ReactionTypeNormal,
		}, protocol.IntentGuildMessageReactions, ch.ID)
		return nil
	})
}

// ClearReactions removes every reaction of a message (e nil) or every
// reaction with *e; it needs MANAGE_MESSAGES. It fires
// MESSAGE_REACTION_REMOVE_ALL or MESSAGE_REACTION_REMOVE_EMOJI.
func (r *Registry) ClearReactions(ctx context.Context, channelID, messageID, userID chat.ID, e *chat.Emoji) error {
	return r.channelCall(ctx, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) error {
		if err := a.require(userID, ch, protocol.PermViewChannel|protocol.PermManageMessages); err != nil {
			return err
		}
		m, err := a.r.data.Message(ctx, ch.ID, messageID)
		if err != nil {
			return err
		}
		if e == nil {
			if err := a.r.data.DeleteReactions(ctx, ch.ID, m.ID, ""); err != nil {
				return err
			}
			a.broadcast(protocol.EventMessageReactionRemoveAll, protocol.MessageReactionRemoveAllEvent{
				ChannelID: ch.ID, MessageID: m.ID, GuildID: a.id,
			}, protocol.IntentGuildMessageReactions, ch.ID)
			return nil
		}
		if err := a.r.data.DeleteReactions(ctx, ch.ID, m.ID, e.Key()); err != nil {
			return err
		}
		a.broadcast(protocol.EventMessageReactionRemoveEmoji, protocol.MessageReactionRemoveEmojiEvent{
			ChannelID: ch.ID, GuildID: a.id, MessageID: m.ID, Emoji: protocol.EmojiObject(*e),
		}, protocol.IntentGuildMessageReactions, ch.ID)
		return nil
	})
}

// ReactionUsers returns up to limit users above after who reacted to a
// message with e, in ID order. It needs VIEW_CHANNEL and
// READ_MESSAGE_HISTORY, as reading the message does.
func (r *Registry) ReactionUsers(ctx context.Context, channelID, messageID, userID chat.ID, e chat.Emoji, after chat.ID, limit int) ([]chat.User, error) {
	history, err := r.readAccess(ctx, channelID, userID)
	if err != nil {
		return nil, err
	}
	if !history {
		return nil, chat.ErrMissingPerms
	}
	if _, err := r.data.Message(ctx, channelID, messageID); err != nil {
		return nil, err
	}
	ids, err := r.st.ReactionUsers(ctx, channelID, messageID, e.Key(), after, limit)
	if err != nil {
		return nil, err
	}
	out := make([]chat.User, 0, len(ids))
	for _, id := range ids {
		out = append(out, r.userOrDeleted(ctx, id))
	}
	return out, nil
}

// decorate fills in the reactions (Me for viewer; 0 for nobody, as in
// gateway events) and pinned of messages of one channel: one read of the
// messages' reactions and one of the channel's pins.
func (r *Registry) decorate(ctx context.Context, channelID, viewer chat.ID, ms []protocol.Message) error {
	if len(ms) == 0 {
		return nil
	}
	ids := make([]chat.ID, len(ms))
	for i := range ms {
		ids[i] = ms[i].ID
	}
	dec, err := r.decorations(ctx, channelID, ids)
	if err != nil {
		return err
	}
	dec.apply(ms, viewer)
	return nil
}

// decorations are the reactions and pins of some messages of a channel,
// read once (through the data service, which coalesces and keeps them) and
// applied for as many viewers as needed.
type decorations data.Decorations

func (r *Registry) decorations(ctx context.Context, channelID chat.ID, ids []chat.ID) (decorations, error) {
	d, err := r.data.Decorations(ctx, channelID, ids)
	return decorations(d), err
}

// apply sets ms' reactions ("me" for viewer; 0: nobody) and pinned flags.
func (d decorations) apply(ms []protocol.Message, viewer chat.ID) {
	for i := range ms {
		ms[i].Reactions = protocol.ReactionObjects(d.Reactions[ms[i].ID], viewer)
		ms[i].Pinned = d.Pinned[ms[i].ID]
	}
}

// forgetMessages deletes the reactions and pins of deleted messages. The
// messages are gone already, so a failure here is logged, not returned:
// what it leaves behind is never shown (reads start from messages) and
// Pins skips pins of missing messages.
func (a *actor) forgetMessages(ctx context.Context, channelID chat.ID, ids ...chat.ID) {
	pins, pinsErr := a.r.data.Pins(ctx, channelID)
	if pinsErr != nil {
		a.r.log.Warn("read pins of deleted messages", "channel", channelID, "err", pinsErr)
	}
	pinned := make(map[chat.ID]bool, len(pins))
	for _, p := range pins {
		pinned[p.MessageID] = true
	}
	for _, id := range ids {
		if err := a.r.data.DeleteReactions(ctx, channelID, id, ""); err != nil {
			a.r.log.Warn("delete reactions of deleted message", "channel", channelID, "message", id, "err", err)
		}
		if pinsErr == nil && !pinned[id] {
			continue // not pinned: no pin to delete
		}
		if err := a.r.data.DeletePin(ctx, channelID, id); err != nil {
			a.r.log.Warn("delete pin of deleted message", "channel", channelID, "message", id, "err", err)
		}
	}
	a.threadMessagesGone(ctx, channelID, ids)
}
