package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
	"github.com/accordchat/accord/internal/webhook"
)

// Channel webhooks (Discord's Webhook resource). Managing them needs
// MANAGE_WEBHOOKS (and VIEW_CHANNEL) in their channel; the token routes
// need no Authorization, only the token, which the store keeps as a hash.
// Executing posts through the guild actor's message path as the webhook
// (guild.AsWebhook), so it is stored, fanned out and read back like any
// message, with webhook_id and the webhook as its author.

// maxChannelWebhooks is Discord's cap per channel (30007 beyond).
const maxChannelWebhooks = 15

// maxWebhookName bounds a webhook's name and a message's username override.
const maxWebhookName = 80

// Webhook errors (Discord's codes).
var (
	errUnknownWebhook = protocol.NewAPIError(http.StatusNotFound, 10015, "Unknown Webhook")
	errWebhookToken   = protocol.NewAPIError(http.StatusUnauthorized, 50027, "Invalid Webhook Token")
	errMaxWebhooks    = protocol.NewAPIError(http.StatusBadRequest, 30007, "Maximum number of webhooks reached (15)")
)

// InteractionWebhooks tells whether an (application ID, token) pair of a
// /webhooks/{id}/{token} URL is an interaction's, whose follow-ups the
// interaction service answers: those routes are shared with channel
// webhooks, as on Discord.
type InteractionWebhooks interface {
	Owns(appID chat.ID, token string) bool
}

// InteractionRoute serves a /webhooks/{application_id}/{token}[/messages/
// {message_id}] request of an interaction (messageID "" without one,
// "@original" or an ID otherwise).
type InteractionRoute func(w http.ResponseWriter, r *http.Request, appID chat.ID, token, messageID string) error

// interactionHooks is the hand-over to interaction follow-ups; zero
// (nil Owner) hands nothing over.
type interactionHooks struct {
	owner InteractionWebhooks
	route InteractionRoute
}

// SetInteractionWebhooks makes the webhook token routes hand requests
// whose (id, token) owner claims to route. Call it before serving.
func (h *Handler) SetInteractionWebhooks(owner InteractionWebhooks, route InteractionRoute) {
	h.interactions = interactionHooks{owner: owner, route: route}
}

// webhookRoutes registers the webhook routes (see routes.go).
func (h *Handler) webhookRoutes() {
	h.handle("POST", "/channels/{channel_id}/webhooks", withAuth, h.createWebhook)
	h.handle("GET", "/channels/{channel_id}/webhooks", withAuth, h.listChannelWebhooks)
	h.handle("GET", "/guilds/{guild_id}/webhooks", withAuth, h.listGuildWebhooks)
	h.handle("GET", "/webhooks/{webhook_id}", withAuth, h.getWebhook)
	h.handle("PATCH", "/webhooks/{webhook_id}", withAuth, h.editWebhook)
	h.handle("DELETE", "/webhooks/{webhook_id}", withAuth, h.deleteWebhook)
	h.handle("GET", "/webhooks/{webhook_id}/{webhook_token}", noAuth, h.tokenRoute(h.getWebhookWithToken))
	h.handle("PATCH", "/webhooks/{webhook_id}/{webhook_token}", noAuth, h.tokenRoute(h.editWebhookWithToken))
	h.handle("DELETE", "/webhooks/{webhook_id}/{webhook_token}", noAuth, h.tokenRoute(h.deleteWebhookWithToken))
	h.handle("POST", "/webhooks/{webhook_id}/{webhook_token}", noAuth, h.tokenRoute(h.executeWebhook))
	// Interactions have no Slack or GitHub routes: these are channel
	// webhooks' only.
	h.handle("POST", "/webhooks/{webhook_id}/{webhook_token}/slack", noAuth, h.channelTokenRoute(h.executeSlack))
	h.handle("POST", "/webhooks/{webhook_id}/{webhook_token}/github", noAuth, h.channelTokenRoute(h.executeGitHub))
	h.handle("GET", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", noAuth, h.tokenRoute(h.getWebhookMessage))
	h.handle("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", noAuth, h.tokenRoute(h.editWebhookMessage))
	h.handle("DELETE", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", noAuth, h.tokenRoute(h.deleteWebhookMessage))
}

// webhookObject is Discord's webhook object. User is left out on the
// token routes and Token is shown only when the webhook is created: only
// its hash is kept.
type webhookObject struct {
	ID            chat.ID        `json:"id"`
	Type          int            `json:"type"`
	GuildID       chat.ID        `json:"guild_id"`
	ChannelID     chat.ID        `json:"channel_id"`
	User          *protocol.User `json:"user,omitempty"`
	Name          string         `json:"name"`
	Avatar        *string        `json:"avatar"`
	Token         string         `json:"token,omitempty"`
	ApplicationID *chat.ID       `json:"application_id"`
}

func (h *Handler) webhookObject(ctx context.Context, wh chat.Webhook, withUser bool) webhookObject {
	out := webhookObject{ID: wh.ID, Type: wh.Type, GuildID: wh.GuildID, ChannelID: wh.ChannelID, Name: wh.Name}
	if wh.Avatar != "" {
		a := wh.Avatar
		out.Avatar = &a
	}
	if wh.ApplicationID != 0 {
		id := wh.ApplicationID
		out.ApplicationID = &id
	}
	if withUser && wh.UserID != 0 {
		u, err := h.accounts.User(ctx, wh.UserID)
		if err != nil {
			u = chat.User{ID: wh.UserID, Username: "deleted-user"}
		}
		uo := protocol.UserObject(u)
		out.User = &uo
	}
	return out
}

// checkWebhookName applies Discord's rules to a webhook name or a
// message's username override at path.
func checkWebhookName(path, name string) *protocol.FieldError {
	n := utf8.RuneCountInString(strings.TrimSpace(name))
	if n < 1 || utf8.RuneCountInString(name) > maxWebhookName {
		return &protocol.FieldError{Path: path, Code: protocol.FieldBaseTypeBadLength,
			Message: fmt.Sprintf("Must be between 1 and %d in length.", maxWebhookName)}
	}
	lower := strings.ToLower(name)
	for _, bad := range []string{"clyde", "discord"} {
		if strings.Contains(lower, bad) {
			return &protocol.FieldError{Path: path, Code: "WEBHOOK_INVALID_USERNAME",
				Message: fmt.Sprintf("Username cannot contain \"%s\"", bad)}
		}
	}
	return nil
}

type webhookBody struct {
	Name      *string        `json:"name"`
	Avatar    nullableString `json:"avatar"`
	ChannelID chat.ID        `json:"channel_id"`
}

// decodeWebhookBody decodes a create or edit body; create needs a name.
func (h *Handler) decodeWebhookBody(w http.ResponseWriter, r *http.Request, create bool) (webhookBody, *string, *imageData, error) {
	var body webhookBody
	if err := h.decode(w, r, &body); err != nil {
		return body, nil, nil, err
	}
	if body.Name == nil && create {
		return body, nil, nil, protocol.InvalidForm(protocol.FieldError{Path: "name", Code: protocol.FieldBaseTypeRequired, Message: "This field is required"})
	}
	if body.Name != nil {
		if fe := checkWebhookName("name", *body.Name); fe != nil {
			return body, nil, nil, protocol.InvalidForm(*fe)
		}
	}
	avatar, img, err := imageField("avatar", body.Avatar)
	return body, avatar, img, err
}

func (h *Handler) createWebhook(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	ch, err := h.guilds.CheckChannelPerms(ctx, channelID, u.ID, protocol.PermManageWebhooks)
	if err != nil {
		return err
	}
	body, avatar, img, err := h.decodeWebhookBody(w, r, true)
	if err != nil {
		return err
	}
	existing, err := h.st.ChannelWebhooks(ctx, ch.GuildID, ch.ID)
	if err != nil {
		return err
	}
	if len(existing) >= maxChannelWebhooks {
		return errMaxWebhooks
	}
	token, hash, err := webhook.NewToken()
	if err != nil {
		return err
	}
	wh := chat.Webhook{ID: h.ids.Next(), Type: chat.WebhookIncoming, GuildID: ch.GuildID, ChannelID: ch.ID, UserID: u.ID,
		Name: *body.Name, TokenHash: hash}
	if u.Bot {
		if app, err := h.accounts.ApplicationByBot(ctx, u.ID); err == nil {
			wh.ApplicationID = app.ID
		}
	}
	if avatar != nil {
		if err := h.storeImage(ctx, "avatars", wh.ID, img); err != nil {
			return err
		}
		wh.Avatar = *avatar
	}
	if err := h.st.PutWebhook(ctx, wh, 0); err != nil {
		return err
	}
	h.webhooksUpdated(ctx, wh.GuildID, wh.ChannelID)
	out := h.webhookObject(ctx, wh, true)
	out.Token = token
	writeJSON(w, http.StatusOK, out)
	return nil
}

// webhooksUpdated sends WEBHOOKS_UPDATE; the change is durable already,
// so a failure to announce it is logged, not answered.
func (h *Handler) webhooksUpdated(ctx context.Context, guildID, channelID chat.ID) {
	if err := h.guilds.WebhooksUpdated(context.WithoutCancel(ctx), guildID, channelID); err != nil {
		h.log.Warn("WEBHOOKS_UPDATE not sent", "guild", guildID, "channel", channelID, "err", err)
	}
}

func (h *Handler) listChannelWebhooks(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	channelID, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	ch, err := h.guilds.CheckChannelPerms(r.Context(), channelID, u.ID, protocol.PermManageWebhooks)
	if err != nil {
		return err
	}
	whs, err := h.st.ChannelWebhooks(r.Context(), ch.GuildID, ch.ID)
	if err != nil {
		return err
	}
	out := make([]webhookObject, 0, len(whs))
	for _, wh := range whs {
		out = append(out, h.webhookObject(r.Context(), wh, true))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) listGuildWebhooks(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	guildID, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	visible, err := h.guilds.VisibleChannels(r.Context(), guildID, u.ID, protocol.PermManageWebhooks)
	if err != nil {
		return err
	}
	whs, err := h.st.GuildWebhooks(r.Context(), guildID)
	if err != nil {
		return err
	}
	out := make([]webhookObject, 0, len(whs))
	for _, wh := range whs {
		// Only the channels the caller may manage webhooks in.
		if visible[wh.ChannelID] {
			out = append(out, h.webhookObject(r.Context(), wh, true))
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// managedWebhook reads the route's webhook and checks that u may manage
// it. A webhook in a channel u cannot see is answered as unknown.
func (h *Handler) managedWebhook(r *http.Request, u *chat.User) (chat.Webhook, error) {
	id, err := pathID(r, "webhook_id")
	if err != nil {
		return chat.Webhook{}, err
	}
	wh, err := h.st.Webhook(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return chat.Webhook{}, errUnknownWebhook
	}
	if err != nil {
		return chat.Webhook{}, err
	}
	if _, err := h.guilds.CheckChannelPerms(r.Context(), wh.ChannelID, u.ID, protocol.PermManageWebhooks); err != nil {
		if errors.Is(err, chat.ErrUnknownChannel) {
			return chat.Webhook{}, errUnknownWebhook
		}
		return chat.Webhook{}, err
	}
	return wh, nil
}

func (h *Handler) getWebhook(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	wh, err := h.managedWebhook(r, u)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h.webhookObject(r.Context(), wh, true))
	return nil
}

func (h *Handler) editWebhook(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	wh, err := h.managedWebhook(r, u)
	if err != nil {
		return err
	}
	body, avatar, img, err := h.decodeWebhookBody(w, r, false)
	if err != nil {
		return err
	}
	old := wh.ChannelID
	if body.ChannelID != 0 && body.ChannelID != wh.ChannelID {
		// The new channel must be the same guild's, with MANAGE_WEBHOOKS
		// there too, and have room.
		ch, err := h.guilds.CheckChannelPerms(r.Context(), body.ChannelID, u.ID, protocol.PermManageWebhooks)
		if err != nil {
			return err
		}
		if ch.GuildID != wh.GuildID {
			return chat.ErrUnknownChannel
		}
		n, err := h.st.ChannelWebhooks(r.Context(), ch.GuildID, ch.ID)
		if err != nil {
			return err
		}
		if len(n) >= maxChannelWebhooks {
			return errMaxWebhooks
		}
		wh.ChannelID = ch.ID
	}
	return h.saveWebhook(w, r, wh, old, body, avatar, img, true)
}

// saveWebhook applies a decoded edit to wh, stores it and answers it.
func (h *Handler) saveWebhook(w http.ResponseWriter, r *http.Request, wh chat.Webhook, oldChannel chat.ID, body webhookBody,
	avatar *string, img *imageData, withUser bool) error {
	ctx := r.Context()
	if body.Name != nil {
		wh.Name = *body.Name
	}
	if avatar != nil {
		if err := h.storeImage(ctx, "avatars", wh.ID, img); err != nil {
			return err
		}
		wh.Avatar = *avatar
	}
	if err := h.st.PutWebhook(ctx, wh, oldChannel); err != nil {
		return err
	}
	h.webhooksUpdated(ctx, wh.GuildID, wh.ChannelID)
	if oldChannel != wh.ChannelID {
		h.webhooksUpdated(ctx, wh.GuildID, oldChannel)
	}
	writeJSON(w, http.StatusOK, h.webhookObject(ctx, wh, withUser))
	return nil
}

func (h *Handler) deleteWebhook(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	wh, err := h.managedWebhook(r, u)
	if err != nil {
		return err
	}
	return h.removeWebhook(w, r, wh)
}

func (h *Handler) removeWebhook(w http.ResponseWriter, r *http.Request, wh chat.Webhook) error {
	if err := h.st.DeleteWebhook(r.Context(), wh); err != nil {
		return err
	}
	h.webhooksUpdated(r.Context(), wh.GuildID, wh.ChannelID)
	return noContent(w)
}

// dropChannelWebhooks deletes a deleted channel's webhooks, as Discord
// does; their tokens stop working with them. A failure is logged: the
// webhooks then only answer Unknown Channel when executed.
func (h *Handler) dropChannelWebhooks(ctx context.Context, guildID, channelID chat.ID) {
	ctx = context.WithoutCancel(ctx)
	whs, err := h.st.ChannelWebhooks(ctx, guildID, channelID)
	for _, wh := range whs {
		if err == nil {
			err = h.st.DeleteWebhook(ctx, wh)
		}
	}
	if err != nil {
		h.log.Warn("webhooks of a deleted channel not deleted", "channel", channelID, "err", err)
	}
}

// tokenHandler serves a token route for an authenticated webhook.
type tokenHandler func(w http.ResponseWriter, r *http.Request, wh chat.Webhook) error

// tokenRoute authenticates a token route: an interaction's (id, token)
// goes to the interaction hook; otherwise the webhook must exist (10015)
// and the token match its hash (50027).
func (h *Handler) tokenRoute(fn tokenHandler) handlerFunc {
	channel := h.channelTokenRoute(fn)
	return func(w http.ResponseWriter, r *http.Request, u *chat.User) error {
		id, err := pathID(r, "webhook_id")
		if err != nil {
			return err
		}
		token := r.PathValue("webhook_token")
		if hk := h.interactions; hk.owner != nil && hk.route != nil && hk.owner.Owns(id, token) {
			return hk.route(w, r, id, token, r.PathValue("message_id"))
		}
		if fwd, err := h.forwardInteraction(w, r, token); fwd {
			return err // another node's interaction
		}
		return channel(w, r, u)
	}
}

// channelTokenRoute authenticates a channel webhook's token route.
func (h *Handler) channelTokenRoute(fn tokenHandler) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, _ *chat.User) error {
		id, err := pathID(r, "webhook_id")
		if err != nil {
			return err
		}
		token := r.PathValue("webhook_token")
		wh, err := h.st.Webhook(r.Context(), id)
		if errors.Is(err, store.ErrNotFound) {
			return errUnknownWebhook
		}
		if err != nil {
			return err
		}
		if !webhook.CheckToken(wh.TokenHash, token) {
			return errWebhookToken
		}
		return fn(w, r, wh)
	}
}

func (h *Handler) getWebhookWithToken(w http.ResponseWriter, r *http.Request, wh chat.Webhook) error {
	writeJSON(w, http.StatusOK, h.webhookObject(r.Context(), wh, false))
	return nil
}

func (h *Handler) editWebhookWithToken(w http.ResponseWriter, r *http.Request, wh chat.Webhook) error {
	body, avatar, img, err := h.decodeWebhookBody(w, r, false)
	if err != nil {
		return err
	}
	// The token routes cannot move a webhook (Discord ignores channel_id).
	body.ChannelID = 0
	return h.saveWebhook(w, r, wh, wh.ChannelID, body, avatar, img, false)
}

func (h *Handler) deleteWebhookWithToken(w http.ResponseWriter, r *http.Request, wh chat.Webhook) error {
	return h.removeWebhook(w, r, wh)
}

// takeWebhookLimit applies the webhook's and its channel's execute limits
// (ratelimit.Limiter.Webhook); limited reports that the 429 is written.
func (h *Handler) takeWebhookLimit(w http.ResponseWriter, wh chat.Webhook) (limited bool) {
	if h.limits == nil || h.limits.Disabled() {
		return false
	}
	d := h.limits.Webhook(wh.ID.String(), wh.ChannelID.String())
	if d.Limited {
		writeLimited(w, d)
		return true
	}
	d.SetHeaders(w.Header())
	return false
}

// executeBody holds the execute fields a channel message lacks.
type executeBody struct {
	Username  *string `json:"username"`
	AvatarURL string  `json:"avatar_url"`
}

func (h *Handler) executeWebhook(w http.ResponseWriter, r *http.Request, wh chat.Webhook) error {
	if h.takeWebhookLimit(w, wh) {
		return nil
	}
	channelID, err := h.webhookTarget(r, wh)
	if err != nil {
		return err
	}
	ctx := r.Context()
	b, up, err := h.webhookPayload(w, r, channelID, 0)
	if err != nil {
		return err
	}
	body, err := h.sendAsWebhook(ctx, wh, channelID, b, up)
	if err != nil {
		if up != nil {
			h.dropAttachments(context.WithoutCancel(ctx), channelID, up.files)
		}
		return err
	}
	return answerExecute(w, r, body)
}

// webhookPayload reads an execute or edit body: JSON, or multipart with
// its files stored for messageID (0: a new message) in channelID. The
// token has authenticated the webhook, so storing needs no other check.
func (h *Handler) webhookPayload(w http.ResponseWriter, r *http.Request, channelID, messageID chat.ID) ([]byte, *upload, error) {
	if !isMultipart(r) || h.blobs == nil {
		b, err := h.readBody(w, r)
		return b, nil, err
	}
	up, err := h.readUpload(w, r, channelID, messageID, func() error { return nil })
	if err != nil {
		return nil, nil, err
	}
	b := up.payload
	if len(strings.TrimSpace(string(b))) == 0 {
		b = []byte("{}") // a file-only message may come without payload_json
	}
	return b, up, nil
}

// answerExecute answers an execute: the message with ?wait=true, else 204.
func answerExecute(w http.ResponseWriter, r *http.Request, body []byte) error {
	if wait, _ := strconv.ParseBool(r.URL.Query().Get("wait")); wait {
		writeRaw(w, http.StatusOK, body)
		return nil
	}
	return noContent(w)
}

// webhookTarget is the channel an execute posts in: the webhook's, or
// the thread of it that ?thread_id names (10003 for any other channel).
func (h *Handler) webhookTarget(r *http.Request, wh chat.Webhook) (chat.ID, error) {
	q := r.URL.Query().Get("thread_id")
	if q == "" {
		return wh.ChannelID, nil
	}
	id, err := chat.ParseID(q)
	if err != nil {
		return 0, protocol.InvalidForm(protocol.FieldError{Path: "thread_id", Code: protocol.FieldNumberTypeCoerce,
			Message: fmt.Sprintf("Value \"%s\" is not snowflake.", q)})
	}
	ch, err := h.st.Channel(r.Context(), id)
	if err != nil || ch.ParentID != wh.ChannelID || !isThread(ch.Type) {
		return 0, chat.ErrUnknownChannel
	}
	return ch.ID, nil
}

// isThread reports whether a channel type is one of Discord's threads
// (announcement 10, public 11, private 12).
func isThread(t int) bool { return t == 10 || t == 11 || t == 12 }

// sendAsWebhook decodes an execute body b (with the files in up) and posts
// it in channelID as wh.
func (h *Handler) sendAsWebhook(ctx context.Context, wh chat.Webhook, channelID chat.ID, b []byte, up *upload) ([]byte, error) {
	req, err := decodeMessage(b, up)
	if err != nil {
		return nil, err
	}
	var extra executeBody
	if err := json.Unmarshal(b, &extra); err != nil {
		return nil, errInvalidJSON
	}
	author, err := webhookAuthor(wh, extra)
	if err != nil {
		return nil, err
	}
	return h.postAsWebhook(ctx, wh, channelID, req, author)
}

// webhookAuthor is who wh's message is sent as, with the body's overrides.
func webhookAuthor(wh chat.Webhook, extra executeBody) (*guild.WebhookAuthor, error) {
	a := &guild.WebhookAuthor{ID: wh.ID, Name: wh.Name, Avatar: wh.Avatar}
	if extra.Username != nil && *extra.Username != "" {
		if fe := checkWebhookName("username", *extra.Username); fe != nil {
			return nil, protocol.InvalidForm(*fe)
		}
		a.Name = *extra.Username
	}
	if extra.AvatarURL != "" {
		if err := checkHTTPURL("avatar_url", extra.AvatarURL); err != nil {
			return nil, err
		}
		a.Avatar = extra.AvatarURL
	}
	return a, nil
}

// checkHTTPURL refuses anything but an http(s) URL of at most 2048 bytes.
func checkHTTPURL(path, s string) error {
	if len(s) > 2048 || !(strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")) {
		return protocol.InvalidForm(protocol.FieldError{Path: path, Code: protocol.FieldURLTypeInvalidURL, Message: "Not a well formed URL."})
	}
	return nil
}

// postAsWebhook posts req in channelID as author. Webhooks cannot reply;
// a webhook no application owns sends no interactive components.
func (h *Handler) postAsWebhook(ctx context.Context, wh chat.Webhook, channelID chat.ID, req guild.MessageCreate, author *guild.WebhookAuthor) ([]byte, error) {
	req.Reference, req.FailIfNotExists = nil, false
	req, err := onlyAppComponents(req, wh.ApplicationID != 0)
	if err != nil {
		return nil, err
	}
	req.Webhook = author
	return h.guilds.CreateMessage(guild.AsWebhook(ctx, wh.ID), channelID, wh.ID, req)
}

func (h *Handler) executeSlack(w http.ResponseWriter, r *http.Request, wh chat.Webhook) error {
	if h.takeWebhookLimit(w, wh) {
		return nil
	}
	b, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	m, err := webhook.Slack(b)
	if err != nil {
		return errInvalidJSON
	}
	body, err := h.postConverted(r, wh, m)
	if err != nil {
		return err
	}
	if wait, _ := strconv.ParseBool(r.URL.Query().Get("wait")); wait {
		writeRaw(w, http.StatusOK, body)
		return nil
	}
	// Slack's clients expect the text "ok".
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("ok"))
	return nil
}

func (h *Handler) executeGitHub(w http.ResponseWriter, r *http.Request, wh chat.Webhook) error {
	if h.takeWebhookLimit(w, wh) {
		return nil
	}
	b, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	m, err := webhook.GitHub(r.Header.Get("X-GitHub-Event"), b)
	if errors.Is(err, webhook.ErrIgnored) {
		return noContent(w)
	}
	if err != nil {
		return errInvalidJSON
	}
	body, err := h.postConverted(r, wh, m)
	if err != nil {
		return err
	}
	return answerExecute(w, r, body)
}

// postConverted validates a converted Slack or GitHub message as an
// execute body and posts it.
func (h *Handler) postConverted(r *http.Request, wh chat.Webhook, m webhook.Message) ([]byte, error) {
	embeds := make([]json.RawMessage, 0, len(m.Embeds))
	for _, e := range m.Embeds {
		b, err := json.Marshal(protocol.EmbedObjects([]chat.Embed{e}))
		if err != nil {
			return nil, err
		}
		var one []json.RawMessage
		if err := json.Unmarshal(b, &one); err != nil {
			return nil, err
		}
		embeds = append(embeds, one...)
	}
	content := m.Content
	if utf8.RuneCountInString(content) > maxContent {
		content = string([]rune(content)[:maxContent])
	}
	b, err := json.Marshal(map[string]any{"content": content, "embeds": embeds})
	if err != nil {
		return nil, err
	}
	req, err := decodeMessage(b, nil)
	if err != nil {
		return nil, err
	}
	var extra executeBody
	if m.Username != "" && checkWebhookName("username", m.Username) == nil {
		extra.Username = &m.Username
	}
	if checkHTTPURL("avatar_url", m.AvatarURL) == nil {
		extra.AvatarURL = m.AvatarURL
	}
	author, err := webhookAuthor(wh, extra)
	if err != nil {
		return nil, err
	}
	return h.postAsWebhook(r.Context(), wh, wh.ChannelID, req, author)
}

// webhookMessage reads the route's message, which wh must have sent
// (10008 otherwise, as Discord answers for another's message).
func (h *Handler) webhookMessage(r *http.Request, wh chat.Webhook) (chat.ID, protocol.Message, error) {
	messageID, err := pathID(r, "message_id")
	if err != nil {
		return 0, protocol.Message{}, err
	}
	channelID, err := h.webhookTarget(r, wh)
	if err != nil {
		return 0, protocol.Message{}, err
	}
	m, err := h.guilds.Message(guild.AsWebhook(r.Context(), wh.ID), channelID, messageID, wh.ID)
	if err != nil {
		return 0, protocol.Message{}, err
	}
	if m.WebhookID != wh.ID {
		return 0, protocol.Message{}, chat.ErrUnknownMessage
	}
	return channelID, m, nil
}

func (h *Handler) getWebhookMessage(w http.ResponseWriter, r *http.Request, wh chat.Webhook) error {
	_, m, err := h.webhookMessage(r, wh)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (h *Handler) editWebhookMessage(w http.ResponseWriter, r *http.Request, wh chat.Webhook) error {
	channelID, m, err := h.webhookMessage(r, wh)
	if err != nil {
		return err
	}
	messageID := m.ID
	ctx := guild.AsWebhook(r.Context(), wh.ID)
	b, up, err := h.webhookPayload(w, r, channelID, messageID)
	if err != nil {
		return err
	}
	// The editor is an application exactly when the webhook is one's.
	editor := &chat.User{ID: wh.ID, Bot: wh.ApplicationID != 0}
	out, err := h.editMessageBody(ctx, channelID, messageID, editor, b, up)
	if err != nil {
		if up != nil {
			h.dropAttachments(context.WithoutCancel(ctx), channelID, up.files)
		}
		return err
	}
	writeRaw(w, http.StatusOK, out)
	return nil
}

func (h *Handler) deleteWebhookMessage(w http.ResponseWriter, r *http.Request, wh chat.Webhook) error {
	channelID, m, err := h.webhookMessage(r, wh)
	if err != nil {
		return err
	}
	if err := h.guilds.DeleteMessage(guild.AsWebhook(r.Context(), wh.ID), channelID, m.ID, wh.ID); err != nil {
		return err
	}
	return noContent(w)
}
