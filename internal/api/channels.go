package api

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/accordchat/accord/internal/chat"
	"github.com/accordchat/accord/internal/guild"
	"github.com/accordchat/accord/internal/protocol"
)

func (h *Handler) getChannel(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	if ok, err := h.private(r.Context(), id); err != nil || ok {
		if err != nil {
			return err
		}
		c, err := h.dms.Channel(r.Context(), id, u.ID)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c)
		return nil
	}
	c, err := h.guilds.Channel(r.Context(), id, u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (h *Handler) editChannel(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	if ok, err := h.private(r.Context(), id); err != nil || ok {
		if err != nil {
			return err
		}
		return h.editGroupDM(w, r, u, id)
	}
	var body struct {
		Name                 *string          `json:"name"`
		Topic                nullableString   `json:"topic"`
		Position             *int             `json:"position"`
		NSFW                 *bool            `json:"nsfw"`
		RateLimitPerUser     *int             `json:"rate_limit_per_user"`
		ParentID             nullableID       `json:"parent_id"`
		PermissionOverwrites *[]overwriteBody `json:"permission_overwrites"`
		threadSettingsBody
		threadEditBody
	}
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	forum, err := body.forumEdit()
	if err != nil {
		return err
	}
	thread, err := body.threadEdit()
	if err != nil {
		return err
	}
	e := guild.ChannelEdit{Topic: body.Topic.ptr(), Position: body.Position, NSFW: body.NSFW,
		RateLimit: body.RateLimitPerUser, ParentID: body.ParentID.ptr(), Forum: forum, Thread: thread}
	if body.Name != nil {
		if err := validChannelName(*body.Name); err != nil {
			return err
		}
		e.Name = body.Name
	}
	if e.Topic != nil && utf8.RuneCountInString(*e.Topic) > protocol.MaxChannelTopic {
		return protocol.InvalidForm(lengthError("topic", 0, protocol.MaxChannelTopic))
	}
	if e.RateLimit != nil {
		if err := intRange("rate_limit_per_user", *e.RateLimit, 0, protocol.MaxRateLimitPerUser); err != nil {
			return err
		}
	}
	if body.PermissionOverwrites != nil {
		ows, err := overwrites("permission_overwrites", *body.PermissionOverwrites)
		if err != nil {
			return err
		}
		e.Overwrites = &ows
	}
	c, err := h.guilds.EditChannel(r.Context(), id, u.ID, e)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (h *Handler) deleteChannel(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	if ok, err := h.private(r.Context(), id); err != nil || ok {
		if err != nil {
			return err
		}
		c, err := h.dms.Close(r.Context(), id, u.ID)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c)
		return nil
	}
	c, err := h.guilds.DeleteChannel(r.Context(), id, u.ID)
	if err != nil {
		return err
	}
	h.dropChannelWebhooks(r.Context(), c.GuildID, id)
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (h *Handler) putOverwrite(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	target, err := pathID(r, "overwrite_id")
	if err != nil {
		return err
	}
	var body overwriteBody
	if err := h.decode(w, r, &body); err != nil {
		return err
	}
	body.ID = target
	ows, err := overwrites("", []overwriteBody{body})
	if err != nil {
		return protocol.InvalidForm(protocol.FieldError{Path: "type", Code: protocol.FieldBaseTypeChoices, Message: "Value must be one of {0, 1}."})
	}
	if err := h.guilds.PutOverwrite(r.Context(), id, u.ID, ows[0]); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) deleteOverwrite(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	target, err := pathID(r, "overwrite_id")
	if err != nil {
		return err
	}
	if err := h.guilds.DeleteOverwrite(r.Context(), id, u.ID, target); err != nil {
		return err
	}
	return noContent(w)
}

func (h *Handler) createInvite(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	body := struct {
		MaxAge  *int `json:"max_age"`
		MaxUses int  `json:"max_uses"`
	}{}
	b, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(b))) > 0 {
		if err := decodeJSON(b, &body); err != nil {
			return err
		}
	}
	maxAge := protocol.InviteDefaultMaxAge
	if body.MaxAge != nil {
		maxAge = *body.MaxAge
	}
	if maxAge < 0 || maxAge > protocol.InviteMaxAge {
		return protocol.InvalidForm(protocol.FieldError{Path: "max_age", Code: protocol.FieldNumberTypeMax, Message: "int value should be less than or equal to 604800."})
	}
	if body.MaxUses < 0 || body.MaxUses > protocol.InviteMaxUses {
		return protocol.InvalidForm(protocol.FieldError{Path: "max_uses", Code: protocol.FieldNumberTypeMax, Message: "int value should be less than or equal to 100."})
	}
	inv, err := h.guilds.CreateInvite(r.Context(), id, u.ID, maxAge, body.MaxUses)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inv)
	return nil
}

func (h *Handler) getInvite(w http.ResponseWriter, r *http.Request, _ *chat.User) error {
	inv, err := h.guilds.InviteInfo(r.Context(), r.PathValue("code"), queryBool(r, "with_counts"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inv)
	return nil
}

func (h *Handler) acceptInvite(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	inv, err := h.guilds.AcceptInvite(r.Context(), r.PathValue("code"), u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inv)
	return nil
}

func (h *Handler) listChannelInvites(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "channel_id")
	if err != nil {
		return err
	}
	invs, err := h.guilds.ChannelInvites(r.Context(), id, u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, invs)
	return nil
}

func (h *Handler) listGuildInvites(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	id, err := pathID(r, "guild_id")
	if err != nil {
		return err
	}
	invs, err := h.guilds.GuildInvites(r.Context(), id, u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, invs)
	return nil
}

func (h *Handler) deleteInvite(w http.ResponseWriter, r *http.Request, u *chat.User) error {
	inv, err := h.guilds.DeleteInvite(r.Context(), r.PathValue("code"), u.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inv)
	return nil
}
