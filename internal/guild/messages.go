package guild

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/accordchat/accord/internal/automod"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"

	"github.com/accordchat/accord/internal/store"
)

// MessageCreate is a validated create-message request. The REST layer has
// already checked lengths and emptiness.
type MessageCreate struct {
	Content      string
	Nonce        string
	EnforceNonce bool
	TTS          bool
	Flags        int
	// Reference makes the message a reply. FailIfNotExists (Discord's
	// default true) rejects a reply to a message that does not exist.
	Reference       *chat.MessageReference
	FailIfNotExists bool
	// AllowedMentions nil means Discord's default: everything in content
	// may mention, and a reply mentions the replied-to author.
	AllowedMentions *AllowedMentions
	// Embeds are stored with the message as the REST layer validated them.
	Embeds []chat.Embed
	// Attachments are files already in the blob store (see
	// CheckAttach); they need ATTACH_FILES.
	Attachments []chat.Attachment
	// id, when set, is the message's ID (a forum post's first message
	// has its thread's).
	id chat.ID
	// Components are validated component JSON (package component).
	Components rawComponents
	// Webhook, if set, sends the message as a webhook (see AsWebhook).
	Webhook *WebhookAuthor
	// Interaction, if set, makes the message an application's answer to
	// an interaction.
	Interaction *InteractionAnswer
}

// InteractionAnswer is what makes a message an application's answer to an
// interaction: the application, the interaction's metadata (kept with the
// message), the message type Discord gives the answer (20 or 23; 0 leaves
// the type a reply has from its Reference) and whether it is a deferred
// answer still loading (Discord's "thinking", flag LOADING).
type InteractionAnswer struct {
	AppID   chat.ID
	Meta    chat.InteractionMeta
	Type    int
	Loading bool
}

// MessageEdit is a validated edit; nil fields are unchanged. Embeds, when
// set, replace the message's embeds whole (an empty list removes them).
type MessageEdit struct {
	Content         *string
	Embeds          *[]chat.Embed
	Flags           *int
	AllowedMentions *AllowedMentions
	// Attachments, when set, replace the message's attachments: Keep
	// names those of its own to keep, New are uploaded files to add.
	Attachments *AttachmentEdit
	// Components, when set, replace the message's components.
	Components componentsEdit
	// CompleteLoading completes a deferred interaction answer: the edit
	// clears its LOADING flag and, being its first content, does not mark
	// it edited.
	CompleteLoading bool
}

var errEmptyMessage = protocol.NewAPIError(400, protocol.CodeEmptyMessage, "Cannot send an empty message")

// NonceWindow is how long enforce_nonce remembers a nonce (in DMs too) ("the past few
// minutes" in Discord's words).
const NonceWindow = 5 * time.Minute

type nonceKey struct {
	author chat.ID
	nonce  string
}

type nonceEntry struct {
	at      time.Time
	body    []byte // nil while the first create is in flight
	waiters []func([]byte, error)
}

func (a *actor) pruneNonces() {
	now := a.r.cfg.Now()
	for k, e := range a.nonces {
		if e.body != nil && now.Sub(e.at) > NonceWindow {
			delete(a.nonces, k)
		}
	}
}

// CreateMessage posts a message as authorID and returns its JSON (the same
// bytes MESSAGE_CREATE carries). It returns once the message is durable.
func (r *Registry) CreateMessage(ctx context.Context, channelID, authorID chat.ID, req MessageCreate) ([]byte, error) {
	guildID, err := r.guildOf(ctx, channelID)
	if err != nil {
		return nil, err
	}
	return await(ctx, r, guildID, func(a *actor, reply func([]byte, error)) {
		ch := a.channels[channelID]
		if a.gone || ch == nil {
			reply(nil, chat.ErrUnknownChannel)
			return
		}
		// The write goes on when the caller stops waiting (see ask); its
		// context ends with the one reply.
		wctx, cancel := r.workContext(ctx)
		a.createMessage(wctx, ch, authorID, req, func(b []byte, err error) {
			cancel()
			reply(b, err)
		})
	})
}

func (a *actor) createMessage(ctx context.Context, ch *chat.Channel, authorID chat.ID, req MessageCreate, reply func([]byte, error)) {
	need := protocol.PermViewChannel | protocol.PermSendMessages
	if len(req.Attachments) > 0 {
		need |= protocol.PermAttachFiles
	}
	perms, err := a.actorPerms(ctx, authorID, ch, need)
	if err != nil {
		reply(nil, err)
		return
	}
	if !takesMessages(ch.Type) {
		reply(nil, protocol.NewAPIError(400, protocol.CodeNonTextChannel, "Cannot send messages in a non-text channel"))
		return
	}
	if err := a.unarchiveForSend(ctx, ch, perms); err != nil {
		reply(nil, err)
		return
	}
	var key nonceKey
	if req.EnforceNonce && req.Nonce != "" {
		key = nonceKey{authorID, req.Nonce}
		if e := a.nonces[key]; e != nil && a.r.cfg.Now().Sub(e.at) <= NonceWindow {
			if e.body != nil {
				reply(e.body, nil)
			} else {
				e.waiters = append(e.waiters, reply)
			}
			return
		}
	}
	if a.inflight >= a.r.cfg.MaxInflight {
		reply(nil, ErrBusy)
		return
	}
	m := chat.Message{
		ChannelID:   ch.ID,
		GuildID:     a.id,
		AuthorID:    authorID,
		Content:     req.Content,
		TTS:         req.TTS && perms&protocol.PermSendTTSMessages != 0,
		Nonce:       req.Nonce,
		Flags:       req.Flags & createFlags, // the only flags clients may set
		Type:        chat.MessageDefault,
		Embeds:      req.Embeds,
		Attachments: req.Attachments,
		Components:  req.Components,
	}
	webhookMessage(&m, req.Webhook)
	var replied *chat.Message
	if ref := req.Reference; ref != nil {
		if perms&protocol.PermReadMessageHistory == 0 {
			reply(nil, chat.ErrMissingPerms)
			return
		}
		// A reply names a message of its own channel, as in Discord
		// (discord.js: "must be in the same channel"). Anything else is
		// answered as a message that does not exist, so that a reply
		// cannot read, or probe for, a message in a channel its author
		// cannot see.
		var found *chat.Message
		if (ref.ChannelID == 0 || ref.ChannelID == ch.ID) && (ref.GuildID == 0 || ref.GuildID == a.id) {
			if rm, err := a.r.data.Message(ctx, ch.ID, ref.MessageID); err == nil {
				found = &rm
			} else if !errors.Is(err, chat.ErrUnknownMessage) {
				reply(nil, err)
				return
			}
		}
		if found == nil && req.FailIfNotExists {
			reply(nil, protocol.InvalidForm(protocol.FieldError{
				Path: "message_reference", Code: "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", Message: "Unknown message"}))
			return
		}
		if found != nil {
			replied = found
			m.Type = chat.MessageReply
			m.Reference = &chat.MessageReference{MessageID: found.ID, ChannelID: found.ChannelID, GuildID: a.id}
		}
	}
	if ia := req.Interaction; ia != nil {
		m.ApplicationID, m.Interaction = ia.AppID, ia.Meta.Clone()
		if ia.Type != 0 {
			m.Type = ia.Type
		}
		if ia.Loading {
			m.Flags |= chat.MessageFlagLoading
		}
	}
	a.applyMentions(&m, perms, req.AllowedMentions, replied)
	hits, blocked := a.autoModHits(&m)
	if blocked {
		a.runAutoMod(ctx, m, hits)
		reply(nil, ErrAutoModBlocked)
		return
	}
	// Last of the checks, so that only a message that will be written
	// starts the author's slowmode window.
	if err := a.takeSlowmode(ch, authorID, perms); err != nil {
		reply(nil, err)
		return
	}

	m.ID = req.id
	if m.ID == 0 {
		m.ID = a.r.ids.Next()
	}
	body := a.renderMessage(m, replied)
	b, err := protocol.Marshal(&body) // body is on the heap already (the completion captures it): no boxed copy
	if err != nil {
		reply(nil, err)
		return
	}
	var nonce *nonceEntry
	if key.nonce != "" {
		nonce = &nonceEntry{at: a.r.cfg.Now()}
		a.nonces[key] = nonce
	}
	s := a.reserve()
	a.inflight++
	a.r.writes.run(func() {
		err := a.r.data.CreateMessage(ctx, m)
		a.completions <- func(a *actor) {
			a.inflight--
			s.ready = true
			if err != nil {
				if nonce != nil {
					delete(a.nonces, key)
					for _, w := range nonce.waiters {
						w(nil, err)
					}
				}
				reply(nil, err)
				a.flush()
				return
			}
			a.noteMessage(m)
			a.threadMessageSent(ctx, m)
			if len(hits) > 0 {
				a.runAutoMod(ctx, m, hits)
			}
			if nonce != nil {
				nonce.body = b
				for _, w := range nonce.waiters {
					w(b, nil)
				}
				nonce.waiters = nil
			}
			d := &protocol.Dispatch{Name: protocol.EventMessageCreate, Data: b}
			ev := messageEvent(d, body, m)
			// The reply waits for the event: an acknowledged message has
			// been handed to every recipient (in a cluster, published
			// toward their nodes), even while earlier writes of the guild
			// hold its event back in the outbox.
			s.fire = func() {
				a.deliver(ev)
				reply(b, nil)
			}
			a.flush()
		}
	})
}

// noteMessage records a new durable message as its channel's last.
func (a *actor) noteMessage(m chat.Message) {
	if c := a.channels[m.ChannelID]; c != nil && m.ID > c.LastMessageID {
		c.LastMessageID = m.ID
		if !a.r.cfg.DisablePassive {
			a.lastChanged[c.ID] = m.ID
		}
	}
}

// renderMessage builds the message object as the gateway and the REST reply
// carry it: with guild_id, the author's partial member and members on
// mentions.
func (a *actor) renderMessage(m chat.Message, replied *chat.Message) protocol.Message {
	author := a.userOf(m.AuthorID)
	mentions := make([]chat.User, 0, len(m.Mentions))
	for _, id := range m.Mentions {
		mentions = append(mentions, a.userOf(id))
	}
	out := protocol.MessageObject(m, author, mentions)
	out.GuildID = a.id
	protocol.SetInteraction(&out, m, a.userOf)
	if mem := a.members[m.AuthorID]; mem != nil {
		pm := protocol.MemberObject(*mem, nil)
		out.Member = &pm
	}
	for i := range out.Mentions {
		if mem := a.members[out.Mentions[i].ID]; mem != nil {
			pm := protocol.MemberObject(*mem, nil)
			out.Mentions[i].Member = &pm
		}
	}
	if replied != nil {
		ref := protocol.MessageObject(*replied, a.userOf(replied.AuthorID), a.usersOf(replied.Mentions))
		protocol.SetInteraction(&ref, *replied, a.userOf)
		out.ReferencedMessage = &ref
	}
	if th := a.channels[m.ID]; th != nil && th.Thread != nil && th.ParentID == m.ChannelID {
		setStarter(&out, a.threadObject(th))
	}
	a.r.signAttachments(&out)
	return out
}

func (a *actor) usersOf(ids []chat.ID) []chat.User {
	out := make([]chat.User, 0, len(ids))
	for _, id := range ids {
		out = append(out, a.userOf(id))
	}
	return out
}

// messageEvent is the fan-out of a message event (see shard.sendMessage).
func messageEvent(d *protocol.Dispatch, body protocol.Message, m chat.Message) *event {
	return &event{kind: evMessage, d: d, channel: m.ChannelID, msg: &msgEvent{
		body: body, author: m.AuthorID, mentions: m.Mentions, roles: m.MentionRoles, everyone: m.MentionEveryone,
	}}
}

// StripContentFor returns m as readerID sees it without the MESSAGE_CONTENT
// intent: content, embeds, attachments and components empty unless the
// reader wrote m or m mentions it (Discord's rule; the gateway's fan-out
// applies the same one).
func StripContentFor(m protocol.Message, readerID chat.ID) protocol.Message {
	if m.Author.ID == readerID || slices.ContainsFunc(m.Mentions, func(u protocol.MentionedUser) bool { return u.ID == readerID }) {
		return m
	}
	return stripContent(m)
}

func stripContent(m protocol.Message) protocol.Message {
	m.Content = ""
	m.Embeds = []struct{}{}
	m.Attachments = []protocol.Attachment{}
	m.Components = protocol.NoComponents()
	if m.ReferencedMessage != nil {
		ref := stripContent(*m.ReferencedMessage)
		m.ReferencedMessage = &ref
	}
	return m
}

func mustJSON(v any) []byte {
	b, err := protocol.Marshal(v)
	if err != nil {
		// Every body here is built from plain structs; failing to encode
		// one is a programming error.
		panic(err)
	}
	return b
}

// EditMessage edits a message and returns its new JSON (MESSAGE_UPDATE
// carries the same bytes).
func (r *Registry) EditMessage(ctx context.Context, channelID, messageID, userID chat.ID, req MessageEdit) ([]byte, error) {
	return askChannel(ctx, r, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) ([]byte, error) {
		perms, err := a.actorPerms(ctx, userID, ch, protocol.PermViewChannel)
		if err != nil {
			return nil, err
		}
		m, err := a.r.data.Message(ctx, ch.ID, messageID)
		if err != nil {
			return nil, err
		}
		if m.AuthorID != userID {
			if req.Content != nil || req.Embeds != nil || req.Attachments != nil || req.Components != nil {
				return nil, protocol.NewAPIError(403, protocol.CodeCannotEditOthers, "Cannot edit a message authored by another user")
			}
			if perms&protocol.PermManageMessages == 0 {
				return nil, chat.ErrMissingPerms
			}
		}
		if req.Content != nil {
			m.Content = *req.Content
			now := a.r.cfg.Now().UTC()
			m.EditedAt = &now
			a.applyMentions(&m, perms, req.AllowedMentions, r.repliedTo(ctx, m))
		}
		if req.Embeds != nil {
			// Stores replace an edited message's optional columns only
			// when it is marked edited, so replacing embeds marks it too.
			m.Embeds = *req.Embeds
			now := a.r.cfg.Now().UTC()
			m.EditedAt = &now
		}
		if req.Components != nil {
			m.Components = *req.Components
			now := a.r.cfg.Now().UTC()
			m.EditedAt = &now
		}
		var removed []chat.Attachment
		if ae := req.Attachments; ae != nil {
			if len(ae.New) > 0 && perms&protocol.PermAttachFiles == 0 {
				return nil, chat.ErrMissingPerms
			}
			m.Attachments, removed = ae.apply(m.Attachments)
			now := a.r.cfg.Now().UTC()
			m.EditedAt = &now
		}
		if (req.Content != nil || req.Embeds != nil || req.Attachments != nil || req.Components != nil) &&
			strings.TrimSpace(m.Content) == "" && len(m.Embeds) == 0 && len(m.Attachments) == 0 && len(m.Components) == 0 {
			return nil, errEmptyMessage
		}
		if req.Flags != nil {
			// Only SUPPRESS_EMBEDS is the editor's to change; the
			// others (crosspost, thread, loading...) stay as they are.
			m.Flags = m.Flags&^protocol.MessageFlagSuppressEmbeds | *req.Flags&protocol.MessageFlagSuppressEmbeds
		}
		if req.CompleteLoading && m.Flags&chat.MessageFlagLoading != 0 {
			m.Flags &^= chat.MessageFlagLoading
			m.EditedAt = nil
		}
		var hits []automod.Hit
		if req.Content != nil {
			var blocked bool
			if hits, blocked = a.autoModHits(&m); blocked {
				unsent := m
				unsent.ID = 0
				a.runAutoMod(ctx, unsent, hits)
				return nil, ErrAutoModBlocked
			}
		}
		if err := a.r.data.UpdateMessage(ctx, m); err != nil {
			return nil, err
		}
		a.runAutoMod(ctx, m, hits)
		r.attachmentsGone(ch.ID, removed)
		// The reply's reactions say "me" for the editor; the event's,
		// shared by every session, for nobody.
		bodies := []protocol.Message{a.renderMessage(m, r.repliedTo(ctx, m))}
		bodies = append(bodies, bodies[0])
		dec, err := r.decorations(ctx, ch.ID, []chat.ID{m.ID})
		if err != nil {
			return nil, err
		}
		dec.apply(bodies[:1], userID)
		dec.apply(bodies[1:], 0)
		d := &protocol.Dispatch{Name: protocol.EventMessageUpdate, Data: mustJSON(bodies[1])}
		ev := messageEvent(d, bodies[1], m)
		a.enqueue(func() { a.deliver(ev) })
		return mustJSON(bodies[0]), nil
	})
}

// DeleteMessage deletes one message: its author may, others need
// MANAGE_MESSAGES.
func (r *Registry) DeleteMessage(ctx context.Context, channelID, messageID, userID chat.ID) error {
	return r.channelCall(ctx, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) error {
		if _, err := a.actorPerms(ctx, userID, ch, protocol.PermViewChannel); err != nil {
			return err
		}
		m, err := a.r.data.Message(ctx, ch.ID, messageID)
		if err != nil {
			return err
		}
		if m.AuthorID != userID && !a.has(userID, ch, protocol.PermManageMessages) {
			return chat.ErrMissingPerms
		}
		if err := a.r.data.DeleteMessages(ctx, ch.ID, messageID); err != nil {
			return err
		}
		r.attachmentsGone(ch.ID, m.Attachments)
		a.forgetMessages(ctx, ch.ID, messageID)
		a.broadcast(protocol.EventMessageDelete, protocol.MessageDeleteEvent{ChannelID: ch.ID, GuildID: a.id, ID: messageID},
			protocol.IntentGuildMessages, ch.ID)
		return nil
	})
}

// BulkDeleteMessages deletes 2–100 messages younger than two weeks; the
// REST layer has checked count, duplicates and age. IDs of no message of
// the channel are ignored, as Discord ignores them; the others go with
// their reactions, pins and attachment blobs, and one MESSAGE_DELETE_BULK
// names them.
func (r *Registry) BulkDeleteMessages(ctx context.Context, channelID, userID chat.ID, ids []chat.ID) error {
	return r.channelCall(ctx, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) error {
		if err := a.require(userID, ch, protocol.PermViewChannel|protocol.PermManageMessages); err != nil {
			return err
		}
		ms := make([]chat.Message, 0, len(ids))
		for _, id := range ids {
			m, err := a.r.data.Message(ctx, ch.ID, id)
			if errors.Is(err, chat.ErrUnknownMessage) {
				continue
			}
			if err != nil {
				return err
			}
			ms = append(ms, m)
		}
		if err := a.deleteMessages(ctx, ch, ms, true); err != nil {
			return err
		}
		if len(ms) > 0 {
			a.audit(ctx, userID, protocol.AuditMessageBulkDelete, ch.ID, nil, map[string]string{"count": strconv.Itoa(len(ms))})
		}
		return nil
	})
}

// Typing fires TYPING_START for userID in a channel.
func (r *Registry) Typing(ctx context.Context, channelID, userID chat.ID) error {
	return r.channelCall(ctx, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) error {
		if err := a.require(userID, ch, protocol.PermViewChannel|protocol.PermSendMessages); err != nil {
			return err
		}
		mem := a.memberObject(a.members[userID])
		a.broadcast(protocol.EventTypingStart, protocol.TypingStartEvent{
			ChannelID: ch.ID, GuildID: a.id, UserID: userID,
			Timestamp: a.r.cfg.Now().Unix(), Member: mem,
		}, protocol.IntentGuildMessageTyping, ch.ID)
		return nil
	})
}

// Messages returns a page of a channel's history rendered as Discord message
// objects, newest first. Without READ_MESSAGE_HISTORY the page is empty, as
// in Discord.
func (r *Registry) Messages(ctx context.Context, channelID, userID chat.ID, p store.Page) ([]protocol.Message, error) {
	history, err := r.readAccess(ctx, channelID, userID)
	if err != nil {
		return nil, err
	}
	if !history {
		return []protocol.Message{}, nil
	}
	ms, err := r.data.Messages(ctx, channelID, p)
	if err != nil {
		return nil, err
	}
	out := make([]protocol.Message, 0, len(ms))
	for _, m := range ms {
		out = append(out, r.renderStored(ctx, m))
	}
	if err := r.decorate(ctx, channelID, userID, out); err != nil {
		return nil, err
	}
	return out, nil
}

// Message returns one message; it needs VIEW_CHANNEL and READ_MESSAGE_HISTORY.
func (r *Registry) Message(ctx context.Context, channelID, messageID, userID chat.ID) (protocol.Message, error) {
	history, err := r.readAccess(ctx, channelID, userID)
	if err != nil {
		return protocol.Message{}, err
	}
	if !history {
		return protocol.Message{}, chat.ErrMissingPerms
	}
	m, err := r.data.Message(ctx, channelID, messageID)
	if err != nil {
		return protocol.Message{}, err
	}
	out := []protocol.Message{r.renderStored(ctx, m)}
	if err := r.decorate(ctx, channelID, userID, out); err != nil {
		return protocol.Message{}, err
	}
	return out[0], nil
}

// readAccess checks that userID may see the channel and reports whether
// it may read its history.
func (r *Registry) readAccess(ctx context.Context, channelID, userID chat.ID) (history bool, err error) {
	return askChannel(ctx, r, channelID, func(ctx context.Context, a *actor, ch *chat.Channel) (bool, error) {
		perms, err := a.actorPerms(ctx, userID, ch, protocol.PermViewChannel)
		if err != nil {
			return false, err
		}
		return perms&protocol.PermReadMessageHistory != 0, nil
	})
}

// renderStored renders a message read from history, as GET returns it
// (guild_id set, no member).
func (r *Registry) renderStored(ctx context.Context, m chat.Message) protocol.Message {
	user := func(id chat.ID) chat.User { return r.userOrDeleted(ctx, id) }
	users := func(ids []chat.ID) []chat.User {
		out := make([]chat.User, 0, len(ids))
		for _, id := range ids {
			out = append(out, user(id))
		}
		return out
	}
	out := protocol.MessageObject(m, user(m.AuthorID), users(m.Mentions))
	out.GuildID = m.GuildID
	protocol.SetInteraction(&out, m, user)
	// Only a reply (or a message command's answer, which references its
	// target) renders what it references (a pin notice has a reference
	// too): no store read for the others.
	if m.Type == chat.MessageReply || m.Type == chat.MessageContextMenuCommand {
		if rm := r.repliedTo(ctx, m); rm != nil {
			ref := protocol.MessageObject(*rm, user(rm.AuthorID), users(rm.Mentions))
			protocol.SetInteraction(&ref, *rm, user)
			out.ReferencedMessage = &ref
		}
	}
	r.starterThread(ctx, &out)
	r.signAttachments(&out)
	return out
}

// repliedTo returns the message m replies to, or nil when it is gone or
// m has no reference. Only a reference into m's own channel is followed:
// whoever may read m may read it, so referenced_message never shows a
// reader a message of a channel they cannot see (a reference stored
// before replies were held to their channel reads as a deleted one, null).
func (r *Registry) repliedTo(ctx context.Context, m chat.Message) *chat.Message {
	ref := m.Reference
	if ref == nil || ref.ChannelID != m.ChannelID {
		return nil
	}
	rm, err := r.data.Message(ctx, ref.ChannelID, ref.MessageID)
	if err != nil {
		return nil
	}
	return &rm
}
