package api

import (
	"net/http"

	"github.com/accordchat/accord/internal/automod"
	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
)

// Auto-moderation routes: /guilds/{guild_id}/auto-moderation/rules[/{rule_id}].
// Package automod validates rules and the guild actor applies permissions
// and limits; this file decodes bodies and checks that required fields
// are there.

// autoModPath parses the guild and rule IDs.
func autoModPath(r *http.Request) (guildID, ruleID chat.ID, err error) {
	if guildID, err = pathID(r, "guild_id"); err != nil {
		return 0, 0, err
	}
	if ruleID, err = pathID(r, "rule_id"); err != nil {
		return 0, 0, err
	}
	return guildID, ruleID, nil
}

// autoModBody is the create and modify body; nil means absent.
type autoModBody struct {
	Name            *string           `json:"name"`
	EventType       *int              `json:"event_type"`
	TriggerType     *int              `json:"trigger_type"`
	TriggerMetadata *automod.Metadata `json:"trigger_metadata"`
	Actions         *[]automod.Action `json:"actions"`
	Enabled         *bool             `json:"enabled"`
	ExemptRoles     *[]chat.ID        `json:"exempt_roles"`
	ExemptChannels  *[]chat.ID        `json:"exempt_channels"`
}

func required(path string) error {
	return protocol.InvalidForm(protocol.FieldError{Path: path, Code: protocol.FieldBaseTypeRequired, Message: "This field is required"})
}

func (h *Handler) listAutoModRules(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	rules, err := h.guilds.AutoModRules(r.Context(), id, u.ID)
	if err != nil {
		return err
	}
	if rules == nil {
		rules = []automod.Rule{}
	}
	writeJSON(w, http.StatusOK, rules)
	return nil
}

func (h *Handler) getAutoModRule(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	guildID, ruleID, err := autoModPath(r)
	if err != nil {
		return err
	}
	rule, err := h.guilds.AutoModRule(r.Context(), guildID, u.ID, ruleID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rule)
	return nil
}

func (h *Handler) createAutoModRule(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	var body autoModBody
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	switch {
	case body.Name == nil:
		return required("name")
	case body.EventType == nil:
		return required("event_type")
	case body.TriggerType == nil:
		return required("trigger_type")
	case body.Actions == nil:
		return required("actions")
	}
	rule := automod.Rule{Name: *body.Name, EventType: *body.EventType, TriggerType: *body.TriggerType, Actions: *body.Actions}
	if body.TriggerMetadata != nil {
		rule.TriggerMetadata = *body.TriggerMetadata
	}
	if body.Enabled != nil {
		rule.Enabled = *body.Enabled
	}
	if body.ExemptRoles != nil {
		rule.ExemptRoles = *body.ExemptRoles
	}
	if body.ExemptChannels != nil {
		rule.ExemptChannels = *body.ExemptChannels
	}
	created, err := h.guilds.CreateAutoModRule(r.Context(), id, u.ID, rule)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, created)
	return nil
}

func (h *Handler) editAutoModRule(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	guildID, ruleID, err := autoModPath(r)
	if err != nil {
		return err
	}
	var body autoModBody
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	rule, err := h.guilds.EditAutoModRule(r.Context(), guildID, u.ID, ruleID, guild.AutoModEdit{
		Name: body.Name, EventType: body.EventType, TriggerMetadata: body.TriggerMetadata, Actions: body.Actions,
		Enabled: body.Enabled, ExemptRoles: body.ExemptRoles, ExemptChannels: body.ExemptChannels,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rule)
	return nil
}

func (h *Handler) deleteAutoModRule(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	guildID, ruleID, err := autoModPath(r)
	if err != nil {
		return err
	}
	if err := h.guilds.DeleteAutoModRule(r.Context(), guildID, u.ID, ruleID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
