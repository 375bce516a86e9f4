package guild

import (
	"context"
	"encoding/json"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/protocol"
)

// EventWebhooksUpdate tells GUILD_WEBHOOKS sessions that a channel's
// webhooks changed (Discord sends no webhook object, only where).
const EventWebhooksUpdate = "WEBHOOKS_UPDATE"

// WebhookAuthor is who a webhook message is sent as: the webhook's ID and
// the name and avatar of this message (the webhook's own or the sender's
// overrides).
type WebhookAuthor struct {
	ID     chat.ID
	Name   string
	Avatar string
}

// webhookPerms is what a webhook may do in its channel: send (with files,
// embeds and TTS), mention everyone, as Discord's webhooks do, and skip
// slowmode. It never includes MANAGE_MESSAGES: a webhook edits and
// deletes only its own messages.
const webhookPerms = protocol.PermViewChannel | protocol.PermSendMessages | protocol.PermSendTTSMessages |
	protocol.PermEmbedLinks | protocol.PermAttachFiles | protocol.PermReadMessageHistory |
	protocol.PermMentionEveryone | protocol.PermUseExternalEmojis | protocol.PermBypassSlowmode

type webhookKey struct{}

// AsWebhook returns ctx for message calls made by webhook id, which the
// caller has authenticated by its token: in them the user ID is the
// webhook's and its permissions are webhookPerms in the webhook's channel.
func AsWebhook(ctx context.Context, id chat.ID) context.Context {
	return context.WithValue(ctx, webhookKey{}, id)
}

// actorPerms checks that userID (a member, or the webhook ctx acts as)
// has need in ch and returns its permissions there.
func (a *actor) actorPerms(ctx context.Context, userID chat.ID, ch *chat.Channel, need protocol.Permission) (protocol.Permission, error) {
	if id, ok := ctx.Value(webhookKey{}).(chat.ID); ok && id == userID && id != 0 {
		if webhookPerms&need != need {
			return 0, chat.ErrMissingPerms
		}
		return webhookPerms, nil
	}
	if err := a.require(userID, ch, need); err != nil {
		return 0, err
	}
	return a.perms(userID, ch), nil
}

// webhookMessage marks m as sent by req's webhook, if any.
func webhookMessage(m *chat.Message, w *WebhookAuthor) {
	if w == nil {
		return
	}
	m.AuthorID, m.WebhookID, m.WebhookName, m.WebhookAvatar = w.ID, w.ID, w.Name, w.Avatar
}

// CheckChannelPerms checks that userID sees channelID and has need there,
// and returns the channel (webhook management: MANAGE_WEBHOOKS).
func (r *Registry) CheckChannelPerms(ctx context.Context, channelID, userID chat.ID, need protocol.Permission) (chat.Channel, error) {
	return askChannel(ctx, r, channelID, func(_ context.Context, a *actor, ch *chat.Channel) (chat.Channel, error) {
		if err := a.require(userID, ch, protocol.PermViewChannel|need); err != nil {
			return chat.Channel{}, err
		}
		return *ch, nil
	})
}

// VisibleChannels returns which of channelIDs of guildID userID may see
// with need in each, checking need at guild level first (MANAGE_WEBHOOKS
// to list a guild's webhooks).
func (r *Registry) VisibleChannels(ctx context.Context, guildID, userID chat.ID, need protocol.Permission) (map[chat.ID]bool, error) {
	return ask(ctx, r, guildID, func(_ context.Context, a *actor) (map[chat.ID]bool, error) {
		if err := a.require(userID, nil, need); err != nil {
			return nil, err
		}
		out := map[chat.ID]bool{}
		for id, ch := range a.channels {
			if a.require(userID, ch, protocol.PermViewChannel|need) == nil {
				out[id] = true
			}
		}
		return out, nil
	})
}

// WebhooksUpdated sends WEBHOOKS_UPDATE for channelID to the guild's
// GUILD_WEBHOOKS sessions that see the channel.
func (r *Registry) WebhooksUpdated(ctx context.Context, guildID, channelID chat.ID) error {
	return r.call(ctx, guildID, func(_ context.Context, a *actor) error {
		a.broadcast(EventWebhooksUpdate, struct {
			GuildID   chat.ID `json:"guild_id"`
			ChannelID chat.ID `json:"channel_id"`
		}{guildID, channelID}, protocol.IntentGuildWebhooks, channelID)
		return nil
	})
}

// componentsEdit is MessageEdit's components replacement (nil: unchanged).
type componentsEdit = *json.RawMessage

// rawComponents is MessageCreate's validated component JSON.
type rawComponents = json.RawMessage

// messageFlagSuppressNotifications is Discord's SUPPRESS_NOTIFICATIONS
// (@silent): kept on the message for clients to honour.
const messageFlagSuppressNotifications = 1 << 12

// createFlags are the flags a message may be created with.
const createFlags = protocol.MessageFlagSuppressEmbeds | messageFlagSuppressNotifications
