package api

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/accordchat/accord/internal/appcmd"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/interaction"
	"github.com/accordchat/accord/internal/protocol"
)

// How an interaction's answers look, as on Discord: the bot is the author,
// webhook_id and application_id are the application's, and every answer
// (original response, deferred "thinking" message, follow-up, ephemeral or
// not) keeps interaction_metadata. Answers to application commands are
// message type 20 (chat input) or 23 (user and message commands, the
// latter referencing its target) and also carry the deprecated
// `interaction` object; answers to components reply (type 19) to the
// component's message, as do answers to a modal opened from one.

// answerShape works out, when interaction id is created, how its answers
// will look. data is the interaction data checkInteractionData returned.
func (h *Handler) answerShape(id, appID, userID, guildID chat.ID, body interactionBody, data json.RawMessage) interaction.Answer {
	meta := chat.InteractionMeta{ID: id, Type: body.Type, UserID: userID, GuildOwner: guildID}
	switch body.Type {
	case interaction.TypeApplicationCommand:
		var d struct {
			Name     string                 `json:"name"`
			Type     int                    `json:"type"`
			TargetID chat.ID                `json:"target_id"`
			Options  []appcmd.InvokedOption `json:"options"`
		}
		_ = json.Unmarshal(data, &d) // checked by checkInteractionData
		meta.Name, meta.CommandType = commandPath(d.Name, d.Options), d.Type
		switch d.Type {
		case appcmd.UserType:
			meta.TargetUserID = d.TargetID
			return interaction.Answer{Meta: meta, Type: msgTypeContextCmd}
		case appcmd.Message:
			meta.TargetMessageID = d.TargetID
			return interaction.Answer{Meta: meta, Type: msgTypeContextCmd, ReplyTo: d.TargetID}
		}
		return interaction.Answer{Meta: meta, Type: msgTypeChatInput}
	case interaction.TypeMessageComponent:
		meta.InteractedMessageID = body.MessageID
		return interaction.Answer{Meta: meta, Type: chat.MessageReply, ReplyTo: body.MessageID}
	case interaction.TypeModalSubmit:
		var d struct {
			ID chat.ID `json:"id"`
		}
		_ = json.Unmarshal(data, &d)
		// The interaction that opened the modal, if it is the same
		// user's with the same application and still known.
		opener := h.inter.Get(d.ID)
		if opener == nil || opener.AppID != appID || opener.UserID != userID || opener.ChannelID != body.ChannelID {
			return interaction.Answer{Meta: meta, Type: chat.MessageDefault}
		}
		trig := opener.Answer.Meta
		trig.Triggering, trig.OriginalResponseID = nil, 0
		meta.Triggering = &trig
		if opener.Type == interaction.TypeMessageComponent {
			return interaction.Answer{Meta: meta, Type: chat.MessageReply, ReplyTo: opener.MessageID}
		}
	}
	return interaction.Answer{Meta: meta, Type: chat.MessageDefault}
}

// commandPath is a command's name with the subcommand group and
// subcommand invoked ("config set name"), as Discord names it.
func commandPath(name string, opts []appcmd.InvokedOption) string {
	parts := []string{name}
	for len(opts) == 1 && (opts[0].Type == appcmd.OptSubCommandGroup || opts[0].Type == appcmd.OptSubCommand) {
		parts = append(parts, opts[0].Name)
		opts = opts[0].Options
	}
	return strings.Join(parts, " ")
}

// answerCreate makes req an answer to it. originalID is set on follow-ups
// (the original response's message); loading makes it a deferred answer.
func answerCreate(it *interaction.Interaction, req *guild.MessageCreate, originalID chat.ID, loading bool) {
	a := it.Answer
	meta := a.Meta
	meta.OriginalResponseID = originalID
	ia := &guild.InteractionAnswer{AppID: it.AppID, Meta: meta, Type: a.Type, Loading: loading}
	if a.ReplyTo != 0 {
		// A reply to a message of the channel: the reference decides
		// whether it is one (the message may be gone), without pinging
		// the replied-to author unless the application asks.
		req.Reference = &chat.MessageReference{MessageID: a.ReplyTo, ChannelID: it.ChannelID}
		req.FailIfNotExists = false
		if req.AllowedMentions == nil {
			req.AllowedMentions = &guild.AllowedMentions{Parse: []string{"users", "roles", "everyone"}}
		}
		if a.Type == chat.MessageReply {
			ia.Type = 0
		}
	}
	req.Interaction = ia
}

// postAnswer sends req as an answer to it: to the channel, or as an
// ephemeral message to the invoker only. original records it as the
// original response.
func (h *Handler) postAnswer(ctx context.Context, it *interaction.Interaction, req guild.MessageCreate, ephemeral, original, loading bool) ([]byte, error) {
	var originalID chat.ID
	if !original {
		originalID, _ = it.Original()
	}
	answerCreate(it, &req, originalID, loading)
	if ephemeral {
		id, b, err := h.ephemeralAnswer(ctx, it, req)
		if err != nil {
			return nil, err
		}
		it.PutEphemeral(id, b)
		if original {
			it.SetOriginal(id, true)
		}
		h.sendToUser(it.UserID, &protocol.Dispatch{Name: protocol.EventMessageCreate, Data: b})
		return b, nil
	}
	b, err := h.guilds.CreateMessage(ctx, it.ChannelID, it.BotID, req)
	if err != nil {
		return nil, err
	}
	id := messageIDOf(b)
	it.AddSent(id)
	if original {
		it.SetOriginal(id, false)
	}
	return b, nil
}

// ephemeralAnswer renders an ephemeral answer: never stored, it exists as
// its one reader (the invoker) sees it, shaped as a stored answer is.
func (h *Handler) ephemeralAnswer(ctx context.Context, it *interaction.Interaction, req guild.MessageCreate) (chat.ID, []byte, error) {
	bot, err := h.guilds.User(ctx, it.BotID)
	if err != nil {
		return 0, nil, err
	}
	ia := req.Interaction
	m := chat.Message{ID: h.ids.Next(), ChannelID: it.ChannelID, GuildID: it.GuildID, AuthorID: it.BotID,
		Content: req.Content, Embeds: req.Embeds, Components: req.Components, Attachments: req.Attachments,
		Flags: msgFlagEphemeral | req.Flags&protocol.MessageFlagSuppressEmbeds,
		Type:  ia.Type, ApplicationID: ia.AppID, Interaction: &ia.Meta}
	if ia.Loading {
		m.Flags |= msgFlagLoadingResponse
	}
	var replied *protocol.Message
	if ref := req.Reference; ref != nil {
		// The invoker's own view of the referenced message: only one
		// they may read is referenced.
		if rm, err := h.guilds.Message(ctx, it.ChannelID, ref.MessageID, it.UserID); err == nil {
			replied = &rm
			m.Reference = &chat.MessageReference{MessageID: rm.ID, ChannelID: it.ChannelID, GuildID: it.GuildID}
			if m.Type == 0 {
				m.Type = chat.MessageReply
			}
		}
	}
	out := protocol.MessageObject(m, bot, nil)
	out.GuildID = it.GuildID
	out.ReferencedMessage = replied
	if h.cfg.Signer != nil {
		for i := range out.Attachments {
			u := h.cfg.Signer.Sign(out.Attachments[i].URL)
			out.Attachments[i].URL, out.Attachments[i].ProxyURL = u, u
		}
	}
	protocol.SetInteraction(&out, m, func(id chat.ID) chat.User {
		u, err := h.guilds.User(ctx, id)
		if err != nil {
			return chat.User{ID: id}
		}
		return u
	})
	b, err := protocol.Marshal(out)
	return m.ID, b, err
}

// completes reports whether editing message id of it completes its
// deferred answer (the original, still loading).
func completes(it *interaction.Interaction, id chat.ID) bool {
	orig, _ := it.Original()
	return orig != 0 && orig == id && it.Loading()
}
