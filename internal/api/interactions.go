package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/accordchat/accord/internal/appcmd"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/interaction"
	"github.com/accordchat/accord/internal/protocol"
	"github.com/accordchat/accord/internal/store"
)

// Invoking application commands: POST /interactions, the route Discord's
// own client uses. The invoker's command and permissions are checked, the
// interaction is registered (package interaction: an ID and a token) and
// INTERACTION_CREATE goes to the application's bot session serving the
// guild's shard. The invoker's sessions get INTERACTION_CREATE and then
// INTERACTION_SUCCESS once the bot answers, or INTERACTION_FAILURE when it
// has not within the acknowledgement window.

var (
	errUnknownInteraction = protocol.NewAPIError(http.StatusNotFound, 10062, "Unknown interaction")
	errAlreadyAcked       = protocol.NewAPIError(http.StatusBadRequest, 40060, "Interaction has already been acknowledged")
)

// Interaction contexts and integration types (Discord's).
const (
	contextGuild      = 0
	contextBotDM      = 1
	integrationGuild  = "0"
	msgFlagEphemeral  = 1 << 6
	msgTypeChatInput  = 20
	msgTypeContextCmd = 23
)

func (h *Handler) interactionRoutes() {
	h.handle("POST", "/interactions", withAuth, h.createInteraction)
	h.handle("POST", "/interactions/{interaction_id}/{token}/callback", noAuth, h.interactionCallback)
}

// interactionBody is the invoking client's request.
type interactionBody struct {
	Type          int             `json:"type"`
	ApplicationID chat.ID         `json:"application_id"`
	GuildID       chat.ID         `json:"guild_id"`
	ChannelID     chat.ID         `json:"channel_id"`
	MessageID     chat.ID         `json:"message_id"`
	SessionID     string          `json:"session_id"`
	Nonce         string          `json:"nonce"`
	Data          json.RawMessage `json:"data"`
}

// commandData is the part of an application command interaction's data the
// server checks; the rest (options, resolved, target_id) is passed on.
type commandData struct {
	ID      chat.ID                `json:"id"`
	Name    string                 `json:"name"`
	Type    int                    `json:"type"`
	Options []appcmd.InvokedOption `json:"options"`
}

type componentData struct {
	CustomID      string `json:"custom_id"`
	ComponentType int    `json:"component_type"`
}

func requiredField(path string) error {
	return protocol.InvalidForm(protocol.FieldError{Path: path, Code: protocol.FieldBaseTypeRequired, Message: "This field is required"})
}

func (h *Handler) createInteraction(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	if u.Bot {
		return errUnauthorized // bots do not invoke commands
	}
	var body interactionBody
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	switch {
	case body.Type < interaction.TypeApplicationCommand || body.Type > interaction.TypeModalSubmit:
		return protocol.InvalidForm(protocol.FieldError{Path: "type", Code: protocol.FieldBaseTypeChoices, Message: "Value must be one of {2, 3, 4, 5}."})
	case body.ApplicationID == 0:
		return requiredField("application_id")
	case body.ChannelID == 0:
		return requiredField("channel_id")
	case len(body.Data) == 0:
		return requiredField("data")
	}
	if len(body.Nonce) > maxNonce {
		return protocol.InvalidForm(protocol.FieldError{Path: "nonce", Code: protocol.FieldBaseTypeMaxLength, Message: "Must be 25 or fewer in length."})
	}
	ctx := r.Context()
	app, err := h.st.Application(ctx, body.ApplicationID)
	if errors.Is(err, store.ErrNotFound) {
		return chat.ErrUnknownApp
	}
	if err != nil {
		return err
	}
	acc, err := h.guilds.InteractionAccess(ctx, body.ChannelID, u.ID, app.BotID)
	if err != nil {
		return err
	}
	guildID := acc.Channel.GuildID
	if body.GuildID != 0 && body.GuildID != guildID {
		return chat.ErrUnknownChannel
	}
	if acc.Permissions&protocol.PermViewChannel == 0 {
		return chat.ErrMissingAccess
	}
	if acc.Permissions&appcmd.PermUseApplicationCommands == 0 {
		return chat.ErrMissingPerms
	}
	if !acc.BotMember {
		return chat.ErrMissingAccess
	}
	data, msg, err := h.checkInteractionData(r, app, guildID, u, acc, body)
	if err != nil {
		return err
	}
	id := h.ids.Next()
	it, err := h.inter.Create(&interaction.Interaction{ID: id, AppID: app.ID, BotID: app.BotID,
		GuildID: guildID, ChannelID: body.ChannelID, UserID: u.ID, Type: body.Type, Nonce: body.Nonce, MessageID: body.MessageID,
		Answer: h.answerShape(id, app.ID, u.ID, guildID, body, data)})
	if errors.Is(err, interaction.ErrFull) {
		return guild.ErrBusy
	}
	if err != nil {
		return err
	}
	obj := h.interactionObject(it, app, acc, data)
	obj.Message = msg
	b, err := protocol.Marshal(obj)
	if err != nil {
		return err
	}
	note := interactionNote(it)
	h.sendToUser(u.ID, &protocol.Dispatch{Name: "INTERACTION_CREATE", Data: note})
	h.deliverInteraction(app, it, b) // after the invoker's note: an HTTP answer may come at once
	// The invoker hears of the outcome: success from the first callback
	// (interactionCallback), failure from this timer.
	userID := u.ID
	time.AfterFunc(h.inter.AckWindow(), func() {
		if h.inter.Fail(it) {
			h.sendToUser(userID, &protocol.Dispatch{Name: "INTERACTION_FAILURE", Data: note})
		}
	})
	return noContent(w)
}

// checkInteractionData checks the data of each interaction type against
// what exists and what the invoker may use, and returns the data to send
// the application.
func (h *Handler) checkInteractionData(r *http.Request, app chat.Application, guildID chat.ID, u *chat.User, acc guild.InteractionAccess, body interactionBody) (json.RawMessage, *protocol.Message, error) {
	switch body.Type {
	case interaction.TypeApplicationCommand, interaction.TypeAutocomplete:
		var d commandData
		if err := decodeJSON(body.Data, &d); err != nil {
			return nil, nil, err
		}
		cmd, err := h.commandFor(r, app.ID, guildID, d.ID)
		if err != nil {
			return nil, nil, err
		}
		if d.Name != "" && d.Name != cmd.Name {
			return nil, nil, errUnknownCommand
		}
		if body.Type == interaction.TypeAutocomplete && cmd.Type != appcmd.ChatInput {
			return nil, nil, errUnknownCommand
		}
		cmdPerms, appPerms, err := h.overridesFor(r, app.ID, guildID, cmd.ID)
		if err != nil {
			return nil, nil, err
		}
		inv := appcmd.Invoker{GuildID: guildID, ChannelID: body.ChannelID, UserID: u.ID, Roles: acc.Roles, Permissions: acc.Permissions}
		if !appcmd.Allowed(cmd, cmdPerms, appPerms, inv) {
			return nil, nil, chat.ErrMissingPerms
		}
		if errs := appcmd.CheckInvocation(cmd, d.Options, body.Type == interaction.TypeAutocomplete); len(errs) > 0 {
			return nil, nil, protocol.InvalidForm(errs...)
		}
		// The stored command names itself; the invoker's options,
		// resolved objects and target pass on as sent.
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body.Data, &m); err != nil {
			return nil, nil, errInvalidJSON
		}
		m["id"], _ = json.Marshal(cmd.ID)
		m["name"], _ = json.Marshal(cmd.Name)
		m["type"], _ = json.Marshal(cmd.Type)
		if cmd.GuildID != 0 {
			m["guild_id"], _ = json.Marshal(cmd.GuildID)
		}
		b, err := json.Marshal(m)
		return b, nil, err
	case interaction.TypeMessageComponent:
		var d componentData
		if err := decodeJSON(body.Data, &d); err != nil {
			return nil, nil, err
		}
		if d.CustomID == "" {
			return nil, nil, requiredField("data.custom_id")
		}
		if body.MessageID == 0 {
			return nil, nil, requiredField("message_id")
		}
		msg, err := h.guilds.Message(r.Context(), body.ChannelID, body.MessageID, u.ID)
		if err != nil {
			return nil, nil, err
		}
		if msg.Author.ID != app.BotID || !hasCustomID(msg, d.CustomID) {
			return nil, nil, protocol.InvalidForm(protocol.FieldError{Path: "data.custom_id", Code: "COMPONENT_INVALID",
				Message: "The message has no such component of this application"})
		}
		return body.Data, &msg, nil
	default: // modal submit: the modal lives in the invoker's client only
		var d componentData
		if err := decodeJSON(body.Data, &d); err != nil {
			return nil, nil, err
		}
		if d.CustomID == "" {
			return nil, nil, requiredField("data.custom_id")
		}
		return body.Data, nil, nil
	}
}

// hasCustomID reports whether the rendered message has a component with
// customID, reading its "components" as JSON so that it works with any
// component representation of the message.
func hasCustomID(msg protocol.Message, customID string) bool {
	b, err := json.Marshal(msg)
	if err != nil {
		return false
	}
	var m struct {
		Components []json.RawMessage `json:"components"`
	}
	if json.Unmarshal(b, &m) != nil {
		return false
	}
	var walk func(raw []json.RawMessage) bool
	walk = func(raw []json.RawMessage) bool {
		for _, c := range raw {
			var comp struct {
				CustomID   string            `json:"custom_id"`
				Components []json.RawMessage `json:"components"`
			}
			if json.Unmarshal(c, &comp) != nil {
				continue
			}
			if comp.CustomID == customID || walk(comp.Components) {
				return true
			}
		}
		return false
	}
	return walk(m.Components)
}

// commandFor finds the command id among the application's guild commands,
// then its global ones.
func (h *Handler) commandFor(r *http.Request, appID, guildID, id chat.ID) (appcmd.Command, error) {
	for _, scope := range []chat.ID{guildID, 0} {
		cmds, err := h.loadCommands(r.Context(), appID, scope)
		if err != nil {
			return appcmd.Command{}, err
		}
		for _, c := range cmds {
			if c.ID == id {
				return c, nil
			}
		}
	}
	return appcmd.Command{}, errUnknownCommand
}

// overridesFor returns a command's and its application's overrides in a
// guild.
func (h *Handler) overridesFor(r *http.Request, appID, guildID, cmdID chat.ID) (cmdPerms, appPerms []appcmd.Permission, err error) {
	all, err := h.loadCommandPerms(r, appID, guildID)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range all {
		switch p.ID {
		case cmdID:
			cmdPerms = p.Permissions
		case appID:
			appPerms = p.Permissions
		}
	}
	return cmdPerms, appPerms, nil
}

// interactionObject is Discord's interaction object as the application
// gets it.
type interactionObject struct {
	ID                           chat.ID            `json:"id"`
	ApplicationID                chat.ID            `json:"application_id"`
	Type                         int                `json:"type"`
	Data                         json.RawMessage    `json:"data"`
	GuildID                      chat.ID            `json:"guild_id,omitempty"`
	Guild                        *interactionGuild  `json:"guild,omitempty"`
	ChannelID                    chat.ID            `json:"channel_id"`
	Channel                      protocol.Channel   `json:"channel"`
	Member                       *memberWithPerms   `json:"member,omitempty"`
	User                         *protocol.User     `json:"user,omitempty"`
	Token                        string             `json:"token"`
	Version                      int                `json:"version"`
	Message                      *protocol.Message  `json:"message,omitempty"`
	AppPermissions               string             `json:"app_permissions"`
	Locale                       string             `json:"locale"`
	GuildLocale                  string             `json:"guild_locale,omitempty"`
	Entitlements                 []struct{}         `json:"entitlements"`
	AuthorizingIntegrationOwners map[string]chat.ID `json:"authorizing_integration_owners"`
	Context                      int                `json:"context"`
	AttachmentSizeLimit          int64              `json:"attachment_size_limit"`
}

type interactionGuild struct {
	ID       chat.ID  `json:"id"`
	Locale   string   `json:"locale"`
	Features []string `json:"features"`
}

type memberWithPerms struct {
	protocol.Member
	Permissions string `json:"permissions"`
}

func (h *Handler) interactionObject(it *interaction.Interaction, app chat.Application, acc guild.InteractionAccess, data json.RawMessage) interactionObject {
	member := acc.Member
	member.GuildID = 0
	obj := interactionObject{
		ID: it.ID, ApplicationID: app.ID, Type: it.Type, Data: data,
		GuildID: it.GuildID, Guild: &interactionGuild{ID: it.GuildID, Locale: "en-US", Features: []string{}},
		ChannelID: it.ChannelID, Channel: acc.Channel,
		Member:         &memberWithPerms{Member: member, Permissions: strconv.FormatUint(uint64(acc.Permissions), 10)},
		Token:          it.Token,
		Version:        1,
		AppPermissions: strconv.FormatUint(uint64(acc.AppPermissions), 10),
		Locale:         "en-US", GuildLocale: "en-US",
		Entitlements:                 []struct{}{},
		AuthorizingIntegrationOwners: map[string]chat.ID{integrationGuild: it.GuildID},
		Context:                      contextGuild,
		AttachmentSizeLimit:          h.cfg.MaxFileBytes,
	}
	return obj
}

// interactionNote is the body of the invoker's INTERACTION_CREATE,
// INTERACTION_SUCCESS and INTERACTION_FAILURE.
func interactionNote(it *interaction.Interaction) []byte {
	b, _ := protocol.Marshal(struct {
		ID    chat.ID `json:"id"`
		Nonce string  `json:"nonce,omitempty"`
	}{it.ID, it.Nonce})
	return b
}
