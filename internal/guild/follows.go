package guild

import (
	"context"
	"fmt"
	"slices"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// Announcement channels (type 5) can be followed: POST
// /channels/{id}/followers adds a text channel to the announcement
// channel's Followers (stored with the channel), and crossposting a
// message copies it into every follower with the IS_CROSSPOST flag and a
// message_reference to the original. Discord delivers crossposts through
// a "channel follower" webhook it creates in the target; Accord copies the
// message directly, so the follow is a stored relation and webhook_id
// names only the follow.

var errChannelType = protocol.NewAPIError(400, protocol.CodeInvalidChannelType, "Cannot execute action on this channel type")

// FollowChannel makes targetID follow the announcement channel sourceID.
// The user must see the source and have MANAGE_WEBHOOKS in the target, a
// text channel.
func (r *Registry) FollowChannel(ctx context.Context, sourceID, userID, targetID chat.ID) (protocol.FollowedChannel, error) {
	_, err := askChannel(ctx, r, targetID, func(_ context.Context, a *actor, target *chat.Channel) (struct{}, error) {
		if err := a.require(userID, target, protocol.PermViewChannel|protocol.PermManageWebhooks); err != nil {
			return struct{}{}, err
		}
		if target.Type != chat.ChannelText && target.Type != chat.ChannelAnnouncement {
			return struct{}{}, errChannelType
		}
		return struct{}{}, nil
	})
	if err != nil {
		return protocol.FollowedChannel{}, err
	}
	return askChannel(ctx, r, sourceID, func(ctx context.Context, a *actor, src *chat.Channel) (protocol.FollowedChannel, error) {
		if err := a.require(userID, src, protocol.PermViewChannel); err != nil {
			return protocol.FollowedChannel{}, err
		}
		if src.Type != chat.ChannelAnnouncement || targetID == src.ID {
			return protocol.FollowedChannel{}, errChannelType
		}
		if !slices.Contains(src.Followers, targetID) {
			c := *src
			c.Followers = append(slices.Clone(src.Followers), targetID)
			if err := a.r.st.PutChannel(ctx, c); err != nil {
				return protocol.FollowedChannel{}, fmt.Errorf("guild %d: follow channel: %w", a.id, err)
			}
			*src = c
		}
		return protocol.FollowedChannel{ChannelID: src.ID, WebhookID: a.r.ids.Next()}, nil
	})
}

// Crosspost publishes a message of an announcement channel to the
// channels following it: its author may with SEND_MESSAGES, others need
// MANAGE_MESSAGES. The message gets the CROSSPOSTED flag (MESSAGE_UPDATE)
// and each follower a copy. It returns the message's JSON.
func (r *Registry) Crosspost(ctx context.Context, channelID, messageID, userID chat.ID) ([]byte, error) {
	type result struct {
		body      []byte
		msg       chat.Message
		followers []chat.ID
	}
	res, err := askChannel(ctx, r, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) (result, error) {
		if err := a.require(userID, ch, protocol.PermViewChannel); err != nil {
			return result{}, err
		}
		if ch.Type != chat.ChannelAnnouncement {
			return result{}, errChannelType
		}
		m, err := a.r.data.Message(ctx, ch.ID, messageID)
		if err != nil {
			return result{}, err
		}
		need := protocol.PermSendMessages
		if m.AuthorID != userID {
			need = protocol.PermManageMessages
		}
		if !a.has(userID, ch, need) {
			return result{}, chat.ErrMissingPerms
		}
		if m.Flags&protocol.MessageFlagCrossposted != 0 {
			return result{}, protocol.NewAPIError(400, protocol.CodeAlreadyCrossposted, "This message has already been crossposted")
		}
		m.Flags |= protocol.MessageFlagCrossposted
		if err := a.r.data.UpdateMessage(ctx, m); err != nil {
			return result{}, err
		}
		body := a.renderMessage(m, nil)
		d := &protocol.Dispatch{Name: protocol.EventMessageUpdate, Data: mustJSON(body)}
		ev := messageEvent(d, body, m)
		a.enqueue(func() { a.deliver(ev) })
		return result{body: mustJSON(body), msg: m, followers: slices.Clone(ch.Followers)}, nil
	})
	if err != nil {
		return nil, err
	}
	wctx, cancel := r.workContext(ctx)
	defer cancel()
	for _, target := range res.followers {
		if err := r.postCrosspost(wctx, target, res.msg); err != nil {
			r.log.Warn("crosspost to follower", "channel", channelID, "target", target, "err", err)
		}
	}
	return res.body, nil
}

// postCrosspost writes the copy of orig into a following channel.
func (r *Registry) postCrosspost(ctx context.Context, targetID chat.ID, orig chat.Message) error {
	return r.channelCall(ctx, targetID, func(ctx context.Context, a *actor, ch *chat.Channel) error {
		m := chat.Message{
			ID: a.r.ids.Next(), ChannelID: ch.ID, GuildID: a.id, AuthorID: orig.AuthorID, Content: orig.Content,
			Embeds: orig.Embeds, Type: chat.MessageDefault, Flags: protocol.MessageFlagIsCrosspost,
			Reference: &chat.MessageReference{MessageID: orig.ID, ChannelID: orig.ChannelID, GuildID: orig.GuildID},
		}
		if err := a.r.data.CreateMessage(ctx, m); err != nil {
			return err
		}
		a.noteMessage(m)
		body := a.renderMessage(m, nil)
		d := &protocol.Dispatch{Name: protocol.EventMessageCreate, Data: mustJSON(body)}
		ev := messageEvent(d, body, m)
		a.enqueue(func() { a.deliver(ev) })
		return nil
	})
}
