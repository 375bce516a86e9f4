package dm

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

var storePage1 = store.Page{Limit: 1}

var errEmptyMessage = protocol.NewAPIError(400, protocol.CodeEmptyMessage, "Cannot send an empty message")

// Private channels answer the message routes the guild registry answers
// for guild channels, with the same signatures, so that the REST layer
// picks one or the other by channel. In a DM every recipient may read,
// write and react; nobody edits or deletes another's message.

// mayWrite checks that authorID may post in c now: in a DM, no block
// either way.
func (s *Service) mayWrite(ctx context.Context, c chat.PrivateChannel, authorID chat.ID) error {
	if c.Type != chat.ChannelDM {
		return nil
	}
	for _, r := range c.Recipients {
		if r != authorID {
			return s.notBlocked(ctx, authorID, r)
		}
	}
	return nil
}

var mentionRE = regexp.MustCompile(`<@!?([0-9]{1,20})>`)

// mentions returns the recipients of c that content mentions, as
// allowed_mentions lets it (nil: Discord's default, everything).
func mentions(c chat.PrivateChannel, content string, am *guild.AllowedMentions, replied *chat.Message) []chat.ID {
	var out []chat.ID
	parseUsers := am == nil || slices.Contains(am.Parse, "users")
	for _, m := range mentionRE.FindAllStringSubmatch(content, -1) {
		n, err := strconv.ParseUint(m[1], 10, 64)
		id := chat.ID(n)
		if err != nil || !c.Has(id) || slices.Contains(out, id) {
			continue
		}
		if parseUsers || slices.Contains(am.Users, id) {
			out = append(out, id)
		}
	}
	if replied != nil && (am == nil || am.RepliedUser) && !slices.Contains(out, replied.AuthorID) && c.Has(replied.AuthorID) {
		out = append(out, replied.AuthorID)
	}
	return out
}

// CreateMessage posts a message in a private channel and returns its JSON,
// once it is durable; the recipients' sessions with DIRECT_MESSAGES get
// MESSAGE_CREATE (with content, bots included: MESSAGE_CONTENT does not
// apply to DMs). A DM closed by a recipient opens again for them with
// CHANNEL_CREATE; so does a DM's first message for the other recipient.
func (s *Service) CreateMessage(ctx context.Context, channelID, authorID chat.ID, req guild.MessageCreate) ([]byte, error) {
	var out []byte
	err := s.atChannel(ctx, channelID, authorID, func(c chat.PrivateChannel) error {
		if err := s.mayWrite(ctx, c, authorID); err != nil {
			return err
		}
		key := nonceKey{channel: c.ID, author: authorID, nonce: req.Nonce}
		if req.EnforceNonce && req.Nonce != "" {
			if b, ok := s.nonces.get(key, time.Now()); ok {
				out = b
				return nil
			}
		}
		m := chat.Message{ChannelID: c.ID, AuthorID: authorID, Content: req.Content, TTS: req.TTS, Nonce: req.Nonce,
			Flags: req.Flags & protocol.MessageFlagSuppressEmbeds, Type: chat.MessageDefault, Embeds: req.Embeds,
			Attachments: req.Attachments, Components: req.Components}
		var replied *chat.Message
		if ref := req.Reference; ref != nil {
			if (ref.ChannelID == 0 || ref.ChannelID == c.ID) && ref.GuildID == 0 {
				if rm, err := s.data.Message(ctx, c.ID, ref.MessageID); err == nil {
					replied = &rm
				} else if !errors.Is(err, chat.ErrUnknownMessage) {
					return err
				}
			}
			if replied == nil && req.FailIfNotExists {
				return protocol.InvalidForm(protocol.FieldError{Path: "message_reference",
					Code: "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", Message: "Unknown message"})
			}
			if replied != nil {
				m.Type = chat.MessageReply
				m.Reference = &chat.MessageReference{MessageID: replied.ID, ChannelID: c.ID}
			}
		}
		m.Mentions = mentions(c, m.Content, req.AllowedMentions, replied)
		first := false
		if c.Type == chat.ChannelDM {
			ms, err := s.data.Messages(ctx, c.ID, storePage1)
			if err != nil {
				return err
			}
			first = len(ms) == 0
		}
		m.ID = s.cfg.IDs.Next()
		if err := s.data.CreateMessage(ctx, m); err != nil {
			return err
		}
		c.LastMessageID = m.ID
		// Recipients who do not list the DM (they closed it, or it is
		// new to them) get it back first.
		var reopened []chat.ID
		for _, r := range c.Recipients {
			if c.ClosedBy(r) || (first && r != authorID) {
				reopened = append(reopened, r)
			}
		}
		if len(c.Closed) > 0 {
			c.Closed = nil
			if err := s.st.PutPrivateChannel(ctx, c); err != nil {
				s.log.Warn("reopen closed DM", "channel", c.ID, "err", err)
			}
		}
		s.sendChannel(ctx, reopened, protocol.EventChannelCreate, c)
		body := s.render(ctx, m, replied)
		b, err := protocol.Marshal(body)
		if err != nil {
			return err
		}
		s.deliverRaw(c.Recipients, protocol.IntentDirectMessages, protocol.EventMessageCreate, b)
		if req.EnforceNonce && req.Nonce != "" {
			s.nonces.put(key, b, time.Now())
		}
		out = b
		return nil
	})
	return out, err
}

func (s *Service) deliverRaw(users []chat.ID, intent protocol.Intents, name string, b []byte) {
	if s.deliver != nil {
		s.deliver.DeliverToUsers(users, intent, &protocol.Dispatch{Name: name, Data: b})
	}
}

// render builds a private channel's message object (no guild_id, no
// member).
func (s *Service) render(ctx context.Context, m chat.Message, replied *chat.Message) protocol.Message {
	users := func(ids []chat.ID) []chat.User {
		out := make([]chat.User, 0, len(ids))
		for _, id := range ids {
			out = append(out, s.userOrDeleted(ctx, id))
		}
		return out
	}
	out := protocol.MessageObject(m, s.userOrDeleted(ctx, m.AuthorID), users(m.Mentions))
	protocol.SetInteraction(&out, m, func(id chat.ID) chat.User { return s.userOrDeleted(ctx, id) })
	if replied != nil {
		ref := protocol.MessageObject(*replied, s.userOrDeleted(ctx, replied.AuthorID), users(replied.Mentions))
		out.ReferencedMessage = &ref
	}
	s.sign(&out)
	return out
}

func (s *Service) sign(m *protocol.Message) {
	if s.cfg.AttachmentURL == nil {
		return
	}
	for i := range m.Attachments {
		u := s.cfg.AttachmentURL(m.Attachments[i].URL)
		m.Attachments[i].URL, m.Attachments[i].ProxyURL = u, u
	}
	if m.ReferencedMessage != nil {
		s.sign(m.ReferencedMessage)
	}
}

// repliedTo returns the message m replies to in its own channel, or nil.
func (s *Service) repliedTo(ctx context.Context, m chat.Message) *chat.Message {
	if m.Reference == nil || m.Reference.ChannelID != m.ChannelID {
		return nil
	}
	rm, err := s.data.Message(ctx, m.ChannelID, m.Reference.MessageID)
	if err != nil {
		return nil
	}
	return &rm
}

// decorate sets reactions ("me" for viewer) and pinned.
func (s *Service) decorate(ctx context.Context, channelID, viewer chat.ID, ms []protocol.Message) error {
	if len(ms) == 0 {
		return nil
	}
	ids := make([]chat.ID, len(ms))
	for i := range ms {
		ids[i] = ms[i].ID
	}
	d, err := s.data.Decorations(ctx, channelID, ids)
	if err != nil {
		return err
	}
	for i := range ms {
		ms[i].Reactions = protocol.ReactionObjects(d.Reactions[ms[i].ID], viewer)
		ms[i].Pinned = d.Pinned[ms[i].ID]
	}
	return nil
}

// Messages returns a page of history, newest first, to a recipient. Reads
// run at the channel's owner too: the data service's hot pages of a
// channel are kept by the node that writes it.
func (s *Service) Messages(ctx context.Context, channelID, userID chat.ID, p store.Page) ([]protocol.Message, error) {
	if err := s.owns(channelID); err != nil {
		return nil, err
	}
	if _, err := s.channel(ctx, channelID, userID); err != nil {
		return nil, err
	}
	ms, err := s.data.Messages(ctx, channelID, p)
	if err != nil {
		return nil, err
	}
	out := make([]protocol.Message, 0, len(ms))
	for _, m := range ms {
		var replied *chat.Message
		if m.Type == chat.MessageReply {
			replied = s.repliedTo(ctx, m)
		}
		out = append(out, s.render(ctx, m, replied))
	}
	return out, s.decorate(ctx, channelID, userID, out)
}

// Message returns one message to a recipient.
func (s *Service) Message(ctx context.Context, channelID, messageID, userID chat.ID) (protocol.Message, error) {
	if err := s.owns(channelID); err != nil {
		return protocol.Message{}, err
	}
	if _, err := s.channel(ctx, channelID, userID); err != nil {
		return protocol.Message{}, err
	}
	m, err := s.data.Message(ctx, channelID, messageID)
	if err != nil {
		return protocol.Message{}, err
	}
	out := []protocol.Message{s.render(ctx, m, s.repliedTo(ctx, m))}
	return out[0], s.decorate(ctx, channelID, userID, out)
}

// CheckAttach checks that userID may upload files to the channel now
// (messageID 0) or to their own message messageID.
func (s *Service) CheckAttach(ctx context.Context, channelID, userID, messageID chat.ID) error {
	if err := s.owns(channelID); err != nil {
		return err
	}
	c, err := s.channel(ctx, channelID, userID)
	if err != nil {
		return err
	}
	if messageID == 0 {
		return s.mayWrite(ctx, c, userID)
	}
	m, err := s.data.Message(ctx, channelID, messageID)
	if err != nil {
		return err
	}
	if m.AuthorID != userID {
		return protocol.NewAPIError(403, protocol.CodeCannotEditOthers, "Cannot edit a message authored by another user")
	}
	return nil
}

// EditMessage edits the author's own message; MESSAGE_UPDATE goes to the
// recipients.
func (s *Service) EditMessage(ctx context.Context, channelID, messageID, userID chat.ID, req guild.MessageEdit) ([]byte, error) {
	var out []byte
	err := s.atChannel(ctx, channelID, userID, func(c chat.PrivateChannel) error {
		m, err := s.data.Message(ctx, channelID, messageID)
		if err != nil {
			return err
		}
		if m.AuthorID != userID {
			return protocol.NewAPIError(403, protocol.CodeCannotEditOthers, "Cannot edit a message authored by another user")
		}
		now := time.Now().UTC()
		replied := s.repliedTo(ctx, m)
		edited := req.Content != nil || req.Embeds != nil || req.Attachments != nil || req.Components != nil
		if req.Content != nil {
			m.Content, m.EditedAt = *req.Content, &now
			m.Mentions = mentions(c, m.Content, req.AllowedMentions, replied)
		}
		if req.Embeds != nil {
			m.Embeds, m.EditedAt = *req.Embeds, &now
		}
		var removed []chat.Attachment
		if ae := req.Attachments; ae != nil {
			var kept []chat.Attachment
			for _, a := range m.Attachments {
				if ae.KeepAll || slices.Contains(ae.Keep, a.ID) {
					kept = append(kept, a)
				} else {
					removed = append(removed, a)
				}
			}
			m.Attachments, m.EditedAt = append(kept, ae.New...), &now
		}
		if req.Components != nil {
			m.Components = *req.Components
		}
		if edited && strings.TrimSpace(m.Content) == "" && len(m.Embeds) == 0 && len(m.Attachments) == 0 && len(m.Components) == 0 {
			return errEmptyMessage
		}
		if req.Flags != nil {
			// Only SUPPRESS_EMBEDS is the author's to change; the other flags stay.
			m.Flags = m.Flags&^protocol.MessageFlagSuppressEmbeds | *req.Flags&protocol.MessageFlagSuppressEmbeds
		}
		if err := s.data.UpdateMessage(ctx, m); err != nil {
			return err
		}
		if len(removed) > 0 && s.cfg.AttachmentsGone != nil {
			s.cfg.AttachmentsGone(c.ID, removed)
		}
		bodies := []protocol.Message{s.render(ctx, m, replied)}
		bodies = append(bodies, bodies[0])
		if err := s.decorate(ctx, c.ID, userID, bodies[:1]); err != nil {
			return err
		}
		if err := s.decorate(ctx, c.ID, 0, bodies[1:]); err != nil {
			return err
		}
		ev, err := protocol.Marshal(bodies[1])
		if err != nil {
			return err
		}
		s.deliverRaw(c.Recipients, protocol.IntentDirectMessages, protocol.EventMessageUpdate, ev)
		out, err = protocol.Marshal(bodies[0])
		return err
	})
	return out, err
}

// messageDeleteEvent is MESSAGE_DELETE's data in a private channel (no
// guild_id).
type messageDeleteEvent struct {
	ID        chat.ID `json:"id"`
	ChannelID chat.ID `json:"channel_id"`
}

// DeleteMessage deletes the author's own message: in a DM nobody may
// delete another's (50003).
func (s *Service) DeleteMessage(ctx context.Context, channelID, messageID, userID chat.ID) error {
	return s.atChannel(ctx, channelID, userID, func(c chat.PrivateChannel) error {
		m, err := s.data.Message(ctx, channelID, messageID)
		if err != nil {
			return err
		}
		if m.AuthorID != userID {
			return errOnDM
		}
		if err := s.data.DeleteMessages(ctx, c.ID, m.ID); err != nil {
			return err
		}
		if err := s.data.DeleteReactions(ctx, c.ID, m.ID, ""); err != nil {
			s.log.Warn("delete reactions of deleted message", "channel", c.ID, "message", m.ID, "err", err)
		}
		s.unpinDeleted(ctx, c, m.ID)
		if len(m.Attachments) > 0 && s.cfg.AttachmentsGone != nil {
			s.cfg.AttachmentsGone(c.ID, m.Attachments)
		}
		s.send(c.Recipients, protocol.IntentDirectMessages, protocol.EventMessageDelete, messageDeleteEvent{ID: m.ID, ChannelID: c.ID})
		return nil
	})
}

// BulkDeleteMessages is refused in private channels, as Discord does.
func (s *Service) BulkDeleteMessages(ctx context.Context, channelID, userID chat.ID, _ []chat.ID) error {
	if _, err := s.channel(ctx, channelID, userID); err != nil {
		return err
	}
	return errOnDM
}

// typingEvent is TYPING_START's data in a private channel.
type typingEvent struct {
	ChannelID chat.ID `json:"channel_id"`
	UserID    chat.ID `json:"user_id"`
	Timestamp int64   `json:"timestamp"`
}

// Typing sends TYPING_START to the other recipients with
// DIRECT_MESSAGE_TYPING.
func (s *Service) Typing(ctx context.Context, channelID, userID chat.ID) error {
	c, err := s.channel(ctx, channelID, userID)
	if err != nil {
		return err
	}
	if err := s.mayWrite(ctx, c, userID); err != nil {
		return err
	}
	s.send(c.Recipients, protocol.IntentDirectMessageTyping, protocol.EventTypingStart,
		typingEvent{ChannelID: c.ID, UserID: userID, Timestamp: time.Now().Unix()})
	return nil
}
